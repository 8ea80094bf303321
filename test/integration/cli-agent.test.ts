import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mail } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';

// The agent's commands as a support agent uses them: what the agent reads (`tickets show`, `inbound`), and the
// answer written in whatever editor is at hand as the customer then reads it (no SMTP_HOST: the outbox folder
// holds it as an .eml file).

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-agent-'));
  env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'cli-agent-secret-0123456789' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The text of the agent's answer among the mails sent (the acknowledgement may leave in the same millisecond). */
async function answerMailText(): Promise<string> {
  const outbox = join(env.DATA_DIR as string, 'outbox');
  const texts = await Promise.all(readdirSync(outbox).filter((f) => f.endsWith('.eml')).map(async (f) => (await simpleParser(readFileSync(join(outbox, f)))).text ?? ''));
  return texts.find((text) => text.includes('Soporte respondió')) ?? '';
}

describe.skipIf(!cliBuilt)('tickets reply --body-file, as the customer reads the answer', () => {
  it('an answer saved in Windows-1252 (Notepad, Outlook on Windows) keeps its accents', async () => {
    const ingested = await runCli(['ingest', '-', '--json'], { env, input: mail({ headers: { Subject: 'Consulta' } }) });
    expect(JSON.parse(ingested.stdout)).toMatchObject({ outcome: 'created', ticket: 1000 });
    // "Señora, la configuración está lista." with Windows' curly quotes, as Notepad saves it: not valid UTF-8.
    writeFileSync(join(dir, 'answer.txt'), Buffer.from('Se\xf1ora, la configuraci\xf3n est\xe1 lista: \x93Guardar\x94.\r\n', 'latin1'));
    const reply = await runCli(['tickets', 'reply', '1000', '--body-file', join(dir, 'answer.txt')], { env });
    expect(reply.code, reply.stderr).toBe(0);
    const text = await answerMailText();
    expect(text).toContain('Señora, la configuración está lista: “Guardar”.');
    expect(text).not.toContain('\uFFFD');
  });

  // "Cannot read --body-file x" alone left the agent to guess between a typo, a folder and another user's file.
  it('a --body-file or --attach that cannot be read is named with why', async () => {
    expect((await runCli(['ingest', '-'], { env, input: mail() })).code).toBe(0);
    writeFileSync(join(dir, 'answer.txt'), 'Respuesta.\n');
    const folder = await runCli(['tickets', 'reply', '1000', '--body-file', dir], { env });
    expect(folder.code).toBe(1);
    expect(folder.stderr.trim()).toBe(`ventanilla: INPUT_UNREADABLE: Cannot read --body-file ${dir}: it is a folder (EISDIR)`);
    const missing = await runCli(['tickets', 'reply', '1000', '--body-file', join(dir, 'answer.txt'), '--attach', join(dir, 'factura.pdf')], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(`ventanilla: INPUT_UNREADABLE: Cannot read the attachment ${join(dir, 'factura.pdf')}: no such file (ENOENT)`);
  });
});

// The times of a ticket and of its mails on the desk's clock (BUSINESS_TIMEZONE), as the customers' notices
// state them. `--json` keeps ISO 8601 UTC (README, "JSON output").
describe.skipIf(!cliBuilt)('tickets reply --body-file with Windows line ends, and --internal, as the agent reads them back', () => {
  it('the ticket keeps the answer and the note with plain line breaks, and `tickets show` says which is the note and whose', async () => {
    expect(JSON.parse((await runCli(['ingest', '-', '--json'], { env, input: mail() })).stdout)).toMatchObject({ ticket: 1000 });
    writeFileSync(join(dir, 'answer.txt'), 'Línea uno\r\nLínea dos\r\n');
    writeFileSync(join(dir, 'note.txt'), 'Llamé al cliente.\r\nEspera el CSD.\r\n');
    expect((await runCli(['tickets', 'reply', '1000', '--body-file', join(dir, 'answer.txt')], { env })).code).toBe(0);
    expect((await runCli(['tickets', 'reply', '1000', '--body-file', join(dir, 'note.txt'), '--internal', '--as', 'lucia'], { env })).code).toBe(0);
    const ticket = JSON.parse((await runCli(['tickets', 'show', '1000', '--json'], { env })).stdout) as { messages: Array<{ internal: boolean; visibleText: string; text: string }> };
    const [answer, note] = ticket.messages.slice(-2);
    expect(answer).toMatchObject({ internal: false, visibleText: 'Línea uno\nLínea dos\n' });
    expect(note).toMatchObject({ internal: true, text: 'Llamé al cliente.\nEspera el CSD.\n' });
    const show = (await runCli(['tickets', 'show', '1000'], { env })).stdout;
    // Was "--- to  · 2026-…": a note read as a mail sent to nobody, by nobody.
    expect(show).toMatch(/\n--- internal note by lucia · \d{4}-\d{2}-\d{2} \d{2}:\d{2} -06:00\nLlamé al cliente\.\nEspera el CSD\.\n/);
    expect(show).not.toContain('\r');
  });
});

describe.skipIf(!cliBuilt)('tickets show, inbound, survey report: times on the desk\'s clock', () => {
  it('a mail written at 10:00 in Mexico City reads 10:00, not 16:00', async () => {
    const written = mail({ headers: { Subject: 'Facturación — año 2026', Date: 'Mon, 23 Nov 2026 10:00:00 -0600' } });
    expect(JSON.parse((await runCli(['ingest', '-', '--json'], { env, input: written })).stdout)).toMatchObject({ ticket: 1000 });
    const show = await runCli(['tickets', 'show', '1000'], { env });
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('Facturación — año 2026');
    expect(show.stdout).toContain('--- from ana@cliente.mx · 2026-11-23 10:00 -06:00\n');
    expect(show.stdout).toMatch(/^created \d{4}-\d{2}-\d{2} \d{2}:\d{2} -06:00$/m);
    expect(show.stdout).not.toMatch(/\d{2}:\d{2}:\d{2}\.\d{3}Z/);
    const inbound = await runCli(['inbound'], { env });
    expect(inbound.stdout).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} -06:00\tcreated /);
    // The period a report covers, as it was asked for: November, not "06:00Z to 2026-12-01T06:00Z".
    const report = await runCli(['survey', 'report', '--from', '2026-11-01', '--to', '2026-11-30'], { env });
    expect(report.stdout.split('\n')[0]).toBe('Surveys sent from 2026-11-01 00:00 -06:00, before 2026-12-01 00:00 -06:00');
    const json = JSON.parse((await runCli(['tickets', 'show', '1000', '--json'], { env })).stdout);
    expect(json.messages[0].date).toBe('2026-11-23T16:00:00.000Z');
  });
});

