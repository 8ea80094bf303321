import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mail } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';

// A customer's words reach an agent's terminal through `tickets show`, `tickets list`, `inbound`. A terminal obeys
// the escape sequences in them: a hostile sender could clear the screen above their text, retitle the window, or
// write the agent's clipboard (OSC 52). The CLI shows such characters as visible escapes instead.

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-escapes-'));
  env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'cli-escape-secret-0123456789' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const HOSTILE = 'No puedo timbrar.\n\x1b[2J\x1b]52;c;cm0gLXJmIH4=\x07\x1b]0;pwned\x07Saludos\tAna\u009b31m';

describe.skipIf(!cliBuilt)('terminal escapes in what a mail says', () => {
  it('tickets show prints a mail text with its control characters made visible, newlines and tabs kept; --json keeps the text as it was', async () => {
    expect(JSON.parse((await runCli(['ingest', '-', '--json'], { env, input: mail({ body: HOSTILE }) })).stdout)).toMatchObject({ ticket: 1000 });
    const shown = await runCli(['tickets', 'show', '1000', '--full'], { env });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(shown.stdout).toContain('No puedo timbrar.\n\\u001b[2J\\u001b]52;c;cm0gLXJmIH4=\\u0007\\u001b]0;pwned\\u0007Saludos\tAna\\u009b31m');
    // JSON escapes them itself, and a program reading it gets the text as stored.
    const json = JSON.parse((await runCli(['tickets', 'show', '1000', '--json'], { env })).stdout) as { messages: Array<{ text: string }> };
    expect(json.messages[0]?.text).toContain('\x1b]0;pwned\x07Saludos\tAna\u009b31m');
  });

  it('raw-mail still writes the mail byte for byte', async () => {
    const raw = mail({ body: HOSTILE });
    const ingested = JSON.parse((await runCli(['ingest', '-', '--json'], { env, input: raw })).stdout) as { sha256?: string };
    const listed = JSON.parse((await runCli(['inbound', '--json'], { env })).stdout) as Array<{ sha256: string }>;
    const sha256 = ingested.sha256 ?? listed[0]?.sha256;
    const out = await runCli(['raw-mail', String(sha256)], { env });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('\x1b]0;pwned\x07');
  });
});
