/**
 * A delivery report or an out-of-office that answers no ticket leaves only its inbound-log row. sisimai's corpus
 * (../shared/corpus/sisimai) holds each of several such mails three times, with LF (bsd), CRLF (dos) and CR (mac)
 * line ends: the copy an MTA pipes in and the one fetched over IMAP. The second and third copy are the same mail
 * and must be logged `duplicate`, not as a second and third bounce or auto-reply.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { corpusRoot } from '../support/corpus.js';
import { createTestApp, type TestApp } from '../support/app.js';

const maildir = path.join(corpusRoot, 'sisimai', 'set-of-emails', 'maildir');
const present = ['bsd', 'dos', 'mac'].every((d) => fs.existsSync(path.join(maildir, d)));

let app: TestApp;
afterEach(async () => app?.dispose());

async function outcomes(name: string): Promise<string[]> {
  const got: string[] = [];
  for (const dir of ['bsd', 'dos', 'mac']) {
    const file = path.join(maildir, dir, name);
    got.push((await app.pipeline.ingest(fs.readFileSync(file), { source: 'file', sourceRef: file })).outcome);
  }
  return got;
}

describe.skipIf(!present)(`copies of a mail that left only its log row, with other line ends${present ? '' : ' (skipped: ../shared/corpus/sisimai is absent)'}`, () => {
  it('a bounce without Message-ID (lhost-activehunter-01.eml) is one bounce and two duplicates', async () => {
    app = await createTestApp();
    expect(await outcomes('lhost-activehunter-01.eml')).toEqual(['bounce', 'duplicate', 'duplicate']);
  });

  it('an out-of-office on no ticket (rfc3834-01.eml, with a Message-ID) is one auto-reply and two duplicates', async () => {
    app = await createTestApp();
    expect(await outcomes('rfc3834-01.eml')).toEqual(['auto_reply', 'duplicate', 'duplicate']);
  });
});
