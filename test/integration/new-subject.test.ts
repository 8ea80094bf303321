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
