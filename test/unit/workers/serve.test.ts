import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../src/paths.js';
import { ThreadClient } from '../../../src/workers/thread-client.js';

// serveRequests (the worker side): with oneAtATime, a slow request that came first is answered first, and the
// next one starts only after it; without, a handler that yields runs requests interleaved.

const built = join(projectRoot, 'dist', 'src', 'workers', 'serve.js');
const dir = mkdtempSync(join(tmpdir(), 'ventanilla-serve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function workerWith(oneAtATime: boolean): string {
  const script = join(dir, `sleepy-${oneAtATime}.mjs`);
  writeFileSync(
    script,
    `import { serveRequests } from ${JSON.stringify(pathToFileURL(built).href)};
let running = 0;
serveRequests(async ({ name, ms }) => {
  const alongside = running++;
  await new Promise((resolve) => setTimeout(resolve, ms));
  running--;
  return { name, alongside };
}, { oneAtATime: ${oneAtATime} });`,
  );
  return script;
}

async function answerOrder(oneAtATime: boolean): Promise<Array<{ name: string; alongside: number }>> {
  const client = new ThreadClient<{ name: string; ms: number }, { name: string; alongside: number }>(workerWith(oneAtATime), null, { error: () => undefined }, 'sleepy');
  const order: Array<{ name: string; alongside: number }> = [];
  try {
    await Promise.all([{ name: 'slow', ms: 80 }, { name: 'quick', ms: 1 }].map((r) => client.request(r).then((a) => void order.push(a))));
  } finally {
    await client.close();
  }
  return order;
}

describe.skipIf(!existsSync(built))('serveRequests', () => {
  it('one at a time: answers in the order asked, never two handlers at once', async () => {
    expect(await answerOrder(true)).toEqual([
      { name: 'slow', alongside: 0 },
      { name: 'quick', alongside: 0 },
    ]);
  });

  it('by default: a handler that yields lets the next request run alongside it', async () => {
    expect(await answerOrder(false)).toEqual([
      { name: 'quick', alongside: 1 },
      { name: 'slow', alongside: 0 },
    ]);
  });
});
