import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { addOrganisation, authoriseContact } from '../../src/lifecycle/access-actions.js';
import { inTransaction } from '../../src/store/database.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';

// A reply above MAX_MESSAGE_BYTES to a ticket (its In-Reply-To or References naming one of the ticket's mails, or
// the ticket's [#n] from one of its people) opened a ticket of its own, as if it were a new mail: two tickets for one
// event (DOMAIN.md rule 1), and the customer told of a number she never asked for. Now, when the sender is one of
// the ticket's people, the note goes on that ticket (its status as it was) and the too_large notice is sent in its
// thread. Anything else opens its own ticket, as before.

let app: TestApp;
const clock = new Date('2026-11-24T16:00:00Z');
afterEach(async () => app?.dispose());

const ingest = (raw: Buffer) => app.pipeline.ingest(raw, { source: 'file', sourceRef: 'test' });
const big = (headers: Record<string, string>) => mail({ headers: { From: 'Ana Pérez <ana@cliente.mx>', ...headers }, body: 'x'.repeat(5000) });

async function ticketOfAna(env: Record<string, string> = {}) {
  app = await createTestApp({ MAX_MESSAGE_BYTES: '2000', ...env }, () => clock);
  await inTransaction(app.db, (tx) =>
    addOrganisation(tx, app.lifecycle, { name: 'Cliente', domains: ['cliente.mx'], country: 'MX', admin: 'admin@cliente.mx', actor: 'agent:test', now: clock }),
  );
  await inTransaction(app.db, (tx) => authoriseContact(tx, app.lifecycle, { email: 'ana@cliente.mx', actor: 'agent:test', now: clock }));
  const opened = await ingest(mail({ headers: { Subject: 'Error al timbrar', Cc: 'luis@cliente.mx' }, body: 'No timbra la factura 90.' }));
  const ack = await app.db.outboxMail.findFirstOrThrow({ where: { template: 'acknowledgement' } });
  return { number: opened.ticketNumber as number, ack: ack.messageId, subject: `Re: [#${opened.ticketNumber}] Error al timbrar` };
}

/** What a user sees: the tickets, each with its events' types, and the too_large mails with their ticket and recipients. */
async function seen() {
  const tickets = await app.db.ticket.findMany({ orderBy: { number: 'asc' }, include: { events: { orderBy: { id: 'asc' } } } });
  const notices = await app.db.outboxMail.findMany({ where: { template: 'too_large' }, include: { ticket: true } });
  return {
    tickets: tickets.map((t) => ({ number: t.number, status: t.status, tooLarge: t.events.filter((e) => e.type === 'too_large').length })),
    notices: notices.map((n) => ({ ticket: n.ticket?.number, to: n.primaryTo, subject: n.subject, inReplyTo: JSON.parse(n.headers).inReplyTo ?? null })),
  };
}

