import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { cliBuilt, runCli } from '../support/cli.js';

// The shipped CLI on Node 24, the current LTS line. better-sqlite3 12 aborts there as soon as the collector
// frees a statement outside a JavaScript context (src/store/sqlite-driver.ts says why): the demo's
// `scheduler run-once` did every time. Node 24 comes from the npm registry (`npx -p node@...`; .ci/run fetches
// it first); without it this test is skipped on a developer's machine and fails under CI=true.
const NODE_24 = 'node@24.21.0';

function node24Binary(): string | null {
  try {
    const out = execFileSync('npx', ['--yes', '-p', NODE_24, 'node', '-p', 'process.execPath'], { encoding: 'utf8', timeout: 240_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return out.trim().split('\n').at(-1) ?? null;
  } catch {
    return null;
  }
}

describe.skipIf(!cliBuilt)('the shipped CLI on Node 24', () => {
  let node: string | null = null;
  let dataDir = '';
  beforeAll(() => {
    node = node24Binary();
    dataDir = mkdtempSync(join(tmpdir(), 'ventanilla-node24-'));
  }, 300_000);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('migrates, ingests the demo mailbox and sends its acknowledgements, with no abort', async (ctx) => {
    if (!node) {
      if (process.env.CI) throw new Error(`${NODE_24} could not be fetched with npx (.ci/run fetches it first)`);
      ctx.skip();
      return;
    }
    expect(execFileSync(node, ['--version'], { encoding: 'utf8' })).toMatch(/^v24\./);
    const env = { DATA_DIR: dataDir, SUPPORT_ADDRESS: 'soporte@ventanilla.test' };
    const steps = [['migrate'], ['ingest', join(projectRoot, 'scripts', 'demo-mailbox')], ['scheduler', 'run-once'], ['tickets', 'list']];
    const outputs: string[] = [];
    for (const args of steps) {
      const result = await runCli(args, { env, node });
      expect(result.stderr, args.join(' ')).not.toMatch(/Assertion failed|Native stack trace/);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      outputs.push(result.stdout);
    }
    expect(outputs[1]).toMatch(/"created":4/);
    expect(outputs[2]).toMatch(/outbox-drain: \{"sent":4,"retried":0,"failed":0\}/);
    expect(readdirSync(join(dataDir, 'outbox')).filter((f) => f.endsWith('.eml'))).toHaveLength(4);
  }, 120_000);
});
