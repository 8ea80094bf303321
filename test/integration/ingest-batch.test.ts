import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Tx } from '../../src/store/database.js';
import type { IngestSource } from '../../src/ingest/pipeline.js';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Of } from '../../src/store/blobs.js';
import { readRawMail } from '../../src/store/raw-mails.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';

// ingestMany (an IMAP batch in one transaction) must give every mail the outcome it gets alone, in order,
// and a mail that fails must not take the others down with it nor let a cursor pass it.

let app: TestApp;

beforeEach(async () => {
  app = await createTestApp({ MAX_MESSAGE_BYTES: '20000' });
});

afterEach(async () => {
  await app.dispose();
});

/** A source whose cursor records the order of the commits that write it. */
function cursorSource(log: string[], ref: string, failTimes = 0): IngestSource {
  let failures = failTimes;
  return {
    source: 'file',
    sourceRef: ref,
    withinTransaction: async (_tx: Tx) => {
      if (failures-- > 0) throw new Error(`injected failure for ${ref}`);
      log.push(ref);
    },
  };
}

describe('ingestMany', () => {
  it('gives each mail of a mixed batch the outcome it has alone, in order, in one pass', async () => {
    const first = mail({ headers: { Subject: 'Falla la factura' } });
    const reply = (id: string) => mail({ headers: { Subject: 'Re: Falla la factura', 'In-Reply-To': id, References: id } });
    const firstId = /Message-ID: (<[^>]+>)/.exec(first.toString())?.[1] as string;
    const noSender = mail({ headers: { From: null } });
    const huge = mail({ body: 'x'.repeat(30_000) });
    const log: string[] = [];
    const items = [first, reply(firstId), first, noSender, huge, mail()].map((raw, i) => ({ raw, source: cursorSource(log, `uid${i + 1}`) }));

    const results = await app.pipeline.ingestMany(items);

    expect(results.map((r) => r.outcome)).toEqual(['created', 'comment', 'duplicate', 'quarantined', 'too_large', 'created']);
    expect(results[1]?.ticketNumber).toBe(results[0]?.ticketNumber);
    // Every cursor write committed, in the mails' order.
    expect(log).toEqual(['uid1', 'uid2', 'uid3', 'uid4', 'uid5', 'uid6']);
    expect(await app.db.inboundLog.count()).toBe(6);
    expect(await app.db.outboxMail.count({ where: { template: 'acknowledgement' } })).toBe(2);
    // Every raw mail is kept, byte for byte, whatever its outcome: in the database, not as a file each.
    for (const [i, { raw }] of items.entries()) {
      expect(results[i]?.rawSha256).toBe(sha256Of(raw));
      expect((await readRawMail(app.db, app.blobs, sha256Of(raw)))?.equals(raw), `raw mail ${i + 1}`).toBe(true);
      expect(app.blobs.has(sha256Of(raw)), `raw mail ${i + 1} as a blob file`).toBe(false);
    }
    expect(await app.db.rawMail.count()).toBe(5);
    expect(existsSync(join(app.dataDir, 'blobs')) ? readdirSync(join(app.dataDir, 'blobs')) : []).toEqual([]);
  });

  it('a mail that fails is quarantined alone; the others of its batch are recorded', async () => {
    const log: string[] = [];
    // uid2 fails in the batch's transaction and again alone: the batch is rolled back, then each goes alone.
    const items = [mail(), mail(), mail()].map((raw, i) => ({ raw, source: cursorSource(log, `uid${i + 1}`, i === 1 ? 2 : 0) }));

    const results = await app.pipeline.ingestMany(items);

    expect(results.map((r) => r.outcome)).toEqual(['created', 'quarantined', 'created']);
    // (The batch's attempt wrote uid1 before uid2 failed; that write was rolled back with it.)
    expect(log).toEqual(['uid1', 'uid1', 'uid2', 'uid3']);
    const rows = await app.db.inboundLog.findMany({ orderBy: { id: 'asc' }, select: { sourceRef: true, outcome: true } });
    expect(rows).toEqual([
      { sourceRef: 'uid1', outcome: 'created' },
      { sourceRef: 'uid2', outcome: 'quarantined' },
      { sourceRef: 'uid3', outcome: 'created' },
    ]);
    expect(await app.db.ticket.count()).toBe(2);
    expect(await app.db.quarantinedMail.count()).toBe(1);
    // The rolled-back batch left nothing behind: one acknowledgement per ticket, one log row per mail.
    expect(await app.db.outboxMail.count()).toBe(2);
    expect(await app.db.inboundLog.count()).toBe(3);
    // Each raw mail kept once, the quarantined one included (it can be replayed).
    expect((await app.db.rawMail.findMany()).map((r) => r.sha256).sort()).toEqual(items.map((i) => sha256Of(i.raw)).sort());
  });
});
