import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.js';
import { mail } from '../support/app.js';
import { cliBuilt } from '../support/cli.js';
import { imapDaemonEnv, startDaemon, waitFor } from '../support/daemon.js';
import { dovecotAvailable, startDovecot } from '../support/dovecot.js';
import { startSmtpPeer, type ReceivedMail } from '../support/smtp.js';

// A gateway that cannot read its mailbox at all (the IMAP password changed, an OAuth2 grant revoked, the server
// down) used to say so only in its log, retrying for ever while customers' mail piled up unanswered. With
// ALERT_ADDRESS the administrators are now mailed once the mailbox has gone unread for 2 x IMAP_POLL_SECONDS +
// IMAP_TIMEOUT_SECONDS (the moment the lifecycle timers are held): here 2 x 1 + 3 = 5 s, so the failed login at
// ~7 s (backoff 1, 2, 4 s; at ~3 s on a busy machine) raises it. The alert says a changed IMAP_PASSWORD needs the
// daemon started again; once the daemon so started reads the mailbox, a second mail says so, once: the first
// process's alert is read back from the outbox. The outbox drainer is not held meanwhile: both go through the
// outbox to the SMTP server.

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const WRONG_PASSWORD = 'not-the-password';
const alertsOf = (received: ReceivedMail[], subject: string) => received.filter((m) => m.parsed.subject === `Ventanilla alert (support@example.test): ${subject}`);

