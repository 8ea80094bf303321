import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliBuilt, runCli } from '../support/cli.js';
import { mail } from '../support/app.js';

// `scheduler run-once` from a system cron (no daemon): a job that fails must not hold back the outbox drain, which
// runs last. Here the escalation digest's table is gone (as a bad restore would leave it); the acknowledgement of a
// new ticket still goes out, and the command says which job failed and exits 1.
describe.skipIf(!cliBuilt)('scheduler run-once with a job that fails', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ventanilla-run-once-'));
    env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'cli-test-secret-0123456789' };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the jobs after it, lists it as failed with why, and exits 1', async () => {
    const ingested = await runCli(['ingest', '-'], { env, input: mail({ headers: { From: 'ana@cliente.mx', 'Message-ID': '<run-once-1@cliente.mx>', Subject: 'No timbra' } }) });
    expect(ingested.code, ingested.stderr).toBe(0);
    const db = new Database(join(env.DATA_DIR as string, 'ventanilla.db'));
    db.exec('DROP TABLE "HeldEscalation"');
    db.close();

    const text = await runCli(['scheduler', 'run-once'], { env });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^escalation-digest: failed \(.*HeldEscalation.*\)$/m);
    expect(text.stdout).toMatch(/^outbox-drain: \{.*"sent":1.*\}$/m);
    expect(text.stderr).toMatch(/HeldEscalation/);
    const outbox = join(env.DATA_DIR as string, 'outbox');
    expect(existsSync(outbox) && readdirSync(outbox).filter((f) => f.endsWith('.eml'))).toHaveLength(1);

    const json = await runCli(['scheduler', 'run-once', '--json'], { env });
    expect(json.code).toBe(1);
    const runs = (JSON.parse(json.stdout) as { runs: Array<Record<string, unknown>> }).runs;
    expect(runs.find((r) => r.job === 'escalation-digest')).toEqual({ job: 'escalation-digest', ran: false, reason: 'failed', error: expect.stringContaining('HeldEscalation') });
    expect(runs.find((r) => r.job === 'outbox-drain')).toMatchObject({ ran: true });
  });
});
