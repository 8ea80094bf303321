// The From-field count reads only the header block, wherever its empty line ends (LF, CRLF, an old Mac mail's bare
// CR, mixed): a forwarded mail's quoted "From:" in the body counted as a second From and an authorised customer's
// mail was believed from no one (held or rejected as forged). The block ends where mailparser ends it: a bare CR
// line in a mail of LF or CRLF lines is no empty line to it, and hid a second From field from the count.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromFieldCount, UNENDED } from '../../../src/ingest/from-fields.js';
import { peekHeaders } from '../../../src/ingest/peek-headers.js';
import { parseMail, parseMailStream } from '../../../src/ingest/parse.js';
import { BlobStore } from '../../../src/store/blobs.js';
import { chunks } from '../../support/chunks.js';
import { headerEnd } from '../../../src/ingest/header-end.js';

const b = (s: string) => Buffer.from(s, 'latin1');
const quoted = 'Hola\r\n-----Original Message-----\r\nFrom: Luis <luis@cliente.mx>\r\n';

describe('From fields counted in the header block only', () => {
  it('lookalikes (mbox From line, X-Original-From, Resent-From, a folded "from:") and a body From: count one', () => {
    expect(fromFieldCount(b('From ana@cliente.mx Thu Dec  3 10:00:00 2026\r\nFrom: ana@cliente.mx\r\nX-Original-From: x@y.z\r\nResent-From: r@y.z\r\nSubject: hi\r\n from: folded\r\n\r\nFrom: in body\r\n'))).toBe(1);
  });
  for (const [what, mail] of [
    ['LF header lines, CRLF empty line', `From: ana@cliente.mx\nSubject: hi\nMessage-ID: <a@b>\n\r\n${quoted}`],
    ['bare-CR line ends', 'From: ana@cliente.mx\rSubject: hi\rMessage-ID: <a@b>\r\rHola\r-----Mensaje original-----\rFrom: Luis <luis@cliente.mx>\r'],
    ['CRLF header lines, LF empty line', `From: ana@cliente.mx\r\nSubject: hi\r\nMessage-ID: <a@b>\r\n\n${quoted}`],
  ] as const) {
    it(`${what}: the quoted From: of the body is no second field (count, peek, parse)`, async () => {
      expect(fromFieldCount(b(mail))).toBe(1);
      expect((await peekHeaders(b(mail))).fromCount).toBe(1);
      expect((await parseMail(b(mail))).fromCount).toBe(1);
    });
  }
  it('a bare CR after CRLF lines ends nothing, as mailparser reads it: what follows is header, a From there a second field', async () => {
    // mailparser ends the block only at an empty LF or CRLF line: it reads the quoted lines as fields and no body.
    for (const mail of [`From: ana@cliente.mx\r\nSubject: hi\r\nMessage-ID: <a@b>\r\n\r${quoted}`, 'From: ana@cliente.mx\n\rFrom: x@evil.example\nSubject: s\n\nbody\n']) {
      const parsed = await parseMail(b(mail));
      expect(parsed.headers.get('from')).toHaveLength(2);
      expect(fromFieldCount(b(mail))).toBe(2);
      expect((await peekHeaders(b(mail))).fromCount).toBe(2);
      expect(parsed.fromCount).toBe(2);
    }
    expect(headerEnd('From: a@b\r\n\rFrom: c@d\r\nSubject: s\r\n\r\nbody')).toEqual({ head: 33, body: 37 });
  });
  it('two From fields in the header block still count two', () => {
    expect(fromFieldCount(b('From: ana@cliente.mx\nFrom: x@evil.example\n\r\nbody\r\n'))).toBe(2);
  });
  it('a CR last in what was read is not yet an empty line (it may start a CRLF)', () => {
    expect(headerEnd('From: a@b\r\n\r')).toBeNull();
    expect(headerEnd('From: a@b\r\n\r\nbody')).toEqual({ head: 9, body: 13 });
  });
});

// Review: only the bytes read are counted; a header block that does not end within a mail's first bytes may hide a
// From after them. Such a count is UNENDED (believed from no one); the whole mail, or a block that ends, counts as before.
describe('a header block that does not end within the bytes read', () => {
  const paddedBy = (n: number) => b(`From: ana@cliente.mx\r\nX-Relleno: ${'x'.repeat(n)}\r\nFrom: x@evil.example\r\nSubject: s\r\n\r\nhola\r\n`);
  const padded = paddedBy(100_000);
  it('a mail\'s first bytes without the header end count UNENDED; the whole mail, or first bytes with the end, count', () => {
    expect(fromFieldCount(padded.subarray(0, 64 * 1024), 'start')).toBe(UNENDED);
    expect(fromFieldCount(padded, 'start')).toBe(2);
    expect(fromFieldCount(b('From: ana@cliente.mx\r\nSubject: s'), 'whole')).toBe(1);
    expect(fromFieldCount(b('From: ana@cliente.mx\r\nSubject: s\r\n\r\nho'), 'start')).toBe(1);
  });
  it('an old Mac mail\'s first bytes (bare CRs, no LF) end at their empty line; unended, or with LFs, UNENDED', () => {
    const mac = 'From: ana@cliente.mx\rSubject: s\r\rhola\r';
    expect(fromFieldCount(b(`${mac}${'linea\r'.repeat(20_000)}`), 'start')).toBe(1);
    expect(fromFieldCount(b(`From: ana@cliente.mx\rX-Relleno: ${'x\r '.repeat(20_000)}`), 'start')).toBe(UNENDED);
    // Bare CRs the most, and an LF: a reader of LF lines may be between fields, a From after the bytes its next.
    expect(fromFieldCount(b(`${mac}${'linea\r'.repeat(20_000)}\nFrom: x@evil.example\n`), 'start')).toBe(UNENDED);
  });
  it('the peek and a streamed parse whose first bytes do not hold the block: UNENDED; the in-memory parse counts two', async () => {
    // The peek reads a MiB, as the parser's header block may be (mailsplit refuses a larger one).
    expect((await peekHeaders(padded)).fromCount).toBe(2);
    expect((await peekHeaders(paddedBy(1_100_000))).fromCount).toBe(UNENDED);
    expect((await parseMail(padded)).fromCount).toBe(2);
    const root = mkdtempSync(path.join(tmpdir(), 'ventanilla-blobs-'));
    try {
      const spill = { blobs: new BlobStore(root), inMemoryBytes: 1024, maxBytes: 1024 * 1024 };
      expect((await parseMailStream(() => chunks(padded, 65536), padded.subarray(0, 64 * 1024), spill)).fromCount).toBe(UNENDED);
      expect((await parseMailStream(() => chunks(padded, 65536), padded, spill)).fromCount).toBe(2);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
