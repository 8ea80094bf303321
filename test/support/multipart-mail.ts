// A customer's mail with a short text and binary attachments (base64), as a mail client builds one.

const CRLF = '\r\n';

export function mailWithAttachments(id: string, parts: Array<{ name: string; content: Buffer; type?: string }>, from = 'Ana <ana@cliente.mx>') {
  const lines = [`From: ${from}`, 'To: soporte@example.test', 'Subject: Respaldo', `Message-ID: <${id}@cliente.mx>`, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"', '', '--b1', 'Content-Type: text/plain; charset=utf-8', '', 'Les envío el respaldo.'];
  for (const p of parts) {
    lines.push('--b1', `Content-Type: ${p.type ?? 'application/octet-stream'}; name="${p.name}"`, 'Content-Transfer-Encoding: base64', `Content-Disposition: attachment; filename="${p.name}"`, '');
    lines.push(p.content.toString('base64').replace(/.{76}/g, (l) => l + CRLF).trimEnd());
  }
  lines.push('--b1--', '');
  return Buffer.from(lines.join(CRLF));
}

/** An Outlook "Rich Text" mail: winmail.dat and, when given, a text/plain part (Outlook's is sometimes empty). */
export function richTextMail(id: string, winmail: Buffer, textPart?: string): Buffer {
  const lines = ['From: Ana <ana@cliente.mx>', 'To: soporte@example.test', 'Subject: No factura', `Message-ID: <${id}@cliente.mx>`, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"', ''];
  if (textPart !== undefined) lines.push('--b1', 'Content-Type: text/plain; charset=utf-8', '', textPart);
  lines.push('--b1', 'Content-Type: application/ms-tnef; name="winmail.dat"', 'Content-Transfer-Encoding: base64', 'Content-Disposition: attachment; filename="winmail.dat"', '');
  lines.push(winmail.toString('base64').replace(/.{76}/g, (l) => l + CRLF).trimEnd(), '--b1--', '');
  return Buffer.from(lines.join(CRLF));
}
