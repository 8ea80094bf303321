import { readFileSync } from 'node:fs';

// A customer's mail whose text is Latin-1 bytes that say they are UTF-8 (or say nothing), as old clients and web
// forms write them, beside an attachment: the mislabelled text must read the same whatever the attachment's size.

const CRLF = '\r\n';

/** A base64 attachment part's header and body lines. */
export function attachmentPart(name: string, content: Buffer): string[] {
  return [`Content-Type: application/octet-stream; name="${name}"`, 'Content-Transfer-Encoding: base64', `Content-Disposition: attachment; filename="${name}"`, '',
    content.toString('base64').replace(/.{76}/g, (l) => l + CRLF).trimEnd()];
}

/**
 * Raw Latin-1 From name and Subject; a text/plain part that says UTF-8 and an HTML part whose charset is only in its
 * <meta>, both written in Latin-1; then the attachment.
 */
export function mislabelledMail(id: string, attachment: { name: string; content: Buffer }): Buffer {
  const html = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"></head><body><p>Mañana envío la factura; el año pasado la recepción no falló.</p></body></html>';
  const lines = [
    'From: José Muñoz <jose@cliente.mx>', 'To: soporte@example.test', 'Subject: Facturación electrónica rechazada', `Message-ID: <${id}@cliente.mx>`,
    'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="m1"', '',
    '--m1', 'Content-Type: multipart/alternative; boundary="a1"', '',
    '--a1', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', 'Mañana envío la factura; el año pasado la recepción no falló.',
    '--a1', 'Content-Type: text/html', 'Content-Transfer-Encoding: 8bit', '', html,
    '--a1--', '',
    '--m1', ...attachmentPart(attachment.name, attachment.content),
    '--m1--', '',
  ];
  return Buffer.from(lines.join(CRLF), 'latin1');
}

/**
 * A real single-part mail of the corpus (its own headers and text, charset mislabelled or missing) made the first
 * part of a multipart/mixed mail with an attachment after it; null when the corpus is absent.
 */
export function corpusMailWithAttachment(path: string, id: string, attachment: { name: string; content: Buffer }): Buffer | null {
  let raw: string;
  try {
    raw = readFileSync(path).toString('latin1');
  } catch {
    return null;
  }
  const split = raw.search(/\r?\n\r?\n/);
  const headerLines = raw.slice(0, split).split(/\r?\n(?![ \t])/);
  const body = raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const isPartHeader = (l: string) => /^content-/i.test(l);
  const top = headerLines.filter((l) => !isPartHeader(l) && !/^(mime-version|message-id)\s*:/i.test(l));
  const lines = [...top, `Message-ID: <${id}@cliente.mx>`, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="w1"', '',
    '--w1', ...headerLines.filter(isPartHeader), '', body.replace(/\r?\n/g, CRLF).trimEnd(),
    '--w1', ...attachmentPart(attachment.name, attachment.content), '--w1--', ''];
  return Buffer.from(lines.join(CRLF), 'latin1');
}
