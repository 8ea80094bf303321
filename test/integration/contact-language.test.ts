/**
 * The language of a customer's notices, as they receive them: a first mail too short to tell ("Hello") is
 * answered in the language of the reply header their client wrote above the quote, and a customer whose language
 * was only guessed gets the language of a later mail that says it plainly. A language set by a person stays.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, mail, type TestApp } from '../support/app.js';

// The first line of the acknowledgement in each language (templates/*/acknowledgement).
const GREETING = { es: /^Hola[ ,:]/, pt: /^Olá[ ,:]/, en: /^Hello[ ,:]/ } as const;

let app: TestApp;
afterEach(async () => app?.dispose());

async function acknowledgementLanguage(from: string, body: string): Promise<string> {
  const result = await app.pipeline.ingest(mail({ headers: { From: from }, body }), { source: 'file' });
  const ack = await app.db.outboxMail.findFirstOrThrow({ where: { template: 'acknowledgement', ticket: { number: result.ticketNumber as number } } });
  const first = ack.text.trim().split('\n')[0] ?? '';
  return Object.entries(GREETING).find(([, re]) => re.test(first))?.[0] ?? `unknown: ${first}`;
}

const QUOTE = ['', '> Estimado cliente, le escribimos para confirmar su cita.', '>', '> Saludos'];
const reply = (text: string, header: string[]) => [text, '', ...header, ...QUOTE].join('\n');

describe('the language of a first mail too short to tell is that of its reply header', () => {
  it("an English, Spanish or Portuguese client's attribution line or Outlook header decides", async () => {
    app = await createTestApp();
    const got = [
      await acknowledgementLanguage('Ana <ana@example.org>', reply('Hello', ['On Mon, Jan 5, 2026 at 10:00 AM Ana <a@x.com> wrote:'])),
      await acknowledgementLanguage('Bea <bea@example.org>', reply('Hello', ['-----Original Message-----', 'From: Soporte <s@x.com>', 'Sent: Monday, January 5, 2026 10:00 AM', 'To: Bea <bea@example.org>', 'Subject: Cita'])),
      await acknowledgementLanguage('Caio <caio@example.org>', reply('Olá', ['Em seg., 5 de jan. de 2026 às 10:00, Soporte <s@x.com> escreveu:'])),
      await acknowledgementLanguage('Dora <dora@example.org>', reply('Hello', ['El lun, 5 ene 2026 a las 10:00, Soporte (<s@x.com>) escribió:'])),
    ];
    expect(got).toEqual(['en', 'en', 'pt', 'es']);
  });

  it("the sender's country says more than their client's header: a Mexican customer on an English Outlook stays Spanish", async () => {
    app = await createTestApp();
    expect(await acknowledgementLanguage('Eva <eva@empresa.com.mx>', reply('Hello', ['On Mon, Jan 5, 2026 at 10:00 AM Soporte <s@x.com> wrote:']))).toBe('es');
  });
});

describe("a guessed language follows the customer's later mails", () => {
  it("a customer whose first mail told nothing gets the next ticket's acknowledgement in the language of a confident mail", async () => {
    app = await createTestApp();
    expect(await acknowledgementLanguage('Fred <fred@example.org>', 'Hello')).toBe('es');
    expect(await acknowledgementLanguage('Fred <fred@example.org>', 'Hi team, the sales tax report shows totals that do not match the invoices.')).toBe('en');
    // A mail too short to tell later on changes nothing.
    expect(await acknowledgementLanguage('Fred <fred@example.org>', 'Hola')).toBe('en');
  });

  it('a language guessed from one mail gives way to that of a later one', async () => {
    app = await createTestApp();
    expect(await acknowledgementLanguage('Gil <gil@example.org>', 'Bom dia, como exporto o ficheiro SAF-T de outubro? Obrigada')).toBe('pt');
    expect(await acknowledgementLanguage('Gil <gil@example.org>', 'Hola, no puedo timbrar las facturas desde esta mañana. Saludos')).toBe('es');
  });

  it('a language set by a person is never overwritten by a guess', async () => {
    app = await createTestApp();
    await app.db.contact.create({ data: { email: 'hugo@example.org', name: 'Hugo', locale: 'es-MX' } });
    expect(await acknowledgementLanguage('Hugo <hugo@example.org>', 'Hi team, the sales tax report shows totals that do not match the invoices.')).toBe('es');
  });
});
