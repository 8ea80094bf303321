import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.js';
import { mail } from '../support/app.js';
import { cliBuilt } from '../support/cli.js';
import { startDaemon, waitFor, type Daemon } from '../support/daemon.js';
import { dovecotAvailable, startDovecot, type DovecotServer } from '../support/dovecot.js';
import { startSmtpPeer, type ReceivedMail, type SmtpPeer } from '../support/smtp.js';

// The "hostile mail" loop test: Ventanilla and a machine on the other side mail each other through real
// servers (a private Dovecot for the support mailbox, the `ventanilla start` daemon, an in-process SMTP
// server). Whatever the other side does, the exchange must stop by itself: at once when it is polite
// (RFC 3834), after AUTO_MAIL_LIMIT automatic mails when it is not, and at once between two Ventanillas.

const LIMIT = 5;
const QUIET_MS = 3_000;
const SUPPORT = 'support@example.test';
const RESPONDER = 'robot@responder.test';

interface Gateway {
  address: string;
  daemon: Daemon;
  db: Db;
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  // Newest first: databases, then daemons, then the servers and directories they used.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServers(users: string[]): Promise<{ dovecot: DovecotServer; smtp: SmtpPeer }> {
  const [dovecot, smtp] = await Promise.all([startDovecot({ users: users.map((user) => ({ user, password: 'password' })) }), startSmtpPeer()]);
  cleanups.push(() => dovecot.stop(), () => smtp.stop());
  return { dovecot, smtp };
}

/** A `ventanilla start` daemon on its own DATA_DIR, watching `address`'s INBOX, sending through `smtp`. */
async function startGateway(dovecot: DovecotServer, smtp: SmtpPeer, address: string): Promise<Gateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ventanilla-loop-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const daemon = startDaemon({
    DATA_DIR: dataDir,
    SUPPORT_ADDRESS: address,
    SECRET_KEY: `loop-secret-${address}-0123456789`,
    IMAP_HOST: dovecot.host,
    IMAP_PORT: String(dovecot.imapPort),
    IMAP_SECURE: 'false',
    IMAP_USER: address,
    IMAP_PASSWORD: 'password',
    IMAP_POLL_SECONDS: '300',
    AUTO_MAIL_LIMIT: String(LIMIT),
    ...smtp.env(),
  });
  cleanups.push(() => daemon.kill());
  await waitFor(() => daemon.log().includes('IMAP mailbox open'), `the ${address} daemon to open its mailbox`);
  const db = await openDatabase(join(dataDir, 'ventanilla.db'));
  cleanups.push(() => db.$disconnect());
  return { address, daemon, db };
}

/** Runs `deliver` for every mail the SMTP peer accepts; the returned `settled()` surfaces delivery errors. */
function onEveryMail(smtp: SmtpPeer, deliver: (m: ReceivedMail) => Promise<number>) {
  const pending: Array<Promise<number>> = [];
  smtp.onMail = (m) => void pending.push(deliver(m));
  cleanups.push(() => (smtp.onMail = null));
  return {
    count: () => pending.length,
    settled: async () => (await Promise.all(pending)).reduce((a, b) => a + b, 0),
  };
}

/**
 * Waits until nothing happened for QUIET_MS: the exchange ended on its own. Fails if it is still going
 * after `maxMs`: that is the endless loop this file is about.
 */
async function settle(activity: () => Promise<number>, what: string, maxMs: number): Promise<void> {
  const started = Date.now();
  let last = await activity();
  let changedAt = Date.now();
  for (;;) {
    await sleep(200);
    const now = await activity();
    if (now !== last) [last, changedAt] = [now, Date.now()];
    else if (Date.now() - changedAt >= QUIET_MS) return;
    if (Date.now() - started > maxMs) throw new Error(`${what}: still exchanging mail after ${maxMs} ms (${now} events so far)`);
  }
}

const outcomes = async (db: Db) => (await db.inboundLog.findMany({ orderBy: { id: 'asc' } })).map((r) => ({ outcome: r.outcome, ticket: r.ticketNumber, detail: r.detail }));

