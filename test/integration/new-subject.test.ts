// A customer who answers an old notice to write about something else: the subject replaced, our "[#n]" with it.
// RT opens a ticket when its tag is gone; Zammad follows References only under the ticket's subject.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { plusAddressFor } from '../../src/domain/thread-refs.js';
import { showTicket } from '../../src/store/ticket-queries.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';

let app: TestApp;
beforeEach(async () => {
  app = await createTestApp();
});
afterEach(async () => app.dispose());

const ingest = (raw: Buffer) => app.pipeline.ingest(raw, { source: 'file', sourceRef: 'test' });
const secret = 'test-secret-key-0123456789';

/** A ticket "Error al timbrar", in `status`, and the headers of a reply to its acknowledgement. */
async function answeredNotice(status = 'solved') {
  const first = mail({ headers: { Subject: 'Error al timbrar' } });
  const opened = await ingest(first);
  const number = opened.ticketNumber as number;
  const root = /Message-ID: <([^>]+)>/.exec(first.toString())?.[1] as string;
  const ack = (await showTicket(app.db, number))?.messages.find((m) => m.direction === 'out');
  await app.db.ticket.update({ where: { number }, data: { status } });
  const reply = { To: plusAddressFor(secret, 'soporte@example.test', number), 'In-Reply-To': `<${ack?.messageId}>`, References: `<${root}> <${ack?.messageId}>` };
  return { number, root, reply };
}

describe('a reply to a notice under another subject', () => {
  it('is a new ticket with its own subject; the old ticket is left as it was', async () => {
    const { number, reply } = await answeredNotice('solved');
    const r = await ingest(mail({ headers: { ...reply, Subject: 'RE: No puedo descargar el XML' }, body: 'Otra cosa: el XML no baja.' }));
    expect(r).toMatchObject({ outcome: 'created', detail: 'new-subject' });
    expect((await showTicket(app.db, r.ticketNumber as number))?.subject).toBe('No puedo descargar el XML');
    const old = await showTicket(app.db, number);
    expect(old?.status).toBe('solved');
    expect(old?.messages.filter((m) => m.direction === 'in')).toHaveLength(1);
  });

  it('also to a closed ticket (no follow-up), and through the plus-address alone', async () => {
    const closed = await answeredNotice('closed');
    expect(await ingest(mail({ headers: { ...closed.reply, Subject: 'Consulta sobre nómina' } }))).toMatchObject({ outcome: 'created', detail: 'new-subject' });
    const open = await answeredNotice('open');
    expect(await ingest(mail({ headers: { To: open.reply.To, Subject: 'RE: Consulta sobre nómina' } }))).toMatchObject({ outcome: 'created', detail: 'new-subject' });
  });

  it('a reply that keeps the tag, or the subject in other words, or has none, stays on the ticket', async () => {
    const { number, reply } = await answeredNotice('open');
    for (const Subject of [`RE: [#${number}] otra cosa`, 'RE: URGENTE - sigue el error al timbrar', 'RE:', `Ticket #${number}`]) {
      expect(await ingest(mail({ headers: { ...reply, Subject } })), Subject).toMatchObject({ outcome: 'comment', ticketNumber: number });
    }
  });

  it('thanks under a subject of its own still validates the solution: no new ticket', async () => {
    const { number, reply } = await answeredNotice('solved');
    expect(await ingest(mail({ headers: { ...reply, Subject: 'Gracias' }, body: '¡Muchas gracias! Ya funciona.' }))).toMatchObject({ outcome: 'comment', ticketNumber: number });
    expect((await showTicket(app.db, number))?.status).toBe('solved');
    expect(await app.db.ticket.count()).toBe(1);
  });

  it('a reply in the customer\'s own thread (not to our mail) is not judged by its subject', async () => {
    const { number, root } = await answeredNotice('open');
    expect(await ingest(mail({ headers: { From: 'luis@cliente.mx', 'In-Reply-To': `<${root}>`, Subject: 'RE: lo que hablamos' } }))).toMatchObject({ outcome: 'comment', ticketNumber: number });
  });
});

