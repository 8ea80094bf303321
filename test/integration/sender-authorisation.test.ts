// Who may open tickets (UNKNOWN_SENDER_POLICY), administrators' commands by mail, and forged senders
// (trusted Authentication-Results), through the real pipeline on a fresh database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addOrganisation, authoriseContact, revokeContact } from '../../src/lifecycle/access-actions.js';
import { inTransaction } from '../../src/store/database.js';
import { suppressForHardBounce } from '../../src/store/suppression-repo.js';
import { listTickets, showTicket } from '../../src/store/ticket-queries.js';
import { replyToTicket, setTicketStatus } from '../../src/lifecycle/agent-actions.js';
import { runAccessRequestDigests } from '../../src/lifecycle/access-request-digest.js';
import { cliBuilt, runCli } from '../support/cli.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';

let app: TestApp;
let clock = new Date('2026-11-24T16:00:00Z');
afterEach(async () => app?.dispose());

async function start(env: Record<string, string> = {}) {
  clock = new Date('2026-11-24T16:00:00Z');
  app = await createTestApp({ TRUSTED_AUTHSERV_IDS: 'mx.example.test', ...env }, () => clock);
  await inTransaction(app.db, (tx) =>
    addOrganisation(tx, app.lifecycle, { name: 'Empresa S.A. de C.V.', domains: ['empresa.mx', 'empresa.com'], country: 'MX', admin: 'admin@empresa.mx', actor: 'agent:test', now: clock }),
  );
}

const ingest = (raw: Buffer) => app.pipeline.ingest(raw, { source: 'file', sourceRef: 'test' });
const outbox = () => app.db.outboxMail.findMany({ orderBy: { id: 'asc' } });
const mailsTo = async (address: string, template?: string) => (await outbox()).filter((m) => m.primaryTo === address && (template === undefined || m.template === template));
const from = (address: string, extra: Record<string, string | null> = {}, body?: string) => mail({ headers: { From: address, ...extra }, body });
const hours = (n: number) => (clock = new Date(clock.getTime() + n * 3_600_000));
const ticket = (number: number | null) => app.db.ticket.findUniqueOrThrow({ where: { number: number as number } });
const authorise = (email: string) => inTransaction(app.db, (tx) => authoriseContact(tx, app.lifecycle, { email, actor: 'agent:test', now: clock }));
const FORGED = { 'Authentication-Results': 'mx.example.test; spf=fail smtp.mailfrom=empresa.mx; dkim=none; dmarc=fail (p=reject) header.from=empresa.mx' };
const FORGED_UNTRUSTED = { 'Authentication-Results': 'mx.attacker.example; dmarc=fail header.from=empresa.mx' };

describe('UNKNOWN_SENDER_POLICY=accept (the default): an open mailbox', () => {
  it('anyone opens a ticket and gets the acknowledgement, as before', async () => {
    await start();
    expect(app.config.access.unknownSenderPolicy).toBe('accept');
    for (const sender of ['ana@empresa.mx', 'x@desconocido.com']) {
      expect((await ingest(from(sender))).outcome).toBe('created');
      expect(await mailsTo(sender, 'acknowledgement')).toHaveLength(1);
    }
  });
});

