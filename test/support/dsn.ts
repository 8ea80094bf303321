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
  /** Postfix's delay warning instead (Action: delayed): the message has waited this long and is still retried. */
  delayedHours?: number;
}

export function postfixDsn(input: DsnInput): Buffer {
  counter++;
  const boundary = `dsn-boundary-${counter}`;
  const status = input.status ?? '5.1.1';
  const diagnostic = input.diagnostic ?? `550 5.1.1 <${input.failed}>: Recipient address rejected: User unknown in virtual mailbox table`;
  const delayed = input.delayedHours !== undefined;
  const notice = delayed
    ? [
        '################################################################################',
        '# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #',
        '################################################################################',
        '',
        `Your message could not be delivered for ${input.delayedHours}.0 hour(s).`,
        'It will be retried until it is 5.0 day(s) old.',
      ]
    : ["I'm sorry to have to inform you that your message could not", 'be delivered to one or more recipients.'];
  const lines = [
    'Return-Path: <>',
    'From: MAILER-DAEMON@mx.cliente.mx (Mail Delivery System)',
    'To: soporte@example.test',
    `Subject: ${delayed ? 'Delayed Mail (still being retried)' : 'Undelivered Mail Returned to Sender'}`,
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
    ...notice,
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
    `Action: ${delayed ? 'delayed' : 'failed'}`,
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

/** Gmail's plain-text delay warning (no delivery-status fields), worded as in sisimai's lhost-gmail-06.eml. */
export function gmailDelay(input: { failed: string; original: string }): Buffer {
  counter++;
  const lines = [
    'Return-Path: <>',
    'From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>',
    'To: soporte@example.test',
    'Subject: Delivery Status Notification (Delay)',
    `Message-ID: <delay-${counter}.${process.pid}@google.com>`,
    'Date: Tue, 01 Dec 2026 10:00:00 +0000',
    'Content-Type: text/plain; charset=UTF-8',
    '',
    'This is an automatically generated Delivery Status Notification',
    '',
    'THIS IS A WARNING MESSAGE ONLY.',
    '',
    'YOU DO NOT NEED TO RESEND YOUR MESSAGE.',
    '',
    'Delivery to the following recipient has been delayed:',
    '',
    `     ${input.failed}`,
    '',
    'Message will be retried for 2 more day(s)',
    '',
    'Technical details of temporary failure:',
    `The error that the other server returned was: 452 452 4.2.2 <${input.failed}>... Mailbox Full (state 14).`,
    '',
    '----- Original message -----',
    '',
    input.original.replace(/\r?\n/g, '\r\n').trimEnd(),
    '',
  ];
  return Buffer.from(lines.join('\r\n'));
}

/** Amazon SES's DeliveryDelay event (event publishing through SNS) about a mail the desk sent. */
export function sesDeliveryDelay(input: { failed: string; messageId: string }): Buffer {
  return snsNotification({
    eventType: 'DeliveryDelay',
    mail: sesMail(input.failed, input.messageId),
    deliveryDelay: {
      timestamp: '2026-11-30T20:00:00.000Z',
      delayType: 'MailboxFull',
      expirationTime: '2026-12-01T16:00:01.000Z',
      delayedRecipients: [{ emailAddress: input.failed, status: '4.2.2', diagnosticCode: 'smtp; 452 4.2.2 Mailbox full' }],
    },
  });
}

/** Amazon SES's Delivery event (a success: the recipient's server took the mail), as SNS mails it. */
export function sesDelivery(input: { to: string; messageId: string }): Buffer {
  return snsNotification({
    eventType: 'Delivery',
    mail: sesMail(input.to, input.messageId),
    delivery: { timestamp: '2026-11-30T16:00:03.000Z', processingTimeMillis: 1520, recipients: [input.to], smtpResponse: '250 2.0.0 OK', reportingMTA: 'a8-50.smtp-out.amazonses.com' },
  });
}

const sesMail = (to: string, messageId: string) => ({ timestamp: '2026-11-30T16:00:01.000Z', source: 'soporte@example.test', destination: [to], headers: [{ name: 'Message-ID', value: `<${messageId}>` }] });

/** An SES event as an SNS topic's e-mail subscription delivers it: the JSON as the body, no mark of a machine. */
function snsNotification(event: object): Buffer {
  counter++;
  const lines = [
    'From: SES-Eventos <no-reply@sns.amazonaws.com>',
    'To: soporte@example.test',
    'Subject: AWS Notification Message',
    `Message-ID: <ses-${counter}.${process.pid}@email.amazonses.com>`,
    'Date: Mon, 30 Nov 2026 20:00:05 +0000',
    'Content-Type: text/plain; charset=UTF-8',
    '',
    JSON.stringify(event),
    '',
    '--',
    'If you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:',
    'https://sns.us-east-1.amazonaws.com/unsubscribe.html?SubscriptionArn=arn:aws:sns:us-east-1:123456789012:SES-Eventos:0f1e',
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
