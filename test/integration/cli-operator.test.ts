import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { cliBuilt, runCli } from '../support/cli.js';

// What an operator installing Ventanilla meets before any mail: the version, and a start-up that fails says
// why in one line, with a non-zero exit code and no stack trace, instead of hanging or naming the wrong thing.

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-operator-'));
  env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const oneLineError = (stderr: string) => {
  expect(stderr).not.toMatch(/\n\s+at /);
  return stderr.trim();
};

describe.skipIf(!cliBuilt)('the CLI at start-up, as an operator meets it', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
    const result = await runCli(['--version']);
    expect(result.stdout.trim()).toBe(version);
    expect(result.code).toBe(0);
  });
});