describe.skipIf(!dovecotAvailable() || !cliBuilt)('a mailbox the gateway cannot read', () => {
  it('a refused login: the administrators are mailed once, with since when and the error in words; once IMAP_PASSWORD is fixed and the daemon started again, once more', { timeout: 60_000 }, async () => {
    const [dovecot, smtp] = await Promise.all([startDovecot(), startSmtpPeer()]);
    cleanups.push(() => dovecot.stop(), () => smtp.stop());
    const dataDir = mkdtempSync(join(tmpdir(), 'ventanilla-mailbox-alert-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    // A customer's mail waits in the mailbox all along.
    await dovecot.append(mail({ headers: { 'Message-ID': '<waiting@cliente.mx>', Subject: 'No puedo timbrar' } }));
    const env = imapDaemonEnv({ ...dovecot, password: WRONG_PASSWORD }, dataDir, { ...smtp.env(), IMAP_POLL_SECONDS: '1', IMAP_TIMEOUT_SECONDS: '3', ALERT_ADDRESS: 'ops@example.com' });
    const first = startDaemon(env);
    cleanups.push(() => first.kill());
    await waitFor(() => first.log().includes('ventanilla started') || first.child.exitCode !== null, 'the daemon to start');
    const db: Db = await openDatabase(join(dataDir, 'ventanilla.db'));
    cleanups.push(() => db.$disconnect());

    const written = await waitFor(() => db.outboxMail.findFirst({ where: { template: { startsWith: 'alert_' } } }), 'the alert to be written', 30_000, 100);
    expect([written.template, written.toList]).toEqual(['alert_mailbox_unreadable', '["ops@example.com"]']);
    // The administrator sets the right IMAP_PASSWORD and starts the daemon again, as the alert says: at once, before
    // the alert is sent (the outbox's next tick, up to 5 s; the new daemon sends it).
    await first.kill();
    expect(first.log()).toContain('IMAP mailbox unreadable: the administrators are mailed');
    const daemon = startDaemon({ ...env, IMAP_PASSWORD: dovecot.password });
    cleanups.push(() => daemon.kill());

    const sent = await waitFor(() => alertsOf(smtp.received, 'the mailbox cannot be read').at(0), 'the alert to be sent', 15_000, 100);
    expect(sent.envelopeTo).toEqual(['ops@example.com']);
    expect(sent.header('auto-submitted')).toBe('auto-generated');
    const text = sent.parsed.text ?? '';
    const started = /since the gateway started at (\d{4}-\d\d-\d\d \d\d:\d\d [+-]\d\d:\d\d)/.exec(text)?.[1];
    expect(text).toMatch(/could not read the mailbox INBOX of support@example\.test@127\.0\.0\.1:\d+ since the gateway started at \d{4}-\d\d-\d\d \d\d:\d\d/);
    expect(text).toContain('The last error: the server refused the login ([AUTHENTICATIONFAILED] Authentication failed.): check IMAP_USER and IMAP_PASSWORD.');
    expect(text).toContain('tries again every minute');
    expect(text).toContain('reminders and closes for lack of an answer are held');
    expect(text).toMatch(/curl --user 'support@example\.test' 'imap:\/\/127\.0\.0\.1:\d+\/INBOX'/);
    expect(text).toContain('needs the daemon (`ventanilla start`) started again');
    // The mailbox it is about, for a filter (and for the daemon started again: below).
    const mailboxHeader = `support@example.test@127.0.0.1:${dovecot.imapPort}/INBOX`;
    expect(sent.header('x-ventanilla-mailbox')).toBe(mailboxHeader);
    expect(daemon.child.exitCode).toBeNull();

    // The new process never failed to read it: what it owes it learnt from the outbox at its start.
    const readAgain = await waitFor(() => db.outboxMail.findFirst({ where: { template: 'alert_mailbox_readable_again' } }), 'the read-again alert to be written', 15_000, 100);
    expect(daemon.log()).toContain('IMAP mailbox unreadable before this start, the administrators told');
    // The mail that waited was recorded before the administrators were told.
    expect(await db.inboundLog.findFirst({ where: { messageId: 'waiting@cliente.mx' } })).toMatchObject({ outcome: 'created' });
    // Read on: a new mail is recorded (its answer sends the outbox at once, the alert with it) in a later drain.
    // Delivered as an MTA does (LMTP).
    await dovecot.deliver(mail({ headers: { 'Message-ID': '<after@cliente.mx>', Subject: 'Otra consulta' } }), { from: 'ana@cliente.mx', to: dovecot.user });
    // The two acknowledgements and the two alerts.
    await waitFor(() => smtp.received.length >= 4, 'the later mail to be answered', 15_000, 100);
    expect(await db.inboundLog.findFirst({ where: { messageId: 'after@cliente.mx' } })).toMatchObject({ outcome: 'created' });
    expect(daemon.log()).toContain('IMAP mailbox read again: the administrators are mailed');

    const [again, ...more] = alertsOf(smtp.received, 'the mailbox is read again');
    expect(more).toEqual([]);
    expect(again?.envelopeTo).toEqual(['ops@example.com']);
    expect(again?.header('to')).toBe('ops@example.com');
    expect(again?.header('from')).toMatch(/<support@example\.test>$/);
    expect(again?.header('auto-submitted')).toBe('auto-generated');
    expect(again?.header('x-auto-response-suppress')).toBe('All');
    expect(again?.header('x-loop')).toBe('support@example.test');
    expect(again?.header('x-ventanilla-mailbox')).toBe(mailboxHeader);
    // Since when, as the alert said: the first process's start.
    expect(sent.header('x-ventanilla-unread-since')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(again?.header('x-ventanilla-unread-since')).toBe(sent.header('x-ventanilla-unread-since'));
    expect(again?.parsed.inReplyTo).toBeUndefined();
    const againText = again?.parsed.text ?? '';
    expect(againText).toMatch(new RegExp(`^The gateway reads the mailbox INBOX of support@example\\.test@127\\.0\\.0\\.1:${dovecot.imapPort} again: it had not been read since ${started}\\. The mail that waited has been recorded\\.`));
    expect(againText).toContain('mail is answered as usual, and the reminders and closes held meanwhile run again');
    expect(againText).toContain('  ventanilla inbound\n');
    // Through the outbox: its row, sent, is the mail the server got.
    expect(await db.outboxMail.findUniqueOrThrow({ where: { id: readAgain.id } })).toMatchObject({ ticketId: null, toList: '["ops@example.com"]', status: 'sent' });
    expect(again?.parsed.messageId).toBe(`<${readAgain.messageId}>`);
    expect(alertsOf(smtp.received, 'the mailbox cannot be read')).toHaveLength(1);
    expect(await db.outboxMail.count({ where: { template: { startsWith: 'alert_' } } })).toBe(2);
  });
});
