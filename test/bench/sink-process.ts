import { freePort } from '../support/ports.js';
import { startLineProcess } from './line-process.js';

// The counting SMTP sink (smtp-sink.ts) as its own process, for the outbox and bulletin benchmarks: a line on
// its stdin asks for the counts, one JSON line comes back.

export interface Sink {
  port: number;
  counts(): Promise<{ mails: number; bytes: number }>;
  stop(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  const port = await freePort();
  const child = startLineProcess('smtp-sink', [String(port)]);
  await child.next(); // {"listening": port}
  return {
    port,
    counts: async () => JSON.parse(await child.ask('')) as { mails: number; bytes: number },
    stop: () => child.stop(),
  };
}
