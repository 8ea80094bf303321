import { describe, expect, it } from 'vitest';
import { asksSomething, writtenSubject } from '../../../src/bulletins/reader-asks.js';
import { aboveSignatureMarks } from '../../../src/bulletins/courtesies.js';

describe('what a reader of a bulletin asks', () => {
  it.each([
    '¿Esto aplica a personas físicas?', 'Aplica a honorarios?', 'Necesito el formato del aviso', 'Tengo una duda sobre el anexo 20',
    'Quisiera saber si aplica en Jalisco', 'Favor de enviarme la constancia', 'Preciso do modelo', 'Gostaria de saber se vale para MEI',
    'Could you send the decree', 'I need the form', 'Question about the VAT reform', 'Podrían confirmar la fecha',
  ])('%j asks', (text) => expect(asksSomething(text)).toBe(true));

  it.each([
    'Gracias por compartir', 'Muito obrigado pelas informações', 'Thank you for keeping us informed', 'Gracias por su ayuda',
    'Muchas gracias, que tengan buen fin de semana', 'Enterado.\n\nAna Pérez\nContadora General\nTel. +52 55 1234 5678',
    'Saludos\nhttps://cliente.mx/contacto?ref=firma\nwww.cliente.mx/?a=1', 'Consultoría Fiscal Pérez S.C.', '',
  ])('%j asks nothing', (text) => expect(asksSomething(text)).toBe(false));

  it("a subject less its prefixes, tags and a bulletin's title", () => {
    const titles = ['¿Qué cambia en 2027?', 'O que muda?'];
    expect(writtenSubject('RE: [EXTERNAL] RE:  ¿qué cambia en 2027?', titles)).toBe('');
    expect(writtenSubject('[EXTERNO] Re: Fwd: O que muda? - dúvida', titles)).toBe('dúvida');
    expect(writtenSubject('Consulta: ¿retenciones?', titles)).toBe('consulta: ¿retenciones?');
  });
});

describe('requests a reader writes (review R4)', () => {
  it.each([
    'Envíen el formato, por favor',
    'Me pueden indicar si aplica a RESICO',
    'Me podrían indicar el plazo',
    'Favor de confirmar',
    'Solicito el anexo',
    'Requiero la constancia',
    'Nos pueden enviar el formato',
    'Agradecería me envíen el formato',
    'Mándenme el archivo por favor',
    'Me interesa recibir el formato en Excel',
    'Quisiéramos saber si aplica',
    'Pueden enviarlo a ana@cliente.mx?',
    'Aplica también a www.sat.gob.mx/tramite?',
    'Por favor envíenme el decreto',
    'Pueden compartir el PDF',
    'Podem enviar o formulário?',
    'Podem enviar o formulário',
    'Me mandem o modelo, por favor',
    'Please send me the form',
    'Kindly share the decree',
    'Send me the form please',
    'Is this applicable to us',
    'Does this apply to Jalisco',
    'Gracias. Could you confirm the deadline',
    '¿Qué tal? ¿Aplica a RESICO?',
    // " | " parts with no contact detail are no one-line signature, and a line after one is the reader's.
    'Régimen 612 | Sueldos | ¿aplica la prórroga?',
    'Régimen 612 | 2027-01-31 | ¿aplica la prórroga?',
    'Gracias.\nAna Pérez | Contadora | Tel. 55 1234 5678\n¿El nuevo plazo aplica a personas físicas?',
  ])('%j asks', (text) => expect(asksSomething(text)).toBe(true));
});