// A ticket whose subject says nothing of its case ("Consulta", "Duda", "Question", "Hola") caught every later mail its
// customer sent to the ticket's plus-address (the Reply-To of our notices, which address books remember) under a
// subject holding that word: "Consulta sobre nómina" joined the old "Consulta", as did a new "Consulta". A generic
// subject alone never threads a mail to an old ticket: it takes the ticket's number or one of our Message-IDs.

/** Ana's ticket under `subject`, its plus-address and the Message-ID of its acknowledgement. */
async function ticket(subject: string) {
  const opened = await ingest(mail({ headers: { Subject: subject } }));
  const number = opened.ticketNumber as number;
  const ack = (await showTicket(app.db, number))?.messages.find((m) => m.direction === 'out');
  return { number, plus: plusAddressFor(secret, 'soporte@example.test', number), ack: ack?.messageId as string };
}

/** The tickets a user sees: each with its subject and how many mails came in on it. */
async function tickets() {
  const rows = await app.db.ticket.findMany({ orderBy: { number: 'asc' }, include: { messages: { where: { direction: 'in' } } } });
  return rows.map((t) => `#${t.number} ${t.subject} (${t.messages.length})`);
}

describe('a ticket under a generic subject', () => {
  it('does not catch a new mail to its plus-address under the same or a longer subject', async () => {
    const { number, plus } = await ticket('Consulta');
    const same = await ingest(mail({ headers: { To: plus, Subject: 'Consulta' }, body: '¿Cómo cancelo una factura?' }));
    const longer = await ingest(mail({ headers: { To: plus, Subject: 'Consulta sobre nómina' }, body: 'El recibo de nómina no timbra.' }));
    expect(same).toMatchObject({ outcome: 'created', detail: 'new-subject' });
    expect(longer).toMatchObject({ outcome: 'created', detail: 'new-subject' });
    expect(await tickets()).toEqual([`#${number} Consulta (1)`, `#${same.ticketNumber} Consulta (1)`, `#${longer.ticketNumber} Consulta sobre nómina (1)`]);
  });

  it('in other languages, and as part of a longer word ("Hola" in "Holanda")', async () => {
    for (const [subject, later] of [['Duda', 'RE: Duda'], ['Question', 'Question about invoices'], ['Hola', 'Holanda: factura de exportación'], ['Hola, buenos días', 'Hola, buenos días']]) {
      const { plus } = await ticket(subject as string);
      expect(await ingest(mail({ headers: { To: plus, Subject: later as string } })), `${subject} / ${later}`).toMatchObject({ outcome: 'created' });
    }
  });

  it('still gets the replies that name it: its tag through the plus-address, or our Message-ID', async () => {
    const { number, plus, ack } = await ticket('Consulta');
    expect(await ingest(mail({ headers: { To: plus, Subject: `RE: [#${number}] Consulta` } }))).toMatchObject({ outcome: 'comment', ticketNumber: number });
    expect(await ingest(mail({ headers: { To: plus, 'In-Reply-To': `<${ack}>`, Subject: 'RE: Consulta' } }))).toMatchObject({ outcome: 'comment', ticketNumber: number });
  });

  it('a specific subject goes on finding its ticket through the plus-address', async () => {
    const { number, plus } = await ticket('Error al timbrar la factura 90');
    expect(await ingest(mail({ headers: { To: plus, Subject: 'RE: Error al timbrar la factura 90' } }))).toMatchObject({ outcome: 'comment', ticketNumber: number });
    // A number makes a short subject specific.
    const numbered = await ticket('Consulta 4521');
    expect(await ingest(mail({ headers: { To: numbered.plus, Subject: 'RE: Consulta 4521' } }))).toMatchObject({ outcome: 'comment', ticketNumber: numbered.number });
  });
});