describe('UNKNOWN_SENDER_POLICY=reject', () => {
  it('a sender not authorised gets no ticket and one polite answer a day on how to get access', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'reject' });
    const first = mail({ headers: { From: 'Ana Pérez <ana@empresa.mx>', Subject: 'Error al timbrar', 'Message-ID': '<r1@empresa.mx>' }, body: 'Hola, no puedo timbrar facturas.' });
    const r = await ingest(first);
    expect(r).toMatchObject({ outcome: 'rejected', ticketNumber: null });
    expect(r.detail).toMatch(/sender not authorised \(reject\); access_denied sent/);
    expect(await app.db.ticket.count()).toBe(0);
    const [denied] = await mailsTo('ana@empresa.mx');
    expect(denied).toMatchObject({ template: 'access_denied', ticketId: null, automatic: true, status: 'pending' });
    expect(denied?.subject).toBe('No pudimos registrar su solicitud: Error al timbrar');
    expect(denied?.text).toContain('\nAUTORIZAR ana@empresa.mx\n');
    expect(denied?.text).toContain('administrador');
    const headers = JSON.parse(denied?.headers ?? '{}');
    expect(headers).toMatchObject({ inReplyTo: 'r1@empresa.mx', extra: { 'Auto-Submitted': 'auto-replied', 'X-Loop': 'soporte@example.test' } });
    expect(denied?.messageId).toMatch(/^vt\.0\./);

    // The same mail again: one effect.
    expect((await ingest(first)).outcome).toBe('duplicate');
    // Another mail the same day: refused again, but not answered again.
    hours(5);
    expect((await ingest(from('ana@empresa.mx'))).detail).toMatch(/no answer sent \(recently_sent\)/);
    hours(20);
    expect((await ingest(from('ana@empresa.mx'))).detail).toMatch(/access_denied sent/);
    expect(await mailsTo('ana@empresa.mx')).toHaveLength(2);
    expect(await app.db.ticket.count()).toBe(0);
  });

  it('a sender of no known organisation is refused the same way; authorised contacts and administrators open tickets', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'reject' });
    expect(await ingest(from('x@desconocido.com'))).toMatchObject({ outcome: 'rejected' });
    expect(await mailsTo('x@desconocido.com', 'access_denied')).toHaveLength(1);
    expect((await ingest(from('admin@empresa.mx'))).outcome).toBe('created');
    await authorise('luis@empresa.com');
    const r = await ingest(from('luis@empresa.com'));
    expect(r.outcome).toBe('created');
    expect(await mailsTo('luis@empresa.com', 'acknowledgement')).toHaveLength(1);
  });

  it('replies on an existing ticket are always accepted, from whoever takes part in it', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'reject' });
    await authorise('luis@empresa.mx');
    const opened = await ingest(mail({ headers: { From: 'luis@empresa.mx', Cc: 'ana@empresa.mx', 'Message-ID': '<t1@empresa.mx>' } }));
    expect(opened.outcome).toBe('created');
    const reply = await ingest(mail({ headers: { From: 'ana@empresa.mx', 'In-Reply-To': '<t1@empresa.mx>', Subject: 'Re: Consulta' } }));
    expect(reply).toMatchObject({ outcome: 'comment', ticketNumber: opened.ticketNumber });
  });

  it('the refusal obeys the automatic-mail cap too; machine-written mail is refused without an answer', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'reject', AUTO_MAIL_LIMIT: '1' });
    await authorise('ana@empresa.mx');
    await ingest(from('ana@empresa.mx'));
    expect(await mailsTo('ana@empresa.mx', 'acknowledgement')).toHaveLength(1);
    await inTransaction(app.db, (tx) => revokeContact(tx, { email: 'ana@empresa.mx', actor: 'agent:test', now: clock }));
    expect((await ingest(from('ana@empresa.mx'))).detail).toMatch(/no answer sent \(capped\)/);
    const robot = await ingest(from('alertas@empresa.mx', { 'Auto-Submitted': 'auto-generated' }));
    expect(robot).toMatchObject({ outcome: 'rejected' });
    expect(robot.detail).toMatch(/no answer sent$/);
    expect(await mailsTo('alertas@empresa.mx')).toHaveLength(0);
  });
  it("mail our own spam filter marked as spam gets no answer: its From is most likely forged (backscatter)", async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'reject' });
    const verdicts = ['X-Spam-Flag: YES', 'X-Spam-Status: Yes, score=12.3 required=5.0', 'X-Spam: Yes', 'X-MS-Exchange-Organization-SCL: 9'];
    for (const [i, verdict] of verdicts.entries()) {
      const [name, value] = verdict.split(': ') as [string, string];
      const r = await ingest(from(`victima${i}@inocente.example`, { [name]: value }));
      expect(r.outcome, verdict).toBe('rejected');
      expect(r.detail, verdict).toMatch(/no answer sent$/);
    }
    // The filter's "not spam" verdicts change nothing: the sender is answered as before.
    for (const verdict of ['X-Spam-Flag: NO', 'X-Spam-Status: No, score=0.1', 'X-MS-Exchange-Organization-SCL: 1']) {
      const [name, value] = verdict.split(': ') as [string, string];
      expect((await ingest(from(`ok-${name.length}-${value.length}@inocente.example`, { [name]: value }))).detail, verdict).toMatch(/access_denied sent/);
    }
    expect((await outbox()).filter((m) => m.primaryTo.startsWith('victima'))).toHaveLength(0);
  });
});