describe('a too-large reply to a ticket', () => {
  it('by In-Reply-To from its requester: the note on that ticket and the notice in its thread, no new ticket', async () => {
    const t = await ticketOfAna();
    const r = await ingest(big({ 'In-Reply-To': `<${t.ack}>`, References: `<${t.ack}>`, Subject: t.subject }));
    expect(r).toMatchObject({ outcome: 'too_large', ticketNumber: t.number });
    const s = await seen();
    expect(s.tickets).toEqual([{ number: t.number, status: 'new', tooLarge: 1 }]);
    expect(s.notices).toHaveLength(1);
    expect(s.notices[0]).toMatchObject({ ticket: t.number, to: 'ana@cliente.mx' });
    expect(s.notices[0]?.subject).toContain(`[#${t.number}]`);
  });

  it('by the subject tag from a colleague in copy: on the ticket too', async () => {
    const t = await ticketOfAna();
    const r = await ingest(big({ From: 'luis@cliente.mx', Subject: t.subject }));
    expect(r).toMatchObject({ outcome: 'too_large', ticketNumber: t.number });
    expect((await seen()).tickets).toHaveLength(1);
  });

  it("from a colleague in copy: the notice goes to the colleague alone, in the ticket's thread answering their mail; the requester gets nothing", async () => {
    const t = await ticketOfAna();
    const raw = big({ From: 'Luis Gómez <luis@cliente.mx>', 'Message-ID': '<luis-big@cliente.mx>', 'In-Reply-To': `<${t.ack}>`, References: `<${t.ack}>`, Subject: t.subject });
    const r = await ingest(raw);
    expect(r.ticketNumber).toBe(t.number);
    const notices = await app.db.outboxMail.findMany({ where: { template: 'too_large' } });
    expect(notices).toHaveLength(1);
    const notice = notices[0]!;
    expect({ to: notice.primaryTo, all: JSON.parse(notice.toList), cc: JSON.parse(notice.ccList) }).toEqual({ to: 'luis@cliente.mx', all: ['luis@cliente.mx'], cc: [] });
    expect(notice.subject).toContain(`[#${t.number}]`);
    const headers = JSON.parse(notice.headers);
    expect(headers.inReplyTo).toBe('luis-big@cliente.mx');
    expect(headers.references).toContain(t.ack);
    expect(notice.text).toMatch(/Luis Gómez/);
    expect(notice.text).not.toMatch(/Ana/);
    // The ticket's record of the notice says who got it.
    const out = await app.db.message.findFirstOrThrow({ where: { direction: 'out', subject: notice.subject } });
    expect({ to: JSON.parse(out.toList), cc: JSON.parse(out.ccList) }).toEqual({ to: ['luis@cliente.mx'], cc: [] });
  });

  it('from the requester: the notice to her alone, not to the colleagues in copy (they sent nothing too large)', async () => {
    const t = await ticketOfAna();
    await ingest(big({ 'Message-ID': '<ana-big@cliente.mx>', 'In-Reply-To': `<${t.ack}>`, Subject: t.subject }));
    const notice = await app.db.outboxMail.findFirstOrThrow({ where: { template: 'too_large' } });
    expect({ to: JSON.parse(notice.toList), cc: JSON.parse(notice.ccList), inReplyTo: JSON.parse(notice.headers).inReplyTo }).toEqual({ to: ['ana@cliente.mx'], cc: [], inReplyTo: 'ana-big@cliente.mx' });
  });

  it("a stranger's tag, or a reply to a closed ticket, opens a ticket of its own, as before", async () => {
    const t = await ticketOfAna();
    const stranger = await ingest(big({ From: 'x@otra.com', Subject: t.subject }));
    expect(stranger.ticketNumber).not.toBe(t.number);
    await app.db.ticket.update({ where: { number: t.number }, data: { status: 'closed' } });
    const late = await ingest(big({ 'In-Reply-To': `<${t.ack}>`, Subject: t.subject }));
    expect(late.ticketNumber).not.toBe(t.number);
    expect(late.ticketNumber).not.toBe(stranger.ticketNumber);
  });

  it('under UNKNOWN_SENDER_POLICY=hold a reply of the ticket\'s people is not held: on the ticket', async () => {
    const t = await ticketOfAna({ UNKNOWN_SENDER_POLICY: 'hold' });
    // Luis, her colleague in copy, is not authorised.
    const r = await ingest(big({ From: 'luis@cliente.mx', 'In-Reply-To': `<${t.ack}>`, Subject: t.subject }));
    expect(r.ticketNumber).toBe(t.number);
    expect((await seen()).notices.map((n) => n.ticket)).toEqual([t.number]);
  });

  it("an authorised colleague's too-large reply-all to a ticket held for its sender's authorisation does not go on it: nothing reaches the held sender", async () => {
    app = await createTestApp({ MAX_MESSAGE_BYTES: '2000', UNKNOWN_SENDER_POLICY: 'hold' }, () => clock);
    await inTransaction(app.db, (tx) =>
      addOrganisation(tx, app.lifecycle, { name: 'Cliente', domains: ['cliente.mx'], country: 'MX', admin: 'admin@cliente.mx', actor: 'agent:test', now: clock }),
    );
    await inTransaction(app.db, (tx) => authoriseContact(tx, app.lifecycle, { email: 'ana@cliente.mx', actor: 'agent:test', now: clock }));
    // Luis is not authorised: his ticket is held, Ana in copy.
    const held = await ingest(mail({ headers: { From: 'luis@cliente.mx', Cc: 'ana@cliente.mx', 'Message-ID': '<luis-1@cliente.mx>', Subject: 'Factura 12' }, body: 'No timbra.' }));
    expect((await app.db.ticket.findUniqueOrThrow({ where: { number: held.ticketNumber as number } })).heldForAuthorisation).toBe(true);
    const r = await ingest(big({ 'In-Reply-To': '<luis-1@cliente.mx>', References: '<luis-1@cliente.mx>', Subject: 'RE: Factura 12' }));
    // As too-large-continues.ts has it: a held ticket is continued by no too-large mail (she opens her own).
    expect(r.ticketNumber).not.toBe(held.ticketNumber);
    const heldTicket = await app.db.ticket.findUniqueOrThrow({ where: { number: held.ticketNumber as number }, include: { events: true } });
    expect(heldTicket.events.map((e) => e.type)).not.toContain('too_large');
    expect(await app.db.outboxMail.count({ where: { ticketId: heldTicket.id } })).toBe(0);
    expect(await app.db.outboxMail.count({ where: { primaryTo: 'luis@cliente.mx' } })).toBe(0);
  });

  it('read once the limit is raised, its content goes on that ticket', async () => {
    const t = await ticketOfAna();
    const raw = big({ 'In-Reply-To': `<${t.ack}>`, Subject: t.subject });
    await ingest(raw);
    const dataDir = app.config.dataDir;
    await app.close();
    app = await createTestApp({ MAX_MESSAGE_BYTES: '20000', DATA_DIR: dataDir }, () => clock);
    try {
      expect(await ingest(raw)).toMatchObject({ outcome: 'too_large_read', ticketNumber: t.number });
      const messages = await app.db.message.findMany({ where: { ticket: { number: t.number }, direction: 'in' } });
      expect(messages.map((m) => m.text.startsWith('xxxx'))).toEqual([false, true]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
