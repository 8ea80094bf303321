import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyMail, type MailKind } from '../../../src/ingest/classify/bounce.js';
import { parseMail } from '../../../src/ingest/parse.js';
import { corpusRoot } from '../../support/corpus.js';

const MAILFOUNDRY = join(corpusRoot, 'sisimai', 'set-of-emails', 'maildir', 'bsd', 'lhost-mailfoundry-01.eml');

const mail = (lines: string[]): Buffer => Buffer.from(lines.join('\r\n'));
const classify = async (lines: string[]): Promise<MailKind> => classifyMail(await parseMail(mail(lines)));

const ORIGINAL = [
  'Return-Path: <soporte@desk.example>',
  'From: Soporte <soporte@desk.example>',
  'To: cliente@example.org',
  'Subject: [#1042] Hemos recibido su consulta',
  'Message-ID: <ticket-1042.1@desk.example>',
  'Date: Mon, 23 Nov 2026 10:00:00 -0600',
  '',
  'Gracias por escribirnos.',
];

const postfixDsn = (opts: { status: string; action: string; diagnostic: string; notice: string }) => [
  'Return-Path: <>',
  'Delivered-To: soporte@desk.example',
  'Date: Mon, 23 Nov 2026 10:00:05 -0600 (CST)',
  'From: MAILER-DAEMON@mx.desk.example (Mail Delivery System)',
  'Subject: Undelivered Mail Returned to Sender',
  'To: soporte@desk.example',
  'Auto-Submitted: auto-replied',
  'MIME-Version: 1.0',
  'Content-Type: multipart/report; report-type=delivery-status; boundary="B1"',
  'Message-Id: <20261123160005.AAA@mx.desk.example>',
  '',
  '--B1',
  'Content-Description: Notification',
  'Content-Type: text/plain; charset=us-ascii',
  '',
  'This is the mail system at host mx.desk.example.',
  '',
  "I'm sorry to have to inform you that your message could not",
  'be delivered to one or more recipients. It\'s attached below.',
  '',
  '                   The mail system',
  '',
  opts.notice,
  '',
  '--B1',
  'Content-Description: Delivery report',
  'Content-Type: message/delivery-status',
  '',
  'Reporting-MTA: dns; mx.desk.example',
  'X-Postfix-Queue-ID: AAA',
  'X-Postfix-Sender: rfc822; soporte@desk.example',
  'Arrival-Date: Mon, 23 Nov 2026 10:00:00 -0600 (CST)',
  '',
  'Final-Recipient: rfc822; cliente@example.org',
  'Original-Recipient: rfc822;cliente@example.org',
  `Action: ${opts.action}`,
  `Status: ${opts.status}`,
  'Remote-MTA: dns; mx.example.org',
  `Diagnostic-Code: smtp; ${opts.diagnostic}`,
  '',
  '--B1',
  'Content-Description: Undelivered Message',
  'Content-Type: message/rfc822',
  '',
  ...ORIGINAL,
  '',
  '--B1--',
  '',
];

