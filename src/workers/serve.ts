import { parentPort } from 'node:worker_threads';

/**
 * The worker side of thread-client.ts: answers each request with its result, or the error's message.
 * `transferOf`: memory of the result handed over instead of copied.
 */
export function serveRequests<Request, Result>(handle: (payload: Request) => Promise<Result>, transferOf: (result: Result) => ArrayBuffer[] = () => []): void {
  const port = parentPort;
  if (!port) throw new Error('this module runs as a worker thread only');
  port.on('message', ({ id, payload }: { id: number; payload: Request }) => {
    handle(payload).then(
      (result) => port.postMessage({ id, result }, transferOf(result)),
      (error: unknown) => port.postMessage({ id, error: (error as Error)?.message ?? String(error) }),
    );
  });
}