describe('UNKNOWN_SENDER_POLICY=hold', () => {
  it('holds the ticket, asks the administrator, and releases it when the administrator authorises by mail', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'hold' });
    const r1 = await ingest(mail({ headers: { From: 'Ana Pérez <ana@empresa.mx>', Subject: 'Error al timbrar' }, body: 'Impacto: Alto\nUrgencia: Alta\n\nNo puedo timbrar.' }));
    expect(r1.outcome).toBe('created');
    expect(r1.detail).toMatch(/sender not authorised: held for authorisation; access_request sent to admin@empresa.mx/);
    const held = await ticket(r1.ticketNumber);
    expect(held).toMatchObject({ status: 'new', heldForAuthorisation: true, firstResponseDueAt: null, slaNextCheckAt: null, priority: 'urgent' });
    expect(await mailsTo('ana@empresa.mx')).toHaveLength(0);
    const [request] = await mailsTo('admin@empresa.mx');
    expect(request).toMatchObject({ template: 'access_request', ticketId: null });
    expect(request?.subject).toBe('Solicitud de acceso a Soporte: ana@empresa.mx');
    expect(request?.text).toContain('Ana Pérez <ana@empresa.mx>');
    expect(request?.text).toContain(`#${r1.ticketNumber}`);
    expect(request?.text).toContain('\nAUTORIZAR ana@empresa.mx\n');
    expect((await showTicket(app.db, r1.ticketNumber as number))?.events.map((e) => e.type)).toEqual(['created', 'held_for_authorisation', 'access_requested']);

    // A second mail the same day: held too, the administrator is not asked twice.
    hours(1);
    const r2 = await ingest(from('ana@empresa.mx'));
    expect(r2.detail).toMatch(/access_request not sent \(duplicate\)/);
    expect(await mailsTo('admin@empresa.mx')).toHaveLength(1);

    // The administrator answers the request from their mail client.
    hours(1);
    const answer = mail({
      headers: { From: 'Admin <admin@empresa.mx>', Subject: `Re: ${request?.subject}`, 'In-Reply-To': `<${request?.messageId}>`, References: `<${request?.messageId}>` },
      body: `AUTORIZAR ana@empresa.mx\n\nSaludos\n\nEl mar, 24 nov 2026 a las 10:00, Soporte <soporte@example.test> escribió:\n> ${request?.text.split('\n').join('\n> ')}`,
    });
    const command = await ingest(answer);
    expect(command).toMatchObject({ outcome: 'admin_command', ticketNumber: null });
    expect(command.detail).toBe(`authorised ana@empresa.mx released #${r1.ticketNumber}, #${r2.ticketNumber}; access_confirmation sent`);
    const [confirmation] = await mailsTo('admin@empresa.mx', 'access_confirmation');
    expect(confirmation?.text).toContain(`- Autorizado: ana@empresa.mx. Solicitudes liberadas: #${r1.ticketNumber}, #${r2.ticketNumber}`);
    expect(JSON.parse(confirmation?.headers ?? '{}').inReplyTo).toBe((await app.db.inboundLog.findFirstOrThrow({ where: { outcome: 'admin_command' } })).messageId);

    // Released: clock running from now, acknowledgements to Ana.
    const released = await ticket(r1.ticketNumber);
    expect(released.heldForAuthorisation).toBe(false);
    expect(released.firstResponseDueAt).not.toBeNull();
    expect((await showTicket(app.db, r1.ticketNumber as number))?.events.map((e) => e.type)).toEqual(['created', 'held_for_authorisation', 'access_requested', 'released']);
    expect((await mailsTo('ana@empresa.mx', 'acknowledgement')).map((m) => m.ticketId)).toEqual([held.id, (await ticket(r2.ticketNumber)).id]);
    expect(await app.db.ticket.count()).toBe(2);

    // From now on Ana opens tickets like anyone authorised.
    const r3 = await ingest(from('ana@empresa.mx'));
    expect(r3.outcome).toBe('created');
    expect((await ticket(r3.ticketNumber)).heldForAuthorisation).toBe(false);
    expect(await mailsTo('ana@empresa.mx', 'acknowledgement')).toHaveLength(3);
  });

  it('a mail our spam filter marked as spam is held, and its administrators are not asked about a sender who most likely did not write', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'hold' });
    const r = await ingest(from('ana@empresa.mx', { 'X-Spam-Flag': 'YES' }));
    expect(r.outcome).toBe('created');
    expect(r.detail).toMatch(/held for authorisation; administrator not asked \(marked as spam/);
    expect(await ticket(r.ticketNumber)).toMatchObject({ heldForAuthorisation: true });
    expect(await outbox()).toHaveLength(0);
  });

  it('a flood of unknown senders: the administrators get one request at once and the others together once the window has passed; their own mail is still answered', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'hold' });
    for (let i = 0; i < 25; i++) expect((await ingest(from(`persona${i}@empresa.mx`))).outcome).toBe('created');
    const requests = () => mailsTo('admin@empresa.mx', 'access_request');
    expect(await requests()).toHaveLength(1);
    // Twenty-five requests had filled the administrator's AUTO_MAIL_LIMIT: their own ticket went unacknowledged.
    expect((await ingest(from('admin@empresa.mx'))).outcome).toBe('created');
    expect(await mailsTo('admin@empresa.mx', 'acknowledgement')).toHaveLength(1);
    const digest = () => runAccessRequestDigests(app.db, app.lifecycle, clock);
    await digest();
    expect(await requests()).toHaveLength(1);
    hours(1.1);
    await digest();
    const [, listed] = await requests();
    // One mail for the 24 waiting (before, the eleventh and later were never asked about at all).
    expect(await requests()).toHaveLength(2);
    for (let i = 1; i < 25; i++) expect(listed?.text).toContain(`\nAUTORIZAR persona${i}@empresa.mx\n`);
    expect(listed?.text).not.toContain('AUTORIZAR persona0@');
    expect(JSON.parse(listed?.headers ?? '{}')).toMatchObject({ extra: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' } });
    hours(3);
    await digest();
    expect(await requests()).toHaveLength(2);
    // Authorising them from that mail releases their tickets, as a request of their own would.
    const r = await ingest(from('admin@empresa.mx', { 'Authentication-Results': 'mx.example.test; dmarc=pass header.from=empresa.mx' }, (listed?.text ?? '').split('\n').filter((l) => l.startsWith('AUTORIZAR persona')).join('\n')));
    expect(r.outcome).toBe('admin_command');
    expect(await app.db.ticket.count({ where: { heldForAuthorisation: true } })).toBe(1);
  });

  it("an administrator's command in a mail tagged with the held ticket's [#n] is carried out, not filed as a comment", async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'hold' });
    const held = await ingest(from('marta@empresa.mx'));
    const r = await ingest(from('admin@empresa.mx', { Subject: `Re: [#${held.ticketNumber}] Consulta` }, 'AUTORIZAR marta@empresa.mx'));
    expect(r).toMatchObject({ outcome: 'admin_command' });
    expect(r.detail).toContain(`released #${held.ticketNumber}`);
    expect((await ticket(held.ticketNumber)).heldForAuthorisation).toBe(false);
  });

  it('an agent sees a held ticket as held, cannot mail its sender before the release, and can close it silently', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'hold' });
    const held = await ingest(from('marta@empresa.mx'));
    const number = held.ticketNumber as number;
    expect((await listTickets(app.db, {})).find((t) => t.number === number)).toMatchObject({ held: true });
    expect((await showTicket(app.db, number))?.held).toBe(true);
    const actor = { actor: 'agent:test', now: clock };
    await expect(replyToTicket(app, { number, body: 'Hola', ...actor })).rejects.toThrow(/held until marta@empresa\.mx is authorised/);
    await expect(setTicketStatus(app, { number, status: 'open', ...actor })).rejects.toThrow(/can only be closed, without a mail/);
    await replyToTicket(app, { number, body: 'Parece spam.', internal: true, ...actor });
    await setTicketStatus(app, { number, status: 'closed', ...actor });
    expect((await ticket(number)).status).toBe('closed');
    expect(await mailsTo('marta@empresa.mx')).toHaveLength(0);
  });

  it('an administrator whose address is suppressed (bounced: gone from the company) is not asked; the others are', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'hold' });
    await inTransaction(app.db, async (tx) => {
      await authoriseContact(tx, app.lifecycle, { email: 'rosa@empresa.mx', actor: 'agent:test', now: clock, admin: true });
      await authoriseContact(tx, app.lifecycle, { email: 'jorge@empresa.mx', actor: 'agent:test', now: clock, admin: true });
      await suppressForHardBounce(tx, { email: 'admin@empresa.mx', status: '5.1.1', detail: 'User unknown', now: clock }, new Date(clock.getTime() + 180 * 86_400_000));
    });
    const r = await ingest(from('marta@empresa.mx'));
    expect(r.detail).toMatch(/access_request sent to rosa@empresa\.mx, jorge@empresa\.mx/);
    const requests = (await outbox()).filter((m) => m.template === 'access_request');
    expect(requests.map((m) => [m.primaryTo, JSON.parse(m.ccList)])).toEqual([['rosa@empresa.mx', ['jorge@empresa.mx']]]);
    // The one suppressed is not in copy either, when another comes first.
    await inTransaction(app.db, (tx) => suppressForHardBounce(tx, { email: 'jorge@empresa.mx', status: '5.1.1', detail: 'User unknown', now: clock }, new Date(clock.getTime() + 180 * 86_400_000)));
    hours(1.1); // one request to the administrators per AUTO_MAIL_WINDOW_MINUTES
    expect((await ingest(from('pablo@empresa.mx'))).detail).toMatch(/access_request sent to rosa@empresa\.mx(;|$)/);
    expect(JSON.parse((await outbox()).filter((m) => m.template === 'access_request')[1]?.ccList ?? 'null')).toEqual([]);
  });

  it('a sender of no known organisation is answered as under reject; the CLI-side authorisation releases too', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'hold' });
    expect(await ingest(from('x@desconocido.com'))).toMatchObject({ outcome: 'rejected' });
    expect(await mailsTo('x@desconocido.com', 'access_denied')).toHaveLength(1);
    const r = await ingest(from('eva@empresa.com'));
    expect((await ticket(r.ticketNumber)).heldForAuthorisation).toBe(true);
    expect((await authorise('eva@empresa.com')).released).toEqual([r.ticketNumber]);
    expect(await mailsTo('eva@empresa.com', 'acknowledgement')).toHaveLength(1);
  });
});

