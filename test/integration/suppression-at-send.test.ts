import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { deskTime } from '../../src/domain/desk-time.js';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { OutboxDrainer } from '../../src/outbound/drainer.js';
import type { Mailer } from '../../src/outbound/mailer.js';
import { inTransaction } from '../../src/store/database.js';
import { claimDueMails } from '../../src/store/outbox-claims.js';
import { suppressForHardBounce } from '../../src/store/suppression-repo.js';
import { mail } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';
import { postfixDsn, sentHeaders } from '../support/dsn.js';
import { timeTravelSuite, type TimeTravel } from '../support/time-travel.js';

// A bounce takes the address out of the mails still waiting in the outbox when it is recorded (bounce-outcomes
// tests). Two kinds of mail were not waiting then and still went to it: one a drainer had claimed already (being
// sent, a slow relay's batch, a drainer that died holding it), and a failed one put back by `outbox retry`. The
// drainer now reads the suppressions before it sends a claimed batch, and `outbox retry` before it queues.

const suite = timeTravelSuite();
const LIFT_ANA = 'the address is suppressed after bounces (ventanilla suppressions lift ana@cliente.mx)';

/**
 * A ticket from ana@cliente.mx (with `cc` in copy), acknowledged; then an agent's answer at 10:05 that a drainer
 * claims and does not get to send (a slow batch, a process that died): its claim holds until 10:10.
 */
async function answerClaimedByAnotherDrainer(cc?: string) {
  const tt = await suite.start('2026-11-30T10:00:00-06:00');
  const number = (await tt.ingest('2026-11-30T10:00:00-06:00', mail({ headers: { Subject: 'No puedo timbrar', ...(cc ? { Cc: cc } : {}) } }))).ticketNumber as number;
  tt.take();
  const ack = await tt.app.db.outboxMail.findFirstOrThrow({ where: { template: 'acknowledgement' } });
  const now = new Date('2026-11-30T10:05:00-06:00');
  await replyToTicket(tt.app, { number, body: '¿Nos envía el XML?', status: 'pending', actor: 'agent:maria', now });
  expect(await claimDueMails(tt.app.db, now, 5 * 60_000, 200)).toHaveLength(1);
  return { tt, number, ack };
}

const answerRow = (tt: TimeTravel) => tt.app.db.outboxMail.findFirstOrThrow({ where: { template: 'pending' } });

describe('a mail claimed for sending when its address is suppressed', () => {
  it('is not sent to the address: with no one else to get it, it is cancelled with why, and the ticket says so', async () => {
    const { tt, number, ack } = await answerClaimedByAnotherDrainer();
    const bounce = await tt.ingest('2026-11-30T10:06:00-06:00', postfixDsn({ failed: 'ana@cliente.mx', original: sentHeaders(ack) }));
    // Being sent: not among the queued mails the bounce takes back.
    expect(bounce.detail).not.toContain('taken back');
    // The claim ran out (its drainer is gone): the next drain takes the mail over, and does not send it.
    await tt.tick('2026-11-30T10:30:00-06:00');
    expect(tt.take()).toEqual([]);
    expect(await answerRow(tt)).toMatchObject({ status: 'cancelled', lastError: LIFT_ANA, leaseHolder: null });
    const events = (await tt.ticket(number)).events.filter((e) => e.type === 'notice_suppressed');
    expect(events.map((e) => e.detail)).toEqual([`pending to ana@cliente.mx: ${LIFT_ANA}`]);
    const answer = (await tt.ticket(number)).messages.find((m) => m.visibleText.includes('XML'));
    expect(answer?.delivery).toMatchObject({ status: 'cancelled', detail: LIFT_ANA });
  });

  it('goes to the colleague in copy alone, and the ticket marks the requester as not sent', async () => {
    const { tt, number, ack } = await answerClaimedByAnotherDrainer('luis@cliente.mx');
    await tt.ingest('2026-11-30T10:06:00-06:00', postfixDsn({ failed: 'ana@cliente.mx', original: sentHeaders(ack) }));
    await tt.tick('2026-11-30T10:30:00-06:00');
    const sent = tt.take();
    expect(sent.map((m) => m.to)).toEqual([['luis@cliente.mx']]);
    expect(sent[0]?.text).toContain('¿Nos envía el XML?');
    expect(await answerRow(tt)).toMatchObject({ status: 'sent', toList: '["luis@cliente.mx"]', ccList: '[]' });
    const ticket = await tt.ticket(number);
    expect(ticket.events.find((e) => e.type === 'notice_suppressed')?.detail).toBe(`pending to ana@cliente.mx: ${LIFT_ANA}; sent to the copies only: luis@cliente.mx`);
    const answer = ticket.messages.find((m) => m.visibleText.includes('XML'));
    expect(answer?.delivery?.notSentTo.map((n) => n.address)).toEqual(['ana@cliente.mx']);
  });

  it('leaves out a copy whose address is suppressed', async () => {
    const { tt, ack } = await answerClaimedByAnotherDrainer('luis@cliente.mx');
    await tt.ingest('2026-11-30T10:06:00-06:00', postfixDsn({ failed: 'luis@cliente.mx', original: sentHeaders(ack) }));
    await tt.tick('2026-11-30T10:30:00-06:00');
    expect(tt.take().map((m) => m.to)).toEqual([['ana@cliente.mx']]);
    expect(await answerRow(tt)).toMatchObject({ status: 'sent', toList: '["ana@cliente.mx"]', ccList: '[]' });
  });

  it('a failed try after the bounce does not send it to the address on the retry either', async () => {
    const { tt, ack } = await answerClaimedByAnotherDrainer('luis@cliente.mx');
    await tt.ingest('2026-11-30T10:06:00-06:00', postfixDsn({ failed: 'luis@cliente.mx', original: sentHeaders(ack) }));
    // Its drainer tried it after all, to both, and the relay deferred it: back to the queue for a retry.
    await tt.app.db.outboxMail.updateMany({ where: { template: 'pending' }, data: { status: 'pending', leasedUntil: null, nextAttemptAt: new Date('2026-11-30T10:07:00-06:00') } });
    await tt.tick('2026-11-30T10:08:00-06:00');
    expect(tt.take().map((m) => m.to)).toEqual([['ana@cliente.mx']]);
  });
});

