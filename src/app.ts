import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { loadConfig, ownAddressesOf, type Config } from './config.js';
import { InboundPipeline, mailPreparerFor, type PreparationDeps } from './ingest/pipeline.js';
import type { LifecycleDeps } from './lifecycle/transitions.js';
import { createLogger } from './log.js';
import { reportOAuth2WarningsTo } from './oauth2-token.js';
import { OutboxDrainer } from './outbound/drainer.js';
import { createMailer, type Mailer } from './outbound/mailer.js';
import { prepareHeldAcknowledgement } from './outbound/held-acknowledgements.js';
import { sharedRenderer } from './outbound/templates.js';
import { policiesFromConfig } from './policy.js';
import { resolveSecret, secretForReading } from './secret.js';
import { ensureReadableDatabase, ensureWritableFolders } from './data-dir.js';
import { BlobStore } from './store/blobs.js';
import { openDatabase, type Db } from './store/database.js';
import { queueOnExplicitClock } from './store/queueing-clock.js';
import { dropLiveToken } from './scheduler/liveness.js';
import { publicUrlOf } from './http/public-url.js';
import { linkSettings } from './bulletins/links.js';
import { loadKnowledge } from './knowledge/for-notice.js';
import { BulletinRenderer } from './bulletins/render.js';
import { queueCsatSurvey, withdrawCsatSurvey } from './surveys/csat.js';

/** Without SMTP the outbox becomes .eml files: several in flight share the "sent" commits and overlap the file writes. */
const FILE_MAILER_LANES = 8;
import { surveyDeps } from './surveys/deps.js';

/** Everything a command needs, built once from the configuration. */
export interface App {
  config: Config & { secretKey: string };
  log: Logger;
  db: Db;
  blobs: BlobStore;
  lifecycle: LifecycleDeps;
  pipeline: InboundPipeline;
  now: () => Date;
  /** Created on first use: commands that send nothing never open an SMTP pool. */
  mailer(): Mailer;
  drainer(): OutboxDrainer;
  close(): Promise<void>;
}

/**
 * `preparationWorker`: the worker that parses mail starts at once (the daemon), not with the first batch.
 * `composeWorker`: outgoing MIME is built in a worker thread. For the daemon, which sends all day; a one-shot
 * command would pay the worker's start-up and its cold compiler for nothing (a `scheduler run-once` tick was
 * 0.15 s slower with it).
 * `readOnly`: for a command that only reads (a listing). A database that exists is opened read-only, with nothing
 * migrated and no secret.key written, so that it works for a user who may read DATA_DIR but not write in it (a
 * reporting user, a read-only snapshot); with none yet, it is created as by any command (`tickets list` on a new
 * install says 0 tickets). Nothing the daemon and the commands that write need changes.
 * `explicitClock`: `now` is an operator's `--now`, not the wall clock the mails are tried on: each mail queued keeps
 * the wall clock as the start of its retries (store/queueing-clock.ts).
 */
export async function createApp(options: { config?: Config; log?: Logger; now?: () => Date; explicitClock?: boolean; mailer?: Mailer; composeWorker?: boolean; preparationWorker?: boolean; readOnly?: boolean } = {}): Promise<App> {
  const base = options.config ?? loadConfig();
  const readOnly = options.readOnly === true && existsSync(base.databasePath);
  if (readOnly) ensureReadableDatabase(base);
  else ensureWritableFolders(base);
  const policies = policiesFromConfig(base);
  const log = options.log ?? createLogger(base.logLevel);
  const warn = (warning: string) => log.warn(warning);
  const secretKey = readOnly ? secretForReading(base.secretKey, base.dataDir, warn) : resolveSecret(base.secretKey, base.dataDir, warn);
  const config = { ...base, secretKey };
  for (const warning of config.warnings) log.warn(warning);
  reportOAuth2WarningsTo(log);
  const blobs = new BlobStore(join(config.dataDir, 'blobs'));
  const ownAddresses = ownAddressesOf(config);
  const preparation: PreparationDeps = {
    secret: config.secretKey,
    supportAddress: config.supportAddress,
    ownAddresses,
    maxMessageBytes: config.maxMessageBytes,
    maxAttachmentBytes: config.env.MAX_ATTACHMENT_BYTES,
    access: config.access,
    timeZone: policies.calendar.config.timeZone,
    blobs,
    log,
  };
  const preparer = mailPreparerFor(preparation);
  // Before the database opens (migrations, Prisma's query compiler: ~0.2 s of this thread), so that the worker
  // has loaded its modules by the time a backlog's first batch reaches it.
  if (options.preparationWorker) preparer.start();
  const db = await openDatabase(config.databasePath, { readOnly }).catch(async (error: unknown) => {
    await preparer.close();
    throw error;
  });
  if (options.explicitClock) queueOnExplicitClock(db);
  const now = options.now ?? (() => new Date());
  const lifecycle: LifecycleDeps = {
    policies,
    notices: {
      automaticCap: { limit: config.env.AUTO_MAIL_LIMIT, windowMs: config.env.AUTO_MAIL_WINDOW_MINUTES * 60_000 },
      ackLimit: config.env.ACK_LIMIT,
      alertAddresses: config.alertAddresses,
      log,
      renderer: sharedRenderer(), calendar: policies.calendar, secret: config.secretKey, supportAddress: config.supportAddress, supportName: config.supportName, replyToPlusAddress: config.replyToPlusAddress,
      knowledge: loadKnowledge(config.knowledgeBaseDir, () => publicUrlOf(config.env), (problem) => log.warn(problem)),
    },
  };
  const pipeline = new InboundPipeline(
    {
      ...preparation,
      db,
      lifecycle,
      bulletins: { config: config.bulletins, links: linkSettings(config.secretKey, config.env), renderer: new BulletinRenderer() },
      now,
    },
    preparer,
  );
  let mailer: Mailer | undefined = options.mailer;
  let drainer: OutboxDrainer | undefined;
  const app: App = {
    config,
    log,
    db,
    blobs,
    lifecycle,
    pipeline,
    now,
    mailer: () => (mailer ??= createMailer(config, log, { composeWorker: options.composeWorker ?? false })),
    drainer: () => (drainer ??= new OutboxDrainer({ db, mailer: app.mailer(), blobs, log, heldBack: (row, holder, at) => prepareHeldAcknowledgement(db, lifecycle.notices, row, holder, at) }, { maxAttempts: config.env.OUTBOX_MAX_ATTEMPTS, retryHours: config.env.OUTBOX_RETRY_HOURS, concurrency: config.smtp?.poolSize ?? FILE_MAILER_LANES, stopGraceMs: config.env.SMTP_STOP_GRACE_SECONDS * 1000, suppressionDays: config.bulletins.suppression.hardDays })),
    close: async () => {
      mailer?.close();
      await pipeline.close();
      await db.$disconnect();
      dropLiveToken(config.databasePath);
    },
  };
  lifecycle.afterSolved = (tx, solved) => queueCsatSurvey(tx, surveyDeps(app), solved);
  lifecycle.afterReopened = withdrawCsatSurvey;
  return app;
}
