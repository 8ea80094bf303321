import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSignedMessageId, plusAddressFor } from '../../src/domain/thread-refs.js';
import { showTicket, listTickets } from '../../src/store/ticket-queries.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';

let app: TestApp;
beforeEach(async () => {
  app = await createTestApp();
});
afterEach(async () => app.dispose());

const ingest = (raw: Buffer) => app.pipeline.ingest(raw, { source: 'file', sourceRef: 'test' });
const setStatus = (number: number, status: string) => app.db.ticket.update({ where: { number }, data: { status } });
const secret = 'test-secret-key-0123456789';

async function openTicket(headers: Record<string, string | null> = {}, body?: string) {
  const first = mail({ headers, body });
  const result = await ingest(first);
  expect(result.outcome).toBe('created');
  const messageId = /Message-ID: <([^>]+)>/.exec(first.toString())?.[1] as string;
  return { number: result.ticketNumber as number, messageId };
}

describe('inbound mail becomes one ticket, comment or follow-up', () => {
  it('a first mail opens a ticket with its requester, CCs, severity and text', async () => {
    const { number } = await openTicket({ Cc: 'Luis <luis@cliente.mx>, soporte+old@example.test', Subject: 'Re: No timbra' }, 'No timbra.\nImpacto: Alto\nUrgencia: Media');
    const t = await showTicket(app.db, number);
    expect(t).toMatchObject({ number: 1000, subject: 'No timbra', status: 'new', requester: 'ana@cliente.mx', ccs: ['luis@cliente.mx'], impact: 'high', urgency: 'medium', priority: 'high', followUpOf: null });
    expect(t?.messages.map((m) => m.direction)).toEqual(['in', 'out']);
    expect(t?.messages[0]).toMatchObject({ direction: 'in', from: 'ana@cliente.mx', visibleText: 'No timbra.\nImpacto: Alto\nUrgencia: Media' });
    // The acknowledgement, threaded on the customer's mail, copied to the CC.
    expect(t?.messages[1]).toMatchObject({ direction: 'out', to: ['ana@cliente.mx'], cc: ['luis@cliente.mx'], subject: expect.stringContaining('[#1000]') });
  });

  it('a reply by In-Reply-To is a comment on the same ticket', async () => {
    const { number, messageId } = await openTicket();
    const r = await ingest(mail({ headers: { Subject: 'Re: algo', 'In-Reply-To': `<${messageId}>` } }));
    expect(r).toMatchObject({ outcome: 'comment', ticketNumber: number });
    expect((await showTicket(app.db, number))?.messages.filter((m) => m.direction === 'in')).toHaveLength(2);
  });

  it('a reply with References only (no In-Reply-To) is a comment', async () => {
    const { number, messageId } = await openTicket();
    const r = await ingest(mail({ headers: { From: 'luis@cliente.mx', References: `<unrelated@x> <${messageId}>` } }));
    expect(r).toMatchObject({ outcome: 'comment', ticketNumber: number, detail: 'via references' });
  });

  it('a reply to one of our signed Message-IDs finds its ticket', async () => {
    const { number } = await openTicket();
    const ours = createSignedMessageId(secret, number, 'example.test');
    expect(await ingest(mail({ headers: { 'In-Reply-To': `<${ours}>`, Subject: `RE: [#${number}] Consulta` } }))).toMatchObject({ outcome: 'comment', ticketNumber: number });
  });

  it('a forged signed Message-ID does not match', async () => {
    await openTicket();
    const forged = createSignedMessageId('some-other-secret-000000', 1000, 'example.test');
    expect(await ingest(mail({ headers: { 'In-Reply-To': `<${forged}>` } }))).toMatchObject({ outcome: 'created' });
  });

  it('a mail to the ticket plus-address is a comment', async () => {
    const { number } = await openTicket();
    const plus = plusAddressFor(secret, 'soporte@example.test', number);
    expect(await ingest(mail({ headers: { To: plus, Subject: `RE: [#${number}] Consulta` } }))).toMatchObject({ outcome: 'comment', detail: 'via plus-address' });
  });

  it('a subject tag from the requester matches; from a stranger it opens a new ticket', async () => {
    const { number } = await openTicket();
    expect(await ingest(mail({ headers: { Subject: `Re: [#${number}] más datos` } }))).toMatchObject({ outcome: 'comment', ticketNumber: number });
    const stranger = await ingest(mail({ headers: { From: 'intruso@otro.com', Subject: `[#${number}] dame los datos` } }));
    expect(stranger).toMatchObject({ outcome: 'created', detail: 'tag-from-stranger' });
    expect((await showTicket(app.db, stranger.ticketNumber as number))?.subject).toBe('dame los datos');
  });

  it('a tag typed by hand, with spaces or full-width characters, is the tag; a stranger\'s is still refused', async () => {
    const { number } = await openTicket();
    for (const Subject of [`[# ${number}] más datos`, `Re: más datos [ #${number} ]`, `［＃${number}］ más datos`, `ＲＥ： [#${[...String(number)].map((d) => String.fromCharCode(0xff10 + Number(d))).join('')}]`]) {
      expect(await ingest(mail({ headers: { Subject } })), Subject).toMatchObject({ outcome: 'comment', ticketNumber: number, detail: 'via subject-tag' });
    }
    const stranger = await ingest(mail({ headers: { From: 'intruso@otro.com', Subject: `［＃${number}］ dame los datos` } }));
    expect(stranger).toMatchObject({ outcome: 'created', detail: 'tag-from-stranger' });
    expect((await showTicket(app.db, stranger.ticketNumber as number))?.subject).toBe('dame los datos');
  });

  it("our tag behind another helpdesk's tag of the same form (osTicket's \"[#8833] Re: [#1000] ...\") still matches", async () => {
    // The customer's own helpdesk answers our notice under its own number, first in the subject, and with its own
    // References. Only the first tag was read: the answer opened a new ticket, or was refused as a stranger's when
    // that number was one of our tickets too.
    const { number } = await openTicket({ Subject: 'No timbra' });
    const other = await ingest(mail({ headers: { From: 'otro@tercero.com', Subject: 'Otra consulta' } }));
    for (const foreign of [8833, other.ticketNumber as number]) {
      const r = await ingest(mail({ headers: { Subject: `[#${foreign}] Re: [#${number}] No timbra`, References: `<thread-${foreign}@helpdesk.cliente.mx>` } }));
      expect(r, `[#${foreign}]`).toMatchObject({ outcome: 'comment', ticketNumber: number, detail: 'via subject-tag' });
    }
  });

  it('a subject tag from a colleague of the same organisation matches', async () => {
    const org = await app.db.organisation.create({ data: { name: 'Cliente SA', country: 'MX', domains: { create: [{ domain: 'cliente.mx' }] } } });
    const { number } = await openTicket();
    expect(org.id).toBeGreaterThan(0);
    expect(await ingest(mail({ headers: { From: 'jefa@cliente.mx', Subject: `[#${number}] seguimiento` } }))).toMatchObject({ outcome: 'comment', ticketNumber: number });
  });

  it('a forward of the thread by a stranger does not join the ticket', async () => {
    const { messageId } = await openTicket();
    const r = await ingest(mail({ headers: { From: 'otro@tercero.com', Subject: 'RV: Consulta', References: `<${messageId}>`, 'In-Reply-To': `<${messageId}>` } }));
    expect(r).toMatchObject({ outcome: 'created', detail: 'forward-from-stranger' });
  });

  it('a stranger\'s forward is known behind a gateway\'s [EXTERNAL] tag and in the old "[Fwd: ...]" form', async () => {
    const { number, messageId } = await openTicket();
    const forwardedThread = { From: 'otro@tercero.com', Cc: 'colega@tercero.com', 'In-Reply-To': `<${messageId}>`, References: `<${messageId}>` };
    for (const Subject of ['[EXTERNAL] RV: Consulta', '[EXT] [SPAM?] Fwd: Consulta', '[Fwd: Consulta]', 'RV： Consulta']) {
      expect(await ingest(mail({ headers: { ...forwardedThread, Subject } })), Subject).toMatchObject({ outcome: 'created', detail: 'forward-from-stranger' });
    }
    // The stranger's colleague would otherwise be a CC of Ana's ticket and get every answer to it.
    expect((await showTicket(app.db, number))?.ccs).toEqual([]);
    // Ana's own forward, and a reply behind the same tag, still join her ticket.
    expect(await ingest(mail({ headers: { Subject: '[EXTERNAL] RV: Consulta', 'In-Reply-To': `<${messageId}>` } }))).toMatchObject({ outcome: 'comment', ticketNumber: number });
    expect(await ingest(mail({ headers: { From: 'otro@tercero.com', Subject: '[EXTERNAL] RE: Consulta', 'In-Reply-To': `<${messageId}>` } }))).toMatchObject({ outcome: 'comment', ticketNumber: number });
  });

  it("a stranger's reply joins the ticket, but the people they copy do not become the ticket's copies", async () => {
    const { number } = await openTicket({ Cc: 'luis@cliente.mx' });
    const ack = (await showTicket(app.db, number))?.messages.find((m) => m.direction === 'out')?.messageId;
    const stranger = await ingest(mail({ headers: { From: 'otro@tercero.com', To: 'soporte@example.test, amigo@tercero.com', Cc: 'espia@tercero.com', Subject: `Re: [#${number}] Consulta`, 'In-Reply-To': `<${ack}>` } }));
    expect(stranger).toMatchObject({ outcome: 'comment', ticketNumber: number });
    // Else every answer to Ana's ticket (and its reopening receipt) went to addresses a stranger chose.
    expect((await showTicket(app.db, number))?.ccs).toEqual(['luis@cliente.mx']);
    // The customer's own reply still adds the colleague she copies.
    await ingest(mail({ headers: { Cc: 'eva@cliente.mx', Subject: `Re: [#${number}] Consulta`, 'In-Reply-To': `<${ack}>` } }));
    expect((await showTicket(app.db, number))?.ccs).toEqual(['eva@cliente.mx', 'luis@cliente.mx']);
  });

  it('a ticket opened by a forward ("RV: x"): a reply to its notices is no forward, from anyone; a forward of them still is', async () => {
    const { number } = await openTicket({ Subject: 'RV: Error al timbrar' });
    const notice = (await showTicket(app.db, number))?.messages.find((m) => m.direction === 'out');
    expect(notice?.subject).toBe(`[#${number}] RV: Error al timbrar`);
    // Ana's notices, forwarded by her own rule to her personal mailbox, answered from there.
    const thread = { From: 'ana.perez@gmail.com', 'In-Reply-To': `<${notice?.messageId}>` };
    expect(await ingest(mail({ headers: { ...thread, Subject: `RE: ${notice?.subject}` } }))).toMatchObject({ outcome: 'comment', ticketNumber: number });
    const plus = plusAddressFor(secret, 'soporte@example.test', number);
    expect(await ingest(mail({ headers: { From: 'ana.perez@gmail.com', To: plus, Subject: `RE: RV: Error al timbrar` } }))).toMatchObject({ outcome: 'comment', ticketNumber: number });
    expect(await ingest(mail({ headers: { ...thread, From: 'otro@tercero.com', Subject: `RV: ${notice?.subject}` } }))).toMatchObject({ outcome: 'created', detail: 'forward-from-stranger' });
  });

  it('a gateway\'s "[EXTERNO]" tag is not part of the ticket\'s subject, and the reply behind it still threads', async () => {
    // Corporate gateways tag mail from outside: every notice read "[#1000] [EXTERNO] Error al timbrar factura".
    const { number } = await openTicket({ Subject: '[EXTERNO] Error al timbrar factura' });
    const t = await showTicket(app.db, number);
    expect(t?.subject).toBe('Error al timbrar factura');
    expect(t?.messages.find((m) => m.direction === 'out')?.subject).toBe(`[#${number}] Error al timbrar factura`);
    // The customer's answer to that notice, tagged again by the gateway, and with no headers to go by.
    const reply = await ingest(mail({ headers: { Subject: `[EXTERNO] RE: [#${number}] Error al timbrar factura` } }));
    expect(reply).toMatchObject({ outcome: 'comment', ticketNumber: number });
  });

  it('solved: thanks above an Outlook signature (no "-- ") keeps it solved; a problem above the same signature reopens it', async () => {
    const { number, messageId } = await openTicket();
    await setStatus(number, 'solved');
    const signature = [
      'Ana Pérez', 'Gerente de Sistemas', 'Comercializadora del Norte S.A. de C.V.', 'Tel. +52 (55) 1234 5678 Ext. 204 | Cel. 55 8765 4321',
      'www.comnorte.com.mx', '', 'AVISO DE CONFIDENCIALIDAD: Este correo y sus anexos son confidenciales y para uso exclusivo del destinatario.',
      '', '________________________________', 'De: Soporte <soporte@example.test>', 'Enviado: lunes, 23 de noviembre de 2026 10:00',
      'Para: Ana Pérez <ana@cliente.mx>', `Asunto: [#${number}] Consulta`, '', 'Actualice a la versión 5.2.',
    ].join('\n');
    const reply = (first: string) => ingest(mail({ headers: { 'In-Reply-To': `<${messageId}>` }, body: `${first}\n\n${signature}` }));
    expect(await reply('¡Gracias!')).toMatchObject({ outcome: 'comment', ticketNumber: number });
    expect((await showTicket(app.db, number))?.status).toBe('solved');
    expect(await reply('Gracias, pero sigue fallando.')).toMatchObject({ outcome: 'reopened', ticketNumber: number });
  });

  it('pending -> open; solved -> reopened; on_hold stays on hold', async () => {
    const { number, messageId } = await openTicket();
    await setStatus(number, 'pending');
    await ingest(mail({ headers: { 'In-Reply-To': `<${messageId}>` } }));
    expect((await showTicket(app.db, number))?.status).toBe('open');
    await setStatus(number, 'solved');
    expect(await ingest(mail({ headers: { 'In-Reply-To': `<${messageId}>` } }))).toMatchObject({ outcome: 'reopened' });
    expect((await showTicket(app.db, number))?.status).toBe('open');
    await setStatus(number, 'on_hold');
    expect(await ingest(mail({ headers: { 'In-Reply-To': `<${messageId}>` } }))).toMatchObject({ outcome: 'comment' });
    const t = await showTicket(app.db, number);
    expect(t?.status).toBe('on_hold');
    expect(t?.events.map((e) => e.type)).toEqual(['created', 'customer_answered', 'reopened', 'comment']);
  });

  it('a reply to a closed ticket creates a linked follow-up that carries its history', async () => {
    const { number, messageId } = await openTicket({ Cc: 'luis@cliente.mx' }, 'Impacto: Bajo\nUrgencia: Baja');
    await setStatus(number, 'closed');
    const r = await ingest(mail({ headers: { Subject: `Re: [#${number}] Consulta`, 'In-Reply-To': `<${messageId}>` }, body: 'Sigue fallando' }));
    expect(r.outcome).toBe('followup');
    const followUp = await showTicket(app.db, r.ticketNumber as number);
    expect(followUp).toMatchObject({ followUpOf: number, status: 'new', subject: 'Consulta', impact: 'low', urgency: 'low', ccs: ['luis@cliente.mx'] });
    expect(followUp?.history).toHaveLength(1);
    expect(followUp?.history[0]).toMatchObject({ number, status: 'closed' });
    expect((await showTicket(app.db, number))?.followUps).toEqual([r.ticketNumber]);
    // Answering the follow-up's own message is a comment on it:
    const onFollowUp = await ingest(mail({ headers: { 'In-Reply-To': `<${followUp?.messages[0]?.messageId}>` } }));
    expect(onFollowUp).toMatchObject({ outcome: 'comment', ticketNumber: r.ticketNumber });
  });

  it("a stranger's reply to a closed ticket (a forwarded mail answered) opens a ticket of their own, not a follow-up that carries the customer's case", async () => {
    const { number, messageId } = await openTicket({ Cc: 'luis@cliente.mx', Subject: 'Factura 123 rechazada' }, 'El RFC AAA010101AAA no timbra');
    await setStatus(number, 'closed');
    const ack = (await showTicket(app.db, number))?.messages.find((m) => m.direction === 'out')?.messageId;
    const r = await ingest(mail({ headers: { From: 'extrano@otro.example', Subject: `Re: [#${number}] Factura 123 rechazada`, 'In-Reply-To': `<${ack}>`, References: `<${messageId}> <${ack}>` }, body: 'Me interesa' }));
    expect(r).toMatchObject({ outcome: 'created', detail: 'followup-from-stranger' });
    const own = await showTicket(app.db, r.ticketNumber as number);
    expect(own).toMatchObject({ followUpOf: null, requester: 'extrano@otro.example', ccs: [], history: [] });
    // Their acknowledgement goes to them alone, and names neither the closed ticket nor its people.
    const { id } = await app.db.ticket.findUniqueOrThrow({ where: { number: r.ticketNumber as number } });
    const sent = (await app.db.outboxMail.findMany({ where: { ticketId: id } }))[0];
    expect(sent).toMatchObject({ template: 'acknowledgement', toList: '["extrano@otro.example"]', ccList: '[]' });
    expect(sent?.text).not.toContain(`#${number}`);
    expect((await showTicket(app.db, number))?.followUps).toEqual([]);
    // The customer's colleague in copy still opens the follow-up.
    expect(await ingest(mail({ headers: { From: 'luis@cliente.mx', Subject: `Re: [#${number}] Factura 123 rechazada`, 'In-Reply-To': `<${ack}>` } }))).toMatchObject({ outcome: 'followup' });
  });

  it('more replies to the closed ticket join its follow-up instead of opening one ticket each', async () => {
    const { number, messageId } = await openTicket({ Cc: 'luis@cliente.mx' });
    await setStatus(number, 'closed');
    const replyToClosed = (headers: Record<string, string>) => ingest(mail({ headers: { 'In-Reply-To': `<${messageId}>`, ...headers } }));
    const first = await replyToClosed({ Subject: `Re: [#${number}] Consulta` });
    expect(first.outcome).toBe('followup');
    // The screenshot sent a minute later, and the colleague in CC answering the same closed thread.
    expect(await replyToClosed({ Subject: `Re: [#${number}] Consulta` })).toMatchObject({ outcome: 'comment', ticketNumber: first.ticketNumber });
    expect(await replyToClosed({ From: 'luis@cliente.mx' })).toMatchObject({ outcome: 'comment', ticketNumber: first.ticketNumber });
    expect((await showTicket(app.db, number))?.followUps).toEqual([first.ticketNumber]);
    expect(await listTickets(app.db)).toHaveLength(2);
    // Once the follow-up is closed too, the next reply opens a follow-up of it, carrying both histories.
    await setStatus(first.ticketNumber as number, 'closed');
    const second = await replyToClosed({});
    expect(second.outcome).toBe('followup');
    expect((await showTicket(app.db, second.ticketNumber as number))?.history.map((h) => h.number)).toEqual([first.ticketNumber, number]);
  });
});