describe('a mail owed to one recipient only (the relay greylisted it) when that address is suppressed', () => {
  it('is not sent to it: settled as sent to the others, with why it went to no one else', async () => {
    const tt = await suite.start('2026-11-30T10:00:00-06:00');
    const number = (await tt.ingest('2026-11-30T10:00:00-06:00', mail({ headers: { Subject: 'No puedo timbrar', Cc: 'luis@cliente.mx' } }))).ticketNumber as number;
    tt.take();
    const ack = await tt.app.db.outboxMail.findFirstOrThrow({ where: { template: 'acknowledgement' } });
    suite.smtp.refuseRecipients.set('luis@cliente.mx', 451);
    await tt.agentReply('2026-11-30T10:05:00-06:00', number, '¿Nos envía el XML?', 'pending');
    suite.smtp.refuseRecipients.clear();
    expect(tt.take().map((m) => m.to)).toEqual([['ana@cliente.mx']]);
    await tt.ingest('2026-11-30T10:06:00-06:00', postfixDsn({ failed: 'luis@cliente.mx', original: sentHeaders(ack) }));
    await tt.tick('2026-11-30T12:00:00-06:00');
    expect(tt.take()).toEqual([]);
    expect(await answerRow(tt)).toMatchObject({ status: 'sent', lastError: 'not sent to luis@cliente.mx: the address is suppressed after bounces (ventanilla suppressions lift luis@cliente.mx)' });
  });
});

describe('a mail to the copies alone (its requester suppressed) when one of them is suppressed too', () => {
  it('still goes to the other copies', async () => {
    const tt = await suite.start('2026-11-30T10:00:00-06:00');
    const number = (await tt.ingest('2026-11-30T10:00:00-06:00', mail({ headers: { Subject: 'No puedo timbrar', Cc: 'luis@cliente.mx, pepe@cliente.mx' } }))).ticketNumber as number;
    tt.take();
    const ack = await tt.app.db.outboxMail.findFirstOrThrow({ where: { template: 'acknowledgement' } });
    await tt.ingest('2026-11-30T10:01:00-06:00', postfixDsn({ failed: 'ana@cliente.mx', original: sentHeaders(ack) }));
    suite.smtp.failWith = 451;
    await tt.agentReply('2026-11-30T10:05:00-06:00', number, '¿Nos envía el XML?', 'pending');
    suite.smtp.failWith = null;
    expect((await answerRow(tt)).toList).toBe('["luis@cliente.mx","pepe@cliente.mx"]');
    await tt.ingest('2026-11-30T10:06:00-06:00', postfixDsn({ failed: 'luis@cliente.mx', original: sentHeaders(ack) }));
    await tt.tick('2026-11-30T12:00:00-06:00');
    expect(tt.take().map((m) => m.to)).toEqual([['pepe@cliente.mx']]);
  });
});

