import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { peekHeaders } from '../../src/ingest/peek-headers.js';
import { listServerNotice } from '../../src/ingest/stages/list-notices.js';
import { corpusRoot, walk } from '../support/corpus.js';

// The list servers' notice rule (stages/list-notices.ts) over every mail of the corpus, read from its header block
// (peek-headers.ts: the same fields the rule reads, without parsing ~900 bodies). The corpus holds no mail From a
// bare majordomo@, listserv@, sympa@, mailman@..., and no Mailman, majordomo, LISTSERV or Sympa notice: only posts
// and bounces through Mailman lists, which must stay what they are, and two fml notices (sisimai's lhost-fml-02 and
// -03, fml's own Message-ID). Pinned so that a change of the rule shows every file whose outcome moves.

const mails = walk(corpusRoot).filter((file) => file.endsWith('.eml'));

/** The files the rule takes for a list server's notice, with its reason, by path under the corpus. */
async function notices(): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for (const file of mails) {
    const peek = await peekHeaders(readFileSync(file));
    const notice = listServerNotice({ headers: peek.headers ?? new Map(), from: peek.from ? { address: peek.from, name: '' } : null });
    if (notice) found[relative(corpusRoot, file)] = notice;
  }
  return found;
}

describe.skipIf(mails.length === 0)(`the list servers' notice rule over the corpus (${join('..', 'shared', 'corpus')})`, () => {
  it('takes fml\'s two notices for notices, and no other corpus mail: Mailman posts and bounces through lists stay what they are', async () => {
    expect(mails.length).toBeGreaterThan(800);
    expect(await notices()).toEqual({
      'sisimai/set-of-emails/maildir/bsd/lhost-fml-02.eml': "a mailing-list server's own notice (fml's own Message-ID <200504292334.FMLFFFFFF0.neko-nyaan@example.org>)",
      'sisimai/set-of-emails/maildir/bsd/lhost-fml-03.eml': "a mailing-list server's own notice (fml's own Message-ID <201704292334.FMLFFF00002.neko@example.co.jp>)",
    });
  });
});
