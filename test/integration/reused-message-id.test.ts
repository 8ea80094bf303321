import { describe, expect, it } from 'vitest';
import { cliBuilt, runCli } from '../support/cli.js';
import { waitFor } from '../support/daemon.js';
import { dovecotAvailable } from '../support/dovecot.js';
import { dovecotDaemonPerFile } from '../support/dovecot-daemon.js';

// Some senders give different mails one Message-ID: a web form's mailer that always sends <contacto@tienda.example>,
// a client that sends a mail again, edited, under the ID of the first. Each such mail is a mail of its own (a
// ticket, none lost); a copy of one of them (piped by the MTA and fetched from the mailbox, delivered twice) is
// still the same mail, recorded once; a reply to the reused ID joins the ticket of the newest mail that had it.

interface Written {
  id: string;
  from: string;
  date: string;
  subject: string;
  body: string;
  inReplyTo?: string;
}

const written = (m: Written) =>
  [
    `From: ${m.from}`,
    'To: support@example.test',
    `Subject: ${m.subject}`,
    `Date: ${m.date}`,
    `Message-ID: <${m.id}>`,
    ...(m.inReplyTo ? [`In-Reply-To: <${m.inReplyTo}>`, `References: <${m.inReplyTo}>`] : []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    m.body,
    '',
  ].join('\n');

/** As the MTA pipes it in: its trace fields on top, LF line ends (Dovecot's copy has others, and CRLF). */
const piped = (mail: string) =>
  ['Return-Path: <formulario@tienda.example>', 'Delivered-To: support@example.test', 'Received: from web.tienda.example by mx.example.test (Postfix);', '\tTue, 24 Nov 2026 10:30:02 -0600', mail].join('\n');

const form = { id: 'contacto@tienda.example', from: 'Formulario web <formulario@tienda.example>', subject: 'Contacto desde el sitio' };
const formA = written({ ...form, date: 'Tue, 24 Nov 2026 09:00:00 -0600', body: 'Nombre: Ana Gil\nMensaje: Quisiera una demostración del módulo de nómina.' });
const formB = written({ ...form, date: 'Tue, 24 Nov 2026 10:30:00 -0600', body: 'Nombre: Luis Paz\nMensaje: No puedo timbrar la factura 88.' });

// An edited mail sent again under the first one's ID, with its Date and Subject: only the words differ.
const draft = { id: 'borrador-7@cliente.mx', from: 'Luis Paz <luis@cliente.mx>', date: 'Tue, 24 Nov 2026 11:00:00 -0600', subject: 'Factura 88 sin timbrar' };
const draftA = written({ ...draft, body: 'La factura 88 no timbra.' });
const draftB = written({ ...draft, body: 'La factura 88 no timbra: el PAC responde CFDI40102. Adjunto el error.' });
const reply = written({ id: 'respuesta-1@cliente.mx', from: draft.from, date: 'Tue, 24 Nov 2026 11:20:00 -0600', subject: `Re: ${draft.subject}`, body: 'Sigue igual con la factura 89.', inReplyTo: draft.id });

describe.skipIf(!dovecotAvailable() || !cliBuilt)('different mails under one Message-ID', () => {
  const fixture = dovecotDaemonPerFile('ventanilla-reused-id-');

  const ingest = async (raw: string) => {
    const result = await runCli(['ingest', '-', '--json'], { env: fixture.env(), input: raw });
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as { outcome: string; ticket: number | null; detail: string | null };
  };
  const show = async (n: number) => JSON.parse((await runCli(['tickets', 'show', String(n), '--json'], { env: fixture.env() })).stdout);

  it('through the MTA pipe: a ticket each, and a copy of the first is a duplicate of it', async () => {
    expect(await ingest(piped(formA))).toMatchObject({ outcome: 'created', ticket: 1000 });
    expect(await ingest(piped(formB))).toMatchObject({ outcome: 'created', ticket: 1001, detail: expect.stringMatching(/Message-ID <contacto@tienda\.example> reused/) });
    expect(await ingest(piped(formA))).toMatchObject({ outcome: 'duplicate', ticket: 1000 });
  });

  it('within one IMAP batch: a ticket each, a copy of either is a duplicate, and a reply joins the newest', async () => {
    // All in the daemon's first batch (one transaction): the form's second mail as Dovecot delivered it, the
    // edited mail's two versions, the second delivered twice, and a reply to their ID.
    const dovecot = fixture.dovecot();
    for (const raw of [formB, draftA, draftB, draftB, reply]) await dovecot.deliver(raw, { from: 'luis@cliente.mx', to: dovecot.user });
    const db = await fixture.start();
    await waitFor(async () => (await db.inboundLog.count({ where: { source: 'imap' } })) === 5, 'the daemon to record the five mails');

    const log = await db.inboundLog.findMany({ where: { source: 'imap' }, orderBy: { id: 'asc' }, select: { outcome: true, ticketNumber: true } });
    expect(log).toEqual([
      { outcome: 'duplicate', ticketNumber: 1001 },
      { outcome: 'created', ticketNumber: 1002 },
      { outcome: 'created', ticketNumber: 1003 },
      { outcome: 'duplicate', ticketNumber: 1003 },
      { outcome: 'comment', ticketNumber: 1003 },
    ]);
    const tickets = JSON.parse((await runCli(['tickets', 'list', '--json'], { env: fixture.env() })).stdout) as Array<{ number: number }>;
    expect(tickets.map((t) => t.number)).toEqual([1000, 1001, 1002, 1003]);

    // Each ticket holds its own mail's words; the reply sits with the newest mail of the reused ID.
    const texts = async (n: number) => (await show(n)).messages.filter((m: { direction: string }) => m.direction === 'in').map((m: { text: string }) => m.text.trim());
    expect(await texts(1000)).toEqual([expect.stringContaining('Ana Gil')]);
    expect(await texts(1001)).toEqual([expect.stringContaining('Luis Paz')]);
    expect(await texts(1002)).toEqual(['La factura 88 no timbra.']);
    expect(await texts(1003)).toEqual([expect.stringContaining('CFDI40102'), 'Sigue igual con la factura 89.']);

    // The agents are told why a ticket's mail shares its Message-ID with another ticket's.
    const reused = async (n: number) => (await show(n)).events.filter((e: { type: string }) => e.type === 'message_id_reused');
    expect(await reused(1000)).toEqual([]);
    expect(await reused(1001)).toEqual([expect.objectContaining({ detail: expect.stringMatching(/<contacto@tienda\.example>.*#1000/) })]);
    expect(await reused(1002)).toEqual([]);
    expect(await reused(1003)).toEqual([expect.objectContaining({ detail: expect.stringMatching(/<borrador-7@cliente\.mx>.*#1002/) })]);
  }, 60_000);
});
