import { afterEach, describe, expect, it } from 'vitest';
import { replayQuarantine, type ReplayDeps } from '../../src/ingest/sources/quarantine.js';
import type { InboundPipeline } from '../../src/ingest/pipeline.js';
import { sha256Of } from '../../src/store/blobs.js';
import { inTransaction } from '../../src/store/database.js';
import { pendingQuarantine, quarantine } from '../../src/store/inbound-log-repo.js';
import { keepRawMail } from '../../src/store/raw-mails.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';

// `ventanilla replay` killed at any point: each quarantined mail is still listed once, and replayed once.

let app: TestApp;
afterEach(() => app?.dispose());

const quiet = { replayed: () => undefined, missing: () => undefined };

/** The replay's process, SIGKILLed the moment a mail's transaction committed, before it does anything more. */
function killedAfterFirstCommit(deps: ReplayDeps): ReplayDeps {
  const pipeline = Object.create(deps.pipeline) as InboundPipeline;
  pipeline.ingest = async (raw, source) => {
    await deps.pipeline.ingest(raw, source);
    throw new Error('SIGKILL');
  };
  return { ...deps, pipeline };
}

describe('ventanilla replay killed', () => {
  it('right after a mail failed again: the quarantine lists it once, and the next replay takes it once', async () => {
    app = await createTestApp();
    // No sender: quarantined, and again at each replay.
    expect((await app.pipeline.ingest(mail({ headers: { From: null } }), { source: 'stdin' })).outcome).toBe('quarantined');
    await expect(replayQuarantine(killedAfterFirstCommit(app), quiet)).rejects.toThrow('SIGKILL');
    const listed = await pendingQuarantine(app.db);
    expect(listed.map((q) => q.sourceRef)).toEqual(['quarantine:1']);
    expect(await replayQuarantine(app, quiet)).toBe(1);
    expect(await pendingQuarantine(app.db)).toHaveLength(1);
  });

  it('right after a mail became a ticket: the quarantine no longer lists it, and the ticket is its only effect', async () => {
    app = await createTestApp();
    // A mail an earlier version quarantined (a bug since fixed): this one makes it a ticket.
    const raw = mail({ headers: { 'Message-ID': '<replay-1@cliente.mx>' } });
    await inTransaction(app.db, async (tx) => {
      keepRawMail(tx, sha256Of(raw), raw, app.now());
      await quarantine(tx, { rawSha256: sha256Of(raw), size: raw.length, source: 'stdin', sourceRef: null, errorCode: 'PIPELINE_FAILED', error: 'a bug', at: app.now() });
    });
    await expect(replayQuarantine(killedAfterFirstCommit(app), quiet)).rejects.toThrow('SIGKILL');
    expect(await pendingQuarantine(app.db)).toEqual([]);
    expect(await replayQuarantine(app, quiet)).toBe(0);
    expect(await app.db.ticket.count()).toBe(1);
  });
});
