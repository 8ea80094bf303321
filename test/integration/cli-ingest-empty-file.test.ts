// An empty file is no mail. `ingest empty.eml` of a 0-byte file quarantined it as a mail "without a sender", with a
// stack trace in the error log, and a new quarantine entry at each run, while an empty `ingest -` was refused as "no
// mail on stdin". Now an empty file, named or found in a folder, is refused and named: nothing quarantined, nothing in
// the inbound log, no stack; the other mails of the folder are ingested, and the command exits 1 for the file it left.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mail } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-empty-'));
  env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'cli-test-secret-0123456789' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const refusal = (file: string) => `ventanilla: INPUT_UNREADABLE: ${file} is empty (0 bytes): no mail in it, not ingested.\n`;

/** What the desk kept of it: the quarantine, the inbound log's outcomes, the tickets' subjects. */
async function kept(): Promise<{ quarantine: unknown[]; inbound: string[]; tickets: string[] }> {
  const read = async (args: string[]) => {
    const run = await runCli(args, { env });
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as Array<Record<string, unknown>>;
  };
  return {
    quarantine: await read(['quarantine', '--json']),
    inbound: (await read(['inbound', '--json'])).map((row) => row.outcome as string),
    tickets: (await read(['tickets', 'list', '--json'])).map((row) => row.subject as string),
  };
}

describe.skipIf(!cliBuilt)('ventanilla ingest of an empty file', () => {
  it('named alone: refused in one line naming it, exit 1; nothing quarantined or logged, also when run again', async () => {
    const empty = join(dir, 'empty.eml');
    writeFileSync(empty, '');
    for (let run = 0; run < 2; run++) {
      const r = await runCli(['ingest', empty], { env });
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 1, stdout: '0 mails: {}; 1 empty, not ingested\n', stderr: refusal(empty) });
    }
    expect(await kept()).toEqual({ quarantine: [], inbound: [], tickets: [] });
  });

  it('among good mails in a folder and a Maildir: the good ones are ingested, each empty one named, exit 1', async () => {
    const folder = join(dir, 'export');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a.eml'), mail({ headers: { Subject: 'Factura A' } }));
    writeFileSync(join(folder, 'b.eml'), '');
    writeFileSync(join(folder, 'c.eml'), mail({ headers: { Subject: 'Factura C' } }));
    const maildir = join(dir, 'Maildir');
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
    writeFileSync(join(maildir, 'new', '1764000000.M1P1.host'), '');

    const r = await runCli(['ingest', folder, maildir], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(refusal(join(folder, 'b.eml')) + refusal(join(maildir, 'new', '1764000000.M1P1.host')));
    expect(r.stdout.split('\n')).toEqual([
      expect.stringMatching(/^created +#1000\t.*\/export\/a\.eml$/),
      expect.stringMatching(/^created +#1001\t.*\/export\/c\.eml$/),
      '2 mails: {"created":2}; 2 empty, not ingested',
      '',
    ]);
    // --json: one line per mail, as ever; the empty file is no mail, named on stderr.
    const json = await runCli(['ingest', folder, '--json'], { env });
    expect({ code: json.code, stderr: json.stderr }).toEqual({ code: 1, stderr: refusal(join(folder, 'b.eml')) });
    expect(json.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { outcome: string }).outcome)).toEqual(['duplicate', 'duplicate']);

    expect(await kept()).toEqual({ quarantine: [], inbound: ['duplicate', 'duplicate', 'created', 'created'], tickets: ['Factura A', 'Factura C'] });
  });
});