describe('duplicates have one effect', () => {
  it('the same Message-ID twice, even delivered to another address', async () => {
    const raw = mail();
    const first = await ingest(raw);
    const again = await ingest(raw);
    const otherAddress = await ingest(Buffer.from(`Delivered-To: ayuda@example.test\r\n${raw.toString()}`));
    expect([first.outcome, again.outcome, otherAddress.outcome]).toEqual(['created', 'duplicate', 'duplicate']);
    expect(again.ticketNumber).toBe(first.ticketNumber);
    expect(await listTickets(app.db)).toHaveLength(1);
    expect(await app.db.inboundLog.count({ where: { outcome: 'duplicate' } })).toBe(2);
  });

  it('a mail without Message-ID is deduplicated by what its sender wrote', async () => {
    const raw = mail({ headers: { 'Message-ID': null } });
    expect((await ingest(raw)).outcome).toBe('created');
    expect((await ingest(raw)).outcome).toBe('duplicate');
    expect((await ingest(mail({ headers: { 'Message-ID': null } }))).outcome).toBe('created');
  });

  it('a mail without Message-ID is one ticket whatever servers added to each copy on the way', async () => {
    const written = mail({ headers: { 'Message-ID': null, Subject: 'Sin id' }, body: 'No timbra.\n\n-- \nMarta' }).toString();
    const lf = (text: string) => text.replace(/\r\n/g, '\n');
    const copies = [
      // Fetched over IMAP after Dovecot's LMTP delivered it.
      `Return-Path: <ana@cliente.mx>\r\nDelivered-To: soporte@example.test\r\nReceived: from mx.example.test\r\n\tby imap.example.test with LMTP id Qx1; Mon, 23 Nov 2026 10:00:04 -0600\r\n${written}`,
      // Piped in by Postfix: its "From " line, LF line ends, its own trace fields.
      lf(`From ana@cliente.mx  Mon Nov 23 10:00:02 2026\r\nReturn-Path: <ana@cliente.mx>\r\nX-Original-To: soporte@example.test\r\nDelivered-To: soporte@example.test\r\nReceived: from mail.cliente.mx (mail.cliente.mx [203.0.113.5])\r\n\tby mx.example.test (Postfix) with ESMTPS id 4Ab7Q; Mon, 23 Nov 2026 10:00:02 -0600\r\n${written}`),
      // A Maildir file written from an mbox by Dovecot, with a receiver's checks, and an empty line more at the end.
      lf(`X-UID: 7\r\nStatus: RO\r\nX-Keywords: $Junk\r\nContent-Length: 31\r\nEnvelope-To: soporte@example.test\r\nX-Delivered-To: ayuda@example.test\r\nAuthentication-Results: mx.example.test; dkim=pass header.d=cliente.mx\r\nARC-Seal: i=1; a=rsa-sha256; d=example.test; s=arc; cv=none; b=abc\r\nDKIM-Signature: v=1; a=rsa-sha256; d=example.test; s=relay; b=xyz\r\n${written}\r\n`),
    ];
    const results = [];
    for (const copy of copies) results.push(await ingest(Buffer.from(copy)));
    expect(results.map((r) => [r.outcome, r.ticketNumber])).toEqual([['created', 1000], ['duplicate', 1000], ['duplicate', 1000]]);
    expect(await listTickets(app.db)).toHaveLength(1);
    expect(await app.db.inboundLog.count({ where: { outcome: 'duplicate', ticketNumber: 1000 } })).toBe(2);
  });

  it('mails without Message-ID that differ in their body or in a field their sender wrote stay apart', async () => {
    const headers = { 'Message-ID': null, Subject: 'Igual' };
    const raws = [
      mail({ headers, body: 'Factura 88 no timbra.' }),
      mail({ headers, body: 'Factura 89 no timbra.' }),
      mail({ headers, body: 'Factura 88  no timbra.' }),
      mail({ headers: { ...headers, Subject: 'Igual, otra' }, body: 'Factura 88 no timbra.' }),
      mail({ headers: { ...headers, Date: 'Mon, 23 Nov 2026 10:00:01 -0600' }, body: 'Factura 88 no timbra.' }),
      mail({ headers: { ...headers, Cc: 'luis@cliente.mx' }, body: 'Factura 88 no timbra.' }),
      mail({ headers: { ...headers, 'Content-Type': 'text/html; charset=utf-8' }, body: 'Factura 88 no timbra.' }),
    ];
    const outcomes = [];
    for (const raw of raws) outcomes.push((await ingest(raw)).outcome);
    expect(outcomes).toEqual(raws.map(() => 'created'));
  });

  it('a mail recorded by a version that keyed it by its raw bytes is a duplicate when the same bytes come again', async () => {
    const raw = mail({ headers: { 'Message-ID': null } });
    const first = await ingest(raw);
    // What that version wrote: the key "raw:" and the raw mail's SHA-256, on the message and the log row.
    await app.db.$executeRawUnsafe(`UPDATE "Message" SET "dedupKey" = 'raw:' || "rawSha256" WHERE "dedupKey" LIKE 'content:%'`);
    await app.db.$executeRawUnsafe(`UPDATE "InboundLog" SET "dedupKey" = 'raw:' || "rawSha256" WHERE "dedupKey" LIKE 'content:%'`);
    expect(await ingest(raw)).toMatchObject({ outcome: 'duplicate', ticketNumber: first.ticketNumber });
    expect(await listTickets(app.db)).toHaveLength(1);
  });

  it('concurrent deliveries of the same mail have one effect', async () => {
    const raw = mail();
    const results = await Promise.all([ingest(raw), ingest(raw), ingest(raw)]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['created', 'duplicate', 'duplicate']);
  });
});
