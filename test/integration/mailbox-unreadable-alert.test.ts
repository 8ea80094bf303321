import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.js';
import { cliBuilt } from '../support/cli.js';
import { imapDaemonEnv, startDaemon, waitFor } from '../support/daemon.js';
import { dovecotAvailable, startDovecot } from '../support/dovecot.js';

// A gateway that cannot read its mailbox at all (the IMAP password changed, an OAuth2 grant revoked, the server
// down) used to say so only in its log, retrying for ever while customers' mail piled up unanswered. With
// ALERT_ADDRESS the administrators are now mailed once the mailbox has gone unread for 2 x IMAP_POLL_SECONDS +
// IMAP_TIMEOUT_SECONDS (the moment the lifecycle timers are held): here 2 x 2 + 5 = 9 s, so the failed login at
// ~15 s (backoff 1, 2, 4, 8 s) raises it. The outbox drainer is not held meanwhile: the alert is written as .eml.

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.skipIf(!dovecotAvailable() || !cliBuilt)('a mailbox the gateway cannot read', () => {
  it('a refused login: the administrators are mailed once, with since when and the error in words', { timeout: 45_000 }, async () => {
    const dovecot = await startDovecot();
    cleanups.push(() => dovecot.stop());
    const dataDir = mkdtempSync(join(tmpdir(), 'ventanilla-mailbox-alert-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = imapDaemonEnv({ ...dovecot, password: 'not-the-password' }, dataDir, { IMAP_POLL_SECONDS: '2', IMAP_TIMEOUT_SECONDS: '5', ALERT_ADDRESS: 'ops@example.com' });
    const daemon = startDaemon(env);
    cleanups.push(() => daemon.kill());
    await waitFor(() => daemon.log().includes('ventanilla started') || daemon.child.exitCode !== null, 'the daemon to start');
    const db: Db = await openDatabase(join(dataDir, 'ventanilla.db'));
    cleanups.push(() => db.$disconnect());

    const outbox = join(dataDir, 'outbox');
    const file = await waitFor(
      () => (existsSync(outbox) ? readdirSync(outbox).find((name) => name.endsWith('.eml') && readFileSync(join(outbox, name), 'utf8').includes('To: ops@example.com')) : undefined),
      'the alert to be written',
      30_000,
      200,
    );
    const alerts = await db.outboxMail.findMany({ where: { template: { startsWith: 'alert_' } } });
    expect(alerts.map((a) => [a.template, a.toList])).toEqual([['alert_mailbox_unreadable', '["ops@example.com"]']]);
    expect(daemon.log()).toContain('IMAP mailbox unreadable: the administrators are mailed');

    const sent = await simpleParser(readFileSync(join(outbox, file)));
    expect(sent.subject).toBe('Ventanilla alert (support@example.test): the mailbox cannot be read');
    expect(sent.headers.get('auto-submitted')).toBe('auto-generated');
    const text = sent.text ?? '';
    expect(text).toMatch(/could not read the mailbox INBOX of support@example\.test@127\.0\.0\.1:\d+ since the gateway started at \d{4}-\d\d-\d\d \d\d:\d\d/);
    expect(text).toContain('The last error: the server refused the login ([AUTHENTICATIONFAILED] Authentication failed.): check IMAP_USER and IMAP_PASSWORD.');
    expect(text).toContain('tries again every minute');
    expect(text).toContain('reminders and closes for lack of an answer are held');
    expect(text).toMatch(/curl --user 'support@example\.test' 'imap:\/\/127\.0\.0\.1:\d+\/INBOX'/);
    expect(daemon.child.exitCode).toBeNull();
  });
});
