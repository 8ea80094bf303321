import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { deskTime } from '../../src/domain/desk-time.js';
import { createTestApp, mail } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';
import { postfixDsn, sentHeaders } from '../support/dsn.js';
import { timeTravelSuite } from '../support/time-travel.js';

// `tickets show` as an agent reads a ticket: what the customer wrote (the cut of quoted history and signature, and
// the way to see past it), and which of the ticket's mails the customer got (a mail taken back was never sent).

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-show-'));
  env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'cli-show-secret-0123456789' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface ShownMessage {
  direction: string;
  internal: boolean;
  subject: string;
  text: string;
  visibleText: string;
  delivery: { status: string; detail: string | null; mayHaveReached: boolean; sentAt: string | null; notSentTo: Array<{ address: string; suppressedAt: string | null; suppressedUntil: string | null; liftedAt: string | null }> } | null;
}
const showJson = async (n: number, cliEnv = env) => JSON.parse((await runCli(['tickets', 'show', String(n), '--json'], { env: cliEnv })).stdout) as { messages: ShownMessage[]; events: Array<{ type: string; detail: string | null }> };

// A reply above the quote of our question: the cut keeps the customer's line, and hides the quote.
const REPLY = [
  'Sigue fallando el timbrado.',
  '',
  'El lun, 23 nov 2026 a las 9:00, Soporte <soporte@example.test> escribió:',
  '> ¿Nos envía el RFC del emisor?',
  '> Saludos',
].join('\n');

describe.skipIf(!cliBuilt)('tickets show: the text cut from a mail, and --full', () => {
  it('says a message has more than its visible text and how to see it; --full shows the whole text; --json has both', async () => {
    expect(JSON.parse((await runCli(['ingest', '-', '--json'], { env, input: mail({ body: REPLY }) })).stdout)).toMatchObject({ ticket: 1000 });
    const [message] = (await showJson(1000)).messages;
    expect(message?.visibleText).toBe('Sigue fallando el timbrado.');
    expect(message?.text).toContain('> ¿Nos envía el RFC del emisor?');

    const shown = await runCli(['tickets', 'show', '1000'], { env });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).not.toContain('RFC del emisor');
    expect(shown.stdout).toMatch(/\n--- from ana@cliente\.mx · [^\n]+\nSigue fallando el timbrado\.\n {2}\[4 more lines hidden \(quoted history, signature\): `ventanilla tickets show 1000 --full` shows the whole text\]\n/);

    const full = await runCli(['tickets', 'show', '1000', '--full'], { env });
    expect(full.code, full.stderr).toBe(0);
    expect(full.stdout).toContain(`\n${REPLY}\n`);
    expect(full.stdout).not.toContain('more lines hidden');
  });

  it('says nothing more of a mail whose visible text is all of it', async () => {
    expect(JSON.parse((await runCli(['ingest', '-', '--json'], { env, input: mail({ body: 'Hola,\nnecesito ayuda.' }) })).stdout)).toMatchObject({ ticket: 1000 });
    const shown = await runCli(['tickets', 'show', '1000'], { env });
    expect(shown.stdout).toMatch(/\n--- from ana@cliente\.mx · [^\n]+\nHola,\nnecesito ayuda\.\n\n--- to ana@cliente\.mx/);
    expect(shown.stdout).not.toContain('hidden');
  });
});

