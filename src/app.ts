import { join } from 'node:path';
import type { Logger } from 'pino';
import { loadConfig, type Config } from './config.js';
import { InboundPipeline } from './ingest/pipeline.js';
import { createLogger } from './log.js';
import { resolveSecret } from './secret.js';
import { BlobStore } from './store/blobs.js';
import { openDatabase, type Db } from './store/database.js';

/** Everything a command needs, built once from the configuration. */
export interface App {
  config: Config & { secretKey: string };
  log: Logger;
  db: Db;
  blobs: BlobStore;
  pipeline: InboundPipeline;
  now: () => Date;
  close(): Promise<void>;
}

export async function createApp(options: { config?: Config; log?: Logger; now?: () => Date } = {}): Promise<App> {
  const base = options.config ?? loadConfig();
  const config = { ...base, secretKey: resolveSecret(base.secretKey, base.dataDir) };
  const log = options.log ?? createLogger(config.logLevel);
  const db = await openDatabase(config.databasePath);
  const blobs = new BlobStore(join(config.dataDir, 'blobs'));
  const now = options.now ?? (() => new Date());
  const ownAddresses = [config.supportAddress, ...(config.imap?.user.includes('@') ? [config.imap.user.toLowerCase()] : [])];
  const pipeline = new InboundPipeline({
    db,
    blobs,
    secret: config.secretKey,
    supportAddress: config.supportAddress,
    ownAddresses,
    maxMessageBytes: config.maxMessageBytes,
    log,
    now,
  });
  return {
    config,
    log,
    db,
    blobs,
    pipeline,
    now,
    close: async () => {
      await db.$disconnect();
    },
  };
}
