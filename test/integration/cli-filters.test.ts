import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliBuilt, runCli } from '../support/cli.js';

// A listing's filter given a value it cannot have (a typo, another command's word) is refused in one line naming
// the values it takes: an empty listing with exit 0 told the operator there was nobody of that kind.

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-filters-'));
  env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!cliBuilt)('listing filters', () => {
  it('`subscribers list --status` takes active, pending or unsubscribed, and refuses anything else', async () => {
    expect(await runCli(['subscribers', 'add', 'ana@example.test', '--country', 'MX'], { env })).toMatchObject({ code: 0 });
    const active = await runCli(['subscribers', 'list', '--status', 'active'], { env });
    expect(active.stdout).toMatch(/^ana@example\.test\tactive/m);
    const typo = await runCli(['subscribers', 'list', '--status', 'unsubscribe'], { env });
    expect(typo.code).toBe(1);
    expect(typo.stdout).toBe('');
    expect(typo.stderr.trim()).toBe('ventanilla: INPUT_UNREADABLE: --status must be one of active, pending, unsubscribed (got "unsubscribe")');
  });

  // CONFIG_INVALID sent the operator to their environment and .env for a word typed on the command line.
  it('a bad --status of `tickets list` or --now of `scheduler run-once` is called bad input, not a bad configuration', async () => {
    const status = await runCli(['tickets', 'list', '--status', 'opened'], { env });
    expect({ code: status.code, stderr: status.stderr.trim() }).toEqual({ code: 1, stderr: 'ventanilla: INPUT_UNREADABLE: --status must be one of new, open, pending, on_hold, solved, closed (got "opened")' });
    const now = await runCli(['scheduler', 'run-once', '--now', 'tomorrow'], { env });
    expect({ code: now.code, stderr: now.stderr.trim() }).toEqual({ code: 1, stderr: 'ventanilla: INPUT_UNREADABLE: --now must be an ISO 8601 time, e.g. 2026-12-01T10:00:00-06:00 (got "tomorrow")' });
  });
});
