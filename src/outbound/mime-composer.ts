import { writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { asBuffer, ownBytes, ThreadClient, workerScript } from '../workers/thread-client.js';
import type { OutgoingMail } from './mailer.js';
import type { BuiltMail, Newline } from './mime-build.js';

/** `file`: the worker writes the mail there itself and hands back no bytes. */
export type ComposeRequest = { mail: OutgoingMail; newline: Newline; file?: string };

/** A mail built in this thread, for the file writer's thread (file-writer-worker.ts) to write. */
export type FileWrite = { file: string; raw: Uint8Array };

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
  private readonly writer: ThreadClient<FileWrite, void> | null;

  constructor(log: Pick<Logger, 'error' | 'warn'>, useWorker: boolean) {
    const script = useWorker ? workerScript(import.meta.url, 'compose-worker') : null;
    if (useWorker && !script) log.warn('no built composition worker script: outgoing mail is built in the main thread');
    // Started by the first mail, not with the mailer: the daemon makes its mailer at start-up, and a backlog in
    // the mailbox then holds the outbox (inbound-first.ts); loading the worker meanwhile (0.45 s of CPU here)
    // only took the second core from the backlog's preparation worker.
    this.thread = script ? new ThreadClient(script, null, log, 'mail composition', COMPOSE_LIMITS) : null;
    const writerScript = workerScript(import.meta.url, 'file-writer-worker');
    this.writer = writerScript ? new ThreadClient(writerScript, null, log, 'file writing') : null;
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
   * The mail built and written to `file` (the file mailer's private name). A mail built here is written by the
   * file writer's thread with blocking calls, not through the I/O pool: creating a file costs up to 1 ms of
   * kernel time on these machines, which that thread spends on the other core while this one builds the next
   * mails. Through the pool, each file took three trips through this thread's event loop (open, write, close),
   * each waiting behind the builds. The scheduler tick's drain of 570 mails, medians of two series of 24
   * alternating runs: 0.63-0.64 s that way and 0.57-0.61 s with the thread on 1M tickets; 0.59-0.62 s and
   * 0.53-0.54 s on 10k.
   */
  async composeToFile(mail: OutgoingMail, newline: Newline, file: string): Promise<void> {
    const worker = this.worker();
    if (worker) {
      await worker.request({ mail, newline, file });
      return;
    }
    const { raw } = await buildHere(mail, newline);
    if (!this.writer) return writeFile(file, raw);
    const bytes = ownBytes(raw);
    await this.writer.request({ file, raw: bytes }, [bytes.buffer]);
  }

  close(): Promise<void> {
    return Promise.all([this.thread?.close(), this.writer?.close()]).then(() => undefined);
  }
}
