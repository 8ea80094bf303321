import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { describe, expect, it } from 'vitest';
import { calendarFromEnv } from '../../src/domain/business-clock.js';
import { mail } from '../support/app.js';
import { cliBuilt } from '../support/cli.js';
import { imapDaemonEnv, startDaemon, waitFor, type Daemon } from '../support/daemon.js';
import { dovecotAvailable, startDovecot } from '../support/dovecot.js';

// The SLA of a mail read late counts from when it reached the mailbox (its INTERNALDATE), but not from before the
// mailbox was last read: a mail found with an older date was moved in (from another folder, a restore, imapsync
// keeps dates), not left waiting, and counted from its date its ticket was due before it existed and escalated at
// once. The daemon knows the last read from the mailbox lease (src/ingest/sources/imap.ts readBefore).

// A desk open nearly round the clock, so that instants a few seconds apart have due times apart, whatever the hour
// the test runs at (on the default calendar, every instant of a night maps to 08:00).
const ALWAYS_OPEN = { BUSINESS_DAYS: '1-7', BUSINESS_HOURS: '00:00-23:59', CLOSED_DATES: '' };

const dueOf = (db: Database.Database, subject: string) =>
  new Date((db.prepare('SELECT "firstResponseDueAt" AS d FROM "Ticket" WHERE "subject" = ?').get(subject) as { d: number }).d);

describe.skipIf(!dovecotAvailable() || !cliBuilt)('the SLA of mail the daemon finds when it starts again', () => {
  it('counts from its INTERNALDATE when it came after the last read, from the last read when older', { timeout: 120_000 }, async () => {
    const dovecot = await startDovecot();
    const dataDir = mkdtempSync(join(tmpdir(), 'imap-sla-start-'));
    let daemon: Daemon | undefined;
    try {
      const env = imapDaemonEnv(dovecot, dataDir, ALWAYS_OPEN);
      // A first run reads the (empty) mailbox: the lease is dated.
      daemon = startDaemon(env);
      // Undefined until the daemon has created its database and read the mailbox once.
      const leaseRead = () => {
        let db: Database.Database | undefined;
        try {
          db = new Database(join(dataDir, 'ventanilla.db'), { readonly: true, fileMustExist: true });
          return (db.prepare(`SELECT "lastRunAt" AS t FROM "JobLease" WHERE "name" LIKE 'mailbox%' AND "lastRunAt" IS NOT NULL`).get() as { t: number } | undefined)?.t;
        } catch {
          return undefined;
        } finally {
          db?.close();
        }
      };
      const lastRead = new Date(await waitFor(leaseRead, 'the mailbox read once', 60_000, 100));
      await daemon.kill('SIGTERM');
      daemon = undefined;
      const lastReadAfterStop = new Date(leaseRead() as number);
      // While it is down: a customer's mail arrives, and someone moves a March mail into the inbox.
      const client = new ImapFlow({ ...dovecot.imapConfig(), logger: false });
      await client.connect();
      const arrived = new Date(Math.ceil((lastReadAfterStop.getTime() + 1000) / 1000) * 1000);
      await new Promise((r) => setTimeout(r, Math.max(0, arrived.getTime() - Date.now() + 50)));
      await client.append('INBOX', mail({ headers: { Subject: 'Llegó con el servicio detenido' } }), [], arrived);
      await client.append('INBOX', mail({ headers: { Subject: 'Movido de otra carpeta' } }), [], new Date('2026-03-02T16:00:00Z'));
      await client.logout();
      daemon = startDaemon(env);
      const db = new Database(join(dataDir, 'ventanilla.db'), { readonly: true });
      try {
        await waitFor(() => (db.prepare('SELECT count(*) AS n FROM "Ticket"').get() as { n: number }).n === 2 || undefined, 'both tickets', 60_000, 100);
        // Normal priority (no impact or urgency stated): 24 business hours.
        const calendar = calendarFromEnv(ALWAYS_OPEN);
        expect(dueOf(db, 'Llegó con el servicio detenido')).toEqual(calendar.addBusinessHours(arrived, 24));
        expect(dueOf(db, 'Movido de otra carpeta')).toEqual(calendar.addBusinessHours(lastReadAfterStop, 24));
        expect(lastRead.getTime()).toBeLessThanOrEqual(lastReadAfterStop.getTime());
      } finally {
        db.close();
      }
    } finally {
      await daemon?.kill('SIGTERM');
      await dovecot.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