describe('administrators\' commands by mail', () => {
  it('authorise by mail -> confirmation in the outbox -> the next mail from that contact opens a ticket; revoke undoes it', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'reject' });
    const body = ['Buenos días,', '', 'AUTORIZAR luis@empresa.mx', 'AUTORIZAR consultor@otra.example', 'REVOCAR admin@empresa.mx', 'AUTORIZAR admin@empresa.mx', '', 'Gracias'].join('\n');
    const command = mail({ headers: { From: 'admin@empresa.mx', Subject: 'Accesos' }, body });
    const r = await ingest(command);
    expect(r).toMatchObject({ outcome: 'admin_command', ticketNumber: null });
    expect(r.detail).toBe(
      'authorised luis@empresa.mx; authorised admin@empresa.mx (no change); refused authorise consultor@otra.example (other_domain); refused revoke admin@empresa.mx (administrator); access_confirmation sent',
    );
    expect(await app.db.ticket.count()).toBe(0);
    const [confirmation] = await mailsTo('admin@empresa.mx', 'access_confirmation');
    expect(confirmation?.subject).toBe('Accesos de Empresa S.A. de C.V.: instrucciones procesadas');
    expect(confirmation?.text).toContain('Realizado:\n- Autorizado: luis@empresa.mx\n');
    expect(confirmation?.text).toContain('- AUTORIZAR consultor@otra.example: la dirección no pertenece a los dominios de su empresa (empresa.com, empresa.mx).');
    expect(confirmation?.text).toContain('- REVOCAR admin@empresa.mx: es la dirección de un administrador');
    expect(await app.db.contact.findUnique({ where: { email: 'consultor@otra.example' } })).toBeNull();
    expect(await app.db.contact.findUniqueOrThrow({ where: { email: 'luis@empresa.mx' } })).toMatchObject({ authorised: true, authorisedBy: 'admin@empresa.mx' });

    // Delivered again: nothing is done twice, nothing mailed twice.
    expect((await ingest(command)).outcome).toBe('duplicate');
    expect(await mailsTo('admin@empresa.mx')).toHaveLength(1);

    expect((await ingest(from('luis@empresa.mx'))).outcome).toBe('created');
    await ingest(from('admin@empresa.mx', {}, 'REVOKE luis@empresa.mx'));
    expect((await ingest(from('luis@empresa.mx'))).outcome).toBe('rejected');
  });

  it('command lines from someone who is not an administrator are an ordinary mail', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'accept' });
    const r = await ingest(from('ana@empresa.mx', {}, 'AUTORIZAR luis@empresa.mx'));
    expect(r.outcome).toBe('created');
    expect((await app.db.contact.findUnique({ where: { email: 'luis@empresa.mx' } }))?.authorised ?? false).toBe(false);
  });
});

