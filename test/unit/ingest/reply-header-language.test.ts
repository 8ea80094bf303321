import { describe, expect, it } from 'vitest';
import { replyHeaderLanguage } from '../../../src/ingest/visible-text/reply-language.js';

const quoted = (header: string[]) => ['Hello', '', ...header, '', '> ¿Probaste reiniciar el módem?', '>', '> Soporte'].join('\n');

describe('the language of the reply header a mail client wrote above the quote', () => {
  it('reads English, Spanish and Portuguese attribution lines', () => {
    expect(replyHeaderLanguage(quoted(['On Mon, Jan 5, 2026 at 10:00 AM Ana <a@x.com> wrote:']))).toBe('en');
    expect(replyHeaderLanguage(quoted(['El lun, 5 ene 2026 a las 10:00, Ana (<a@x.com>) escribió:']))).toBe('es');
    expect(replyHeaderLanguage(quoted(['Em seg., 5 de jan. de 2026 às 10:00, Ana <a@x.com> escreveu:']))).toBe('pt');
  });

  it("reads Outlook's quote header blocks, telling Spanish from Portuguese by the words they do not share", () => {
    expect(replyHeaderLanguage(quoted(['-----Original Message-----', 'From: Soporte <soporte@example.test>', 'Sent: Monday, January 5, 2026 10:00 AM', 'To: Ana <a@x.com>', 'Subject: RE: Consulta']))).toBe('en');
    expect(replyHeaderLanguage(quoted(['________________________________', 'De: Soporte <soporte@example.test>', 'Enviado: lunes, 5 de enero de 2026 10:00', 'Para: Ana <a@x.com>', 'Asunto: RE: Consulta']))).toBe('es');
    expect(replyHeaderLanguage(quoted(['De: Soporte <soporte@example.test>', 'Enviado: segunda-feira, 5 de janeiro de 2026 10:00', 'Para: Ana <a@x.com>', 'Assunto: RE: Consulta']))).toBe('pt');
    expect(replyHeaderLanguage(quoted(['-----Mensaje original-----']))).toBe('es');
    expect(replyHeaderLanguage(quoted(['-----Mensagem original-----']))).toBe('pt');
  });

  it("goes by the first header, the sender's own client, not those of the history under it", () => {
    const text = ['Hello', '', 'On Mon, Jan 5, 2026 at 10:00 AM Ana <a@x.com> wrote:', '> Hola', '>', '> El dom, 4 ene 2026 a las 09:00, Soporte <s@x.com> escribió:', '>> ¿Probaste?'].join('\n');
    expect(replyHeaderLanguage(text)).toBe('en');
  });

  it('reads a header the client put inside the quote, when nothing above it is one (Apple Mail, Hotmail)', () => {
    expect(replyHeaderLanguage(['Hello', '> On 22 Aug 2015, at 19:21, Adam <a@x.com> wrote:', '>', '> Hi there!'].join('\n'))).toBe('en');
    expect(replyHeaderLanguage(['Hello', '', '> Subject: Test', '> From: bob@x.com', '> Date: Mon, 2 Apr 2012 17:44:22 +0400', '> ', '> Hi'].join('\n'))).toBe('en');
    expect(replyHeaderLanguage(['Hola', '> El 5 ene 2026, a las 10:00, Ana <a@x.com> escribió:', '>', '> Hi there!'].join('\n'))).toBe('es');
    // A quote that opens with the quoted mail's own words is no header, whatever words follow it.
    expect(replyHeaderLanguage(['Hello', '> Hola, Ana:', '> Asunto: Consulta', '>', '> Soporte'].join('\n'))).toBeNull();
    // A header above the quote is the client's; one inside the quote under it is the history's.
    expect(replyHeaderLanguage(['Hello', 'El lun, 5 ene 2026 a las 10:00, Ana <a@x.com> escribió:', '> On Sun, Jan 4, 2026 at 9:00 AM Bo <b@x.com> wrote:', '>> Hi'].join('\n'))).toBe('es');
  });

  it('says nothing without a header, or of one in none of the three', () => {
    expect(replyHeaderLanguage('Hello')).toBeNull();
    expect(replyHeaderLanguage('')).toBeNull();
    expect(replyHeaderLanguage(quoted(['Am 05.01.2026 um 10:00 schrieb Ana <a@x.com>:']))).toBeNull();
    // Italian Outlook: its "Data:" is no Portuguese one (discourse's email_headers_4.txt).
    expect(replyHeaderLanguage(quoted(['Da: Sally', 'Risposta: Testy / Test', 'Data: giovedì 8 ottobre 2015 15:26', 'A: Testy', 'Oggetto: Test | Issue (#3)']))).toBeNull();
  });

  it('reads the HTML part of a mail without a text one', () => {
    const html = '<p>Hello</p><div>On Mon, Jan 5, 2026 at 10:00 AM Ana &lt;a@x.com&gt; wrote:</div><blockquote><p>¿Probaste?</p></blockquote>';
    expect(replyHeaderLanguage('', html)).toBe('en');
  });
});
