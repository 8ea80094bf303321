import { describe, expect, it } from 'vitest';
import { createSignedMessageId } from '../../../src/domain/thread-refs.js';
import { parseMail } from '../../../src/ingest/parse.js';
import { asksNoAutoReply, classifyAutomatic } from '../../../src/ingest/stages/automatic.js';
import { detectLoop, stripReservedHeaders } from '../../../src/ingest/stages/loop.js';

const parse = (headers: string[], body = 'hola') => parseMail(Buffer.from([...headers, '', body].join('\r\n')));
const base = ['From: Ana <ana@cliente.mx>', 'To: soporte@example.test', 'Subject: Consulta', 'Message-ID: <a1@cliente.mx>'];
const ctx = { secret: 'screen-secret-0123456789', supportAddress: 'soporte@example.test', ownAddresses: ['soporte@example.test'] };

describe('machine-written mail (RFC 3834 and de-facto headers)', () => {
  it.each([
    ['Auto-Submitted: auto-replied', 'auto-replied'],
    ['Auto-Submitted: auto-generated', 'auto-generated'],
    ['Auto-Submitted: auto-notified; owner-email="x@y"', 'auto-generated'],
    ['X-Autoreply: yes', 'auto-replied'],
    ['X-Autorespond: 1', 'auto-replied'],
    ['X-Apple-Action: VACATION', 'auto-replied'],
    ['Precedence: bulk', 'bulk'],
    ['Precedence: junk', 'bulk'],
    ['Return-Path: <>', 'mailer-daemon'],
  ])('%s -> %s', async (header, kind) => {
    expect((await parse([...base, header]))?.subject).toBe('Consulta');
    expect(classifyAutomatic(await parse([...base, header]))?.kind).toBe(kind);
  });
  it('mailer-daemon and postmaster senders, however the delivery agent spells them', async () => {
    for (const from of ['MAILER-DAEMON@mx.cliente.mx', 'Postmaster <postmaster@cliente.mx>', 'post_master@vtext.com', 'mail-daemon@mx.example']) {
      expect(classifyAutomatic(await parse([`From: ${from}`, 'Subject: x']))?.kind, from).toBe('mailer-daemon');
    }
  });
  it('no-reply senders and list servers: machine-written, never answered by a machine', async () => {
    for (const from of ['no-reply@sns.amazonaws.com', 'noreply@github.com', 'Avisos <do-not-reply@banco.mx>', 'donotreply@sat.gob.mx', 'no_reply@portal.example']) {
      expect(classifyAutomatic(await parse([`From: ${from}`, 'Subject: Aviso']))?.kind, from).toBe('auto-generated');
    }
    for (const from of ['owner-neko@example.co.jp', 'neko-request@example.org']) expect(classifyAutomatic(await parse([`From: ${from}`, 'Subject: x']))?.kind, from).toBe('auto-generated');
    expect(classifyAutomatic(await parse(['From: replyto@cliente.mx', 'Subject: x']))).toBeNull();
  });
  it('an X-Autoreply that says no (some mailers write it on every mail) is no mark', async () => {
    for (const header of ['X-Autoreply: no', 'X-Autorespond: false', 'X-Autoresponder: 0', 'X-Autoreply: No']) {
      expect(classifyAutomatic(await parse([...base, header])), header).toBeNull();
    }
  });
  it("an auto-responder's subject prefix is enough, in Spanish, Portuguese and English", async () => {
    for (const subject of ['Respuesta automática: Consulta', 'Resposta automática: Pedido', 'Automatic reply: Consulta', 'Out of Office: hasta el lunes', 'Out of Office AutoReply: Consulta']) {
      expect(classifyAutomatic(await parse(['From: a@b.mx', `Subject: ${subject}`]))?.kind, subject).toBe('auto-replied');
    }
  });
  it("an auto-responder's subject behind the tag the desk's mail gateway puts in front of it", async () => {
    for (const subject of ['[EXTERNO] Respuesta automática: Consulta', '[EXTERNAL] Automatic reply: [#1042] Consulta', '*EXTERNAL* Out of Office: hasta el lunes']) {
      expect(classifyAutomatic(await parse(['From: a@b.mx', `Subject: ${subject}`]))?.kind, subject).toBe('auto-replied');
    }
    expect(classifyAutomatic(await parse(['From: a@b.mx', 'Subject: [EXTERNO] Fuera de la oficina'], 'Estoy fuera de la oficina hasta el lunes.'))?.kind).toBe('auto-replied');
    // Still a person's words without the responder's colon.
    expect(classifyAutomatic(await parse(['From: a@b.mx', 'Subject: [EXTERNO] Respuesta automática de facturas no se envía']))).toBeNull();
  });
  it('ordinary words of an away subject count only with an away note in the body', async () => {
    const away: Array<[string, string]> = [
      ['Fuera de la oficina', 'Estoy fuera de la oficina hasta el lunes 7 de diciembre.'],
      ['Ausente', 'Me encuentro de vacaciones, regreso el 4 de enero.'],
      ['Férias', 'Estou de férias até 10 de janeiro, com acesso limitado ao e-mail.'],
      ['Vacation', "I'm on vacation until Monday."],
    ];
    for (const [subject, body] of away) expect(classifyAutomatic(await parse(['From: a@b.mx', `Subject: ${subject}`], body))?.kind, subject).toBe('auto-replied');
    // Requests a desk gets every day: they start with the same words.
    const requests: Array<[string, string]> = [
      ['Ausencia de complemento de pago en el portal', 'En el portal no aparece el complemento de pago de la factura A-1234. ¿Pueden revisar?'],
      ['Férias dos colaboradores não aparecem no recibo', 'O recibo de março não mostra as férias. Podem verificar?'],
      ['Vacation accrual not computed in payroll export', 'The export leaves the vacation days empty since version 5.2.'],
      ['Out of office hours support number?', 'Which number do we call outside business hours?'],
      ['Ausente en el reporte', 'El empleado aparece ausente en el reporte de asistencia.'],
    ];
    for (const [subject, body] of requests) expect(classifyAutomatic(await parse(['From: a@b.mx', `Subject: ${subject}`], body)), subject).toBeNull();
  });
  it('a person writing is not automatic, even with Auto-Submitted: no', async () => {
    expect(classifyAutomatic(await parse(base))).toBeNull();
    expect(classifyAutomatic(await parse([...base, 'Auto-Submitted: no']))).toBeNull();
    expect(classifyAutomatic(await parse(['From: a@b.mx', 'Subject: Mi respuesta a la automática de ayer']))).toBeNull();
  });
  it('X-Auto-Response-Suppress alone is a wish not to be auto-answered, not proof of a machine (Exchange sets it on people\'s mail too)', async () => {
    const mail = await parse([...base, 'X-Auto-Response-Suppress: All']);
    expect(classifyAutomatic(mail)).toBeNull();
    expect(asksNoAutoReply(mail)).toBe('X-Auto-Response-Suppress: All');
    expect(asksNoAutoReply(await parse([...base, 'X-Auto-Response-Suppress: OOF, AutoReply']))).toMatch(/AutoReply/);
    expect(asksNoAutoReply(await parse([...base, 'X-Auto-Response-Suppress: DR, RN, NRN']))).toBeNull();
    expect(asksNoAutoReply(await parse(base))).toBeNull();
  });
  it('mail through a mailing list (a Google Group, a shared list) is a person\'s, answered by no machine', async () => {
    for (const header of ['List-Id: <facturacion.cliente.mx>', 'Precedence: list', 'List-Subscribe: <mailto:neko-ctl@example.org>', 'X-MLServer: fml [fml 4.0.3 release]\r\nX-ML-Name: neko\r\nX-Mail-Count: 00042', 'Mailing-List: contact neko-help@example.org']) {
      const mail = await parse([...base, header]);
      expect(classifyAutomatic(mail), header).toBeNull();
      expect(asksNoAutoReply(mail), header).not.toBeNull();
    }
  });
  it("fml's own notices (a command's reply, a loop alert, \"not a member\") are a list server's, not a post through the list", async () => {
    const notices = [
      ['From: neko-admin@example.co.jp', 'Subject: Loop Alert: Duplicated Message-ID (neko ML)', 'Message-ID: <201704292334.FMLFFF00002.neko@example.co.jp>', 'X-MLServer: fml [fml 4.0.3 release (20011202/4.0.3)]'],
      ['From: neko-ctl@example.co.jp', 'Subject: fml Command Status report (neko ML)', 'Message-ID: <c1@example.co.jp>', 'X-ML-Name: neko', 'X-Mail-Count: 00007'],
      ['From: Ana <ana@cliente.mx>', 'Subject: Re: Consulta', 'Message-ID: <c2@example.co.jp>', 'X-ML-Name: neko', 'X-ML-Info: If you have a question, contact neko-admin@example.co.jp'],
    ];
    for (const headers of notices) {
      const verdict = classifyAutomatic(await parse(headers));
      expect(verdict, headers[1]).toMatchObject({ kind: 'auto-generated', listNotice: true, reason: expect.stringMatching(/mailing-list server's own notice/) });
    }
    // A member's post the list distributed (numbered, its author's Message-ID and From) stays a person's mail.
    const post = await parse([...base, 'X-ML-Name: neko', 'X-Mail-Count: 00042', 'X-MLServer: fml [fml 4.0.3 release]', 'List-Id: neko.example.co.jp']);
    expect([classifyAutomatic(post), asksNoAutoReply(post)]).toEqual([null, expect.stringMatching(/mailing list/)]);
  });
  it("another helpdesk's mail (X-Loop of its own, Zendesk's or Freshdesk's marks) gets no acknowledgement, so two desks cannot ack each other", async () => {
    for (const header of ['X-Loop: soporte@otra.example', 'X-Zendesk-From-Account-Id: 4f2a9c', 'X-Freshdesk-Ticket-Id: 77']) {
      const mail = await parse([...base, header]);
      // Their agents write through the same software: still a person's mail, only not answered by a machine.
      expect(classifyAutomatic(mail), header).toBeNull();
      expect(asksNoAutoReply(mail), header).toMatch(/helpdesk/);
    }
  });
  it("Zendesk's Auto-Submitted: auto-generated, on every mail it sends (an agent's answer too), does not make it a machine's", async () => {
    const zendesk = ['Auto-Submitted: auto-generated', 'X-Auto-Response-Suppress: All', 'X-Mailer: Zendesk Mailer', 'X-Zendesk-From-Account-Id: 68b8aed'];
    const mail = await parse([...base, ...zendesk]);
    expect(classifyAutomatic(mail)).toBeNull();
    expect(asksNoAutoReply(mail)).not.toBeNull();
    // An out-of-office reply stays one; and X-Loop alone (procmail, any robot) is no helpdesk product's mark.
    expect(classifyAutomatic(await parse([...base, 'Auto-Submitted: auto-replied', 'X-Zendesk-From-Account-Id: 68b8aed']))?.kind).toBe('auto-replied');
    expect(classifyAutomatic(await parse([...base, 'Auto-Submitted: auto-generated', 'X-Loop: robot@otra.example']))?.kind).toBe('auto-generated');
  });
});

describe('loops: our own mail coming back', () => {
  it('a Message-ID we signed', async () => {
    const id = createSignedMessageId(ctx.secret, 1000, 'example.test');
    expect(detectLoop(await parse(['From: a@b.mx', `Message-ID: <${id}>`]), ctx)?.reason).toMatch(/our own Message-ID/);
  });
  it('our X-Loop header', async () => {
    expect(detectLoop(await parse([...base, 'X-Loop: soporte@example.test']), ctx)?.reason).toMatch(/X-Loop/);
  });
  it('our own address as sender', async () => {
    expect(detectLoop(await parse(['From: Soporte <SOPORTE@example.test>', 'Subject: x']), ctx)?.reason).toMatch(/our own address/);
  });
  it('our own plus-address (a ticket\'s Reply-To) as sender: else it opened a ticket and acknowledged it to ourselves', async () => {
    for (const from of ['soporte+1000-abcdef0123@example.test', 'Soporte+x@EXAMPLE.test']) {
      expect(detectLoop(await parse([`From: ${from}`, 'Subject: x']), ctx)?.reason, from).toMatch(/our own address/);
    }
    expect(detectLoop(await parse(['From: soporte+x@otro.example', 'Subject: x']), ctx)).toBeNull();
  });
  it('our id format at our domain, signed by another instance', async () => {
    expect(detectLoop(await parse(['From: a@b.mx', 'Message-ID: <vt.1000.abcdefabcdef.0123456789abcdef@example.test>']), ctx)).not.toBeNull();
  });
  it('a customer mail is no loop', async () => {
    expect(detectLoop(await parse([...base, 'X-Loop: lista@otra.example']), ctx)).toBeNull();
  });
});

describe('reserved headers', () => {
  it('X-Ventanilla-* headers from outside are removed before any stage reads them', async () => {
    const mail = stripReservedHeaders(await parse([...base, 'X-Ventanilla-Ticket: 1000', 'X-Ventanilla-Internal: yes']));
    expect([...mail.headers.keys()].filter((k) => k.startsWith('x-ventanilla'))).toEqual([]);
    expect(mail.headers.get('subject')).toEqual(['Consulta']);
  });
});