describe.skipIf(!cliBuilt)('tickets show: a mail taken back before it was sent', () => {
  it('an acknowledgement held back by ACK_LIMIT and cancelled by the answer is marked not sent, with why, in text and --json', async () => {
    const limited = { ...env, ACK_LIMIT: '1', AUTO_MAIL_WINDOW_MINUTES: '60' };
    const ingest = async (from: string) => JSON.parse((await runCli(['ingest', '-', '--json'], { env: limited, input: mail({ headers: { From: from } }) })).stdout) as { ticket: number };
    expect(await ingest('ana@cliente.mx')).toMatchObject({ ticket: 1000 });
    expect(await ingest('luis@otro.example')).toMatchObject({ ticket: 1001 });
    // Held back, it is due later: the agent reads that the customer has not got it yet, and when it goes.
    const waiting = (await runCli(['tickets', 'show', '1001'], { env })).stdout;
    expect(waiting).toMatch(/\n--- to luis@otro\.example · [^\n]+ \(queued, not sent yet: acknowledgements throttled: ACK_LIMIT 1 per AUTO_MAIL_WINDOW_MINUTES 60; due [^\n]+\)\n/);
    expect((await showJson(1001)).messages[1]?.delivery).toMatchObject({ status: 'pending', sentAt: null });
    writeFileSync(join(dir, 'answer.txt'), 'Revisamos su caso.\n');
    const reply = await runCli(['tickets', 'reply', '1001', '--body-file', join(dir, 'answer.txt')], { env: limited });
    expect(reply.code, reply.stderr).toBe(0);

    const ticket = await showJson(1001);
    const [, ack, answer] = ticket.messages;
    expect(ack).toMatchObject({ direction: 'out', delivery: { status: 'cancelled', mayHaveReached: false } });
    expect(ack?.delivery?.detail).toMatch(/^not sent: held back by ACK_LIMIT, and the ticket was answered \(answer\) before it could go/);
    expect(answer).toMatchObject({ direction: 'out', delivery: { status: 'sent', detail: null } });
    expect(ticket.messages[0]?.delivery).toBeNull(); // the customer's mail
    expect(ticket.events.map((e) => e.type)).toContain('notice_cancelled');

    const shown = (await runCli(['tickets', 'show', '1001'], { env })).stdout;
    expect(shown).toMatch(/\n--- to luis@otro\.example · [^\n]+ \(cancelled, never sent: held back by ACK_LIMIT, and the ticket was answered \(answer\) before it could go\)\n/);
    // The answer the customer got reads as sent, with nothing added.
    expect(shown).toMatch(/\n--- to luis@otro\.example · \d{4}-\d{2}-\d{2} \d{2}:\d{2} -06:00\nRevisamos su caso\.\n/);
    // The first ticket's acknowledgement went at once.
    expect((await showJson(1000)).messages[1]?.delivery).toMatchObject({ status: 'sent' });
  });

  it('one the drainer drops (the ticket solved by an internal note meanwhile) reads the same, with the notice_dropped event', async () => {
    let clock = new Date('2026-11-24T16:00:00Z');
    const app = await createTestApp({ ACK_LIMIT: '1', AUTO_MAIL_WINDOW_MINUTES: '60' }, () => clock);
    try {
      const ingest = async (from: string) => (await app.pipeline.ingest(mail({ headers: { From: from } }), { source: 'file', sourceRef: 'test' })).ticketNumber as number;
      await ingest('ana@cliente.mx');
      const number = await ingest('luis@otro.example');
      await replyToTicket(app, { number, body: 'Resuelto por teléfono.', internal: true, status: 'solved', actor: 'agent:maria', now: clock });
      clock = new Date(clock.getTime() + 60 * 60_000);
      await app.drainer().drain(() => clock);
      const cliEnv = { DATA_DIR: app.dataDir, SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'test-secret-key-0123456789' };
      const json = JSON.parse((await runCli(['tickets', 'show', String(number), '--json'], { env: cliEnv })).stdout) as { messages: ShownMessage[]; events: Array<{ type: string; detail: string }> };
      const why = 'held back by ACK_LIMIT, and the ticket was solved before it could go';
      expect(json.messages[1]?.delivery).toMatchObject({ status: 'cancelled', detail: `not sent: ${why}` });
      expect(json.events.find((e) => e.type === 'notice_dropped')?.detail).toBe(`acknowledgement: not sent: ${why}`);
      const shown = (await runCli(['tickets', 'show', String(number)], { env: cliEnv })).stdout;
      expect(shown.split('\n').filter((line) => line.startsWith('--- to luis@otro.example'))).toEqual([expect.stringMatching(/-06:00 \(cancelled, never sent: held back by ACK_LIMIT, and the ticket was solved before it could go\)$/)]);
    } finally {
      await app.dispose();
    }
  });
});

