import { describe, expect, it } from 'vitest';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { mail } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';
import { gmailDelay, postfixDsn, sentHeaders, sesDelivery, sesDeliveryDelay } from '../support/dsn.js';
import { timeTravelSuite, type TimeTravel } from '../support/time-travel.js';

// What the desk sees when a mail it sent comes back as a bounce: the ticket's note, the suppression, and
// what an agent is told when a later answer cannot go to the address.

const suite = timeTravelSuite();
let tt: TimeTravel;
const NOW = '2026-11-30T10:00:00-06:00';

/** A new ticket from ana@cliente.mx and the acknowledgement it got, as the outbox keeps it. */
async function acknowledgedTicket() {
  tt = await suite.start(NOW);
  const number = (await tt.ingest(NOW, mail({ headers: { Subject: 'No puedo timbrar' } }))).ticketNumber as number;
  tt.take();
  const ack = await tt.app.db.outboxMail.findFirstOrThrow({ where: { template: 'acknowledgement' } });
  return { number, ack };
}

describe('a hard bounce of an acknowledgement', () => {
  it('an agent answering afterwards is told the answer was not mailed, and why', async () => {
    const { number, ack } = await acknowledgedTicket();
    const bounce = await tt.ingest('2026-11-30T10:10:00-06:00', postfixDsn({ failed: 'ana@cliente.mx', original: sentHeaders(ack) }));
    expect(bounce).toMatchObject({ outcome: 'bounce', ticketNumber: number });

    const now = new Date('2026-11-30T11:00:00-06:00');
    const result = await replyToTicket(tt.app, { number, body: '¿Nos envía el XML?', status: 'pending', actor: 'agent:maria', now });
    await tt.flush();
    expect(tt.take()).toEqual([]);
    expect(result).toMatchObject({ mailed: false, notMailed: 'pending to ana@cliente.mx: the address is suppressed after bounces (ventanilla suppressions lift ana@cliente.mx)' });
    const ticket = await tt.ticket(number);
    expect(ticket.events.map((e) => e.type)).toEqual(['created', 'notification_bounced', 'agent_reply', 'notice_suppressed']);
  });
});

describe('a hard bounce while an answer to the address waits for its retry', () => {
  it('takes the answer back: it is not sent later, and the ticket says so', async () => {
    const { number, ack } = await acknowledgedTicket();
    // The relay defers the agent's answer for now (a full mailbox); the outbox will try it again.
    suite.smtp.failWith = 451;
    await tt.agentReply('2026-11-30T10:05:00-06:00', number, '¿Nos envía el XML?', 'pending');
    expect((await tt.app.db.outboxMail.findFirstOrThrow({ where: { template: 'pending' } })).status).toBe('pending');
    suite.smtp.failWith = null;
    // Meanwhile the acknowledgement comes back: the address does not exist.
    const bounce = await tt.ingest('2026-11-30T10:06:00-06:00', postfixDsn({ failed: 'ana@cliente.mx', original: sentHeaders(ack) }));
    expect(bounce.detail).toContain('queued mails to it taken back: 1');
    await tt.tick('2026-11-30T12:00:00-06:00');
    expect(tt.take()).toEqual([]);
    expect((await tt.app.db.outboxMail.findFirstOrThrow({ where: { template: 'pending' } })).status).toBe('cancelled');
    const events = (await tt.ticket(number)).events;
    expect(events.map((e) => e.type)).toContain('notice_suppressed');
    expect(events.find((e) => e.type === 'notice_suppressed')?.detail).toBe('pending to ana@cliente.mx: the address is suppressed after bounces (ventanilla suppressions lift ana@cliente.mx)');
  });
});

