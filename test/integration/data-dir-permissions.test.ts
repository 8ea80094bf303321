import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliBuilt, runCli } from '../support/cli.js';
import { mailWithAttachments } from '../support/multipart-mail.js';

// DATA_DIR holds the customers' mail (database, raw mails, attachments), the signing key and the mail sent
// (its signed Reply-To and survey links): on a shared machine no other user may read any of it.

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-perms-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Every file and folder below `root` (itself included) with the permission bits it gives group or others. */
function openToOthers(root: string): string[] {
  const found: string[] = [];
  const visit = (path: string) => {
    const stat = statSync(path);
    if ((stat.mode & 0o077) !== 0) found.push(`${relative(root, path) || '.'} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(root);
  return found;
}

const filesBelow = (path: string): string[] =>
  readdirSync(path, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);

describe.skipIf(!cliBuilt)('the files Ventanilla writes in DATA_DIR', () => {
  it('are readable by their owner only: database, raw mails, attachments, secret.key and the outbox', async () => {
    // No SECRET_KEY: the generated secret.key is among the files.
    const env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test' };
    const ingested = await runCli(['ingest', '-'], { env, input: mailWithAttachments('perms-1', [{ name: 'respaldo.bin', content: randomBytes(600 * 1024) }]) });
    expect(ingested.code, ingested.stderr).toBe(0);
    const drained = await runCli(['scheduler', 'run-once'], { env });
    expect(drained.code, drained.stderr).toBe(0);

    const data = join(dir, 'data');
    expect(filesBelow(data)).toEqual(expect.arrayContaining(['ventanilla.db', 'secret.key']));
    expect(filesBelow(join(data, 'blobs')).length).toBeGreaterThan(0);
    expect(filesBelow(join(data, 'outbox')).some((name) => name.endsWith('.eml'))).toBe(true);
    expect(openToOthers(data)).toEqual([]);
  });
});
