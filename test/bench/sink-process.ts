import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/paths.js';
import { freePort } from '../support/ports.js';

// The counting SMTP sink (smtp-sink.ts) as its own process, for the outbox and bulletin benchmarks: a line on
// its stdin asks for the counts, one JSON line comes back.

export interface Sink {
  port: number;
  counts(): Promise<{ mails: number; bytes: number }>;
  stop(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(projectRoot, 'dist', 'test', 'bench', 'smtp-sink.js'), String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let buffer = '';
  const waiting: Array<(line: string) => void> = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      waiting.shift()?.(line);
    }
  });
  const next = () => new Promise<string>((resolve) => waiting.push(resolve));
  await next(); // {"listening": port}
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port,
    counts: async () => {
      const line = next();
      child.stdin?.write('\n');
      return JSON.parse(await line) as { mails: number; bytes: number };
    },
    stop: async () => {
      child.stdin?.end();
      await exited;
    },
  };
}