describe('a suppressed requester with a colleague in copy', () => {
  /** A ticket from ana@cliente.mx with luis@cliente.mx in copy; ana's address then bounces hard. */
  async function ticketWithCopyAndBouncedRequester() {
    tt = await suite.start(NOW);
    const number = (await tt.ingest(NOW, mail({ headers: { Subject: 'No puedo timbrar', Cc: 'Luis <luis@cliente.mx>' } }))).ticketNumber as number;
    expect(tt.take().map((m) => m.to)).toEqual([['ana@cliente.mx', 'luis@cliente.mx']]);
    const ack = await tt.app.db.outboxMail.findFirstOrThrow({ where: { template: 'acknowledgement' } });
    const bounce = await tt.ingest('2026-11-30T10:10:00-06:00', postfixDsn({ failed: 'ana@cliente.mx', original: sentHeaders(ack) }));
    expect(bounce).toMatchObject({ outcome: 'bounce', ticketNumber: number });
    return number;
  }

  /** A ticket from ana@cliente.mx with luis@cliente.mx in copy, and an agent's answer the relay deferred (451). */
  async function answerWaitingForRetry() {
    tt = await suite.start(NOW);
    const number = (await tt.ingest(NOW, mail({ headers: { Subject: 'No puedo timbrar', Cc: 'luis@cliente.mx' } }))).ticketNumber as number;
    tt.take();
    const ack = await tt.app.db.outboxMail.findFirstOrThrow({ where: { template: 'acknowledgement' } });
    suite.smtp.failWith = 451;
    await tt.agentReply('2026-11-30T10:05:00-06:00', number, '¿Nos envía el XML?', 'pending');
    suite.smtp.failWith = null;
    return { number, ack };
  }

  it("an agent's answer still reaches the copy, and the agent is told the requester did not get it", async () => {
    const number = await ticketWithCopyAndBouncedRequester();
    const result = await replyToTicket(tt.app, { number, body: '¿Nos envía el XML?', status: 'pending', actor: 'agent:maria', now: new Date('2026-11-30T11:00:00-06:00') });
    await tt.tick('2026-11-30T11:00:00-06:00');
    const sent = tt.take();
    expect(sent.map((m) => m.to)).toEqual([['luis@cliente.mx']]);
    expect(sent[0]?.text).toContain('¿Nos envía el XML?');
    expect(result).toMatchObject({ mailed: true, notMailed: 'pending to ana@cliente.mx: the address is suppressed after bounces (ventanilla suppressions lift ana@cliente.mx); sent to the copies only: luis@cliente.mx' });
    const ticket = await tt.ticket(number);
    expect(ticket.events.map((e) => e.type)).toEqual(['created', 'notification_bounced', 'agent_reply', 'notice_suppressed']);
  });

  it('an answer waiting for its retry when the requester bounces goes to the copy alone', async () => {
    const { number, ack } = await answerWaitingForRetry();
    const bounce = await tt.ingest('2026-11-30T10:06:00-06:00', postfixDsn({ failed: 'ana@cliente.mx', original: sentHeaders(ack) }));
    expect(bounce.detail).toContain('queued mails to it sent to the copies only: 1');
    await tt.tick('2026-11-30T12:00:00-06:00');
    const sent = tt.take();
    expect(sent.map((m) => m.to)).toEqual([['luis@cliente.mx']]);
    expect(sent[0]?.text).toContain('¿Nos envía el XML?');
    const events = (await tt.ticket(number)).events;
    expect(events.find((e) => e.type === 'notice_suppressed')?.detail).toBe('pending to ana@cliente.mx: the address is suppressed after bounces (ventanilla suppressions lift ana@cliente.mx); sent to the copies only: luis@cliente.mx');
  });

  it('a copy whose address bounces is left out of the mails still queued, and of later ones', async () => {
    const { number, ack } = await answerWaitingForRetry();
    await tt.ingest('2026-11-30T10:06:00-06:00', postfixDsn({ failed: 'luis@cliente.mx', original: sentHeaders(ack) }));
    await tt.tick('2026-11-30T12:00:00-06:00');
    expect(tt.take().map((m) => m.to)).toEqual([['ana@cliente.mx']]);
    await tt.agentReply('2026-11-30T12:05:00-06:00', number, 'Quedo atento.');
    await tt.flush();
    expect(tt.take().map((m) => m.to)).toEqual([['ana@cliente.mx']]);
  });
});

