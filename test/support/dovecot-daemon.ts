import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.js';
import { imapDaemonEnv, startDaemon, type Daemon } from './daemon.js';
import { startDovecot, type DovecotServer } from './dovecot.js';

export interface DovecotDaemon {
  dovecot: () => DovecotServer;
  dataDir: () => string;
  /** The daemon's environment (imapDaemonEnv), for the CLI too. */
  env: () => Record<string, string>;
  /** Starts the daemon, once the test has put its mail in the mailbox, and opens its database. */
  start: () => Promise<Db>;
}

/**
 * One private Dovecot and data folder for the file (vitest hooks registered here), and a daemon on them that the
 * test starts; all of it stopped and removed after the file's tests.
 */
export function dovecotDaemonPerFile(prefix: string): DovecotDaemon {
  let dovecot: DovecotServer | undefined;
  let dataDir: string | undefined;
  let env: Record<string, string> = {};
  let daemon: Daemon | undefined;
  let db: Db | undefined;
  beforeAll(async () => {
    dovecot = await startDovecot();
    dataDir = mkdtempSync(join(tmpdir(), prefix));
    env = imapDaemonEnv(dovecot, dataDir);
  });
  afterAll(async () => {
    await daemon?.kill();
    await db?.$disconnect();
    await dovecot?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    dovecot: () => dovecot as DovecotServer,
    dataDir: () => dataDir as string,
    env: () => env,
    start: async () => {
      daemon = startDaemon(env);
      db = await openDatabase(join(dataDir as string, 'ventanilla.db'));
      return db;
    },
  };
}