describe.skipIf(!cliBuilt)('tickets list on a desk with years of tickets', () => {
  it('lists the newest 10,000 and says how many there are: past 10,000 the newest were left out, and the count said 10000', async () => {
    const written = mail({ headers: { Subject: 'Consulta' } });
    expect(JSON.parse((await runCli(['ingest', '-', '--json'], { env, input: written })).stdout)).toMatchObject({ ticket: 1000 });
    // 10,000 more tickets as copies of #1000 (#1001 to #11000): ingesting them would take minutes.
    const db = new Database(join(env.DATA_DIR as string, 'ventanilla.db'));
    const columns = (db.prepare('PRAGMA table_info(Ticket)').all() as Array<{ name: string }>).map((c) => `"${c.name}"`).filter((c) => c !== '"id"' && c !== '"number"');
    const copy = db.prepare(`INSERT INTO Ticket (number, ${columns.join(', ')}) SELECT ?, ${columns.join(', ')} FROM Ticket WHERE number = 1000`);
    db.transaction(() => {
      for (let number = 1001; number <= 11_000; number++) copy.run(number);
    })();
    db.close();
    const list = await runCli(['tickets', 'list'], { env });
    expect(list.code, list.stderr).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^#1001\t/);
    expect(lines.at(-2)).toMatch(/^#11000\t/);
    expect(lines.at(-1)).toBe('the newest 10000 of 10001 tickets (--limit N for more)');
    const few = await runCli(['tickets', 'list', '--limit', '3'], { env });
    expect(few.stdout.trimEnd().split('\n').map((l) => l.split('\t')[0])).toEqual(['#10998', '#10999', '#11000', 'the newest 3 of 10001 tickets (--limit N for more)']);
    const json = JSON.parse((await runCli(['tickets', 'list', '--json', '--limit', '20000'], { env })).stdout) as Array<{ number: number }>;
    expect(json).toHaveLength(10_001);
    expect((await runCli(['tickets', 'list', '--limit', '0'], { env })).stderr).toMatch(/--limit: expected a whole number from 1 to 9999999/);
  }, 60_000);
});

describe.skipIf(!cliBuilt)('outbox list past its 100 newest mails', () => {
  it('says how many mails there are, not the 100 it shows', async () => {
    expect(JSON.parse((await runCli(['ingest', '-', '--json'], { env, input: mail() })).stdout)).toMatchObject({ ticket: 1000 });
    const db = new Database(join(env.DATA_DIR as string, 'ventanilla.db'));
    const columns = (db.prepare('PRAGMA table_info(OutboxMail)').all() as Array<{ name: string }>).map((c) => `"${c.name}"`).filter((c) => !['"id"', '"messageId"', '"idempotencyKey"'].includes(c));
    const copy = db.prepare(`INSERT INTO OutboxMail ("messageId", "idempotencyKey", ${columns.join(', ')}) SELECT "messageId" || ?, "idempotencyKey" || ?, ${columns.join(', ')} FROM OutboxMail WHERE id = 1`);
    for (let n = 1; n <= 100; n++) copy.run(`.${n}`, `.${n}`);
    db.close();
    const list = await runCli(['outbox', 'list'], { env });
    expect(list.code, list.stderr).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(101);
    expect(lines.at(-1)).toBe('the newest 100 of 101 mails');
  });
});

describe.skipIf(!cliBuilt)('--help, as an agent reads it', () => {
  it('`tickets set --help` offers only the statuses a ticket can be set to (never new: where tickets start)', async () => {
    const help = await runCli(['tickets', 'set', '--help']);
    expect(help.stdout).toMatch(/--status <status>\s+open, pending, on_hold, solved, closed\n/);
  });
});

// A container run as a user the image does not list (`docker run --user 1001`, OpenShift's random uids): the OS
// has no name for it, and every agent action without --as failed on "uv_os_get_passwd returned ENOENT".
describe.skipIf(!cliBuilt || process.getuid?.() !== 0)('an agent action by a user without a name on this machine', () => {
  it('is done and recorded as that uid', async () => {
    const uid = 54321;
    const shared = { ...env, DATA_DIR: join(dir, 'shared') };
    chmodSync(dir, 0o777);
    expect((await runCli(['ingest', '-'], { env: shared, input: mail(), uid })).code).toBe(0);
    writeFileSync(join(dir, 'answer.txt'), 'Ya quedó.\n', { mode: 0o644 });
    const reply = await runCli(['tickets', 'reply', '1000', '--body-file', join(dir, 'answer.txt')], { env: shared, uid });
    expect(reply.code, reply.stderr).toBe(0);
    const ticket = JSON.parse((await runCli(['tickets', 'show', '1000', '--json'], { env: shared, uid })).stdout) as { events: Array<{ type: string; actor: string }> };
    expect(ticket.events.at(-1)?.actor).toBe(`agent:uid ${uid}`);
  });
});
