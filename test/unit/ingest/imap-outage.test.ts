import { afterEach, describe, expect, it } from 'vitest';
import { OutageWatch, mailboxUnreadForMs } from '../../../src/ingest/sources/imap-outage.js';
import { mailboxLeaseName } from '../../../src/ingest/mailbox-unreadable-alert.js';
import { acquireLease, newHolderId, releaseLease } from '../../../src/scheduler/lease.js';
import { createTestApp, type TestApp } from '../../support/app.js';

// The mailbox-unreadable alert (ALERT_ADDRESS) for one outage: once it has gone unread past the lifecycle timers'
// hold, at a failed session; one for the outage however long it lasts; one "read again" after it. The daemon with a
// refused login: test/integration/mailbox-unreadable-alert.test.ts.

const settings = {
  host: 'imap.example.test', port: 993, secure: true, user: 'soporte@example.test', password: 'x',
  mailbox: 'INBOX', processedMailbox: 'Processed', pollSeconds: 60, timeoutSeconds: 60, reconnectMaxSeconds: 60, rejectUnauthorized: true,
};
const REFUSED = 'the server refused the login ([AUTHENTICATIONFAILED] Authentication failed.): check IMAP_USER and IMAP_PASSWORD';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.dispose();
  app = undefined;
});

async function watchWith(env: Record<string, string>) {
  app = await createTestApp({ BUSINESS_TIMEZONE: 'America/Mexico_City', ...env });
  const started = app;
  let now = Date.parse('2026-11-24T16:00:00Z');
  // A daemon started (again) on the same database: its watch of `of` is made then, as ImapSource makes it.
  const restart = (of: typeof settings = settings) => new OutageWatch(of, { db: started.db, alerts: started.lifecycle.notices, log: started.log }, () => now);
  const watch = restart();
  const alerts = () => started.db.outboxMail.findMany({ where: { template: { startsWith: 'alert_' } }, orderBy: { id: 'asc' } });
  // A drain of the mailbox, as ImapSource runs it: under its lease, released when done (read() follows it).
  const holder = newHolderId(started.db, 'imap:');
  const drained = async () => {
    await acquireLease(started.db, mailboxLeaseName(settings), holder, 60_000, new Date(now));
    await releaseLease(started.db, mailboxLeaseName(settings), holder, new Date(now), { wallNow: new Date(now) });
  };
  return { watch, alerts, restart, drained, db: started.db, minutes: (n: number) => void (now += n * 60_000) };
}

/**
 * Two outages, the second read again within the window (30 minutes) of the first one's "read again": that mail is
 * refused, the administrators' last word "cannot be read" (since 10:30).
 */
async function readAgainRefused() {
  const harness = await watchWith({ ALERT_ADDRESS: 'ops@example.com', AUTO_MAIL_WINDOW_MINUTES: '30' });
  const { watch, alerts, drained, minutes } = harness;
  minutes(4);
  await watch.failed(REFUSED);
  minutes(6);
  await watch.read();
  // A second outage past the "unreadable" window, read again within the "read again" one.
  minutes(20);
  await watch.read();
  minutes(5);
  await watch.failed(REFUSED);
  minutes(2);
  await drained();
  await watch.read();
  expect((await alerts()).map((a) => a.template)).toEqual(['alert_mailbox_unreadable', 'alert_mailbox_readable_again', 'alert_mailbox_unreadable']);
  return harness;
}