describe('a bounce recorded while a slow relay works through a claimed batch', () => {
  it('stops the mails of the batch still queued to the address: cancelled, or to the copy alone', async () => {
    const tt = await suite.start('2026-11-30T10:00:00-06:00');
    const senders = ['primero@cliente.mx', 'segundo@cliente.mx', 'ana@cliente.mx', 'pepe@cliente.mx'];
    for (const [i, from] of senders.entries()) {
      const raw = mail({ headers: { From: from, Subject: `Consulta ${i}`, ...(from.startsWith('pepe') ? { Cc: 'luis@cliente.mx' } : {}) } });
      await tt.app.pipeline.ingest(raw, { source: 'file', sourceRef: `batch${i}` });
    }
    // The first mail's send is where the bounces of ana's and pepe's addresses are recorded (another process reads
    // the mailbox meanwhile); the relay takes the next mails only after that.
    const real = tt.app.mailer();
    let bounced!: Promise<void>;
    const relay: Mailer = {
      kind: 'smtp',
      send: async (m, o) => {
        const facts = (email: string) => ({ email, status: '5.1.1', detail: 'no such user', now: tt.now() });
        bounced ??= inTransaction(tt.app.db, async (tx) => {
          for (const email of ['ana@cliente.mx', 'pepe@cliente.mx']) await suppressForHardBounce(tx, facts(email), new Date('2027-05-30T00:00:00Z'));
        });
        await bounced;
        return real.send(m, o);
      },
      close: () => undefined,
    };
    // rescreenMs 0: the batch is checked again before each mail (a slow relay: every RESCREEN_MS, 30 s).
    const drainer = new OutboxDrainer({ db: tt.app.db, mailer: relay, blobs: tt.app.blobs, log: pino({ level: 'silent' }) }, { retryHours: 120, concurrency: 1, rescreenMs: 0 });
    expect(await drainer.drain(() => tt.now())).toEqual({ sent: 3, retried: 0, failed: 0 });
    expect(tt.take().map((m) => m.to)).toEqual([['primero@cliente.mx'], ['segundo@cliente.mx'], ['luis@cliente.mx']]);
    const acks = await tt.app.db.outboxMail.findMany({ where: { template: 'acknowledgement' }, orderBy: { id: 'asc' } });
    expect(acks.map((a) => [a.status, a.toList])).toEqual([
      ['sent', '["primero@cliente.mx"]'],
      ['sent', '["segundo@cliente.mx"]'],
      ['cancelled', '["ana@cliente.mx"]'],
      ['sent', '["luis@cliente.mx"]'],
    ]);
  });
});

describe.skipIf(!cliBuilt)('outbox retry of a failed mail to a suppressed address', () => {
  /** A ticket from ana@cliente.mx (`cc` in copy) whose answer the relay refused (550); then ana's address bounces. */
  async function failedAnswerThenBounce(cc?: string) {
    // Now, to the minute: the suppression is in force when the CLI, on the wall clock, reads it.
    const start = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000).toISOString();
    const tt = await suite.start(at(0));
    const env = { ...suite.smtp.env(), DATA_DIR: tt.app.dataDir, SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'test-secret-key-0123456789' };
    const number = (await tt.ingest(at(0), mail({ headers: { Subject: 'No puedo timbrar', ...(cc ? { Cc: cc } : {}) } }))).ticketNumber as number;
    tt.take();
    const ack = await tt.app.db.outboxMail.findFirstOrThrow({ where: { template: 'acknowledgement' } });
    suite.smtp.failWith = 550;
    await tt.agentReply(at(1), number, '¿Nos envía el XML?', 'pending');
    suite.smtp.failWith = null;
    const failed = await answerRow(tt);
    expect(failed.status).toBe('failed');
    await tt.ingest(at(2), postfixDsn({ failed: 'ana@cliente.mx', original: sentHeaders(ack) }));
    return { tt, env, id: failed.id, since: deskTime(at(2), 'America/Mexico_City') };
  }

  it('to the suppressed address alone: refused (exit 1), naming it, since when, and how to lift it; the mail stays failed', async () => {
    const { tt, env, id, since } = await failedAnswerThenBounce();
    const retried = await runCli(['outbox', 'retry', String(id)], { env });
    expect({ code: retried.code, stdout: retried.stdout }).toEqual({ code: 1, stdout: '' });
    expect(retried.stderr.trim()).toBe(
      `ventanilla: TRANSITION_REFUSED: mail ${id} is not sent again: ana@cliente.mx bounces (suppressed since ${since}); if the address works again, \`ventanilla suppressions lift ana@cliente.mx\`, then retry.`,
    );
    expect(tt.take()).toEqual([]);
    expect((await answerRow(tt)).status).toBe('failed');
  });

  it('with a colleague in copy: retried to the colleague alone, and the line says who was left out', async () => {
    const { tt, env, id, since } = await failedAnswerThenBounce('luis@cliente.mx');
    const retried = await runCli(['outbox', 'retry', String(id)], { env });
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout.trim()).toBe(
      `mail ${id} queued again, not to ana@cliente.mx (suppressed since ${since}: \`ventanilla suppressions lift ana@cliente.mx\`): {"sent":1,"retried":0,"failed":0}`,
    );
    expect(tt.take().map((m) => m.to)).toEqual([['luis@cliente.mx']]);
    expect(await answerRow(tt)).toMatchObject({ status: 'sent', toList: '["luis@cliente.mx"]' });
  });
});