describe('classifyMail', () => {
  it('reads a Postfix DSN for an unknown user as a hard bounce, with the Message-ID of the returned mail', async () => {
    const kind = await classify(
      postfixDsn({
        status: '5.1.1',
        action: 'failed',
        diagnostic: '550 5.1.1 <cliente@example.org>: Recipient address rejected: User unknown in virtual mailbox table',
        notice:
          '<cliente@example.org>: host mx.example.org[192.0.2.10] said: 550 5.1.1\n    <cliente@example.org>: Recipient address rejected: User unknown in virtual\n    mailbox table (in reply to RCPT TO command)',
      }),
    );
    expect(kind).toEqual({
      kind: 'bounce',
      recipients: [
        {
          address: 'cliente@example.org',
          status: '5.1.1',
          replyCode: '550',
          hard: true,
          delayed: false,
          diagnostic: '550 5.1.1 <cliente@example.org>: Recipient address rejected: User unknown in virtual mailbox table',
        },
      ],
      originalMessageId: 'ticket-1042.1@desk.example',
    });
  });

  it('reads a full mailbox reported with Action: delayed as a delay (still being retried), not a bounce', async () => {
    const kind = await classify(
      postfixDsn({
        status: '4.2.2',
        action: 'delayed',
        diagnostic: '452 4.2.2 <cliente@example.org>: Mailbox full',
        notice: '<cliente@example.org>: host mx.example.org[192.0.2.10] said: 452 4.2.2\n    <cliente@example.org>: Mailbox full (in reply to RCPT TO command)',
      }),
    );
    expect(kind.kind).toBe('bounce');
    if (kind.kind !== 'bounce') return;
    expect(kind.recipients).toEqual([
      { address: 'cliente@example.org', status: '4.2.2', replyCode: '452', hard: false, delayed: true, diagnostic: '452 4.2.2 <cliente@example.org>: Mailbox full' },
    ]);
  });

  it('keeps a permanent policy rejection soft: the address itself is not dead', async () => {
    const kind = await classify(
      postfixDsn({
        status: '5.7.1',
        action: 'failed',
        diagnostic: '550 5.7.1 Message rejected as spam by Content Filtering',
        notice: '<cliente@example.org>: host mx.example.org[192.0.2.10] said: 550 5.7.1 Message\n    rejected as spam by Content Filtering (in reply to end of DATA command)',
      }),
    );
    expect(kind.kind === 'bounce' && kind.recipients.map((r) => [r.status, r.hard])).toEqual([['5.7.1', false]]);
  });

  it('takes a success notice (Action: delivered) for a delivery report, not a bounce', async () => {
    const kind = await classify(postfixDsn({ status: '2.0.0', action: 'delivered', diagnostic: '250 2.0.0 Ok: queued as BBB', notice: '<cliente@example.org>: delivery via mx.example.org: 250 2.0.0 Ok' }));
    expect(kind).toEqual({ kind: 'delivered' });
  });

  const eximNotice = [
    'This message was created automatically by mail delivery software.',
    '',
    'A message that you sent could not be delivered to one or more of its',
    'recipients. This is a permanent error. The following address(es) failed:',
    '',
    '  cliente@example.org',
    '    host mx.example.org [192.0.2.10]',
    '    SMTP error from remote mail server after RCPT TO:<cliente@example.org>:',
    '    550 5.1.1 <cliente@example.org>: Recipient address rejected: User unknown',
    '',
    '------ This is a copy of the message, including all the headers. ------',
    '',
    ...ORIGINAL,
    '',
  ];
  const eximHeaders = (failedRecipients: boolean) => [
    'Return-path: <>',
    'Envelope-to: soporte@desk.example',
    'From: Mail Delivery System <Mailer-Daemon@mx.example.net>',
    'To: soporte@desk.example',
    ...(failedRecipients ? ['X-Failed-Recipients: cliente@example.org'] : []),
    'Auto-Submitted: auto-replied',
    'Subject: Mail delivery failed: returning message to sender',
    'Message-Id: <E1abc-0001@mx.example.net>',
    'Date: Mon, 23 Nov 2026 16:00:05 +0000',
    '',
  ];

  it.each([
    ['with X-Failed-Recipients', true],
    ['without X-Failed-Recipients (read from the text)', false],
  ])('reads an Exim plain-text bounce %s', async (_, failedRecipients) => {
    const kind = await classify([...eximHeaders(failedRecipients), ...eximNotice]);
    expect(kind).toEqual({
      kind: 'bounce',
      recipients: [
        {
          address: 'cliente@example.org',
          status: '5.1.1',
          replyCode: '550',
          hard: true,
          delayed: false,
          diagnostic: '550 5.1.1 <cliente@example.org>: Recipient address rejected: User unknown',
        },
      ],
      originalMessageId: 'ticket-1042.1@desk.example',
    });
  });

  // Exim's warnings, worded as in sisimai's lhost-exim-38.eml (a warning) and lhost-exim-60.eml (the final failure).
  const eximDelayNotice = [
    'This message was created automatically by mail delivery software.',
    'A message that you sent has not yet been delivered to one or more of its',
    'recipients after more than 24 hours on the queue on mx.example.net.',
    '',
    'The address to which the message has not yet been delivered is:',
    '',
    '  cliente@example.org',
    '    host mx.example.org [192.0.2.10]',
    '    Delay reason: SMTP error from remote mail server after RCPT TO:<cliente@example.org>:',
    '    452 4.2.2 <cliente@example.org>: Mailbox full',
    '',
    'No action is required on your part. Delivery attempts will continue for',
    'some time, and this warning may be repeated at intervals if the message',
    'remains undelivered. Eventually the mail delivery software will give up,',
    'and when that happens, the message will be returned to you.',
  ];

  it('reads an Exim delay warning (plain text) as a delay: the address is still being tried', async () => {
    const headers = eximHeaders(false).map((h) => (h.startsWith('Subject:') ? 'Subject: Warning: message 1abc-0001 delayed 24 hours' : h));
    const kind = await classify([...headers, ...eximDelayNotice]);
    expect(kind.kind === 'bounce' && kind.recipients.map((r) => [r.address, r.status, r.hard, r.delayed])).toEqual([['cliente@example.org', '4.2.2', false, true]]);
  });

  it("reads Exim's final failure after its retry timeout as a bounce, not a delay", async () => {
    const finalNotice = [...eximNotice.slice(0, 6), '    host mx.example.org [192.0.2.10]', '    452 4.2.2 <cliente@example.org>: Mailbox full: retry timeout exceeded'];
    const kind = await classify([...eximHeaders(true), ...finalNotice]);
    expect(kind.kind === 'bounce' && kind.recipients.map((r) => [r.address, r.status, r.hard, r.delayed])).toEqual([['cliente@example.org', '4.2.2', false, false]]);
  });

  it('reads a qmail bounce (no status code) from its text', async () => {
    const kind = await classify([
      'Return-Path: <>',
      'From: MAILER-DAEMON@mx.example.net',
      'To: soporte@desk.example',
      'Subject: failure notice',
      'Date: Mon, 23 Nov 2026 16:00:05 +0000',
      '',
      'Hi. This is the qmail-send program at mx.example.net.',
      "I'm afraid I wasn't able to deliver your message to the following addresses.",
      "This is a permanent error; I've given up. Sorry it didn't work out.",
      '',
      '<cliente@example.org>:',
      'Sorry, no mailbox here by that name. (#5.1.1)',
      '',
      '--- Below this line is a copy of the message.',
      '',
      ...ORIGINAL,
    ]);
    expect(kind.kind === 'bounce' && kind.recipients.map((r) => [r.address, r.status, r.hard])).toEqual([['cliente@example.org', '5.1.1', true]]);
  });

  it('reads a notice sent as a text attachment, with the original headers in another (an empty body)', async () => {
    // Some agents put the notification itself in "deliveryproblems.txt"; the original's headers, in a text/plain
    // part of their own. Both are read from the attachments' bytes only when the body says nothing.
    const kind = await classify([
      'Return-Path: <>',
      'From: Mail Delivery Subsystem <postmaster@relay.example>',
      'To: soporte@desk.example',
      'Subject: Delivery Status Notification (Failure)',
      'Date: Mon, 23 Nov 2026 16:00:05 +0000',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="T1"',
      '',
      '--T1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      '',
      '--T1',
      'Content-Type: text/plain; charset=utf-8; name="deliveryproblems.txt"',
      'Content-Disposition: attachment; filename="deliveryproblems.txt"',
      '',
      'Delivery to the following recipient failed permanently:',
      '',
      '    cliente@example.org',
      '',
      'Technical details of permanent failure: 550 5.1.1 The email account that you tried to reach does not exist.',
      '',
      '--T1',
      'Content-Type: text/plain; charset=us-ascii; name="headers.txt"',
      'Content-Disposition: attachment; filename="headers.txt"',
      '',
      ...ORIGINAL.slice(0, 6),
      '',
      '--T1--',
      '',
    ]);
    expect(kind).toEqual({ kind: 'bounce', recipients: [expect.objectContaining({ address: 'cliente@example.org', status: '5.1.1', hard: true })], originalMessageId: 'ticket-1042.1@desk.example' });
  });

  it('reads an ARF feedback report as a complaint', async () => {
    const kind = await classify([
      'From: Feedback Loop <fbl@isp.example>',
      'To: abuse@desk.example',
      'Subject: Abuse Report',
      'Date: Mon, 23 Nov 2026 16:00:05 +0000',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=feedback-report; boundary="F1"',
      '',
      '--F1',
      'Content-Type: text/plain',
      '',
      'This is an email abuse report for an email message received from IP 192.0.2.1.',
      '',
      '--F1',
      'Content-Type: message/feedback-report',
      '',
      'Feedback-Type: abuse',
      'User-Agent: ExampleFBL/1.0',
      'Version: 1',
      'Original-Mail-From: <soporte@desk.example>',
      'Original-Rcpt-To: <cliente@example.org>',
      'Source-IP: 192.0.2.1',
      '',
      '--F1',
      'Content-Type: text/rfc822-headers',
      '',
      ...ORIGINAL.slice(0, 6),
      '',
      '--F1--',
      '',
    ]);
    expect(kind).toEqual({ kind: 'complaint', recipients: [{ address: 'cliente@example.org' }], feedbackType: 'abuse', originalMessageId: 'ticket-1042.1@desk.example' });
  });

  it('reads an out-of-office reply as a vacation auto-reply', async () => {
    const kind = await classify([
      'Return-Path: <>',
      'From: Cliente <cliente@example.org>',
      'To: soporte@desk.example',
      'Subject: Automatic reply: [#1042] Hemos recibido su consulta',
      'Auto-Submitted: auto-replied',
      'X-Auto-Response-Suppress: All',
      'In-Reply-To: <ticket-1042.1@desk.example>',
      'Date: Mon, 23 Nov 2026 16:00:05 +0000',
      '',
      'I am out of the office until December 1st with limited access to email.',
    ]);
    expect(kind).toEqual({ kind: 'vacation' });
  });

  it('takes an out-of-office reply with a null Return-Path and a "failed" subject for a vacation reply', async () => {
    const kind = await classify([
      'Return-Path: <>',
      'From: Cliente <cliente@example.org>',
      'To: soporte@desk.example',
      'Subject: Auto-Reply: Re: [#1042] Payment failed',
      'Auto-Submitted: auto-replied',
      'Date: Mon, 23 Nov 2026 16:00:05 +0000',
      '',
      'Thank you for your message. I am on vacation until Monday; mail to billing@example.org is read daily.',
    ]);
    expect(kind).toEqual({ kind: 'vacation' });
  });

  it('leaves a no-reply notification about a failed parcel delivery alone', async () => {
    const kind = await classify([
      'From: Courier <no-reply@courier.example>',
      'To: soporte@desk.example',
      'Subject: Delivery failed: parcel 8841',
      'Auto-Submitted: auto-generated',
      'Date: Mon, 23 Nov 2026 16:00:05 +0000',
      '',
      'We were unable to deliver your parcel 8841 for cliente@example.org today.',
      'It has not been delivered and will be returned to sender.',
      'Questions? Write to help@courier.example.',
    ]);
    expect(kind).toEqual({ kind: 'normal' });
  });

  it('leaves a person who writes "undeliverable" in the subject alone', async () => {
    const kind = await classify([
      'Return-Path: <cliente@example.org>',
      'From: Cliente <cliente@example.org>',
      'To: soporte@desk.example',
      'Subject: Undeliverable: my order never arrived (returned to sender?)',
      'Message-ID: <human-1@example.org>',
      'Date: Mon, 23 Nov 2026 16:00:05 +0000',
      '',
      'Hello, the courier says my parcel was undeliverable and returned to sender.',
      'My address is cliente@example.org, please could you check it? Delivery failed twice.',
    ]);
    expect(kind).toEqual({ kind: 'normal' });
  });

  it('leaves a person who forwards a bounce (as an attachment) asking for help alone', async () => {
    const bounce = postfixDsn({
      status: '5.1.1',
      action: 'failed',
      diagnostic: '550 5.1.1 User unknown',
      notice: '<cliente@example.org>: host mx.example.org[192.0.2.10] said: 550 5.1.1 User unknown (in reply to RCPT TO command)',
    });
    const kind = await classify([
      'From: Colleague <colega@example.org>',
      'To: soporte@desk.example',
      'Subject: Fwd: Undelivered Mail Returned to Sender',
      'Message-ID: <human-2@example.org>',
      'Date: Mon, 23 Nov 2026 16:00:05 +0000',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="H1"',
      '',
      '--H1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Why did this bounce? Final-Recipient and Action: failed mean nothing to me.',
      '',
      '--H1',
      'Content-Type: message/rfc822',
      'Content-Disposition: attachment; filename="bounce.eml"',
      '',
      ...bounce,
      '--H1--',
      '',
    ]);
    expect(kind).toEqual({ kind: 'normal' });
  });

  it('stays fast and quiet on a huge, hostile notice', async () => {
    const junk = `${'x'.repeat(200_000)}@${'a.'.repeat(50_000)}\n${'<a@b.example>:'.repeat(20_000)}\n${'5.1.1 550 '.repeat(50_000)}`;
    const parsed = await parseMail(
      mail(['Return-Path: <>', 'From: MAILER-DAEMON@mx.example.net', 'To: soporte@desk.example', 'Subject: Undelivered Mail Returned to Sender', '', junk]),
    );
    const started = performance.now();
    const kind = classifyMail(parsed);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(['bounce', 'normal']).toContain(kind.kind);
  });

  it('never throws, even on a mail object it was not built for', () => {
    const broken = { headers: new Map([['content-type', [undefined]]]), attachments: [{ contentType: 'message/rfc822', content: null }] };
    expect(classifyMail(broken as never)).toEqual({ kind: 'normal' });
  });
});

