import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { mail, SURVEYS_OFF } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';

// `tickets reply` killed after its transaction committed and before its mail left (the kill of a terminal, a
// reboot): the agent runs the same command again. The customer must get the answer once, and the agent be told
// that it was recorded already; a new answer with other words still goes out. No SMTP_HOST: the outbox folder
// holds each mail sent as an .eml file.

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-rerun-'));
  env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'cli-rerun-secret-0123456789' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The mails that went out to the customer, as the customer's mailbox shows them. */
async function sentMails(): Promise<Array<{ subject: string; to: string; text: string; messageId: string }>> {
  const outbox = join(env.DATA_DIR as string, 'outbox');
  const files = readdirSync(outbox).filter((f) => f.endsWith('.eml'));
  const parsed = await Promise.all(files.map((f) => simpleParser(readFileSync(join(outbox, f)))));
  return parsed.map((m) => ({ subject: m.subject ?? '', to: m.to && !Array.isArray(m.to) ? m.to.text : '', text: m.text ?? '', messageId: m.messageId ?? '' }));
}

/** What the killed command had done: the answer recorded and queued in one transaction, and nothing sent. */
async function replyKilledBeforeSending(number: number, body: string, actor: string): Promise<void> {
  const config = loadConfig({ ...SURVEYS_OFF, ...env }, { dotenv: false });
  const app = await createApp({ config, log: pino({ level: 'silent' }) });
  try {
    await replyToTicket(app, { number, body, actor, now: app.now() });
  } finally {
    await app.close();
  }
}

describe.skipIf(!cliBuilt)('tickets reply run again after it was killed before its mail left', () => {
  it('sends the answer once, says it was recorded already (exit 0), and a new answer still goes out', async () => {
    expect(JSON.parse((await runCli(['ingest', '-', '--json'], { env, input: mail({ headers: { Subject: 'Timbrado' } }) })).stdout)).toMatchObject({ ticket: 1000 });
    const answer = join(dir, 'answer.txt');
    writeFileSync(answer, 'Ya quedó corregido el timbrado.\n');
    await replyKilledBeforeSending(1000, 'Ya quedó corregido el timbrado.\n', 'agent:maria');
    const answers = async () => (await sentMails()).filter((m) => m.subject === 'Re: [#1000] Timbrado');

    const again = await runCli(['tickets', 'reply', '1000', '--body-file', answer, '--as', 'agent:maria'], { env });
    expect(again.code, again.stderr).toBe(0);
    const once = await answers();
    expect(once).toHaveLength(1);
    expect(once[0]).toMatchObject({ to: 'ana@cliente.mx' });
    expect(once[0]?.text).toContain('Ya quedó corregido el timbrado.');
    expect(again.stdout).toMatch(/^#1000 open · this answer was recorded already at \d{4}-\d{2}-\d{2} \d{2}:\d{2} -06:00: not recorded again, its mail not sent twice \(--again records the same words once more\)\n$/);

    // A third run, everything sent: still nothing more for the customer.
    expect((await runCli(['tickets', 'reply', '1000', '--body-file', answer, '--as', 'agent:maria'], { env })).code).toBe(0);
    expect(await answers()).toHaveLength(1);

    // Other words are another answer; the same words on purpose, with --again.
    writeFileSync(join(dir, 'more.txt'), 'Le adjunto además la guía.\n');
    const other = await runCli(['tickets', 'reply', '1000', '--body-file', join(dir, 'more.txt'), '--as', 'agent:maria'], { env });
    expect(other.stdout).toBe('#1000 open · answer queued for the customer\n');
    const forced = await runCli(['tickets', 'reply', '1000', '--body-file', answer, '--as', 'agent:maria', '--again'], { env });
    expect(forced.stdout).toBe('#1000 open · answer queued for the customer\n');
    const texts = (await answers()).map((m) => m.text);
    expect(texts.filter((t) => t.includes('Le adjunto además la guía.'))).toHaveLength(1);
    expect(texts.filter((t) => t.includes('Ya quedó corregido el timbrado.'))).toHaveLength(2);

    const ticket = JSON.parse((await runCli(['tickets', 'show', '1000', '--json'], { env })).stdout) as { events: Array<{ type: string }>; messages: Array<{ direction: string }> };
    expect(ticket.events.filter((e) => e.type === 'agent_reply')).toHaveLength(3);
    expect(ticket.messages.filter((m) => m.direction === 'out')).toHaveLength(4); // the acknowledgement and 3 answers
  });
});
