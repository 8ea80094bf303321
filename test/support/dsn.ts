// A delivery status notification (RFC 3464) as Postfix writes it, for a mail the desk sent: the failed
// recipient, and the original's headers in the part a reporting MTA chooses (message/rfc822,
// text/rfc822-headers...), so that tests bounce the very mail that went out.

let counter = 0;

export interface DsnInput {
  failed: string;
  /** The returned original: its header block, or a whole mail for message/rfc822. */
  original: string;
  originalType?: string;
  /** Default: a hard bounce, 5.1.1 user unknown. */
  status?: string;
  diagnostic?: string;
}

export function postfixDsn(input: DsnInput): Buffer {
  counter++;
  const boundary = `dsn-boundary-${counter}`;
  const status = input.status ?? '5.1.1';
  const diagnostic = input.diagnostic ?? `550 5.1.1 <${input.failed}>: Recipient address rejected: User unknown in virtual mailbox table`;
  const lines = [
    'Return-Path: <>',
    'From: MAILER-DAEMON@mx.cliente.mx (Mail Delivery System)',
    'To: soporte@example.test',
    'Subject: Undelivered Mail Returned to Sender',
    `Message-ID: <dsn-${counter}.${process.pid}@mx.cliente.mx>`,
    'Date: Mon, 30 Nov 2026 10:05:00 -0600',
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'This is the mail system at host mx.cliente.mx.',
    '',
    "I'm sorry to have to inform you that your message could not",
    'be delivered to one or more recipients.',
    '',
    `<${input.failed}>: host mx.cliente.mx[192.0.2.4] said: ${diagnostic}`,
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.cliente.mx',
    '',
    `Final-Recipient: rfc822; ${input.failed}`,
    `Original-Recipient: rfc822;${input.failed}`,
    'Action: failed',
    `Status: ${status}`,
    `Diagnostic-Code: smtp; ${diagnostic}`,
    '',
    `--${boundary}`,
    `Content-Type: ${input.originalType ?? 'text/rfc822-headers'}`,
    '',
    input.original.replace(/\r?\n/g, '\r\n').trimEnd(),
    '',
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'));
}

/** The header block of a mail the desk sent, as the outbox row keeps it. */
export function sentHeaders(row: { messageId: string; subject: string; toList: string; ccList: string }): string {
  const cc = JSON.parse(row.ccList) as string[];
  return [
    'From: "Soporte" <soporte@example.test>',
    `To: ${(JSON.parse(row.toList) as string[]).join(', ')}`,
    ...(cc.length ? [`Cc: ${cc.join(', ')}`] : []),
    `Subject: ${row.subject}`,
    `Message-ID: <${row.messageId}>`,
    'Auto-Submitted: auto-replied',
    'Date: Mon, 30 Nov 2026 10:00:01 -0600',
  ].join('\r\n');
}
