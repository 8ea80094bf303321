import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { mail } from '../support/app.js';
import { timeTravelSuite, type SeenMail, type TimeTravel } from '../support/time-travel.js';

// What the desk and the sender see for mail that is, or only looks, machine-written: real mail of the corpus
// and the requests a reviewer found swallowed. A machine gets no machine's answer; a person is never dropped.

const bsd = resolve(projectRoot, '..', 'shared', 'corpus', 'sisimai', 'set-of-emails', 'maildir', 'bsd');
const corpus = (name: string) => readFileSync(join(bsd, name));

const suite = timeTravelSuite();
let tt: TimeTravel;

const NOW = '2026-11-30T10:00:00-06:00';

describe('requests whose subject starts with the words of an away note', () => {
  it.each([
    ['Ausencia de complemento de pago en el portal', 'En el portal no aparece el complemento de pago de la factura A-1234. ¿Pueden revisar?'],
    ['Férias dos colaboradores não aparecem no recibo', 'O recibo de março não mostra as férias. Podem verificar?'],
    ['Vacation accrual not computed in payroll export', 'The export leaves the vacation days empty since version 5.2.'],
    ['Out of office hours support number?', 'Which number do we call outside business hours?'],
    // The product's own auto-reply feature: a responder's words, but no responder's "Respuesta automática: <subject>".
    ['Respuesta automática de facturas no se envía', 'Configuré la respuesta automática con el XML y el PDF, y los clientes no la reciben.'],
    ['Resposta automática do portal com erro', 'A resposta automática enviada aos clientes chega sem o anexo.'],
    ['Automatic reply emails not sent since 5.2', 'Customers no longer get the automatic reply with their invoice.'],
    ['Autoresponder stopped working', 'The autoresponder of our portal stopped sending the receipts.'],
  ])('"%s" opens a ticket and is acknowledged', async (subject, body) => {
    tt = await suite.start(NOW);
    const r = await tt.ingest(NOW, mail({ headers: { Subject: subject }, body }));
    expect(r.outcome).toBe('created');
    expect(tt.take().map((m) => m.autoSubmitted)).toEqual(['auto-replied']);
  });
});

/** A new ticket at NOW, then support's question at 11:00: the ticket pending, the question's mail taken. */
async function pendingTicket(subject: string): Promise<{ number: number; asked: SeenMail }> {
  tt = await suite.start(NOW);
  const number = (await tt.ingest(NOW, mail({ headers: { Subject: subject } }))).ticketNumber as number;
  tt.take();
  await tt.agentReply('2026-11-30T11:00:00-06:00', number, '¿Nos envía el XML?', 'pending');
  return { number, asked: tt.take()[0] as SeenMail };
}