describe('courtesies ask nothing (review R4)', () => {
  it.each([
    '¿Qué tal? Gracias por la información',
    'Saludos, ¿cómo están?',
    'Hola, ¿cómo les va? Muchas gracias por compartir',
    'Tudo bem? Obrigado pelo boletim',
    'How are you? Thanks for the update',
    'Gracias. Ana Pérez | Tel. (55) 1234-5678 | ¿Sabías que puedes facturar en línea? Visítanos',
    'Gracias. Ana Pérez | +52 55 1234 5678 ext. 204 | ¿Sabías que puedes facturar en línea?',
    'Gracias. Ana Pérez | Contadora | ana@cliente.mx | ¿Ya conoces el portal?',
    'Gracias. Ana Pérez | Contadora | www.cliente.mx | ¿Ya conoces el portal?',
    'Gracias\n--\nEste correo es confidencial. ¿Necesita factura? Escriba a facturas@cliente.mx',
    'Gracias por la información, quedamos a sus órdenes para cualquier duda',
    'Gracias, quedamos a sus órdenes para cualquier duda o aclaración',
    'Gracias, quedamos a sus órdenes para cualquier duda (o aclaración)',
    'Gracias, cualquier duda les escribo',
    'Muchas gracias, sin dudas muy útil',
    'Obrigado, qualquer dúvida entro em contato',
    'Thanks, no questions from our side',
    'Gracias, nos podría ser útil más adelante',
    'Ver cliente.mx/contacto?ref=firma',
    'Thanks for sharing. Do not hesitate to contact us',
  ])('%j asks nothing', (text) => expect(asksSomething(text)).toBe(false));
});

describe('the subject less a bulletin title', () => {
  it('keeps a fresh mail\'s subject whole, even when it equals a title', () => {
    expect(asksSomething(writtenSubject('¿Aplica a personas físicas?', ['¿Aplica a personas físicas?']))).toBe(true);
    expect(writtenSubject('Dudas sobre retenciones', ['Dudas'])).toContain('dudas');
  });
  it('removes the title from a reply\'s subject, and only whole', () => {
    expect(writtenSubject('RE: ¿Qué cambia con la reforma?', ['¿Qué cambia con la reforma?'])).toBe('');
    expect(writtenSubject('RE: Reforma del IVA - duda sobre personas morales', ['Reforma del IVA'])).toBe('duda sobre personas morales');
    expect(writtenSubject('¿Qué cambia con la reforma?', ['¿Qué cambia con la reforma?'], { reply: true })).toBe('');
    expect(writtenSubject('RE: Dudas sobre retenciones', ['Duda'])).toContain('dudas');
    expect(writtenSubject('[EXTERNAL] Consulta sobre retenciones', ['Consulta'])).toContain('consulta');
  });
});

describe('a one-line signature set off by " | " (review: a question near such a line was feared cut)', () => {
  const ana = { name: 'Ana Pérez', address: 'ana@cliente.mx' };
  it("opened by the sender's own name, with no contact detail, it is cut; by another's words it is the reader's", () => {
    expect(asksSomething('Gracias.\nAna Pérez | Contadora | ¿Sabías que puedes facturar en línea?', ana)).toBe(false);
    expect(asksSomething('Gracias.\nRégimen Fiscal | Sueldos | ¿aplica la prórroga?', ana)).toBe(true);
  });
  it('the line after it is kept, whoever signs', () => {
    expect(asksSomething('Gracias.\nAna Pérez | Contadora | Tel. 55 1234 5678\nNecesito saber si aplica a RESICO', ana)).toBe(true);
  });
});

describe('a long line of " | " parts is read in linear time (review: screening)', () => {
  // The contact-detail pattern tried a link's host ("cliente.mx/") from every letter of a run: a part of 40,000
  // letters took 1.5 s, growing with the square of its length (the reader's text is cut at 5,000 characters first).
  // No timed assertion (speed belongs to the benchmarks): 200,000 letters took the old pattern 36 s, past the test's
  // timeout, which vitest reports once the synchronous work ends; the linear one takes milliseconds.
  it.each([
    ['letters', 'x | y | ' + 'a'.repeat(200_000)],
    ['letters and hyphens', 'x | y | ' + 'a-'.repeat(100_000)],
    ['digits and spaces', 'x | y | tel ' + '1 '.repeat(100_000) + 'z'],
    ['an at sign, then letters', 'x | y | a@' + 'b'.repeat(200_000)],
  ])('%s', { timeout: 20_000 }, (_what, line) => {
    expect(aboveSignatureMarks(line)).toBe(line);
  });
});
