import type { Logger } from 'pino';
import type { BlobStore } from '../store/blobs.js';
import { ThreadClient, workerScript } from '../workers/thread-client.js';
import type { PrepareSettings, PreparedRaw } from './prepare-raw.js';
import { packRaws, type PackedRaws } from './packed-raws.js';
import type { PrepareWorkerData } from './prepare-worker.js';

/**
 * Prepares batches of small mails (prepare-raw.ts) in a worker thread, so that parsing a batch overlaps
 * recording the one before it. Without the built worker it prepares in this thread, with the same
 * results. A batch whose worker died fails as a whole: nothing of it was recorded, the source fetches it again.
 */
export class MailPreparer {
  private readonly thread: ThreadClient<PackedRaws, PreparedRaw[]> | null;

  constructor(
    private readonly settings: PrepareSettings,
    private readonly blobs: BlobStore,
    private readonly log: Pick<Logger, 'error' | 'warn'>,
  ) {
    const script = workerScript(import.meta.url, 'prepare-worker');
    this.thread = script ? new ThreadClient(script, { settings, blobsRoot: blobs.root } satisfies PrepareWorkerData, log, 'mail preparation') : null;
  }

  prepare(raws: Buffer[]): Promise<PreparedRaw[]> {
    // In this thread (no built worker: tests, and the sources run from TypeScript), the parser is loaded now.
    if (!this.thread) return import('./prepare-raw.js').then(({ prepareRaws }) => prepareRaws(this.settings, this.blobs, raws));
    const packed = packRaws(raws);
    return this.thread.request(packed, [packed.bytes.buffer]);
  }

  /**
   * Starts the worker now (a daemon: its modules load while the mailbox opens) rather than on the first batch.
   * Without a built worker script the daemon would parse in its main thread: it says so.
   */
  start(): void {
    if (!this.thread) this.log.warn('no built preparation worker script: mail is parsed in the main thread');
    this.thread?.start();
  }

  close(): Promise<void> {
    return this.thread?.close() ?? Promise.resolve();
  }
}
