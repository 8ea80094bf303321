import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
/** How long an exchange may take at most before the test calls it endless (CI: two cores shared with other files). */
const ENDLESS_AFTER_MS = 60_000;
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
  await waitFor(() => daemon.log().includes('IMAP mailbox open'), `the ${address} daemon to open its mailbox`, 30_000);
  const db = await openDatabase(join(dataDir, 'ventanilla.db'));
  cleanups.push(() => db.$disconnect());
  return { address, daemon, db };
}

/** The mails put into each gateway's mailbox (by the test or by the other side): each one its gateway owes a log row. */
function countedMailboxes(dovecot: DovecotServer) {
  const appended = new Map<string, number>();
  return {
    appended: (address: string) => appended.get(address) ?? 0,
    total: () => [...appended.values()].reduce((a, b) => a + b, 0),
    /** Counted before it is in the mailbox: from then on the exchange is not over until the gateway recorded it. */
    async append(raw: string | Buffer, address: string) {
      appended.set(address, (appended.get(address) ?? 0) + 1);
      await dovecot.append(raw, 'INBOX', address);
    },
  };
}
type Mailboxes = ReturnType<typeof countedMailboxes>;

/** Runs `deliver` for every mail the SMTP peer accepts; the returned `settled()` surfaces delivery errors. */
function onEveryMail(smtp: SmtpPeer, deliver: (m: ReceivedMail) => Promise<number>) {
  const pending: Array<Promise<number>> = [];
  let running = 0;
  // Called before the SMTP peer's answer reaches the gateway, so a mail the gateway has sent is one started here.
  smtp.onMail = (m) => {
    running++;
    pending.push(deliver(m).finally(() => running--));
  };
  cleanups.push(() => (smtp.onMail = null));
  return {
    count: () => pending.length,
    running: () => running,
    settled: async () => (await Promise.all(pending)).reduce((a, b) => a + b, 0),
  };
}

/**
 * Waits until the exchange has stopped by itself: every mail put into a gateway's mailbox is recorded by it, its
 * outbox has nothing waiting or being sent (nor notices owed), every mail it recorded as sent has reached the SMTP
 * peer (it records one as sent just before the message's end: src/outbound/mailer.ts confirm), and no mail the
 * peer took is still being answered or delivered; all true at once (nothing moved while they were read: the counts
 * of mails are the same before and after). Not a quiet spell: on a busy machine a loop can pause longer than any
 * spell. Fails if the exchange is still going after ENDLESS_AFTER_MS: that is the endless loop this file is about.
 */
async function settle(what: string, gateways: Gateway[], mailboxes: Mailboxes, smtp: SmtpPeer, handler: ReturnType<typeof onEveryMail>): Promise<void> {
  const moved = async () => {
    let n = smtp.received.length + handler.count() + mailboxes.total();
    for (const gw of gateways) n += await gw.db.inboundLog.count();
    return n;
  };
  const unfinished = async () => {
    const left: string[] = [];
    if (handler.running() > 0) left.push(`${handler.running()} mails the SMTP peer took still being answered or delivered`);
    for (const gw of gateways) {
      const recorded = await gw.db.inboundLog.count();
      if (recorded !== mailboxes.appended(gw.address)) left.push(`${gw.address}: ${recorded} of the ${mailboxes.appended(gw.address)} mails in its mailbox recorded`);
      const arrived = new Set(smtp.received.map((m) => m.parsed.messageId));
      const outbox = await gw.db.outboxMail.findMany({ where: { status: { in: ['pending', 'sending', 'sent'] } }, select: { status: true, messageId: true } });
      const outgoing = outbox.filter((m) => m.status !== 'sent' || !arrived.has(`<${m.messageId}>`)).length;
      if (outgoing > 0) left.push(`${gw.address}: ${outgoing} mails waiting, being sent or on their way`);
      const owed = await gw.db.deferredNotice.count();
      if (owed > 0) left.push(`${gw.address}: ${owed} notices owed`);
    }
    return left;
  };
  let left: string[] = [];
  await waitFor(
    async () => {
      const before = await moved();
      left = await unfinished();
      return left.length === 0 && (await moved()) === before;
    },
    `${what} to stop exchanging mail`,
    ENDLESS_AFTER_MS,
    100,
  ).catch((error: unknown) => {
    if (!/^timed out/.test((error as Error).message)) throw error;
    throw new Error(`${what}: still exchanging mail after ${ENDLESS_AFTER_MS} ms (${left.join('; ') || 'mail moving'}; ${smtp.received.length} mails sent)`);
  });
}

const outcomes = async (db: Db) => (await db.inboundLog.findMany({ orderBy: { id: 'asc' } })).map((r) => ({ outcome: r.outcome, ticket: r.ticketNumber, detail: r.detail }));