// A ticket's life as the agent reads it back in the terminal: who moved it, when and why, and the tickets it
// continues or that continue it. Simulated time (the scheduler's timers and SLA checks), read by the real CLI.
describe.skipIf(!cliBuilt)('tickets show: the ticket\'s history and its follow-ups', () => {
  const suite = timeTravelSuite();
  const MX = (local: string) => `${local}-06:00`;

  it('lists the events after the messages, on the desk\'s clock, with who and why; the closed ticket and its follow-up name each other', async () => {
    const tt = await suite.start(MX('2026-11-23T10:00:00'), { CSAT_ENABLED: 'true' });
    const cliEnv = { DATA_DIR: tt.app.dataDir, SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'test-secret-key-0123456789' };
    const urgent = 'El timbrado está caído para toda la empresa.\nImpacto: Alto\nUrgencia: Alta';
    const number = (await tt.ingest(MX('2026-11-23T10:00:00'), mail({ headers: { Subject: 'Timbrado caído' }, body: urgent }))).ticketNumber as number;
    await tt.tick(MX('2026-11-23T11:30:00'));
    await tt.tick(MX('2026-11-23T12:00:00'));
    await tt.agentReply(MX('2026-11-23T12:30:00'), number, '¿Nos envía el RFC?', 'pending');
    const question = tt.take().find((m) => m.text.includes('RFC')) as NonNullable<ReturnType<typeof tt.take>[number]>;
    await tt.answer(MX('2026-11-25T13:00:00'), question, 'Es XAXX010101000.');
    await tt.agentSet(MX('2026-11-25T14:00:00'), number, 'on_hold', 'BUG-7');
    await tt.agentReply(MX('2026-11-25T15:00:00'), number, 'Listo.', 'solved');
    await tt.answer(MX('2026-11-25T16:00:00'), question, 'Sigue fallando, no funciona.');
    await tt.agentReply(MX('2026-11-25T17:00:00'), number, 'Ahora sí.', 'solved');
    await tt.tick(MX('2026-12-20T12:00:00'));
    const followUp = (await tt.answer(MX('2026-12-21T10:00:00'), question, 'Otra vez falla el timbrado.')).ticketNumber as number;

    const shown = await runCli(['tickets', 'show', String(number)], { env: cliEnv });
    expect(shown.code, shown.stderr).toBe(0);
    const lines = shown.stdout.split('\n');
    expect(lines[3]).toBe(`created 2026-11-23 10:00 -06:00 · followed up by #${followUp}`);
    // After the last message: the history, to the end of the output.
    expect(lines.slice(lines.indexOf('--- history'))).toEqual([
      '--- history',
      '2026-11-23 10:00 -06:00  ana@cliente.mx  new ticket: a mail that answers no ticket',
      '2026-11-23 11:30 -06:00  system          SLA warning: first response target 2 h; level 1 -> lead@example.test',
      '2026-11-23 12:00 -06:00  system          SLA breached: first response target 2 h; level 1 -> lead@example.test',
      '2026-11-23 12:30 -06:00  agent:maria     answer to the customer, new -> pending',
      '2026-11-25 13:00 -06:00  ana@cliente.mx  the customer\'s answer, pending -> open (via in-reply-to)',
      '2026-11-25 14:00 -06:00  agent:maria     status set, open -> on_hold (issue BUG-7)',
      '2026-11-25 15:00 -06:00  agent:maria     answer to the customer, on_hold -> solved',
      '2026-11-25 15:00 -06:00  system          CSAT survey sent to ana@cliente.mx',
      '2026-11-25 16:00 -06:00  ana@cliente.mx  reopened by the customer\'s answer, solved -> open (via in-reply-to)',
      '2026-11-25 17:00 -06:00  agent:maria     answer to the customer, open -> solved',
      '2026-12-20 12:00 -06:00  system          closed by the timer, solved -> closed (the solution went unanswered for its whole window)',
      `2026-12-21 10:00 -06:00  ana@cliente.mx  followed up by #${followUp}`,
      '',
    ]);
    expect(lines.indexOf('--- history')).toBeGreaterThan(lines.findLastIndex((l) => l.startsWith('--- to ') || l.startsWith('--- from ')));

    const next = (await runCli(['tickets', 'show', String(followUp)], { env: cliEnv })).stdout.split('\n');
    expect(next[3]).toBe(`created 2026-12-21 10:00 -06:00 · follow-up of #${number}`);
    expect(next.slice(next.indexOf('--- history'), next.indexOf('--- history') + 2)).toEqual(['--- history', `2026-12-21 10:00 -06:00  ana@cliente.mx  new ticket, follow-up of #${number}`]);
    // --json keeps its events as they were (type, statuses, actor, raw detail, ISO time).
    const json = JSON.parse((await runCli(['tickets', 'show', String(number), '--json'], { env: cliEnv })).stdout) as { events: unknown[] };
    expect(json.events[10]).toEqual({ type: 'auto_closed', fromStatus: 'solved', toStatus: 'closed', actor: 'system', detail: 'solved_expired', at: '2026-12-20T18:00:00.000Z' });
  });
});