describe('forged senders (TRUSTED_AUTHSERV_IDS)', () => {
  it('a forged administrator command is refused, logged, and not answered', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'reject' });
    const r = await ingest(from('admin@empresa.mx', FORGED, 'AUTORIZAR intruso@empresa.mx'));
    expect(r.outcome).toBe('rejected');
    expect(r.detail).toBe('administrator commands refused: the From address failed authentication (dmarc=fail (mx.example.test))');
    expect((await app.db.inboundLog.findFirstOrThrow({ where: { outcome: 'rejected' } })).detail).toMatch(/administrator commands refused/);
    expect(await app.db.contact.findUnique({ where: { email: 'intruso@empresa.mx' } })).toBeNull();
    expect(await outbox()).toHaveLength(0);
    // The same verdict from a server we do not trust is ignored: the administrator's own mail works.
    const genuine = await ingest(from('admin@empresa.mx', FORGED_UNTRUSTED, 'AUTORIZAR luis@empresa.mx'));
    expect(genuine.outcome).toBe('admin_command');
  });

  it('commands need the trusted server\'s evidence for the From domain, from a single From address', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'hold' });
    const spfOfAttacker = { 'Authentication-Results': 'mx.example.test; spf=pass smtp.mailfrom=attacker@evil.example; dkim=none; dmarc=none' };
    const dmarcOfAttacker = { 'Authentication-Results': 'mx.example.test; spf=pass smtp.mailfrom=attacker@evil.example; dkim=pass header.d=evil.example; dmarc=pass header.from=evil.example' };
    const attempts: Array<[string, Record<string, string | null>]> = [
      ['the envelope sender passes SPF, for its own domain', { From: 'admin@empresa.mx', ...spfOfAttacker }],
      ['no From: the administrator in Reply-To', { From: null, 'Reply-To': 'admin@empresa.mx', ...spfOfAttacker }],
      ['two From addresses, DMARC passing for the second', { From: 'Admin <admin@empresa.mx>, Att <attacker@evil.example>', Sender: 'admin@empresa.mx', ...dmarcOfAttacker }],
    ];
    for (const [i, [what, headers]] of attempts.entries()) {
      const r = await ingest(mail({ headers: { ...headers, 'Message-ID': `<cmd${i}@evil.example>` }, body: `AUTORIZAR intruso${i}@empresa.mx` }));
      expect(r.outcome, what).not.toBe('admin_command');
      expect(await app.db.contact.findUnique({ where: { email: `intruso${i}@empresa.mx` } }), what).toBeNull();
    }
    // The administrator's own mail, signed for empresa.mx: carried out.
    const genuine = await ingest(from('admin@empresa.mx', { 'Authentication-Results': 'mx.example.test; spf=pass smtp.mailfrom=empresa.mx; dkim=pass header.d=empresa.mx; dmarc=none' }, 'AUTORIZAR luis@empresa.mx'));
    expect(genuine.outcome).toBe('admin_command');
  });

  it("a report in our server's name that the attacker wrote into the mail does not carry a forged command", async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'hold' });
    const ours = 'Authentication-Results: mx.example.test; spf=pass smtp.mailfrom=attacker@evil.example; dkim=none; dmarc=none';
    const theirs = 'Authentication-Results: mx.example.test; dkim=pass header.d=empresa.mx; dmarc=pass header.from=empresa.mx';
    const head = 'From: admin@empresa.mx\r\nTo: soporte@example.test\r\nSubject: Accesos\r\nMessage-ID: <cmd@evil.example>';
    const r = await ingest(Buffer.from(`${ours}\r\n${head}\r\n${theirs}\r\n\r\nAUTORIZAR intruso@empresa.mx\r\n`));
    expect(r.outcome).toBe('rejected');
    expect(r.detail).toMatch(/^administrator commands refused: the From address failed authentication \(conflicting reports of mx\.example\.test/);
    expect(await app.db.contact.findUnique({ where: { email: 'intruso@empresa.mx' } })).toBeNull();
    expect(await outbox()).toHaveLength(0);
  });

  it('a command inside a forwarded mail is not carried out: the administrator is asking about it', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'hold' });
    const held = await ingest(from('marta@empresa.mx'));
    const body = ['No conozco a esta persona, ¿es spam? No la autoricen.', '', '---------- Forwarded message ---------', 'De: Soporte <soporte@example.test>', 'Subject: Solicitud de acceso a Soporte: marta@empresa.mx', '', 'Para autorizarlo, responda a este correo escribiendo esta línea:', '', 'AUTORIZAR marta@empresa.mx'].join('\n');
    const r = await ingest(from('admin@empresa.mx', { Subject: 'Fwd: Solicitud de acceso a Soporte: marta@empresa.mx' }, body));
    expect(r.outcome).not.toBe('admin_command');
    expect((await app.db.contact.findUniqueOrThrow({ where: { email: 'marta@empresa.mx' } })).authorised).toBe(false);
    expect((await ticket(held.ticketNumber)).heldForAuthorisation).toBe(true);
  });

  it('a command inside a mail forwarded by Outlook (a header block, no marker line) is not carried out either', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'hold' });
    const held = await ingest(from('marta@empresa.mx'));
    const body = ['¿Quién es esta persona?', '', '________________________________', 'De: Soporte <soporte@example.test>', 'Enviado: lunes, 23 de noviembre de 2026 10:00', 'Para: admin@empresa.mx', 'Asunto: Solicitud de acceso a Soporte: marta@empresa.mx', '', 'Para autorizarlo, responda a este correo escribiendo esta línea:', '', 'AUTORIZAR marta@empresa.mx'].join('\n');
    const r = await ingest(from('admin@empresa.mx', { Subject: 'RV: Solicitud de acceso a Soporte: marta@empresa.mx' }, body));
    expect(r.outcome).not.toBe('admin_command');
    expect((await app.db.contact.findUniqueOrThrow({ where: { email: 'marta@empresa.mx' } })).authorised).toBe(false);
    expect((await ticket(held.ticketNumber)).heldForAuthorisation).toBe(true);
  });

  it('a reply to a closed ticket opens a follow-up only for someone who may open tickets', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'reject' });
    await authorise('ana@empresa.mx');
    const opened = await ingest(mail({ headers: { From: 'ana@empresa.mx', Subject: 'Error al timbrar' } }));
    await app.db.ticket.update({ where: { number: opened.ticketNumber as number }, data: { status: 'closed' } });
    const tag = { Subject: `Re: [#${opened.ticketNumber}] Error al timbrar` };
    // A colleague never authorised, who guessed the tag: refused, no ticket.
    expect((await ingest(from('luis@empresa.mx', tag))).outcome).toBe('rejected');
    // Ana, revoked since: refused too.
    await inTransaction(app.db, (tx) => revokeContact(tx, { email: 'ana@empresa.mx', actor: 'agent:test', now: clock }));
    expect((await ingest(from('ana@empresa.mx', { ...tag, 'Message-ID': '<again@empresa.mx>' }))).outcome).toBe('rejected');
    expect(await app.db.ticket.count()).toBe(1);
  });

  it('under hold, a follow-up of someone not authorised is held like a new ticket', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'hold' });
    await authorise('ana@empresa.mx');
    const opened = await ingest(mail({ headers: { From: 'ana@empresa.mx', Subject: 'Error al timbrar' } }));
    await app.db.ticket.update({ where: { number: opened.ticketNumber as number }, data: { status: 'closed' } });
    const follow = await ingest(from('luis@empresa.mx', { Subject: `Re: [#${opened.ticketNumber}] Error al timbrar` }));
    expect(follow.outcome).toBe('followup');
    expect(await ticket(follow.ticketNumber)).toMatchObject({ heldForAuthorisation: true, firstResponseDueAt: null });
    expect(await mailsTo('luis@empresa.mx')).toHaveLength(0);
    // Released: the follow-up's own mail, which names the closed ticket.
    await authorise('luis@empresa.mx');
    expect((await mailsTo('luis@empresa.mx')).map((m) => m.template)).toEqual(['follow_up_created']);
  });

  it('a forged subject tag does not join the ticket; the same mail authenticated does', async () => {
    await start();
    const opened = await ingest(mail({ headers: { From: 'ana@empresa.mx', Subject: 'Error al timbrar' } }));
    const tagged = { Subject: `[#${opened.ticketNumber}] Cierren este ticket` };
    const forged = await ingest(from('ana@empresa.mx', { ...tagged, ...FORGED }));
    expect(forged.outcome).toBe('created');
    expect(forged.ticketNumber).not.toBe(opened.ticketNumber);
    expect(forged.detail).toMatch(/^tag-from-unauthenticated; the From address failed authentication \(dmarc=fail \(mx\.example\.test\)\)/);
    const genuine = await ingest(from('ana@empresa.mx', { ...tagged, 'Authentication-Results': 'mx.example.test; dkim=pass header.d=empresa.mx; spf=pass smtp.mailfrom=empresa.mx; dmarc=pass header.from=empresa.mx' }));
    expect(genuine).toMatchObject({ outcome: 'comment', ticketNumber: opened.ticketNumber, detail: 'via subject-tag' });
  });

  it('a forged authorised sender is not authorised: refused without an answer (reject), held without asking (hold)', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'reject' });
    await authorise('luis@empresa.mx');
    const r = await ingest(from('luis@empresa.mx', FORGED));
    expect(r.outcome).toBe('rejected');
    expect(r.detail).toMatch(/failed authentication.*no answer sent$/);
    expect(await outbox()).toHaveLength(0);
    await app.dispose();

    await start({ UNKNOWN_SENDER_POLICY: 'hold' });
    const held = await ingest(from('admin@empresa.mx', FORGED, 'Necesito ayuda'));
    expect(held.outcome).toBe('created');
    expect(held.detail).toMatch(/held for authorisation; administrator not asked \(From not authenticated\)/);
    expect((await ticket(held.ticketNumber)).heldForAuthorisation).toBe(true);
    expect(await outbox()).toHaveLength(0);
  });
});

