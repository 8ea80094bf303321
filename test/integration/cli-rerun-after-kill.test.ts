import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { replyToTicket, setTicketStatus } from '../../src/lifecycle/agent-actions.js';
import { releaseProductIssue } from '../../src/lifecycle/product-issue-release.js';
import { mail, SURVEYS_OFF } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';

// An agent's command killed after its transaction committed and before it was done (the kill of a terminal, a
// reboot), run again as it was: `tickets reply` must not answer the customer twice, and tell the agent the answer
// was recorded already, while a new answer with other words still goes out; `product-issue release` must finish
// what it had not done, each customer told once. No SMTP_HOST: the outbox folder
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

/** Runs what a killed command had done on the CLI's DATA_DIR, in-process, and closes without sending anything. */
async function killedCommand(action: (app: App) => Promise<unknown>): Promise<void> {
  const config = loadConfig({ ...SURVEYS_OFF, ...env }, { dotenv: false });
  const app = await createApp({ config, log: pino({ level: 'silent' }) });
  try {
    await action(app);
  } finally {
    await app.close();
  }
}

/** What the killed command had done: the answer recorded and queued in one transaction, and nothing sent. */
const replyKilledBeforeSending = (number: number, body: string, actor: string) => killedCommand((app) => replyToTicket(app, { number, body, actor, now: app.now() }));

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

describe.skipIf(!cliBuilt)('product-issue release run again after it was killed halfway', () => {
  it('solves the tickets it had not solved, tells each customer once, and says it finished the earlier release', async () => {
    for (const from of ['ana@cliente.mx', 'luis@otra.mx']) {
      expect((await runCli(['ingest', '-'], { env, input: mail({ headers: { From: from, Subject: 'Timbrado' } }) })).code).toBe(0);
    }
    writeFileSync(join(dir, 'hold.txt'), 'Es un defecto del producto.\n');
    for (const number of ['1000', '1001']) {
      const held = await runCli(['tickets', 'reply', number, '--body-file', join(dir, 'hold.txt'), '--status', 'on_hold', '--issue', 'BUG-7'], { env });
      expect(held.code, held.stderr).toBe(0);
    }
    // Killed once #1000 was solved: the transaction of #1001 never committed, and nothing was sent.
    await killedCommand(async (app) => {
      let solved = 0;
      const lifecycle = { ...app.lifecycle, afterSolved: async () => {
        if (++solved > 1) throw new Error('killed');
      } };
      await expect(releaseProductIssue({ ...app, lifecycle }, { issueRef: 'BUG-7', actor: 'agent:dev', now: app.now() })).rejects.toThrow('killed');
    });
    const solvedMails = async () => (await sentMails()).filter((m) => m.text.includes('La corrección BUG-7 del producto ya está disponible.'));
    expect(await solvedMails()).toEqual([]);

    const again = await runCli(['product-issue', 'release', 'BUG-7', '--as', 'agent:dev'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^finished the release of BUG-7 recorded at \d{4}-\d{2}-\d{2} \d{2}:\d{2} -06:00, which had stopped before it was done: solved #1000, #1001\n$/);
    expect((await solvedMails()).map((m) => `${m.to} ${m.subject}`).sort()).toEqual(['ana@cliente.mx Re: [#1000] Timbrado', 'luis@otra.mx Re: [#1001] Timbrado']);
    for (const number of ['1000', '1001']) {
      const ticket = JSON.parse((await runCli(['tickets', 'show', number, '--json'], { env })).stdout) as { status: string; events: Array<{ type: string }> };
      expect(ticket.status).toBe('solved');
      expect(ticket.events.filter((e) => e.type === 'product_issue_released')).toHaveLength(1);
    }

    // Once more: nothing is left on hold, nothing more is sent.
    expect((await runCli(['product-issue', 'release', 'BUG-7'], { env })).stdout).toBe('already released: no ticket is on hold for BUG-7 any more (#1000, #1001 had been)\n');
    expect(await solvedMails()).toHaveLength(2);
  });
});

describe.skipIf(!cliBuilt)('tickets set run again after it was killed before its mail left', () => {
  it('sends the notice once, says the ticket was set so already (exit 0); someone else\'s set to the same status is "already" too, and mails nothing', async () => {
    expect((await runCli(['ingest', '-'], { env, input: mail({ headers: { Subject: 'Timbrado' } }) })).code).toBe(0);
    await killedCommand((app) => setTicketStatus(app, { number: 1000, status: 'solved', actor: 'agent:maria', now: app.now() }));

    const again = await runCli(['tickets', 'set', '1000', '--status', 'solved', '--as', 'agent:maria'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^#1000 solved already: set so by agent:maria at \d{4}-\d{2}-\d{2} \d{2}:\d{2} -06:00, not again\n$/);
    const solvedNotices = async () => (await sentMails()).filter((m) => m.subject === 'Re: [#1000] Timbrado');
    expect((await solvedNotices()).map((m) => m.to)).toEqual(['ana@cliente.mx']);

    expect((await runCli(['tickets', 'set', '1000', '--status', 'solved', '--as', 'agent:maria'], { env })).code).toBe(0);
    const other = await runCli(['tickets', 'set', '1000', '--status', 'solved', '--as', 'agent:lucia'], { env });
    expect(other).toMatchObject({ code: 0, stdout: '#1000 already solved\n' });
    expect(await solvedNotices()).toHaveLength(1);
  });
});
