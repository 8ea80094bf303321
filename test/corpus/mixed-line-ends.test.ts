/**
 * sisimai's old Mac copies (maildir/mac: bare-CR line ends; one, reported-from-nick4tech-san-01, with a last LF) with
 * the LF and CRLF lines a relay adds to such a mail: its trace fields on top in CRLF lines, its body rewritten in LF
 * lines. The gateway told old Mac mail by counting line ends, and such a copy (as many LFs as bare CRs) was read as
 * one long header line: no sender, quarantined. Each must read as its LF original (maildir/bsd) reads: the same
 * sender, subject, Message-ID and text. Every file of the corpora (its real mixed-ending ones too:
 * sisimai's lhost-dragonfly-01, stalwart's legacy/049, CRLF lines and a stray CR) is read the way it was.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMail, type InboundMail } from '../../src/ingest/parse.js';
import { bareCrsEndLines, endsLinesWithBareCr } from '../../src/ingest/raw-head.js';
import { corpusRoot, walk } from '../support/corpus.js';

const maildir = path.join(corpusRoot, 'sisimai', 'set-of-emails', 'maildir');
const haveCorpus = fs.existsSync(path.join(maildir, 'mac'));

/** A relay's trace fields, in CRLF lines: more line ends than a short mail's bare CRs. */
const TRACE = [
  'Return-Path: <>',
  'Delivered-To: soporte@example.test',
  'X-Original-To: soporte@example.test',
  ...Array.from({ length: 20 }, (_, i) => `Received: from relay${i}.example.net (relay${i}.example.net [10.0.0.${i}])\r\n\tby mx.example.test with ESMTPS id R${i}; Mon, 23 Nov 2026 10:00:00 -0600`),
].join('\r\n') + '\r\n';

/** The body (after the first empty bare-CR line) with its line ends made LF, as a relay rewriting it in LF lines does. */
function withBodyInLfLines(raw: Buffer): Buffer {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\r');
  return Buffer.from(text.slice(0, end + 2) + text.slice(end + 2).replace(/\r\n?/g, '\n'), 'latin1');
}

const read = (m: InboundMail) => ({ from: m.from?.address ?? null, subject: m.subject, messageId: m.messageId, text: m.text.replace(/\r\n?/g, '\n').replace(/\s+$/, '') });

describe.skipIf(!haveCorpus)(`old Mac mail with a relay's LF and CRLF lines (${haveCorpus ? 'present' : `absent: ${maildir}`})`, () => {
  it('every Mac copy, with trace fields on top or its body in LF lines, reads as its LF original', async () => {
    const files = fs.readdirSync(path.join(maildir, 'mac')).filter((f) => fs.existsSync(path.join(maildir, 'bsd', f)));
    expect(files.length).toBeGreaterThan(50);
    const misread: string[] = [];
    for (const file of files) {
      const want = read(await parseMail(fs.readFileSync(path.join(maildir, 'bsd', file))));
      const mac = fs.readFileSync(path.join(maildir, 'mac', file));
      for (const [how, raw] of [
        ['as it came', mac],
        ['trace fields on top', Buffer.concat([Buffer.from(TRACE), mac])],
        ['body in LF lines', withBodyInLfLines(mac)],
      ] as const) {
        const got = read(await parseMail(raw));
        if (JSON.stringify(got) !== JSON.stringify(want)) misread.push(`${file} (${how}): ${JSON.stringify(got).slice(0, 160)}`);
      }
    }
    expect(misread).toEqual([]);
  });

  it('no mail of the corpora is read otherwise than the count read it (its parse, and so its duplicate check, as before)', () => {
    const changed = walk(corpusRoot).filter((file) => !file.endsWith('.json')).filter((file) => {
      const raw = fs.readFileSync(file);
      return bareCrsEndLines(raw) !== endsLinesWithBareCr(raw);
    });
    expect(changed).toEqual([]);
  });
});
