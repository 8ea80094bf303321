import { describe, expect, it } from 'vitest';
import { createTestApp, mail } from '../support/app.js';
import { rawHeaderLines, type ReceivedMail } from '../support/smtp.js';
import { smtpAppPerTest } from '../support/smtp-app.js';

// RFC 5322 2.1.1: a line MUST be at most 998 characters, and SHOULD be at most 78. A header is folded only at
// whitespace, so a long word in a customer's subject (a pasted token, a URL, a run of one character) is folded
// only as RFC 2047 encoded-words, which may be cut anywhere.

const fixture = smtpAppPerTest();

/** The Subject header as the SMTP peer got it: its lines, folding kept. */
const subjectLines = (m: ReceivedMail): string[] => rawHeaderLines(m, 'Subject');

async function acknowledgementOf(subject: string): Promise<{ number: number; ack: ReceivedMail }> {
  const app = fixture.app();
  const r = await app.pipeline.ingest(mail({ headers: { Subject: subject } }), { source: 'file', sourceRef: 'subject' });
  expect(await app.drainer().drain()).toMatchObject({ sent: 1 });
  const [ack] = await fixture.smtp().waitFor(1);
  return { number: r.ticketNumber as number, ack: ack as ReceivedMail };
}

describe('a subject with a word too long for one header line', () => {
  const cases: Record<string, string> = {
    '1,200 ASCII characters without a space': 'x'.repeat(1200),
    'a 120-character URL after some words': `Error en https://portal.example.com/${'a'.repeat(90)}`,
    '1,200 non-ASCII characters without a space': 'ñ'.repeat(1200),
    'words, two long words, words': `hola ${'b'.repeat(200)} ${'c'.repeat(150)} adios`,
    'a literal "=?" and a long word': `Error =?x?= en ${'d'.repeat(100)}`,
  };
  for (const [name, subject] of Object.entries(cases)) {
    it(`${name}: every Subject line fits 78 characters, and the reader sees the whole subject with its ticket tag`, async () => {
      const { number, ack } = await acknowledgementOf(subject);
      const lines = subjectLines(ack);
      expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(78);
      // A ticket's subject is cut to 500 characters (thread-refs.ts ticketSubject).
      expect(ack.parsed.subject).toBe(`[#${number}] ${subject.slice(0, 500)}`);
    });
  }

  it('an ASCII subject keeps its ticket tag readable in the raw header', async () => {
    const { number, ack } = await acknowledgementOf('x'.repeat(1200));
    expect(subjectLines(ack)[0]).toMatch(new RegExp(`^Subject: \\[#${number}\\] `));
  });

  it('a refused sender\'s subject of 1,200 characters, quoted whole in the answer: no line over 998 characters reaches the server', async () => {
    // This answer quotes the mail's own subject, uncut.
    const app = await createTestApp({ ...fixture.smtp().env(), UNKNOWN_SENDER_POLICY: 'reject' });
    try {
      const subject = 'z'.repeat(1200);
      expect(await app.pipeline.ingest(mail({ headers: { From: 'x@desconocido.com', Subject: subject } }), { source: 'file', sourceRef: 'access' })).toMatchObject({ outcome: 'rejected' });
      await app.drainer().drain();
      const [answer] = await fixture.smtp().waitFor(1);
      const lines = subjectLines(answer as ReceivedMail);
      expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(78);
      expect(answer?.parsed.subject).toContain(subject);
    } finally {
      await app.dispose();
    }
  });

  it('a subject whose 500th character is half of an emoji: the cut keeps whole characters, no "\uFFFD" in any mail', async () => {
    const subject = `${'a'.repeat(499)}😀 y más texto`;
    const { number, ack } = await acknowledgementOf(subject);
    expect(ack.parsed.subject).toBe(`[#${number}] ${'a'.repeat(499)}`);
    expect(ack.parsed.text).not.toContain('\uFFFD');
    expect((await fixture.app().db.ticket.findFirstOrThrow()).subject).toBe('a'.repeat(499));
  });

  // A customer writing about mail their program sends pastes a raw header into the subject; their client encodes it,
  // so the ticket's subject holds the encoded-word as text. Sent back plain, every reader would decode it.
  it.each([
    ['ASCII', 'Los correos llegan con =?UTF-8?Q?Factura_n=C2=BA_12?= en el asunto'],
    ['with accents before it', 'Año fiscal: =?UTF-8?B?Q2Fmw6k=?='],
  ])('a subject holding a literal encoded-word (%s): the reader sees it as the customer wrote it', async (_, subject) => {
    const encoded = `=?UTF-8?B?${Buffer.from(subject).toString('base64')}?=`;
    const { number, ack } = await acknowledgementOf(encoded);
    expect(ack.parsed.subject).toBe(`[#${number}] ${subject}`);
    expect(Math.max(...subjectLines(ack).map((l) => l.length))).toBeLessThanOrEqual(78);
  });

  it('an ordinary subject is left as it was, plain text', async () => {
    const { number, ack } = await acknowledgementOf('No puedo timbrar la factura de noviembre');
    expect(subjectLines(ack)).toEqual([`Subject: [#${number}] No puedo timbrar la factura de noviembre`]);
  });
});