describe.skipIf(!dovecotAvailable() || !cliBuilt)('a gateway and an auto-responder mailing each other stop within the cap', () => {
  it('a polite RFC 3834 responder: one acknowledgement, its answer is an internal note, nothing more', { timeout: 40_000 }, async () => {
    const { dovecot, smtp } = await startServers([SUPPORT]);
    const gw = await startGateway(dovecot, smtp, SUPPORT);
    // The responder answers every mail at once, the way RFC 3834 asks: marked automatic, in the thread.
    const responder = onEveryMail(smtp, async (m) => {
      if (!m.envelopeTo.includes(RESPONDER)) return 0;
      const id = m.parsed.messageId as string;
      const headers = { From: RESPONDER, To: SUPPORT, Subject: `Auto: ${m.parsed.subject}`, 'Auto-Submitted': 'auto-replied', 'In-Reply-To': id, References: id };
      await dovecot.append(mail({ headers, body: 'Estoy fuera de la oficina hasta el lunes 30.' }));
      return 1;
    });

    await dovecot.append(mail({ headers: { From: `Robot <${RESPONDER}>`, To: SUPPORT, Subject: 'Factura duplicada' }, body: 'Hola, me llegó la factura dos veces.' }));
    await smtp.waitFor(1);
    await settle(async () => smtp.received.length + responder.count() + (await gw.db.inboundLog.count()), 'polite responder', 20_000);

    expect(await responder.settled()).toBe(1);
    expect(smtp.received).toHaveLength(1);
    const [ack] = smtp.received as [ReceivedMail];
    expect(ack.envelopeTo).toEqual([RESPONDER]);
    expect(ack.header('auto-submitted')).toBe('auto-replied');
    const number = (await gw.db.ticket.findFirstOrThrow()).number;
    expect(await outcomes(gw.db)).toEqual([
      { outcome: 'created', ticket: number, detail: expect.any(String) },
      { outcome: 'auto_reply', ticket: number, detail: 'Auto-Submitted: auto-replied' },
    ]);
    const ticket = await gw.db.ticket.findFirstOrThrow({ include: { messages: { orderBy: { id: 'asc' } }, events: true } });
    expect(ticket.status).toBe('new');
    expect(ticket.messages.map((m) => [m.direction, m.internal])).toEqual([['in', false], ['out', false], ['in', true]]);
    expect(ticket.events.filter((e) => e.type === 'automatic_reply')).toHaveLength(1);
    expect(await gw.db.outboxMail.count()).toBe(1);
  });

  it(`a rude responder (no automatic headers, a new subject each time): exactly AUTO_MAIL_LIMIT=${LIMIT} mails, then the cap`, { timeout: 40_000 }, async () => {
    const { dovecot, smtp } = await startServers([SUPPORT]);
    const gw = await startGateway(dovecot, smtp, SUPPORT);
    // Every answer looks like a person opening a new ticket: no Auto-Submitted, no In-Reply-To/References.
    const responder = onEveryMail(smtp, async (m) => {
      if (!m.envelopeTo.includes(RESPONDER)) return 0;
      const n = smtp.received.indexOf(m) + 1;
      await dovecot.append(mail({ headers: { From: RESPONDER, To: SUPPORT, Subject: `Mensaje recibido, folio R-${n}` }, body: `Gracias por escribirnos, su folio es R-${n}.` }));
      return 1;
    });

    await dovecot.append(mail({ headers: { From: RESPONDER, To: SUPPORT, Subject: 'Alta de usuario' }, body: 'Necesito dar de alta a un usuario.' }));
    await smtp.waitFor(1);
    await settle(async () => smtp.received.length + responder.count() + (await gw.db.inboundLog.count()), 'rude responder', 30_000);

    const sent = smtp.received.filter((m) => m.envelopeTo.includes(RESPONDER));
    expect(sent).toHaveLength(LIMIT);
    expect(smtp.received).toHaveLength(LIMIT);
    expect(sent.every((m) => m.header('auto-submitted') === 'auto-replied')).toBe(true);
    expect(await responder.settled()).toBe(LIMIT);
    // The first mail and each of the LIMIT answers opened a ticket; the last one got no acknowledgement.
    const log = await outcomes(gw.db);
    expect(log.map((r) => r.outcome)).toEqual(Array(LIMIT + 1).fill('created'));
    expect(await gw.db.outboxMail.count({ where: { primaryTo: RESPONDER, automatic: true } })).toBe(LIMIT);
    const capped = await waitFor(() => gw.db.ticketEvent.findMany({ where: { type: 'notice_capped' }, include: { ticket: true } }).then((e) => (e.length ? e : null)), 'the cap to be recorded');
    expect(capped).toHaveLength(1);
    expect(capped[0]?.ticket.number).toBe(log.at(-1)?.ticket);
    expect(capped[0]?.detail).toBe(`acknowledgement to ${RESPONDER}: ${LIMIT} automatic mails already in the window`);
  });

  it('two Ventanilla instances CC-ed on one customer mail: each acknowledges the customer once, each sees the other as automatic', { timeout: 50_000 }, async () => {
    const NORTE = 'soporte@norte.test';
    const SUR = 'soporte@sur.test';
    const CUSTOMER = 'ana@cliente.mx';
    const { dovecot, smtp } = await startServers([NORTE, SUR]);
    const [norte, sur] = await Promise.all([startGateway(dovecot, smtp, NORTE), startGateway(dovecot, smtp, SUR)]);
    const gateways = [norte, sur];
    // The SMTP peer is the MTA of both: each envelope recipient that is a gateway (plus-addresses too) gets
    // the mail appended to its own mailbox; the customer's copy just stays in `received`.
    const mailboxOf = (rcpt: string) => gateways.find((g) => g.address === rcpt.toLowerCase().replace(/\+[^@]*@/, '@'))?.address;
    const delivered = new Map<string, string[]>(gateways.map((g) => [g.address, []]));
    const deliver = async (raw: Buffer, rcpts: string[]) => {
      let n = 0;
      for (const box of new Set(rcpts.map(mailboxOf).filter((b): b is string => b !== undefined))) {
        await dovecot.append(raw, 'INBOX', box);
        n++;
      }
      return n;
    };
    const mta = onEveryMail(smtp, async (m) => {
      const n = await deliver(m.raw, m.envelopeTo);
      for (const box of new Set(m.envelopeTo.map(mailboxOf))) if (box) delivered.get(box)?.push(m.parsed.messageId as string);
      return n;
    });
    const activity = async () => smtp.received.length + mta.count() + (await norte.db.inboundLog.count()) + (await sur.db.inboundLog.count());

    // The customer writes to one desk and copies the other: the mail is in both mailboxes.
    const first = mail({ headers: { From: `Ana <${CUSTOMER}>`, To: NORTE, Cc: SUR, Subject: 'Pedido 7781 sin entregar' }, body: 'Mi pedido no ha llegado.' });
    await deliver(first, [NORTE, SUR]);
    await smtp.waitFor(2);
    await settle(activity, 'two gateways', 20_000);
    expect(await mta.settled()).toBe(2);

    // Bounded, whatever else happens: far below what AUTO_MAIL_LIMIT would let through per address.
    expect(smtp.received.length).toBeLessThanOrEqual(4);
    expect(smtp.received).toHaveLength(2);
    for (const [gw, other] of [[norte, sur], [sur, norte]] as const) {
      const ack = smtp.received.find((m) => m.parsed.from?.value[0]?.address === gw.address) as ReceivedMail;
      expect(ack.header('auto-submitted')).toBe('auto-replied');
      expect(ack.envelopeTo.sort()).toEqual([CUSTOMER, other.address].sort());
      // The other desk got it in its mailbox and recorded it as an automatic answer on its own ticket.
      expect(delivered.get(other.address)).toEqual([ack.parsed.messageId]);
      const number = (await other.db.ticket.findFirstOrThrow()).number;
      expect(await outcomes(other.db)).toEqual([
        { outcome: 'created', ticket: number, detail: expect.any(String) },
        { outcome: 'auto_reply', ticket: number, detail: 'Auto-Submitted: auto-replied' },
      ]);
      expect(await other.db.ticketEvent.count({ where: { type: 'automatic_reply', actor: gw.address } })).toBe(1);
      expect(await gw.db.outboxMail.count()).toBe(1);
    }

    // The customer answers all on the first desk's acknowledgement: a comment on each side, no new mail.
    const ack = smtp.received.find((m) => m.parsed.from?.value[0]?.address === NORTE) as ReceivedMail;
    const replyTo = ack.parsed.replyTo?.value[0]?.address as string;
    const id = ack.parsed.messageId as string;
    const reply = mail({ headers: { From: CUSTOMER, To: replyTo, Cc: SUR, Subject: `Re: ${ack.parsed.subject}`, 'In-Reply-To': id, References: id }, body: 'Gracias, quedo atenta.' });
    await deliver(reply, [replyTo, SUR]);
    await settle(activity, 'two gateways after the reply-all', 20_000);
    expect(smtp.received).toHaveLength(2);
    for (const gw of gateways) expect((await outcomes(gw.db)).map((r) => r.outcome)).toEqual(['created', 'auto_reply', 'comment']);
  });
});