describe('a person\'s mail that asks for no automatic answer (Outlook\'s X-Auto-Response-Suppress, a mailing list)', () => {
  it('a reply to a pending ticket is the customer\'s answer: the ticket opens again, nobody is mailed', async () => {
    const { number, asked } = await pendingTicket('No puedo timbrar facturas');
    const raw = mail({ headers: { 'In-Reply-To': asked.messageId, References: asked.messageId, Subject: `RE: ${asked.subject}`, 'X-Auto-Response-Suppress': 'All' }, body: 'Adjunto el XML, la factura es la A-1234.' });
    const reply = await tt.ingest('2026-11-30T12:00:00-06:00', raw);
    expect(reply).toMatchObject({ outcome: 'comment', ticketNumber: number });
    const ticket = await tt.ticket(number);
    expect(ticket.status).toBe('open');
    expect(ticket.messages.at(-1)).toMatchObject({ direction: 'in', internal: false });
    // The SLA clock runs again; the 60 hours no longer do.
    expect((await tt.tick('2026-12-20T18:00:00-06:00')).timers).toEqual({});
  });

  it('a reply through a mailing list (a Google Group) to a pending ticket opens it again; the list gets no mail', async () => {
    const { number, asked } = await pendingTicket('Complemento de pago');
    const group = { 'List-Id': '<facturacion.cliente.mx>', 'List-Post': '<mailto:facturacion@cliente.mx>', Precedence: 'list' };
    const raw = mail({ headers: { 'In-Reply-To': asked.messageId, References: asked.messageId, Subject: `Re: ${asked.subject}`, ...group }, body: 'El folio es A-1234.' });
    const reply = await tt.ingest('2026-11-30T12:00:00-06:00', raw);
    expect(reply).toMatchObject({ outcome: 'comment', ticketNumber: number });
    expect((await tt.ticket(number)).status).toBe('open');
    const request = await tt.ingest('2026-11-30T12:30:00-06:00', mail({ headers: { Subject: 'Otra consulta', 'Message-ID': '<g2@cliente.mx>', ...group } }));
    expect(request.outcome).toBe('created');
    expect(request.detail).toContain('mailing list');
    await tt.flush();
    expect(tt.take()).toEqual([]);
  });

  it("a reply written by a person in the customer's Zendesk opens the pending ticket again, though Zendesk marks it auto-generated", async () => {
    // Zendesk puts these on every mail it sends, an agent's answer too (its help centre lists them as the headers
    // that "should persist" when relaying outbound mail; a real agent reply relayed by Zendesk carries the same).
    const zendesk = {
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'All',
      'X-Mailer': 'Zendesk Mailer',
      'X-Zendesk-From-Account-Id': '68b8aed',
      'X-Zendesk-Email-Id': '01M3Q58ZANF2HQSGH9BZZ4ZS8S',
      'X-Delivery-Context': 'event-id-686236246199',
    };
    const { number, asked } = await pendingTicket('No llegan los XML al portal');
    const raw = mail({
      headers: { From: 'Ana Pérez (Mesa de ayuda) <ana@cliente.mx>', 'In-Reply-To': asked.messageId, References: asked.messageId, Subject: `Re: ${asked.subject}`, ...zendesk },
      body: '##- Please type your reply above this line -##\n\nAna Pérez, 30 nov. 2026 12:00\n\nAdjunto el XML de la factura A-1234.',
    });
    const reply = await tt.ingest('2026-11-30T12:00:00-06:00', raw);
    expect(reply).toMatchObject({ outcome: 'comment', ticketNumber: number });
    expect(reply.detail).toContain('no automatic answer sent');
    const ticket = await tt.ticket(number);
    expect(ticket.status).toBe('open');
    expect(ticket.messages.at(-1)).toMatchObject({ direction: 'in', internal: false });
    await tt.flush();
    expect(tt.take()).toEqual([]);
  });

  it('a new request opens a ticket without an acknowledgement, as its sender asked', async () => {
    tt = await suite.start(NOW);
    const r = await tt.ingest(NOW, mail({ headers: { Subject: 'Consulta', 'X-Auto-Response-Suppress': 'All' } }));
    expect(r.outcome).toBe('created');
    expect(r.detail).toContain('X-Auto-Response-Suppress');
    await tt.flush();
    expect(tt.take()).toEqual([]);
  });
});

describe("a person's Outlook mail that says they will be away", () => {
  // Outlook's X-Auto-Response-Suppress is on people's mail too: with it, words of an away note in the body
  // ("estaré fuera de la oficina", "regreso el lunes") made a new request an out-of-office reply, which opens no
  // ticket: the request was lost. A responder says what it is in its subject or its Auto-Submitted header.
  it.each([
    ['No timbra la nómina', 'Buenos días, la nómina de la quincena no timbra (error CFDI40102).\nEstaré fuera de la oficina a partir del viernes; si necesitan algo, llamen a Luis.'],
    ['Payroll export fails', "The payroll export fails since this morning. I'm out of the office tomorrow, please copy my colleague Luis."],
    ['Não consigo emitir notas', 'Não consigo emitir notas fiscais desde ontem. Estarei ausente amanhã, falem com o Rui.'],
  ])('"%s" opens a ticket', async (subject, body) => {
    tt = await suite.start(NOW);
    const r = await tt.ingest(NOW, mail({ headers: { Subject: subject, 'X-Auto-Response-Suppress': 'All' }, body }));
    expect(r.outcome).toBe('created');
  });
});

