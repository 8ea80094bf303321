import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mail } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';

// `tickets reply` as a support agent uses it: the answer written in whatever editor is at hand, and the mail
// the customer then reads (no SMTP_HOST: the outbox folder holds it as an .eml file).

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-reply-'));
  env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'cli-reply-secret-0123456789' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function answerMail(): Promise<{ text: string }> {
  const outbox = join(env.DATA_DIR as string, 'outbox');
  const answer = readdirSync(outbox).filter((f) => f.endsWith('.eml')).sort().at(-1) as string;
  const parsed = await simpleParser(readFileSync(join(outbox, answer)));
  return { text: parsed.text ?? '' };
}

describe.skipIf(!cliBuilt)('tickets reply --body-file, as the customer reads the answer', () => {
  it('an answer saved in Windows-1252 (Notepad, Outlook on Windows) keeps its accents', async () => {
    const ingested = await runCli(['ingest', '-', '--json'], { env, input: mail({ headers: { Subject: 'Consulta' } }) });
    expect(JSON.parse(ingested.stdout)).toMatchObject({ outcome: 'created', ticket: 1000 });
    // "Señora, la configuración está lista." with Windows' curly quotes, as Notepad saves it: not valid UTF-8.
    writeFileSync(join(dir, 'answer.txt'), Buffer.from('Se\xf1ora, la configuraci\xf3n est\xe1 lista: \x93Guardar\x94.\r\n', 'latin1'));
    const reply = await runCli(['tickets', 'reply', '1000', '--body-file', join(dir, 'answer.txt')], { env });
    expect(reply.code, reply.stderr).toBe(0);
    const { text } = await answerMail();
    expect(text).toContain('Señora, la configuración está lista: “Guardar”.');
    expect(text).not.toContain('\uFFFD');
  });
});
