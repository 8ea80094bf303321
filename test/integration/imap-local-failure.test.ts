import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { InboundPipeline, IngestResult, IngestSource } from '../../src/ingest/pipeline.js';
import { ImapSource } from '../../src/ingest/sources/imap.js';
import { UNREADABLE_KEYWORD } from '../../src/ingest/sources/imap-unreadable.js';
import { inTransaction, openDatabase } from '../../src/store/database.js';
import { mail } from '../support/app.js';
import { waitFor } from '../support/daemon.js';
import { dovecotAvailable, startDovecot } from '../support/dovecot.js';

// A mail the pipeline cannot record for now (the disk full: ENOSPC from the blob store, a database that stays
// busy) is thrown back to the IMAP source, which keeps it for a later session. Such a session failed with the
// cursor at one place like one the server closed on: four of them (~15 s) set the mail aside as one "the IMAP
// server could not return", flagged and skipped for good, though it had been read each time. (Seen with the
// daemon and its blob store on a full tmpfs; here a pipeline that fails the same way keeps the test portable.)
describe.skipIf(!dovecotAvailable())('a mail the pipeline cannot record for now', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('is read again until it is recorded, never set aside as unreadable', async () => {
    const dovecot = await startDovecot();
    cleanups.push(() => dovecot.stop());
    await dovecot.append(mail({ headers: { 'Message-ID': '<disk-full@cliente.mx>' } }));
    const dataDir = mkdtempSync(join(tmpdir(), 'ventanilla-local-failure-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const db = await openDatabase(join(dataDir, 'ventanilla.db'));
    cleanups.push(() => db.$disconnect());
    const logged: Array<{ msg: string }> = [];
    const log = pino({ level: 'info' }, new Writable({ write: (line, _enc, done) => done(void logged.push(JSON.parse(String(line)))) }));

    // Full for the first four attempts, then space again: recorded with the cursor, as the real pipeline does.
    let attempts = 0;
    const record = async (source: IngestSource): Promise<IngestResult> => {
      if (++attempts <= 4) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      await inTransaction(db, (tx) => source.withinTransaction?.(tx, 'created') ?? Promise.resolve());
      return { outcome: 'created', ticketNumber: 1, dedupKey: null, rawSha256: '', detail: null };
    };
    const pipeline = { ingest: (_raw: Buffer, source: IngestSource) => record(source) } as unknown as InboundPipeline;
    const results: Array<{ uid: number; outcome: string }> = [];
    const settings = {
      host: dovecot.host, port: dovecot.imapPort, secure: false, user: dovecot.user, password: dovecot.password,
      mailbox: 'INBOX', processedMailbox: 'Processed', pollSeconds: 300, timeoutSeconds: 5, reconnectMaxSeconds: 60, rejectUnauthorized: true,
    };
    const source = new ImapSource(settings, { db, pipeline, log }, { onResult: (r) => results.push({ uid: r.uid, outcome: r.outcome }) });
    const running = source.run();
    cleanups.push(async () => {
      await source.stop();
      await running;
    });

    // Four failed sessions, with backoffs of 1, 2, 4 and 8 s: the fifth at ~15 s.
    await waitFor(() => results.length > 0 || logged.some((l) => /set aside/.test(l.msg)) || null, 'the mail to be recorded or set aside', 30_000, 100);
    expect(logged.filter((l) => /one message at a time|set aside/.test(l.msg))).toEqual([]);
    expect(results).toEqual([{ uid: 1, outcome: 'created' }]);
    expect(await db.inboundLog.count({ where: { outcome: 'quarantined' } })).toBe(0);
    expect(await dovecot.count('INBOX', { keyword: UNREADABLE_KEYWORD })).toBe(0);
  }, 45_000);
});
