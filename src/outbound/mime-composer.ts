import { writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { asBuffer, ThreadClient, workerScript } from '../workers/thread-client.js';
import type { OutgoingMail } from './mailer.js';
import type { BuiltMail, Newline } from './mime-build.js';

/** `file`: the worker writes the mail there itself and hands back no bytes. */
export type ComposeRequest = { mail: OutgoingMail; newline: Newline; file?: string };

/**
 * The worker keeps nothing between mails: a small young generation makes it collect each mail's garbage at once
 * instead of growing (a bulletin run's peak RSS grew by 85 MiB with V8's defaults). The old generation still
 * holds a mail with a 25 MB attachment several times over.
 */
const COMPOSE_LIMITS = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 384 };

/**
 * In this thread: nodemailer (~0.45 MB of the bundle, ~50 ms of a start-up) is loaded with the first mail built
 * here, not with the program (the daemon builds in its worker; most commands build nothing).
 */
async function buildHere(mail: OutgoingMail, newline: Newline): Promise<BuiltMail> {
  const { buildMime } = await import('./mime-build.js');
  return buildMime(mail, newline);
}

/** Mails queued at the worker at most; more are built in the calling thread. */
const WORKER_QUEUE = 8;

/**
 * Builds outgoing mails as MIME in a worker thread (compose-worker.ts): nodemailer's build is most of a send's
 * CPU, and a drain sends while ingest or the scheduler records on the main thread. When the worker has enough
 * queued, without the built worker, or when not asked for (createApp's `composeWorker`), in this thread: the same
 * bytes either way.
 */
export class MimeComposer {
  private readonly thread: ThreadClient<ComposeRequest, BuiltMail> | null;

  constructor(log: Pick<Logger, 'error' | 'warn'>, useWorker: boolean) {
    const script = useWorker ? workerScript(import.meta.url, 'compose-worker') : null;
    if (useWorker && !script) log.warn('no built composition worker script: outgoing mail is built in the main thread');
    // Started by the first mail, not with the mailer: the daemon makes its mailer at start-up, and a backlog in
    // the mailbox then holds the outbox (inbound-first.ts); loading the worker meanwhile (0.45 s of CPU here)
    // only took the second core from the backlog's preparation worker.
    this.thread = script ? new ThreadClient(script, null, log, 'mail composition', COMPOSE_LIMITS) : null;
  }

  /** No worker, or one busy (or still starting): this thread builds the mail itself rather than wait idle. */
  private worker(): ThreadClient<ComposeRequest, BuiltMail> | null {
    return this.thread && this.thread.pending < WORKER_QUEUE ? this.thread : null;
  }

  async compose(mail: OutgoingMail, newline: Newline): Promise<BuiltMail> {
    const worker = this.worker();
    if (!worker) return buildHere(mail, newline);
    const built = await worker.request({ mail, newline });
    return { ...built, raw: asBuffer(built.raw) };
  }

  /**
   * The mail built and written to `file` (the file mailer's private name). Written by the I/O pool, not with a
   * blocking call: creating a file costs 0.25-0.6 ms of kernel time on these machines (writing one that exists,
   * 0.02 ms), which the pool's threads spend on the other core while this thread builds the next mails.
   */
  async composeToFile(mail: OutgoingMail, newline: Newline, file: string): Promise<void> {
    const worker = this.worker();
    if (!worker) return writeFile(file, (await buildHere(mail, newline)).raw);
    await worker.request({ mail, newline, file });
  }

  close(): Promise<void> {
    return this.thread?.close() ?? Promise.resolve();
  }
}