describe('OutageWatch', () => {
  it('holds for two polls and a timeout: 3 minutes by default', () => {
    expect(mailboxUnreadForMs(settings)).toBe(180_000);
  });

  it('one alert once the mailbox has gone unread past the hold, none more for the outage, one when it is read again', async () => {
    const { watch, alerts, minutes } = await watchWith({ ALERT_ADDRESS: 'ops@example.com' });
    await watch.failed('connect ECONNREFUSED');
    minutes(3);
    await watch.failed('connect ECONNREFUSED');
    expect(await alerts()).toEqual([]);
    minutes(1);
    await watch.failed(REFUSED);
    const [alert, ...more] = await alerts();
    expect(more).toEqual([]);
    expect(alert?.template).toBe('alert_mailbox_unreadable');
    expect(alert?.subject).toBe('Ventanilla alert (soporte@example.test): the mailbox cannot be read');
    expect(alert?.text).toContain(
      'The gateway could not read the mailbox INBOX of soporte@example.test@imap.example.test:993 since the gateway started at 2026-11-24 10:00 -06:00 (about 4 min, 3 failed attempts)',
    );
    expect(alert?.text).toContain(`The last error: ${REFUSED}.`);
    expect(alert?.text).toContain('No other alert of this kind is sent until the mailbox has been read again');
    expect(alert?.text).toContain("curl --user 'soporte@example.test' 'imaps://imap.example.test:993/INBOX'");

    // However long it lasts, past the window too: one for the outage.
    for (let i = 0; i < 5; i++) {
      minutes(30);
      await watch.failed(REFUSED);
    }
    expect(await alerts()).toHaveLength(1);

    // The drain that reads it again records the mail that waited first (progress), then ends (read): the mail says
    // since when the mailbox had gone unread, not when that mail was recorded.
    watch.progress();
    await watch.read();
    const again = (await alerts())[1];
    expect(again?.template).toBe('alert_mailbox_readable_again');
    expect(again?.text).toContain('it had not been read since 2026-11-24 10:00 -06:00');

    // A new outage (the last alert's window is over): told again, counted from when the mailbox was last read.
    minutes(2);
    await watch.failed(REFUSED);
    expect(await alerts()).toHaveLength(2);
    minutes(2);
    await watch.failed(REFUSED);
    expect((await alerts()).map((a) => a.template)).toEqual(['alert_mailbox_unreadable', 'alert_mailbox_readable_again', 'alert_mailbox_unreadable']);
    expect((await alerts())[2]?.text).toContain('since it was last read at 2026-11-24 12:34 -06:00 (about 4 min, 2 failed attempts)');
  });

  it('a second outage soon after the first is told once the window has room, not never', async () => {
    const { watch, alerts, minutes } = await watchWith({ ALERT_ADDRESS: 'ops@example.com', AUTO_MAIL_WINDOW_MINUTES: '60' });
    minutes(4);
    await watch.failed(REFUSED);
    minutes(2);
    await watch.read();
    minutes(5);
    await watch.failed(REFUSED);
    // Down again within the hour of the first alert: nothing yet (one a window) ...
    expect((await alerts()).map((a) => a.template)).toEqual(['alert_mailbox_unreadable', 'alert_mailbox_readable_again']);
    // ... and once the window is over, the next failure tells it: the last word was "read again".
    minutes(60);
    await watch.failed(REFUSED);
    expect((await alerts()).map((a) => a.template)).toEqual(['alert_mailbox_unreadable', 'alert_mailbox_readable_again', 'alert_mailbox_unreadable']);
  });

  it('a mail recorded is the mailbox read: a long backlog that then fails starts its count there', async () => {
    const { watch, alerts, minutes } = await watchWith({ ALERT_ADDRESS: 'ops@example.com' });
    minutes(10);
    watch.progress();
    minutes(2);
    await watch.failed(REFUSED);
    expect(await alerts()).toEqual([]);
    // Read, never alerted: no "read again".
    await watch.read();
    expect(await alerts()).toEqual([]);
  });

  it('restarted during an outage it told (a fixed IMAP_PASSWORD needs one): no second alert, and the read-again mail once it is read', async () => {
    const { watch, alerts, restart, drained, minutes } = await watchWith({ ALERT_ADDRESS: 'ops@example.com' });
    await drained(); // read before the outage: that does not end it
    minutes(4);
    await watch.failed(REFUSED);
    expect((await alerts()).map((a) => a.template)).toEqual(['alert_mailbox_unreadable']);
    // The administrator changes IMAP_PASSWORD and starts the daemon again, but types it wrong: still refused, past
    // the hold and past the window of the first alert, the outage goes on (one alert an outage).
    minutes(70);
    const again = restart();
    for (let i = 0; i < 4; i++) {
      await again.failed(REFUSED);
      minutes(2);
    }
    expect((await alerts()).map((a) => a.template)).toEqual(['alert_mailbox_unreadable']);
    // Started once more, with the right password: the first drain tells them, since when the first alert said.
    const fixed = restart();
    fixed.progress();
    await fixed.read();
    const [, back, ...more] = await alerts();
    expect(more).toEqual([]);
    expect(back?.template).toBe('alert_mailbox_readable_again');
    expect(back?.text).toContain('The gateway reads the mailbox INBOX of soporte@example.test@imap.example.test:993 again: it had not been read since 2026-11-24 10:00 -06:00.');
    // Read on: told once.
    await fixed.read();
    restart().progress();
    await restart().read();
    expect(await alerts()).toHaveLength(2);
  });

  it('a restart is not told of an outage it did not tell: another mailbox\'s, or an alert that failed or was cancelled', async () => {
    const { watch, alerts, restart, db, minutes } = await watchWith({ ALERT_ADDRESS: 'ops@example.com' });
    // Another mailbox on the same database (another user, the same server): its alert is not this mailbox's.
    const other = restart({ ...settings, user: 'ventas@example.test' });
    minutes(4);
    await other.failed(REFUSED);
    await restart().read();
    expect((await alerts()).map((a) => a.template)).toEqual(['alert_mailbox_unreadable']);
    // Nor a folder of this account: IMAP_MAILBOX is part of it.
    await restart({ ...settings, mailbox: 'Soporte' }).read();
    expect(await alerts()).toHaveLength(1);
    // This mailbox's own alert, which failed (or was taken back): it told nobody, so nothing is closed...
    minutes(70);
    await watch.failed(REFUSED);
    const [, own] = await alerts();
    expect(own?.text).toContain('the mailbox INBOX of soporte@example.test@imap.example.test:993');
    for (const status of ['failed', 'cancelled']) {
      await db.outboxMail.update({ where: { id: (own as { id: number }).id }, data: { status } });
      await restart().read();
      expect(await alerts()).toHaveLength(2);
    }
    // ... and the restarted daemon tells the outage itself, once the window has room.
    const again = restart();
    minutes(4);
    await again.failed(REFUSED);
    expect(await alerts()).toHaveLength(2);
    minutes(60);
    await again.failed(REFUSED);
    expect((await alerts()).map((a) => a.template)).toEqual(['alert_mailbox_unreadable', 'alert_mailbox_unreadable', 'alert_mailbox_unreadable']);
  });

  it('a "read again" refused by the window (one a window, all mailboxes together) goes at the first read after it', async () => {
    const { watch, alerts, minutes } = await readAgainRefused();
    // Owed still: the first read after the window sends it, with the second alert's since.
    minutes(1);
    await watch.read();
    expect(await alerts()).toHaveLength(3);
    minutes(10);
    await watch.read();
    const owed = (await alerts())[3];
    expect(owed?.template).toBe('alert_mailbox_readable_again');
    expect(owed?.text).toContain('it had not been read since 2026-11-24 10:30 -06:00.');
  });

  it('a "read again" refused by the window, the daemon restarted before it went: the restarted daemon sends it at its first read, once, naming the outage\'s start', async () => {
    const { alerts, restart, drained, minutes } = await readAgainRefused();
    // Stopped before the next read: the administrators' last word is "cannot be read". Started again, read within
    // the window (refused still), then after it: sent, since the second outage began.
    minutes(1);
    const again = restart();
    await drained();
    await again.read();
    expect(await alerts()).toHaveLength(3);
    minutes(10);
    await drained();
    await again.read();
    const owed = (await alerts())[3];
    expect(owed?.template).toBe('alert_mailbox_readable_again');
    expect(owed?.text).toContain('it had not been read since 2026-11-24 10:30 -06:00.');
    expect(JSON.parse(owed?.headers ?? '{}')).toMatchObject({ extra: { 'X-Ventanilla-Unread-Since': '2026-11-24T16:30:00.000Z' } });
    // Told: a later start owes nothing.
    minutes(60);
    const later = restart();
    await drained();
    await later.read();
    expect(await alerts()).toHaveLength(4);
  });

  it('a restart that owes a "read again" and finds the mailbox broken again: the new outage is told, with its own since, and its end names it', async () => {
    const { watch, alerts, restart, drained, minutes } = await watchWith({ ALERT_ADDRESS: 'ops@example.com' });
    minutes(4);
    await watch.failed(REFUSED);
    // Read again (a drain), but its "read again" not written (the window, then the daemon stopped): the mailbox's
    // last alert stays the "unreadable" one.
    minutes(2);
    await drained();
    // Started days later with the mailbox broken again: that outage is over (its end owed), this one is told...
    minutes(3 * 24 * 60);
    const later = restart();
    await later.failed(REFUSED);
    minutes(4);
    await later.failed(REFUSED);
    expect((await alerts()).map((a) => a.template)).toEqual(['alert_mailbox_unreadable', 'alert_mailbox_unreadable']);
    expect((await alerts())[1]?.text).toContain('since the gateway started at 2026-11-27 10:06 -06:00');
    // ... and its end names since when this one lasted, not the old outage's start.
    later.progress();
    await later.read();
    expect((await alerts())[2]?.text).toContain('it had not been read since 2026-11-27 10:06 -06:00.');
  });

  it('without ALERT_ADDRESS nothing is written', async () => {
    const { watch, alerts, minutes } = await watchWith({});
    minutes(10);
    await watch.failed(REFUSED);
    await watch.read();
    expect(await alerts()).toEqual([]);
  });
});
