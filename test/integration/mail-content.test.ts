import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatTicket } from '../../src/cli/ticket-show-format.js';
import { showTicket } from '../../src/store/ticket-queries.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';
import { outlookHtml, outlookMail, p, wingdings } from '../support/outlook-html.js';

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

describe('a desk\'s own priority matrix (PRIORITY_MATRIX)', () => {
  it('sets the priority of a new ticket, for what the customer stated and for the medium/medium of nothing stated', async () => {
    await app.dispose();
    app = await createTestApp({ PRIORITY_MATRIX: '{"medium":{"medium":"high","low":"normal"}}' });
    expect((await ticketOf(mail({ body: 'No puedo timbrar.\nImpacto: Medio\nUrgencia: Baja' }))).priority).toBe('normal');
    expect((await ticketOf(mail({ body: 'No puedo timbrar.' }))).priority).toBe('high');
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

describe('lines of the customer\'s own text that start like a mail header', () => {
  // planer takes any line starting "De:", "From:" or "Date:" for the start of a quoted mail and cuts it and all
  // below: a report's date range ("De: 01/11/2026"), a pasted log's "Date:", the mail an invoicing system sends.
  // The agent lost the rest of the mail, and the impact stated in it set no priority.
  it('keeps what follows a date range "De: ... Hasta: ..."', async () => {
    const body = ['El reporte de ventas sale vacío con este filtro:', 'De: 01/11/2026', 'Hasta: 30/11/2026', '', '¿Es un error del sistema?', 'Impacto: Alto'].join('\n');
    expect(await ticketOf(mail({ body }))).toEqual({ priority: 'high', visibleText: body });
  });

  it('keeps what follows a pasted log\'s "Date:" line', async () => {
    const body = ['Al timbrar sale este error:', '', 'Date: 2026-11-23 10:00:01', 'Error: CFDI40102 sello inválido', '', 'Ya reinstalé el certificado y sigue igual.', 'Urgencia: Alta'].join('\n');
    expect(await ticketOf(mail({ body }))).toEqual({ priority: 'high', visibleText: body });
  });

  it('keeps what follows "De: ... Para: ... Asunto: ..." lines with no date (not a quoted mail\'s header)', async () => {
    const body = ['La factura sale así y al cliente no le llega:', '', 'De: facturacion@cliente.mx', 'Para: compras@proveedor.com', 'Asunto: Factura A-123', '', '¿Pueden revisar el servidor de correo?', 'Impacto: Alto'].join('\n');
    expect(await ticketOf(mail({ body }))).toEqual({ priority: 'high', visibleText: body });
  });

  it('still cuts a quoted mail below a one-line "De:" header, and an Outlook header block', async () => {
    expect(await visibleTextOfTicket(mail({ body: ['Sigue igual.', '', 'De: Soporte <soporte@example.test>', '', '> ¿Puede probar de nuevo?'].join('\n') }))).toBe('Sigue igual.');
    const block = ['Sigue igual.', '', 'De: Soporte <soporte@example.test>', 'Enviado: lunes, 23 de noviembre de 2026 10:00', 'Para: Ana <ana@cliente.mx>', 'Asunto: [#1000] No timbra', '', '¿Puede probar de nuevo?'];
    expect(await visibleTextOfTicket(mail({ body: block.join('\n') }))).toBe('Sigue igual.');
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

  it('keeps an Outlook forward whose subject a mail gateway tagged ("[EXTERNO] RV:")', async () => {
    // Desks tag mail from outside ("[EXTERNAL]", "[EXTERNO]"): every customer's forward reached the agent cut to
    // its one-line note, the forwarded message taken for a reply's history.
    const body = ['Les reenvío el error.', '', '________________________________', ...forwarded].join('\n');
    for (const Subject of ['[EXTERNO] RV: Error al timbrar', '[EXTERNAL] FW: Error al timbrar', '[Fwd: Error al timbrar]']) {
      expect(await visibleTextOfTicket(mail({ headers: { Subject }, body })), Subject).toBe(body);
    }
  });

  it('still cuts the history of an Outlook reply', async () => {
    const body = ['Ya quedó, gracias.', '', '________________________________', ...forwarded].join('\n');
    expect(await visibleTextOfTicket(mail({ headers: { Subject: 'RE: Error al timbrar' }, body }))).toBe('Ya quedó, gracias.');
  });
});

describe('letters of a part whose charset is missing or wrong (old clients, web forms)', () => {
  /** A mail whose body bytes are Latin-1, with `contentType` as the part says. */
  function latin1Mail(id: string, contentType: string, body: string, multipart = false): Buffer {
    const head = ['From: Ana <ana@cliente.mx>', 'To: soporte@example.test', 'Subject: Consulta', `Message-ID: <${id}@cliente.mx>`, 'MIME-Version: 1.0'];
    const lines = multipart
      ? [...head, 'Content-Type: multipart/alternative; boundary="b"', '', '--b', `Content-Type: ${contentType}`, 'Content-Transfer-Encoding: 8bit', '', body, '--b--', '']
      : [...head, `Content-Type: ${contentType}`, 'Content-Transfer-Encoding: 8bit', '', body, ''];
    return Buffer.from(lines.join('\r\n'), 'latin1');
  }

  it('8-bit Latin-1 text with no charset keeps its accents', async () => {
    expect(await visibleTextOfTicket(latin1Mail('nocharset', 'text/plain', 'El año pasado la canción funcionaba.'))).toBe('El año pasado la canción funcionaba.');
  });

  it('Latin-1 text that says it is UTF-8 keeps its accents', async () => {
    expect(await visibleTextOfTicket(latin1Mail('wrongutf8', 'text/plain; charset=utf-8', 'Mañana envío el archivo.'))).toBe('Mañana envío el archivo.');
  });

  it("an HTML part whose charset is only in its <meta> is read in that charset", async () => {
    const html = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"></head><body><p>Año nuevo, canción nueva.</p></body></html>';
    expect(await visibleTextOfTicket(latin1Mail('meta', 'text/html', html, true))).toBe('Año nuevo, canción nueva.');
  });

  it('real UTF-8 without a charset is left as it is', async () => {
    const raw = Buffer.from(['From: Ana <ana@cliente.mx>', 'To: soporte@example.test', 'Subject: Consulta', 'Message-ID: <utf8ok@cliente.mx>', 'Content-Type: text/plain', 'Content-Transfer-Encoding: 8bit', '', 'Año: ¿ñandú? — 日本', ''].join('\r\n'), 'utf8');
    expect(await visibleTextOfTicket(raw)).toBe('Año: ¿ñandú? — 日本');
  });
});

describe("Outlook's symbol fonts in a mail with a text/plain part (its smileys and arrows)", () => {
  // Outlook writes ":)" as a Wingdings "J" and "-->" as a Wingdings "à": its HTML part says so, its text/plain part,
  // which the ticket's text is taken from, has the bare letters. The agent read "gracias J".
  async function messageOf(raw: Buffer) {
    const result = await app.pipeline.ingest(raw, { source: 'file', sourceRef: 'test' });
    const ticket = await showTicket(app.db, result.ticketNumber as number);
    const message = ticket?.messages.find((m) => m.direction === 'in');
    const shown = (full: boolean) => (ticket ? formatTicket(ticket, 'America/Mexico_City', full) : '');
    return { text: message?.text, visibleText: message?.visibleText, shown: shown(false), full: shown(true) };
  }

  it('shows the symbols the HTML part shows in the visible text, and in the whole text `tickets show --full` shows', async () => {
    const html = outlookHtml([
      p('Hola,'), p('&nbsp;'), p(`Ya funciona, gracias ${wingdings('J')}`), p('&nbsp;'),
      p(`Configuraci&oacute;n ${wingdings('à')} Cuentas ${wingdings('à')} Sincronizar`), p('&nbsp;'), p('Ana Ruiz'), p('&nbsp;'),
      "<div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'><p class=MsoNormal><b>De:</b> Soporte &lt;soporte@example.test&gt; <br><b>Enviado:</b> lunes, 23 de noviembre de 2026 09:00<br><b>Para:</b> Ana Ruiz &lt;ana@cliente.mx&gt;<br><b>Asunto:</b> RE: Pedido 1234<o:p></o:p></p></div>",
      p('&nbsp;'), p(`Hola Ana, &iquest;ya puede sincronizar? ${wingdings('K')}`),
    ].join('\n'));
    const plain = [
      'Hola,', '', 'Ya funciona, gracias J', '', 'Configuración à Cuentas à Sincronizar', '', 'Ana Ruiz', '',
      'De: Soporte <soporte@example.test>', 'Enviado: lunes, 23 de noviembre de 2026 09:00', 'Para: Ana Ruiz <ana@cliente.mx>', 'Asunto: RE: Pedido 1234', '',
      'Hola Ana, ¿ya puede sincronizar? K', '',
    ].join('\n');
    const { text, visibleText, full } = await messageOf(outlookMail('symbols-1', plain, html));
    expect(visibleText).toBe('Hola,\n\nYa funciona, gracias ☺\n\nConfiguración → Cuentas → Sincronizar\n\nAna Ruiz');
    // The stored text is the text/plain part as written (a copy of the mail is known by it: reused-message-id.ts).
    expect(text).toBe(plain);
    expect(full).toContain(plain.replace('gracias J', 'gracias ☺').replaceAll(' à ', ' → ').replace('sincronizar? K', 'sincronizar? 😐').trimEnd());
  });

  it('says nothing of text hidden when only the symbols differ from the text/plain part', async () => {
    const { text, visibleText, shown } = await messageOf(outlookMail('symbols-2', 'Gracias J\n', outlookHtml(p(`Gracias ${wingdings('J')}`))));
    expect([text, visibleText]).toEqual(['Gracias J\n', 'Gracias ☺']);
    expect(shown).toContain('\nGracias ☺\n');
    expect(shown).not.toContain('hidden');
  });

  it('shows text in a symbol font that a class of the style sheet gives it', async () => {
    const html = outlookHtml(p('Listo <span class=Emoticono>J</span>, ya sali&oacute; el pedido'), '\nspan.Emoticono\n\t{font-family:Wingdings;}');
    expect((await messageOf(outlookMail('symbols-3', 'Listo J, ya salió el pedido\n', html))).visibleText).toBe('Listo ☺, ya salió el pedido');
  });
});