// A recipient whose address bounced while a mail to them waited in the outbox is left out of it
// (outbound/suppressed-recipients.ts), so the ticket's message must not list them as sent.
describe.skipIf(!cliBuilt)('tickets show: a recipient suppressed after the mail was queued', () => {
  const suite = timeTravelSuite();

  it('the requester bounced while the answer waited for a retry: marked not sent, with since when; the copy that got it listed', async () => {
    // Now, to the minute: the suppression (SUPPRESSION_DAYS 180) is in force when the CLI reads it.
    const start = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000).toISOString();
    const tt = await suite.start(at(0));
    const cliEnv = { DATA_DIR: tt.app.dataDir, SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'test-secret-key-0123456789' };
    const number = (await tt.ingest(at(0), mail({ headers: { Subject: 'No puedo timbrar', Cc: 'luis@cliente.mx' } }))).ticketNumber as number;
    tt.take();
    const ack = await tt.app.db.outboxMail.findFirstOrThrow({ where: { template: 'acknowledgement' } });
    suite.smtp.failWith = 451;
    await tt.agentReply(at(5), number, '¿Nos envía el XML?', 'pending');
    suite.smtp.failWith = null;
    // The bounce takes her out of the answer, which then goes (its retry due) to the copy alone.
    await tt.ingest(at(6), postfixDsn({ failed: 'ana@cliente.mx', original: sentHeaders(ack) }));
    expect(tt.take().map((m) => m.to)).toEqual([['luis@cliente.mx']]);

    const shown = (await runCli(['tickets', 'show', String(number)], { env: cliEnv })).stdout;
    const mx = (minutes: number) => deskTime(at(minutes), 'America/Mexico_City');
    expect(shown.split('\n').filter((line) => line.startsWith('--- to '))).toEqual([
      // The acknowledgement left before the bounce, to both.
      `--- to ana@cliente.mx · ${mx(0)}`,
      `--- to ana@cliente.mx (not sent: the address bounces, suppressed since ${mx(6)}) · cc luis@cliente.mx · ${mx(5)} (sent ${mx(6)})`,
    ]);
    const answer = (await showJson(number, cliEnv)).messages.find((m) => m.visibleText.includes('XML'));
    expect(answer?.delivery?.notSentTo).toEqual([{ address: 'ana@cliente.mx', suppressedAt: at(6), suppressedUntil: new Date(Date.parse(at(6)) + 180 * 86_400_000).toISOString(), liftedAt: null }]);
  });
});