describe('delay warnings about an acknowledgement (the server is still trying)', () => {
  /** `ventanilla suppressions list --all --json` on the test's database, as an operator runs it. */
  async function suppressionsListed() {
    const env = { DATA_DIR: tt.app.dataDir, SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'test-secret-key-0123456789' };
    const listed = await runCli(['suppressions', 'list', '--all', '--json'], { env });
    expect(listed.code, listed.stderr).toBe(0);
    return JSON.parse(listed.stdout) as Array<{ email: string; reason: string | null; until: string | null; softBounces: number; detail: string | null }>;
  }

  it.skipIf(!cliBuilt)('at 4, 24 and 48 hours suppress nothing: the ticket notes each delay, and an answer is still mailed', async () => {
    const { number, ack } = await acknowledgedTicket();
    const original = sentHeaders(ack);
    const warnings: Array<[string, Buffer]> = [
      ['2026-11-30T14:00:00-06:00', postfixDsn({ failed: 'ana@cliente.mx', original, delayedHours: 4, status: '4.2.2', diagnostic: '452 4.2.2 Mailbox full' })],
      ['2026-12-01T10:00:00-06:00', gmailDelay({ failed: 'ana@cliente.mx', original })],
      ['2026-12-02T10:00:00-06:00', postfixDsn({ failed: 'ana@cliente.mx', original, delayedHours: 48, status: '4.2.2', diagnostic: '452 4.2.2 Mailbox full' })],
    ];
    for (const [at, warning] of warnings) {
      const r = await tt.ingest(at, warning);
      expect(r).toMatchObject({ outcome: 'bounce', ticketNumber: number });
      expect(r.detail).toMatch(/^ana@cliente\.mx: delivery delayed \(still being retried\)/);
    }
    expect(await suppressionsListed()).toEqual([]);

    await tt.agentReply('2026-12-02T11:00:00-06:00', number, '¿Nos envía el XML?', 'pending');
    expect(tt.take().map((m) => m.to)).toEqual([['ana@cliente.mx']]);
    const ticket = await tt.ticket(number);
    expect(ticket.events.map((e) => e.type)).toEqual(['created', 'notification_delayed', 'notification_delayed', 'notification_delayed', 'agent_reply']);
    const notes = ticket.messages.filter((m) => m.internal).map((m) => m.visibleText);
    expect(notes).toHaveLength(3);
    for (const note of notes) expect(note).toMatch(/^ana@cliente\.mx: delivery delayed \(still being retried\)/);
  });

  it("Amazon SES's DeliveryDelay event opens no ticket: it is a note on the acknowledged one", async () => {
    const { number, ack } = await acknowledgedTicket();
    const r = await tt.ingest('2026-11-30T14:00:00-06:00', sesDeliveryDelay({ failed: 'ana@cliente.mx', messageId: ack.messageId }));
    expect(r).toMatchObject({ outcome: 'bounce', ticketNumber: number, detail: 'ana@cliente.mx: delivery delayed (still being retried) 4.2.2 (452) 452 4.2.2 Mailbox full' });
    expect(await tt.app.db.ticket.count()).toBe(1);
    expect(await tt.app.db.suppression.count()).toBe(0);
    expect((await tt.ticket(number)).events.map((e) => e.type)).toEqual(['created', 'notification_delayed']);
  });

  it.skipIf(!cliBuilt)('the final failure after them counts as one soft bounce, as before', async () => {
    const { number, ack } = await acknowledgedTicket();
    const original = sentHeaders(ack);
    for (const [at, hours] of [['2026-11-30T14:00:00-06:00', 4], ['2026-12-01T10:00:00-06:00', 24], ['2026-12-02T10:00:00-06:00', 48]] as const) {
      await tt.ingest(at, postfixDsn({ failed: 'ana@cliente.mx', original, delayedHours: hours, status: '4.2.2', diagnostic: '452 4.2.2 Mailbox full' }));
    }
    const expired = await tt.ingest('2026-12-05T10:00:00-06:00', postfixDsn({ failed: 'ana@cliente.mx', original, status: '4.2.2', diagnostic: '452 4.2.2 Mailbox full' }));
    expect(expired).toMatchObject({ outcome: 'bounce', ticketNumber: number, detail: 'ana@cliente.mx: soft bounce 4.2.2 (452) 452 4.2.2 Mailbox full' });
    expect(await suppressionsListed()).toEqual([expect.objectContaining({ email: 'ana@cliente.mx', reason: null, until: null, softBounces: 1, detail: '452 4.2.2 Mailbox full' })]);
    expect((await tt.ticket(number)).events.map((e) => e.type).at(-1)).toBe('notification_bounced');
  });
});

describe('a report that a mail was delivered (a success, not a bounce)', () => {
  // SES's event publishing reports every mail delivered: a note each would bury the tickets' history.
  it("Amazon SES's Delivery event opens no ticket, suppresses nothing and leaves the ticket as it was", async () => {
    const { number, ack } = await acknowledgedTicket();
    const r = await tt.ingest('2026-11-30T10:05:00-06:00', sesDelivery({ to: 'ana@cliente.mx', messageId: ack.messageId }));
    expect(r).toMatchObject({ outcome: 'auto_reply', ticketNumber: null, detail: expect.stringMatching(/delivered/) });
    expect(await tt.app.db.ticket.count()).toBe(1);
    expect(await tt.app.db.suppression.count()).toBe(0);
    expect(tt.take()).toEqual([]);
    expect((await tt.ticket(number)).events.map((e) => e.type)).toEqual(['created']);
  });

  it('one about a mail of no ticket opens none and is answered by nothing', async () => {
    tt = await suite.start(NOW);
    const r = await tt.ingest(NOW, sesDelivery({ to: 'boletin-lector@cliente.mx', messageId: 'bulletin-7.abc@example.test' }));
    expect(r).toMatchObject({ outcome: 'auto_reply', ticketNumber: null });
    expect(await tt.app.db.ticket.count()).toBe(0);
    await tt.flush();
    expect(tt.take()).toEqual([]);
  });
});