describe('a bounce that returns the original inline (Content-Disposition: inline, message/rfc822)', () => {
  // mailparser renders such a part as a few header lines of text (From, To, Subject, Date): its Message-ID was lost,
  // and the bounce reached no ticket (MailFoundry, SendGrid, Google and others send them so).
  const inlineBounce = [
    'Return-Path: <>',
    'From: MAILER-DAEMON@mx.example.org',
    'To: soporte@desk.example',
    'Subject: Message delivery has failed',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="B1"',
    '',
    '--B1',
    'Content-Type: text/plain',
    '',
    'Unable to deliver message to: <cliente@example.org>',
    'Server mx.example.org failed with: 550 <cliente@example.org> No such user here',
    '--B1',
    'Content-Type: message/rfc822',
    'Content-Disposition: inline',
    '',
    ...ORIGINAL,
    '--B1--',
    '',
  ];

  it('still names the Message-ID of the mail that bounced', async () => {
    const kind = await classify(inlineBounce);
    expect(kind).toMatchObject({ kind: 'bounce', originalMessageId: 'ticket-1042.1@desk.example' });
  });

  it.skipIf(!existsSync(MAILFOUNDRY))("in the corpus: MailFoundry's bounce", async () => {
    expect(classifyMail(await parseMail(readFileSync(MAILFOUNDRY)))).toMatchObject({ kind: 'bounce', originalMessageId: '000000000.0000000000000.neko@gw.example.jp' });
  });
});
