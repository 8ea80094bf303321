import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ImapSource } from '../../src/ingest/sources/imap.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { waitFor } from '../support/daemon.js';
import { dovecotAvailable, startDovecot, type DovecotServer } from '../support/dovecot.js';
import { appendWithPoison } from '../support/maildir.js';

// An outage in which the login works but every FETCH fails (messages the server cannot return: Dovecot closes the
// connection on each FETCH of them), and the daemon restarted during it. Each failed session had taken and released
// the mailbox's lease, and the release dated the lease's last run: the restarted daemon took that for "the mailbox
// was read after the alert", did not re-arm its watch, and told the ongoing outage a second time, dated from the
// restart. A drain that fails now leaves the lease's last run as it was (sources/imap.ts).
//
// In process (two ImapSources on one database, one after the other, as two daemons would be), so that the window
// of one alert of a kind (AUTO_MAIL_WINDOW_MINUTES, a minute at the least) can be a second: the restart stands for
// one that comes after that window, when a second alert would no longer be held back by it.

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const UNREAD_SINCE = 'X-Ventanilla-Unread-Since';

describe.skipIf(!dovecotAvailable())('an outage of failing FETCHes across a restart', () => {
  it('the restarted daemon sends no second "unreadable" alert, and its "read again" names the outage\'s start', { timeout: 90_000 }, async () => {
    const dovecot: DovecotServer = await startDovecot();
    cleanups.push(() => dovecot.stop());
    // Five messages the server cannot return, each set aside after the sessions that fail on it (imap-unreadable.ts):
    // ~20 s of failed sessions in all, more than either daemon's hold of 5 s. Then a mail that waits.
    await appendWithPoison(dovecot, ['POISON1', 'POISON2', 'POISON3', 'POISON4', 'POISON5', 'waiting']);
    const app: TestApp = await createTestApp({ ALERT_ADDRESS: 'ops@example.com' });
    cleanups.push(() => app.dispose());
    const notices = { ...app.lifecycle.notices, automaticCap: { ...app.lifecycle.notices.automaticCap, windowMs: 1_000 } };
    // Unread for 2 x 1 + 3 = 5 s: the alert (mailboxUnreadForMs).
    const settings = {
      host: dovecot.host, port: dovecot.imapPort, secure: false, user: dovecot.user, password: dovecot.password,
      mailbox: 'INBOX', processedMailbox: 'Processed', pollSeconds: 1, timeoutSeconds: 3, reconnectMaxSeconds: 2, rejectUnauthorized: true,
    };
    const start = () => {
      const logged: Array<{ msg: string; time: number }> = [];
      const startedAt = Date.now();
      const log = pino({ level: 'info' }, new Writable({ write: (line, _enc, done) => done(void logged.push(JSON.parse(String(line)))) }));
      const source = new ImapSource(settings, { db: app.db, pipeline: app.pipeline, log, lifecycle: { notices } });
      const running = source.run();
      const stop = async () => {
        await source.stop();
        await running;
      };
      cleanups.push(stop);
      const failed = () => logged.filter((l) => l.msg === 'IMAP session failed; reconnecting');
      return { logged, stop, failures: () => failed().length, failedPastHold: () => failed().some((l) => l.time - startedAt > 6_000) };
    };
    const mailboxAlerts = () => app.db.outboxMail.findMany({ where: { template: { in: ['alert_mailbox_unreadable', 'alert_mailbox_readable_again'] } }, orderBy: { id: 'asc' } });
    const unreadSince = (headers: string) => (JSON.parse(headers) as { extra: Record<string, string> }).extra[UNREAD_SINCE];

    const first = start();
    const told = await waitFor(async () => (await mailboxAlerts()).at(0), 'the "unreadable" alert', 30_000, 100);
    expect(told.template).toBe('alert_mailbox_unreadable');
    // A session that fails after the alert (its drain took and released the lease), then the restart.
    const failedBefore = first.failures();
    await waitFor(() => first.failures() > failedBefore, 'a failed session after the alert', 15_000, 50);
    await first.stop();
    expect(await app.db.inboundLog.count({ where: { messageId: 'waiting@cliente.mx' } })).toBe(0);

    // The outage goes on past the restarted daemon's hold, until the last message is set aside and the mail read.
    const second = start();
    await waitFor(() => app.db.outboxMail.findFirst({ where: { template: 'alert_mailbox_readable_again' } }), 'the "read again" alert', 60_000, 100);
    // It failed past its own hold: unarmed, it would have told the outage again then.
    expect(second.failedPastHold()).toBe(true);
    expect(await app.db.inboundLog.findFirst({ where: { messageId: 'waiting@cliente.mx' } })).toMatchObject({ outcome: 'created' });
    const alerts = await mailboxAlerts();
    expect(alerts.map((a) => a.template)).toEqual(['alert_mailbox_unreadable', 'alert_mailbox_readable_again']);
    expect(second.logged.map((l) => l.msg)).toContain('IMAP mailbox unreadable before this start, the administrators told: they are mailed once it is read again');
    // Both name when the outage began: the first daemon's start.
    const since = unreadSince(told.headers);
    expect(since).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(unreadSince((alerts[1] as { headers: string }).headers)).toBe(since);
  });
});