describe('a bounce the customer forwards to the desk', () => {
  // "Our invoices to this client bounce": the customer forwards the bounce, often from the company's general
  // address. admin@ and mail@ read like a system's sender, and the forwarded notice was then read as a bounce of
  // our own: outcome bounce, no ticket, the request lost.
  const forwarded = [
    'Buenos días, las facturas a este cliente rebotan. ¿Pueden revisar?', '',
    '---------- Forwarded message ---------', 'From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>', 'Date: Mon, Nov 23, 2026 at 10:00 AM',
    'Subject: Delivery Status Notification (Failure)', 'To: <facturacion@empresa.mx>', '',
    'Address not found', "Your message wasn't delivered to compras@proveedor.com because the address couldn't be found.", '',
    'The response from the remote server was:', '550 5.1.1 The email account that you tried to reach does not exist.',
  ].join('\n');
  it.each(['Admin <admin@empresa.mx>', 'mail@empresa.mx'])('from %s, it opens a ticket', async (from) => {
    tt = await suite.start(NOW);
    const r = await tt.ingest(NOW, mail({ headers: { From: from, Subject: 'Fwd: Delivery Status Notification (Failure)' }, body: forwarded }));
    expect(r.outcome).toBe('created');
  });
});

describe.skipIf(!existsSync(bsd))('machine mail of the corpus', () => {
  it("Exchange's out-of-office replies (Return-Path: <>, X-Auto-Response-Suppress) open no ticket", async () => {
    tt = await suite.start(NOW);
    for (const file of ['rfc3834-02.eml', 'rfc3834-04.eml']) {
      const r = await tt.ingest(NOW, corpus(file));
      expect(r, file).toMatchObject({ outcome: 'auto_reply', ticketNumber: null });
    }
    await tt.flush();
    expect(tt.take()).toEqual([]);
  });

  it("a delivery agent's notice from post_master@ gets no answer", async () => {
    tt = await suite.start(NOW);
    for (const file of ['lhost-verizon-02.eml', 'lhost-apachejames-01.eml']) {
      const r = await tt.ingest(NOW, corpus(file));
      expect(r.detail, file).toMatch(/automatic \(From: .*\): no answer sent|bounce/);
    }
    await tt.flush();
    expect(tt.take()).toEqual([]);
  });

  it("Microsoft's JMRP report (Hotmail) is a complaint, not a ticket", async () => {
    tt = await suite.start(NOW);
    const r = await tt.ingest(NOW, corpus('arf-22.eml'));
    expect(r).toMatchObject({ outcome: 'complaint', ticketNumber: null });
  });

  it('notifications from no-reply senders and list servers get no acknowledgement', async () => {
    tt = await suite.start(NOW);
    for (const file of ['lhost-amazonses-12.eml', 'lhost-amazonses-13.eml', 'lhost-fml-02.eml', 'lhost-fml-03.eml']) {
      const r = await tt.ingest(NOW, corpus(file));
      expect(r.detail ?? '', file).toMatch(/no (automatic )?answer sent|bounce|(a report that a mail was delivered|a mailing-list server.s own notice .*); answers no ticket/);
    }
    await tt.flush();
    expect(tt.take()).toEqual([]);
  });

  it("fml's own notices (\"not a member\", a loop alert, a command's reply) open no ticket; a post through an fml list does, unanswered", async () => {
    tt = await suite.start(NOW);
    for (const file of ['lhost-fml-02.eml', 'lhost-fml-03.eml']) {
      const r = await tt.ingest(NOW, corpus(file));
      expect(r, file).toMatchObject({ outcome: 'auto_reply', ticketNumber: null, detail: expect.stringMatching(/mailing-list server's own notice.*answers no ticket/) });
    }
    const reply = mail({ headers: { From: 'neko-ctl@example.co.jp', Subject: 'fml Command Status report (neko ML)', 'X-ML-Name': 'neko', 'X-Mail-Count': '00007' }, body: '>>> help\nsee the guide' });
    expect(await tt.ingest(NOW, reply)).toMatchObject({ outcome: 'auto_reply', ticketNumber: null });
    expect(await tt.app.db.ticket.count()).toBe(0);
    const post = mail({ headers: { 'X-ML-Name': 'facturacion', 'X-Mail-Count': '00042', 'X-MLServer': 'fml [fml 4.0.3 release]' }, body: 'No puedo timbrar la factura A-12.' });
    expect(await tt.ingest(NOW, post)).toMatchObject({ outcome: 'created', detail: expect.stringMatching(/through a mailing list/) });
    await tt.flush();
    expect(tt.take()).toEqual([]);
  });

  it("SES's report that a mail was delivered opens no ticket", async () => {
    tt = await suite.start(NOW);
    const r = await tt.ingest(NOW, corpus('lhost-amazonses-12.eml'));
    expect(r).toMatchObject({ outcome: 'auto_reply', ticketNumber: null });
    expect(await tt.app.db.ticket.count()).toBe(0);
  });
});
