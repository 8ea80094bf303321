import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { Logger } from 'pino';
import { projectRoot } from '../paths.js';

// Work handed to a worker thread (serve.ts on the other side), so that on a two-core machine the main thread's
// database work and the worker's CPU work overlap. Requests and replies are plain data (structured clone).

/**
 * The built worker script beside `moduleUrl` (the caller's import.meta.url). Run from the sources (vitest
 * runs .ts files, which a worker thread cannot load), the built copy under dist/, when there is one; null
 * when there is none: the caller then does the work in its own thread.
 */
export function workerScript(moduleUrl: string, name: string): string | null {
  const here = fileURLToPath(moduleUrl);
  const folder = join(here, '..');
  const script = here.endsWith('.ts') ? join(projectRoot, 'dist', relative(projectRoot, folder), `${name}.js`) : join(folder, `${name}.js`);
  return existsSync(script) ? script : null;
}

/**
 * Bytes to send to another thread, as a copy with memory of its own, to be transferred: cloning a view would
 * copy its whole backing memory (a Buffer from a pool, or sliced out of a network read, holds far more), and
 * transferring the original would take it from its other users.
 */
export function ownBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

/** A Buffer again over bytes that came from another thread (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

type Waiting<T> = { resolve: (value: T) => void; reject: (error: Error) => void };
type Reply<T> = { id: number; result?: T; error?: string };

/**
 * One worker thread, started on the first request. Only pending requests keep the process alive. A worker that
 * dies fails the requests it held (the callers' own retries apply: nothing they asked for was half done on
 * their side) and is started again on the next request.
 */
export class ThreadClient<Request, Result> {
  private worker: Worker | null = null;
  private readonly waiting = new Map<number, Waiting<Result>>();
  private nextId = 1;

  constructor(
    private readonly script: string,
    private readonly data: unknown,
    private readonly log: Pick<Logger, 'error'>,
    private readonly what: string,
    private readonly limits?: ResourceLimits,
  ) {}

  /** `transfer`: memory handed over instead of copied (the caller must not use it afterwards). */
  request(payload: Request, transfer: ArrayBuffer[] = []): Promise<Result> {
    const worker = this.started();
    const id = this.nextId++;
    return new Promise<Result>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      if (this.waiting.size === 1) worker.ref();
      worker.postMessage({ id, payload }, transfer);
    });
  }

  /** Requests sent and not answered yet. */
  get pending(): number {
    return this.waiting.size;
  }

  /** Starts the worker now (its modules load meanwhile) rather than on the first request. */
  start(): void {
    this.started();
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script, { workerData: this.data, ...(this.limits ? { resourceLimits: this.limits } : {}) });
    worker.on('message', (reply: Reply<Result>) => this.settle(reply));
    worker.on('error', (error) => this.failAll(worker, error));
    worker.on('exit', (code) => this.failAll(worker, new Error(`the ${this.what} worker stopped (exit code ${code})`)));
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private settle(reply: Reply<Result>): void {
    const waiting = this.waiting.get(reply.id);
    if (!waiting) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0) this.worker?.unref();
    if (reply.error === undefined) waiting.resolve(reply.result as Result);
    else waiting.reject(new Error(`${this.what} failed: ${reply.error}`));
  }

  private failAll(worker: Worker, error: Error): void {
    if (this.worker === worker) this.worker = null;
    if (this.waiting.size > 0) this.log.error({ err: error }, `${this.what} worker failed; its pending work is retried by its callers`);
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
  }
}
