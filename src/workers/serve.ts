import { parentPort } from 'node:worker_threads';

export interface ServeOptions<Result> {
  /** Memory of the result handed over instead of copied. */
  transferOf?: (result: Result) => ArrayBuffer[];
  /**
   * Handle one request at a time, in the order they came. A handler that yields (a mail parser's streams) would
   * otherwise run the requests interleaved, and all of them would finish late, the one the caller waits for
   * first included.
   */
  oneAtATime?: boolean;
}

/** The worker side of thread-client.ts: answers each request with its result, or the error's message. */
export function serveRequests<Request, Result>(handle: (payload: Request) => Promise<Result>, options: ServeOptions<Result> = {}): void {
  const port = parentPort;
  if (!port) throw new Error('this module runs as a worker thread only');
  const transferOf = options.transferOf ?? (() => []);
  // Never rejects, even for a handler that throws before its promise: a rejected link would stop the chain below.
  const answer = (id: number, payload: Request): Promise<void> =>
    Promise.resolve()
      .then(() => handle(payload))
      .then(
        (result) => port.postMessage({ id, result }, transferOf(result)),
        (error: unknown) => port.postMessage({ id, error: (error as Error)?.message ?? String(error) }),
      );
  let previous: Promise<void> = Promise.resolve();
  port.on('message', ({ id, payload }: { id: number; payload: Request }) => {
    if (options.oneAtATime) previous = previous.then(() => answer(id, payload));
    else void answer(id, payload);
  });
}
