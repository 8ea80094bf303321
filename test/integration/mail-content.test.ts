import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { showTicket } from '../../src/store/ticket-queries.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';

// What an agent reads of a customer's mail (the ticket's visible text), through the real ingest path.

let app: TestApp;
beforeEach(async () => {
  app = await createTestApp();
});
afterEach(async () => app.dispose());

/** A mail whose only text is an HTML part beside an attachment (no text/plain part), as web forms send it. */
function htmlWithAttachment(id: string, html: string): Buffer {
  const lines = [
    'From: Ana <ana@cliente.mx>', 'To: soporte@example.test', 'Subject: Error al timbrar', `Message-ID: <${id}@cliente.mx>`,
    'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '',
    '--b', 'Content-Type: text/html; charset=utf-8', '', html,
    '--b', 'Content-Type: application/pdf; name="f.pdf"', 'Content-Disposition: attachment; filename="f.pdf"', 'Content-Transfer-Encoding: base64', '', 'JVBERi0xLjQK',
    '--b--', '',
  ];
  return Buffer.from(lines.join('\r\n'));
}

async function ticketOf(raw: Buffer) {
  const result = await app.pipeline.ingest(raw, { source: 'file', sourceRef: 'test' });
  const ticket = await showTicket(app.db, result.ticketNumber as number);
  return { priority: ticket?.priority, visibleText: ticket?.messages.find((m) => m.direction === 'in')?.visibleText ?? '' };
}

const visibleTextOfTicket = async (raw: Buffer) => (await ticketOf(raw)).visibleText;

describe('an HTML-only mail as the agent reads it', () => {
  it('keeps the address of a link the customer sent', async () => {
    const text = await visibleTextOfTicket(htmlWithAttachment('link', '<p>El error está en <a href="https://portal.cliente.mx/err?id=301&amp;p=2">este enlace</a>.</p>'));
    expect(text).toBe('El error está en este enlace <https://portal.cliente.mx/err?id=301&p=2>.');
  });
});

describe('impact and urgency written below a signature', () => {
  it('are read after a "-- " signature with a phone number, and shown to the agent', async () => {
    const body = ['No puedo timbrar facturas desde ayer.', '', '-- ', 'Ana Pérez', 'Tel. +52 55 1234 5678', '', 'Impacto: Alto', 'Urgencia: Alta'].join('\n');
    expect(await ticketOf(mail({ body }))).toEqual({ priority: 'urgent', visibleText: 'No puedo timbrar facturas desde ayer.\n\nImpacto: Alto\nUrgencia: Alta' });
  });

  it('are read after a mobile footer', async () => {
    const body = ['Não consigo emitir notas.', '', 'Enviado do meu iPhone', '', 'Impacto: Alto', 'Urgência: Média'].join('\n');
    expect(await ticketOf(mail({ body }))).toEqual({ priority: 'high', visibleText: 'Não consigo emitir notas.\n\nImpacto: Alto\nUrgência: Média' });
  });
});

describe('a forwarded message with a short note', () => {
  const forwarded = ['De: Juan <juan@cliente.mx>', 'Enviado: lunes, 3 de marzo de 2025 10:00', 'Para: Ana <ana@cliente.mx>', 'Asunto: Error al timbrar', '', 'El sistema da error 301 al timbrar la factura A-1.'];

  it('keeps the forwarded message below the forwarder\'s signature (Gmail)', async () => {
    const body = ['Ver abajo, por favor.', '', '-- ', 'Ana Pérez', 'Tel. +52 55 1234 5678', '', '---------- Forwarded message ---------', ...forwarded].join('\n');
    expect(await visibleTextOfTicket(mail({ headers: { Subject: 'Fwd: Error al timbrar' }, body }))).toBe(
      ['Ver abajo, por favor.', '', '---------- Forwarded message ---------', ...forwarded].join('\n'),
    );
  });

  it('keeps an Outlook forward, whose only mark is its subject', async () => {
    const body = ['Les reenvío el error.', '', '________________________________', ...forwarded].join('\n');
    expect(await visibleTextOfTicket(mail({ headers: { Subject: 'RV: Error al timbrar' }, body }))).toBe(
      ['Les reenvío el error.', '', '________________________________', ...forwarded].join('\n'),
    );
  });

  it('still cuts the history of an Outlook reply', async () => {
    const body = ['Ya quedó, gracias.', '', '________________________________', ...forwarded].join('\n');
    expect(await visibleTextOfTicket(mail({ headers: { Subject: 'RE: Error al timbrar' }, body }))).toBe('Ya quedó, gracias.');
  });
});
