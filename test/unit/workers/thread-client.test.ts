import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ThreadClient } from '../../../src/workers/thread-client.js';

// A worker that dies must fail the requests it held (their callers retry) and be replaced on the next one.

const dir = mkdtempSync(join(tmpdir(), 'ventanilla-thread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const script = join(dir, 'echo-worker.mjs');
writeFileSync(
  script,
  `import { parentPort } from 'node:worker_threads';
parentPort.on('message', ({ id, payload }) => {
  if (payload === 'die') process.exit(3);
  if (payload === 'fail') parentPort.postMessage({ id, error: 'no such thing' });
  else setTimeout(() => parentPort.postMessage({ id, result: payload + '!' }), 5);
});`,
);

describe('ThreadClient', () => {
  it('answers requests, in any number at once', async () => {
    const client = new ThreadClient<string, string>(script, null, { error: () => undefined }, 'echo');
    try {
      expect(await Promise.all(['a', 'b', 'c'].map((p) => client.request(p)))).toEqual(['a!', 'b!', 'c!']);
      await expect(client.request('fail')).rejects.toThrow('echo failed: no such thing');
    } finally {
      await client.close();
    }
  });

  it('fails what a dying worker held, says so, and starts a new worker for the next request', async () => {
    const logged: unknown[] = [];
    const client = new ThreadClient<string, string>(script, null, { error: (...args: unknown[]) => void logged.push(args) }, 'echo');
    try {
      const held = client.request('slow');
      await expect(client.request('die')).rejects.toThrow('the echo worker stopped (exit code 3)');
      await expect(held).rejects.toThrow('exit code 3');
      expect(logged).toHaveLength(1);
      expect(await client.request('again')).toBe('again!');
    } finally {
      await client.close();
    }
  });
});