describe.skipIf(!dovecotAvailable() || !cliBuilt)('a gateway and an auto-responder mailing each other stop within the cap', () => {
  it('a polite RFC 3834 responder: one acknowledgement, its answer is an internal note, nothing more', { timeout: 120_000 }, async () => {
    const { dovecot, smtp } = await startServers([SUPPORT]);
    const gw = await startGateway(dovecot, smtp, SUPPORT);
    const mailboxes = countedMailboxes(dovecot);
    // The responder answers every mail at once, the way RFC 3834 asks: marked automatic, in the thread.
    const responder = onEveryMail(smtp, async (m) => {
      if (!m.envelopeTo.includes(RESPONDER)) return 0;
      const id = m.parsed.messageId as string;
      const headers = { From: RESPONDER, To: SUPPORT, Subject: `Auto: ${m.parsed.subject}`, 'Auto-Submitted': 'auto-replied', 'In-Reply-To': id, References: id };
      await mailboxes.append(mail({ headers, body: 'Estoy fuera de la oficina hasta el lunes 30.' }), SUPPORT);
      return 1;
    });

    await mailboxes.append(mail({ headers: { From: `Robot <${RESPONDER}>`, To: SUPPORT, Subject: 'Factura duplicada' }, body: 'Hola, me llegó la factura dos veces.' }), SUPPORT);
    await settle('polite responder', [gw], mailboxes, smtp, responder);

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

  it(`a rude responder (no automatic headers, a new subject each time): exactly AUTO_MAIL_LIMIT=${LIMIT} mails, then the cap`, { timeout: 120_000 }, async () => {
    const { dovecot, smtp } = await startServers([SUPPORT]);
    const gw = await startGateway(dovecot, smtp, SUPPORT);
    const mailboxes = countedMailboxes(dovecot);
    // Every answer looks like a person opening a new ticket: no Auto-Submitted, no In-Reply-To/References.
    const responder = onEveryMail(smtp, async (m) => {
      if (!m.envelopeTo.includes(RESPONDER)) return 0;
      const n = smtp.received.indexOf(m) + 1;
      await mailboxes.append(mail({ headers: { From: RESPONDER, To: SUPPORT, Subject: `Mensaje recibido, folio R-${n}` }, body: `Gracias por escribirnos, su folio es R-${n}.` }), SUPPORT);
      return 1;
    });

    await mailboxes.append(mail({ headers: { From: RESPONDER, To: SUPPORT, Subject: 'Alta de usuario' }, body: 'Necesito dar de alta a un usuario.' }), SUPPORT);
    await settle('rude responder', [gw], mailboxes, smtp, responder);

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

  it('two Ventanilla instances CC-ed on one customer mail: each acknowledges the customer once, each sees the other as automatic', { timeout: 150_000 }, async () => {
    const NORTE = 'soporte@norte.test';
    const SUR = 'soporte@sur.test';
    const CUSTOMER = 'ana@cliente.mx';
    const { dovecot, smtp } = await startServers([NORTE, SUR]);
    const [norte, sur] = await Promise.all([startGateway(dovecot, smtp, NORTE), startGateway(dovecot, smtp, SUR)]);
    const gateways = [norte, sur];
    const mailboxes = countedMailboxes(dovecot);
    // The SMTP peer is the MTA of both: each envelope recipient that is a gateway (plus-addresses too) gets
    // the mail appended to its own mailbox; the customer's copy just stays in `received`.
    const mailboxOf = (rcpt: string) => gateways.find((g) => g.address === rcpt.toLowerCase().replace(/\+[^@]*@/, '@'))?.address;
    const delivered = new Map<string, string[]>(gateways.map((g) => [g.address, []]));
    const deliver = async (raw: Buffer, rcpts: string[]) => {
      let n = 0;
      for (const box of new Set(rcpts.map(mailboxOf).filter((b): b is string => b !== undefined))) {
        await mailboxes.append(raw, box);
        n++;
      }
      return n;
    };
    const mta = onEveryMail(smtp, async (m) => {
      const n = await deliver(m.raw, m.envelopeTo);
      for (const box of new Set(m.envelopeTo.map(mailboxOf))) if (box) delivered.get(box)?.push(m.parsed.messageId as string);
      return n;
    });

    // The customer writes to one desk and copies the other: the mail is in both mailboxes.
    const first = mail({ headers: { From: `Ana <${CUSTOMER}>`, To: NORTE, Cc: SUR, Subject: 'Pedido 7781 sin entregar' }, body: 'Mi pedido no ha llegado.' });
    await deliver(first, [NORTE, SUR]);
    await settle('two gateways', gateways, mailboxes, smtp, mta);
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
    await settle('two gateways after the reply-all', gateways, mailboxes, smtp, mta);
    expect(smtp.received).toHaveLength(2);
    for (const gw of gateways) expect((await outcomes(gw.db)).map((r) => r.outcome)).toEqual(['created', 'auto_reply', 'comment']);
  });
});