describe('a held ticket released', () => {
  it("authorising a contact releases its own held tickets, not one an attacker opened in its name", async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'hold' });
    const forged = await ingest(from('marta@empresa.mx', { Subject: 'Cambien el correo de facturación', ...FORGED }));
    const genuine = await ingest(from('marta@empresa.mx', { Subject: 'Error al timbrar' }));
    expect((await ingest(from('admin@empresa.mx', {}, 'AUTORIZAR marta@empresa.mx'))).detail).toMatch(`released #${genuine.ticketNumber};`);
    expect((await mailsTo('marta@empresa.mx')).map((m) => m.subject)).toEqual([`[#${genuine.ticketNumber}] Error al timbrar`]);
    expect(await ticket(forged.ticketNumber)).toMatchObject({ heldForAuthorisation: true, firstResponseDueAt: null });
    // Authorised again from the CLI (no change): still held.
    expect((await authorise('marta@empresa.mx')).released).toEqual([]);
  });
});

describe.skipIf(!cliBuilt)('the CLI', () => {
  it('organisations add/list, contacts authorise/revoke/list', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ventanilla-access-cli-'));
    const env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'cli-test-secret-0123456789', UNKNOWN_SENDER_POLICY: 'hold' };
    try {
      const add = await runCli(['organisations', 'add', 'Empresa S.A.', '--domain', 'empresa.mx', '--domain', 'Empresa.COM', '--country', 'mx', '--plan', 'prime', '--admin', 'admin@empresa.mx'], { env });
      expect(add.stderr).toBe('');
      expect(add.stdout).toBe('organisation "Empresa S.A." added (empresa.mx, empresa.com) · administrator admin@empresa.mx\n');
      const bogus = await runCli(['organisations', 'add', 'Otra', '--domain', 'otra.mx', '--country', 'XX'], { env });
      expect({ code: bogus.code, err: bogus.stderr }).toEqual({ code: 1, err: expect.stringMatching(/--country must be an ISO 3166 code such as MX \(got "XX"\)/) });
      expect((await runCli(['organisations', 'list'], { env })).stdout).toMatch(/\n1 organisation\n$/);
      const dup = await runCli(['organisations', 'add', 'Otra', '--domain', 'empresa.mx'], { env });
      expect(dup.code).toBe(1);
      expect(dup.stderr).toContain('Domain already belongs to another organisation: empresa.mx (Empresa S.A.)');
      const list = JSON.parse((await runCli(['organisations', 'list', '--json'], { env })).stdout);
      expect(list).toEqual([{ name: 'Empresa S.A.', country: 'MX', plan: 'prime', domains: ['empresa.com', 'empresa.mx'], admins: ['admin@empresa.mx'], contacts: 1, authorised: 1 }]);

      const held = await runCli(['ingest', '-', '--json'], { env, input: mail({ headers: { From: 'ana@empresa.mx' } }) });
      const number = JSON.parse(held.stdout).ticket as number;
      const contacts = JSON.parse((await runCli(['contacts', 'list', '--organisation', 'Empresa S.A.', '--json'], { env })).stdout);
      expect(contacts.map((c: { email: string; role: string; authorised: boolean; heldTickets: number[] }) => [c.email, c.role, c.authorised, c.heldTickets])).toEqual([
        ['admin@empresa.mx', 'admin', true, []],
        ['ana@empresa.mx', 'customer', false, [number]],
      ]);
      const auth = await runCli(['contacts', 'authorise', 'ana@empresa.mx', '--as', 'agent:lu'], { env });
      expect(auth.stdout).toBe(`ana@empresa.mx authorised · released #${number}\n`);
      expect((await runCli(['contacts', 'revoke', 'ana@empresa.mx'], { env })).stdout).toBe('ana@empresa.mx revoked\n');
      expect((await runCli(['contacts', 'list'], { env })).stdout).toContain('ana@empresa.mx\tEmpresa S.A.\tcustomer\tnot authorised\n');
      const bad = await runCli(['contacts', 'list', '--organisation', 'Nadie'], { env });
      expect(bad.stderr).toContain('No organisation named "Nadie"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000); // about ten runs of the CLI, each opening the database
});
