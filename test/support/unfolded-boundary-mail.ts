import { attachmentPart } from './mislabelled-mail.js';

// A mail whose inner multipart lost its boundary's fold ("Content-Type: multipart/mixed;" then "boundary=..." at the
// start of the next line), as Verizon's and Apache James's gateways write them, with the text and an attachment
// inside that part: mailparser reads nothing of it until the line is folded back (parameter-lines.ts).

const CRLF = '\r\n';

export const UNFOLDED_TEXT = 'Adjunto el escaneo de la factura 4471; la impresora no la envía de otra forma.';

export function unfoldedBoundaryMail(id: string, attachment: { name: string; content: Buffer }): Buffer {
  const lines = [
    'From: Ana Ruiz <ana@cliente.mx>', 'To: soporte@example.test', 'Subject: Escaneo de la factura', `Message-ID: <${id}@cliente.mx>`,
    'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="outer"', '',
    '--outer', 'Content-Type: multipart/mixed;', 'boundary="inner"', '',
    '--inner', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', UNFOLDED_TEXT,
    '--inner', ...attachmentPart(attachment.name, attachment.content),
    '--inner--', '--outer--', '',
  ];
  return Buffer.from(lines.join(CRLF), 'utf8');
}
