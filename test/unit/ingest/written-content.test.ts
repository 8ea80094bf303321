import { describe, expect, it } from 'vitest';
import { writtenContentSha256 } from '../../../src/ingest/written-content.js';

const mail = ['From: Ana <ana@cliente.mx>', 'To: soporte@example.test', 'Subject: Factura', '  rechazada', 'Date: Mon, 23 Nov 2026 10:00:00 -0600', '', 'Hola,', '', 'no timbra.', ''].join('\r\n');
/** The mail in pieces of `size` bytes, as a socket may hand it over (a CRLF split between two pieces). */
const pieces = (text: string, size: number) => Array.from({ length: Math.ceil(text.length / size) }, (_, i) => Buffer.from(text.slice(i * size, (i + 1) * size), 'latin1'));
const key = (text: string, size = text.length) => writtenContentSha256(pieces(text, size));

describe('the hash of what a sender wrote (the key of a mail without Message-ID)', () => {
  it('is the same whatever the line ends, the pieces it comes in, the trace fields and the order of fields', async () => {
    const expected = await key(mail);
    const lf = mail.replace(/\r\n/g, '\n');
    const copies = [
      lf,
      `From ana@cliente.mx  Mon Nov 23 10:00:02 2026\n${lf}\n\n`,
      `Received: from a\r\n\tby b; Mon, 23 Nov 2026 10:00:02 -0600\r\nX-UID: 4\r\n${mail}`,
      mail.replace('To: soporte@example.test\r\n', '').replace('Date:', 'To:  soporte@example.test\r\nDate:'),
      mail.replace('Subject: Factura\r\n  rechazada', 'Subject: Factura\r\n\trechazada'),
    ];
    for (const copy of copies) expect(await key(copy), copy).toBe(expected);
    for (const size of [1, 2, 3, 7]) expect(await key(mail, size), `pieces of ${size}`).toBe(expected);
  });

  it('differs when the body or a written field does, by one byte', async () => {
    const expected = await key(mail);
    const changed = [mail.replace('no timbra.', 'no timbra!'), mail.replace('Hola,\r\n\r\n', 'Hola,\r\n'), mail.replace('Factura', 'Facturas'), mail.replace('10:00:00', '10:00:01'), `Cc: luis@cliente.mx\r\n${mail}`];
    for (const copy of changed) expect(await key(copy), copy).not.toBe(expected);
  });

  it('keeps a mail whose header block never ends apart from its body-less twin', async () => {
    const headersOnly = ['From: ana@cliente.mx', 'Subject: Hola', 'Texto sin separador'].join('\r\n');
    expect(await key(headersOnly)).not.toBe(await key(headersOnly.replace('Texto', 'Otro texto')));
  });
});
