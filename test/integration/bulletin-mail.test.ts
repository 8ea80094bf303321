// Mail that concerns bulletins, through the real pipeline on a real SQLite file: subscribing by mail (double
// opt-in through the HTTP pages), leaving by reply or by List-Unsubscribe's mailto, and what bounces and
// complaints do: suppression of bulletins and ticket notifications, soft bounces counted, complaints unsubscribe.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bulletinDeps } from '../../src/bulletins/deps.js';
import { unsubscribeToken } from '../../src/bulletins/links.js';
import { runBulletinSends } from '../../src/bulletins/send.js';
import { scheduleBulletin } from '../../src/bulletins/bulletins.js';
import { addSubscriber } from '../../src/bulletins/subscribers.js';
import { buildServer } from '../../src/http/server.js';
import '../../src/http/routes.js';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { inTransaction } from '../../src/store/database.js';
import { liftSuppression } from '../../src/store/suppression-repo.js';
import { showTicket } from '../../src/store/ticket-queries.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';

let app: TestApp;
let seq = 0;
const NOW = new Date('2026-12-01T16:00:00Z');

beforeEach(async () => {
  app = await createTestApp({ BULLETIN_ADDRESS: 'boletin@example.test', PUBLIC_URL: 'https://soporte.example.test', SOFT_BOUNCE_LIMIT: '3' }, () => NOW);
});
afterEach(async () => app.dispose());

const ingest = (raw: Buffer) => app.pipeline.ingest(raw, { source: 'file', sourceRef: `t${++seq}` });
const toBulletins = (from: string, subject: string, body = '', extra: Record<string, string> = {}) =>
  mail({ headers: { From: from, To: 'boletin@example.test', Subject: subject, 'Message-ID': `<bm${++seq}@example.org>`, ...extra }, body });

/** A final failure (Action: failed; a 4.x.x status is a soft bounce after the queue time ran out). */
function dsn(recipient: string, status: string, id = `dsn${++seq}`): Buffer {
  return Buffer.from(
    [
      'From: Mail Delivery System <MAILER-DAEMON@mx.example.org>',
      'To: soporte@example.test',
      'Subject: Undelivered Mail Returned to Sender',
      `Message-ID: <${id}@mx.example.org>`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="R"',
      '',
      '--R',
      'Content-Type: text/plain',
      '',
      "I'm sorry to have to inform you that your message could not be delivered.",
      '--R',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.org',
      '',
      `Final-Recipient: rfc822; ${recipient}`,
      'Action: failed',
      `Status: ${status}`,
      `Diagnostic-Code: smtp; ${status.startsWith('5') ? '550 5.1.1 User unknown' : '452 4.2.2 Mailbox full'}`,
      '--R--',
      '',
    ].join('\r\n'),
  );
}

describe('subscribing and leaving by mail', () => {
  it('SUSCRIBIR MX AR mails a confirmation link (no ticket); the link shows a page, and confirming activates it', async () => {
    const r = await ingest(toBulletins('Lucía <lucia@empresa.com.ar>', 'SUSCRIBIR MX AR'));
    expect(r).toMatchObject({ outcome: 'bulletin_command', ticketNumber: null });
    expect(r.detail).toContain('confirmation link sent');
    expect(await app.db.ticket.count()).toBe(0);
    expect(await app.db.subscriber.findUnique({ where: { email: 'lucia@empresa.com.ar' } })).toMatchObject({ status: 'pending', source: 'mail' });
    const confirmation = await app.db.outboxMail.findFirstOrThrow({ where: { template: 'bulletin_confirm' } });
    expect(JSON.parse(confirmation.toList)).toEqual(['lucia@empresa.com.ar']);
    const link = /https:\/\/soporte\.example\.test(\/bulletins\/confirm\?t=[\w.-]+)/.exec(confirmation.text)?.[1] as string;
    expect(link).toBeDefined();
    // The same request again within the hour: no second mail (a forged request cannot flood anyone).
    expect((await ingest(toBulletins('lucia@empresa.com.ar', 'SUSCRIBIR MX AR'))).detail).toContain('recently_sent');

    const server = await buildServer(app);
    try {
      const page = await server.inject({ method: 'GET', url: link });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<html lang="es"');
      expect(page.body).toContain('Argentina, México');
      expect((await app.db.subscriber.findUniqueOrThrow({ where: { email: 'lucia@empresa.com.ar' } })).status).toBe('pending');
      const done = await server.inject({ method: 'POST', url: link, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
      expect(done.statusCode).toBe(200);
      expect(done.body).toContain('Suscripción confirmada');
      expect(await app.db.subscriber.findUniqueOrThrow({ where: { email: 'lucia@empresa.com.ar' } })).toMatchObject({ status: 'active', countries: ',AR,MX,' });
      const bad = await server.inject({ method: 'GET', url: `${link}x`, headers: { 'accept-language': 'pt-PT,pt;q=0.9' } });
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toContain('Ligação inválida');
    } finally {
      await server.close();
    }
  });

  it('a subscription asked for in ordinary words gets a confirmation; one that names no country says how to name them', async () => {
    for (const [from, subject] of [['a@empresa.com.mx', 'Suscripción al boletín fiscal'], ['b@empresa.com', 'SUSCRIBIR MX y AR'], ['c@empresa.pt', 'Suscribirme por favor'], ['d@empresa.com', 'Suscribir Narnia']]) {
      expect((await ingest(toBulletins(from as string, subject as string))).detail, subject).toContain('confirmation link sent');
    }
    const text = async (to: string) => (await app.db.outboxMail.findFirstOrThrow({ where: { template: 'bulletin_confirm', primaryTo: to } })).text;
    expect(await text('a@empresa.com.mx')).toContain('(México)');
    expect(await text('a@empresa.com.mx')).toContain('responda a este correo (o escriba a boletin@example.test) con SUSCRIBIR y sus códigos');
    expect(await text('b@empresa.com')).toContain('(Argentina, México)');
    expect(await text('b@empresa.com')).not.toContain('SUSCRIBIR y sus códigos');
    expect(await text('c@empresa.pt')).toContain('(Portugal)');
    expect(await text('d@empresa.com')).toContain('No entendimos como país: Narnia.');
    // The reader follows the hint within the hour: a second mail, naming what they chose.
    const again = await ingest(toBulletins('d@empresa.com', 'Re: Confirme su suscripción', 'SUSCRIBIR CL PE', { 'In-Reply-To': '<x@example.test>' }));
    expect(again.detail).toBe('subscribe CL PE: confirmation link sent');
    expect(await app.db.outboxMail.count({ where: { template: 'bulletin_confirm', primaryTo: 'd@empresa.com' } })).toBe(2);
    expect(await app.db.ticket.count()).toBe(0);
  });

  it('SUSCRIBIR AR from someone who follows México adds Argentina: confirming keeps México', async () => {
    await addSubscriber(app.db, { email: 'ana@cliente.mx', countries: 'MX' }, NOW);
    expect((await ingest(toBulletins('ana@cliente.mx', 'SUSCRIBIR MX'))).detail).toBe('subscribe MX: already subscribed, told so');
    expect((await ingest(toBulletins('ana@cliente.mx', 'SUSCRIBIR AR'))).detail).toBe('subscribe AR: confirmation link sent');
    const confirmation = await app.db.outboxMail.findFirstOrThrow({ where: { template: 'bulletin_confirm' } });
    expect(confirmation.text).toContain('(Argentina, México)');
    // Until it is confirmed, México goes on as before.
    expect((await app.db.subscriber.findUniqueOrThrow({ where: { email: 'ana@cliente.mx' } })).countries).toBe(',MX,');
    const link = /https:\/\/soporte\.example\.test(\/bulletins\/confirm\?t=[\w.-]+)/.exec(confirmation.text)?.[1] as string;
    const server = await buildServer(app);
    try {
      expect((await server.inject({ method: 'POST', url: link, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' })).statusCode).toBe(200);
    } finally {
      await server.close();
    }
    expect(await app.db.subscriber.findUniqueOrThrow({ where: { email: 'ana@cliente.mx' } })).toMatchObject({ status: 'active', countries: ',AR,MX,' });
  });

  it('"Desuscribirse" and "Quiero darme de baja" unsubscribe', async () => {
    await addSubscriber(app.db, { email: 'ana@cliente.mx', countries: 'MX' }, NOW);
    await addSubscriber(app.db, { email: 'luis@cliente.mx', countries: 'MX' }, NOW);
    expect((await ingest(toBulletins('ana@cliente.mx', 'Desuscribirse'))).detail).toBe('unsubscribe: ana@cliente.mx unsubscribed');
    expect((await ingest(toBulletins('luis@cliente.mx', 'Hola', 'Quiero darme de baja, gracias'))).detail).toBe('unsubscribe: luis@cliente.mx unsubscribed');
  });

  it('a reply BAJA unsubscribes the sender; the mailto of List-Unsubscribe unsubscribes whoever its token names', async () => {
    await addSubscriber(app.db, { email: 'ana@cliente.mx', countries: 'MX' }, NOW);
    await addSubscriber(app.db, { email: 'jo@empresa.pt', countries: 'PT', locale: 'pt' }, NOW);
    const reply = await ingest(toBulletins('Ana <ana@cliente.mx>', 'Re: Reforma del IVA 2027', 'BAJA\n\n> El SAT publicó la reforma'));
    expect(reply).toMatchObject({ outcome: 'bulletin_command', ticketNumber: null, detail: 'unsubscribe: ana@cliente.mx unsubscribed' });
    const jo = await app.db.subscriber.findUniqueOrThrow({ where: { email: 'jo@empresa.pt' } });
    const token = unsubscribeToken(app.config.secretKey, { s: jo.id, b: 1 }, NOW);
    // Sent from an alias: the token decides, not the From address.
    const mailto = await ingest(toBulletins('outro-endereco@empresa.pt', `unsubscribe ${token}`));
    expect(mailto.detail).toBe('unsubscribe (List-Unsubscribe mailto): jo@empresa.pt unsubscribed');
    const rows = await app.db.subscriber.findMany({ orderBy: { id: 'asc' } });
    expect(rows.map((s) => [s.email, s.status, s.unsubscribeReason])).toEqual([['ana@cliente.mx', 'unsubscribed', 'mail'], ['jo@empresa.pt', 'unsubscribed', 'mail']]);
    expect(await app.db.ticket.count()).toBe(0);
  });

  it('a reply BAJA from another address (the bulletin went to an alias) unsubscribes whoever the bulletin went to', async () => {
    await addSubscriber(app.db, { email: 'contabilidad@empresa.mx', countries: 'MX' }, NOW);
    const deps = bulletinDeps(app);
    await scheduleBulletin(deps, { title: 'IVA', countries: ['MX'], topics: [], defaultLocale: 'es', sendAt: NOW, variants: { es: { title: 'IVA', markdown: 'Texto' } }, sourceFile: null }, NOW);
    await runBulletinSends(deps, NOW);
    const sent = await app.db.outboxMail.findFirstOrThrow({ where: { template: 'bulletin' } });
    // A forged Message-ID (wrong signature) names no one.
    const forged = sent.messageId.replace(/\.(\w+)@/, '.xxxxxxxxxxxx@');
    expect((await ingest(toBulletins('Ana <ana@empresa.mx>', 'Re: IVA', 'BAJA', { 'In-Reply-To': `<${forged}>` }))).detail).toBe('unsubscribe: ana@empresa.mx was not subscribed');
    const reply = await ingest(toBulletins('Ana <ana@empresa.mx>', 'Re: IVA', 'BAJA\n\n> Texto', { 'In-Reply-To': `<${sent.messageId}>`, References: `<${sent.messageId}>` }));
    expect(reply.detail).toBe('unsubscribe (reply to a bulletin): contabilidad@empresa.mx unsubscribed');
    expect((await app.db.subscriber.findUniqueOrThrow({ where: { email: 'contabilidad@empresa.mx' } })).status).toBe('unsubscribed');
  });

  it('the List-Unsubscribe mailto sent by a program (Auto-Submitted, Precedence: bulk) still unsubscribes: its token names the subscriber', async () => {
    for (const [email, headers] of [['u1@gmail.com', { 'Auto-Submitted': 'auto-generated' }], ['u2@gmail.com', { Precedence: 'bulk', 'X-Auto-Response-Suppress': 'All' }]] as const) {
      await addSubscriber(app.db, { email, countries: 'MX' }, NOW);
      const { id } = await app.db.subscriber.findUniqueOrThrow({ where: { email } });
      const r = await ingest(toBulletins(email, `unsubscribe ${unsubscribeToken(app.config.secretKey, { s: id, b: 1 }, NOW)}`, 'This message was automatically generated.', headers));
      expect(r).toMatchObject({ outcome: 'bulletin_command', detail: `unsubscribe (List-Unsubscribe mailto): ${email} unsubscribed` });
    }
    // Without a valid token, a machine's mail is still no command.
    expect((await ingest(toBulletins('u3@gmail.com', 'unsubscribe', '', { 'Auto-Submitted': 'auto-generated' }))).outcome).toBe('auto_reply');
  });

  it('a one-click POST unsubscribes whatever its body, also "application/json" that is no JSON', async () => {
    await addSubscriber(app.db, { email: 'ana@cliente.mx', countries: 'MX' }, NOW);
    const ana = await app.db.subscriber.findUniqueOrThrow({ where: { email: 'ana@cliente.mx' } });
    const server = await buildServer(app);
    try {
      const url = `/bulletins/unsubscribe?t=${unsubscribeToken(app.config.secretKey, { s: ana.id, b: 1 }, NOW)}`;
      const post = await server.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: 'List-Unsubscribe=One-Click' });
      expect(post.statusCode).toBe(200);
      expect((await app.db.subscriber.findUniqueOrThrow({ where: { id: ana.id } })).status).toBe('unsubscribed');
    } finally {
      await server.close();
    }
  });

  it('an out-of-office reply to a bulletin changes nothing and opens no ticket', async () => {
    await addSubscriber(app.db, { email: 'ana@cliente.mx', countries: 'MX' }, NOW);
    const r = await ingest(toBulletins('ana@cliente.mx', 'Respuesta automática: Reforma del IVA', 'Estoy fuera de la oficina. BAJA', { 'Auto-Submitted': 'auto-replied' }));
    expect(r).toMatchObject({ outcome: 'auto_reply', ticketNumber: null });
    expect((await app.db.subscriber.findUniqueOrThrow({ where: { email: 'ana@cliente.mx' } })).status).toBe('active');
    expect(await app.db.ticket.count()).toBe(0);
  });
});

describe('bounces and complaints', () => {
  it('a hard bounce suppresses the address: its ticket notices are skipped with an event, bulletins skip it, until lifted', async () => {
    const opened = await ingest(mail({ headers: { From: 'Ana <ana@cliente.mx>' } }));
    const r = await ingest(dsn('ana@cliente.mx', '5.1.1'));
    expect(r.outcome).toBe('bounce');
    expect(r.detail).toMatch(/ana@cliente\.mx suppressed until 2027-05-30/);
    const ticket = opened.ticketNumber as number;
    await replyToTicket(app, { number: ticket, body: 'Ya quedó resuelto.', actor: 'agent:maria', now: NOW });
    const shown = await showTicket(app.db, ticket);
    expect(shown?.events.map((e) => e.type)).toContain('notice_suppressed');
    expect(await app.db.outboxMail.count({ where: { template: 'answer' } })).toBe(0);

    await addSubscriber(app.db, { email: 'ana@cliente.mx', countries: 'MX' }, NOW);
    await addSubscriber(app.db, { email: 'beto@cliente.mx', countries: 'MX' }, NOW);
    const deps = bulletinDeps(app);
    await scheduleBulletin(deps, { title: 'IVA', countries: ['MX'], topics: [], defaultLocale: 'es', sendAt: NOW, variants: { es: { title: 'IVA', markdown: 'Texto' } }, sourceFile: null }, NOW);
    expect(await runBulletinSends(deps, NOW)).toMatchObject({ started: 1, queued: 1, skipped: 1 });
    expect((await app.db.bulletinDelivery.findFirstOrThrow({ where: { email: 'ana@cliente.mx' } })).status).toBe('skipped');

    expect(await inTransaction(app.db, (tx) => liftSuppression(tx, 'ana@cliente.mx', 'agent:maria', NOW))).toBe(true);
    await replyToTicket(app, { number: ticket, body: 'Le escribimos de nuevo.', actor: 'agent:maria', now: NOW });
    expect(await app.db.outboxMail.count({ where: { template: 'answer' } })).toBe(1);
  });

  it('a hard bounce takes back the mails already queued to the address that have not left', async () => {
    await addSubscriber(app.db, { email: 'ana@cliente.mx', countries: 'MX' }, NOW);
    await addSubscriber(app.db, { email: 'beto@cliente.mx', countries: 'MX' }, NOW);
    const deps = bulletinDeps(app);
    await scheduleBulletin(deps, { title: 'IVA', countries: ['MX'], topics: [], defaultLocale: 'es', sendAt: NOW, variants: { es: { title: 'IVA', markdown: 'Texto' } }, sourceFile: null }, NOW);
    expect(await runBulletinSends(deps, NOW)).toMatchObject({ queued: 2 });
    // Beto's address bounces (a mail of before) while the bulletin waits for its send slot.
    expect((await ingest(dsn('beto@cliente.mx', '5.1.1'))).detail).toMatch(/beto@cliente\.mx suppressed until [\d-]+; queued mails to it taken back: 1$/);
    expect(await app.drainer().drain(() => new Date(Date.now() + 60_000))).toMatchObject({ sent: 1 });
    const rows = await app.db.outboxMail.findMany({ where: { template: 'bulletin' }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => [r.primaryTo, r.status])).toEqual([['ana@cliente.mx', 'sent'], ['beto@cliente.mx', 'cancelled']]);
  });

  it('soft bounces suppress at SOFT_BOUNCE_LIMIT; the same report fetched twice counts once', async () => {
    const first = dsn('lleno@cliente.mx', '4.2.2');
    expect((await ingest(first)).outcome).toBe('bounce');
    await ingest(first);
    expect(await app.db.suppression.findUniqueOrThrow({ where: { email: 'lleno@cliente.mx' } })).toMatchObject({ softBounces: 1, suppressedUntil: null });
    await ingest(dsn('lleno@cliente.mx', '4.2.2'));
    const third = await ingest(dsn('lleno@cliente.mx', '4.2.2'));
    expect(third.detail).toContain('lleno@cliente.mx suppressed after 3 soft bounces');
    expect(await app.db.suppression.findUniqueOrThrow({ where: { email: 'lleno@cliente.mx' } })).toMatchObject({ reason: 'soft_bounces', suppressedUntil: new Date('2026-12-31T16:00:00Z') });
  });

  it('an ARF complaint unsubscribes the subscriber, also when the report hides the address', async () => {
    await addSubscriber(app.db, { email: 'queja@cliente.mx', countries: 'MX' }, NOW);
    await addSubscriber(app.db, { email: 'oculto@cliente.mx', countries: 'MX' }, NOW);
    const deps = bulletinDeps(app);
    await scheduleBulletin(deps, { title: 'IVA', countries: ['MX'], topics: [], defaultLocale: 'es', sendAt: NOW, variants: { es: { title: 'IVA', markdown: 'Texto' } }, sourceFile: null }, NOW);
    await runBulletinSends(deps, NOW);
    const hidden = await app.db.outboxMail.findFirstOrThrow({ where: { primaryTo: 'oculto@cliente.mx' } });
    const arf = (rcpt: string | null, messageId: string) =>
      Buffer.from(
        [
          'From: Feedback Loop <fbl@isp.example>', 'To: soporte@example.test', 'Subject: Abuse Report', `Message-ID: <arf${++seq}@isp.example>`,
          'MIME-Version: 1.0', 'Content-Type: multipart/report; report-type=feedback-report; boundary="F1"', '',
          '--F1', 'Content-Type: text/plain', '', 'This is an email abuse report.', '',
          '--F1', 'Content-Type: message/feedback-report', '', 'Feedback-Type: abuse', 'Version: 1', ...(rcpt ? [`Original-Rcpt-To: <${rcpt}>`] : []), '',
          '--F1', 'Content-Type: text/rfc822-headers', '', 'From: boletin@example.test', 'Subject: IVA', `Message-ID: <${messageId}>`, '', '--F1--', '',
        ].join('\r\n'),
      );
    expect((await ingest(arf('queja@cliente.mx', 'x@y'))).outcome).toBe('complaint');
    expect((await ingest(arf(null, hidden.messageId))).detail).toContain('unsubscribed');
    const rows = await app.db.subscriber.findMany({ orderBy: { id: 'asc' } });
    expect(rows.map((s) => [s.email, s.status, s.unsubscribeReason])).toEqual([['queja@cliente.mx', 'unsubscribed', 'complaint'], ['oculto@cliente.mx', 'unsubscribed', 'complaint']]);
    expect(await app.db.outboxMail.findUniqueOrThrow({ where: { id: hidden.id } })).toMatchObject({ status: 'cancelled' });
  });
});

describe('what a reader reads', () => {
  it('the footer names the countries the reader subscribed to, not every country of the bulletin', async () => {
    // Every mail due at once (the default rate spaces them 100 ms apart), so that one drain sends them all.
    await app.dispose();
    app = await createTestApp({ BULLETIN_ADDRESS: 'boletin@example.test', PUBLIC_URL: 'https://soporte.example.test', BULLETIN_RATE_PER_MINUTE: '600000' }, () => NOW);
    await addSubscriber(app.db, { email: 'ana@cliente.mx', countries: 'MX' }, NOW);
    await addSubscriber(app.db, { email: 'luis@cliente.mx', countries: 'MX AR' }, NOW);
    await addSubscriber(app.db, { email: 'jo@empresa.pt', countries: 'PT', locale: 'pt' }, NOW);
    await addSubscriber(app.db, { email: 'emily@corp.us', countries: 'US', locale: 'en' }, NOW);
    const deps = bulletinDeps(app);
    const variants = { es: { title: 'IVA', markdown: 'Texto' }, pt: { title: 'IVA', markdown: 'Texto' }, en: { title: 'VAT', markdown: 'Text' } };
    await scheduleBulletin(deps, { title: 'IVA', countries: ['MX', 'PT', 'US'], topics: [], defaultLocale: 'es', sendAt: NOW, variants, sourceFile: null }, NOW);
    expect(await runBulletinSends(deps, NOW)).toMatchObject({ queued: 4 });
    await app.drainer().drain();
    const dir = join(app.dataDir, 'outbox');
    const mails = await Promise.all(readdirSync(dir).filter((f) => f.endsWith('.eml')).map((f) => simpleParser(readFileSync(join(dir, f)))));
    const to = (address: string) => {
      const m = mails.find((p) => p.to && !Array.isArray(p.to) && p.to.value[0]?.address === address);
      return `${m?.text ?? ''}\n${m?.html || ''}`;
    };
    expect(to('ana@cliente.mx')).toContain('ana@cliente.mx está suscrita a las novedades de México.');
    expect(to('ana@cliente.mx')).not.toMatch(/novedades de [^.]*Portugal/);
    expect(to('luis@cliente.mx')).toContain('está suscrita a las novedades de Argentina, México.');
    expect(to('jo@empresa.pt')).toContain('está inscrito nas notícias de Portugal.');
    expect(to('emily@corp.us')).toContain('is subscribed to news for United States.');
  });
});

describe('the send rate', () => {
  it('BULLETIN_RATE_PER_MINUTE spaces the mails: only the next 30 s of slots are queued per run', async () => {
    const slow = await createTestApp({ BULLETIN_RATE_PER_MINUTE: '60', PUBLIC_URL: 'https://soporte.example.test' }, () => NOW);
    try {
      for (let i = 0; i < 100; i++) await addSubscriber(slow.db, { email: `s${i}@cliente.mx`, countries: 'MX' }, NOW);
      const deps = bulletinDeps(slow);
      await scheduleBulletin(deps, { title: 'IVA', countries: ['MX'], topics: [], defaultLocale: 'es', sendAt: NOW, variants: { es: { title: 'IVA', markdown: 'Texto' } }, sourceFile: null }, NOW);
      const report = await runBulletinSends(deps, NOW);
      expect(report.queued).toBeGreaterThanOrEqual(30);
      expect(report.queued).toBeLessThanOrEqual(32);
      const due = (await slow.db.outboxMail.findMany({ orderBy: { id: 'asc' }, select: { nextAttemptAt: true } })).map((m) => m.nextAttemptAt.getTime());
      expect(due.slice(1).map((t, i) => t - (due[i] as number))).toEqual(due.slice(1).map(() => 1000));
      expect((await runBulletinSends(deps, NOW)).queued ?? 0, 'the lookahead is full').toBeLessThanOrEqual(1);
    } finally {
      await slow.dispose();
    }
  });

  it('is one rate for all bulletins: two sent at once share it, rather than each going at the full rate', async () => {
    const slow = await createTestApp({ BULLETIN_RATE_PER_MINUTE: '60', PUBLIC_URL: 'https://soporte.example.test' }, () => NOW);
    try {
      for (let i = 0; i < 100; i++) await addSubscriber(slow.db, { email: `s${i}@cliente.mx`, countries: 'MX AR' }, NOW);
      const deps = bulletinDeps(slow);
      for (const [title, country] of [['IVA', 'MX'], ['Ganancias', 'AR']] as const) {
        await scheduleBulletin(deps, { title, countries: [country], topics: [], defaultLocale: 'es', sendAt: NOW, variants: { es: { title, markdown: 'Texto' } }, sourceFile: null }, NOW);
      }
      const report = await runBulletinSends(deps, NOW);
      expect(report.started).toBe(2);
      expect(report.queued, 'the next 30 s at 60 a minute').toBeLessThanOrEqual(32);
      const due = (await slow.db.outboxMail.findMany({ select: { nextAttemptAt: true } })).map((m) => m.nextAttemptAt.getTime()).sort((a, b) => a - b);
      expect(due.slice(1).every((t, i) => t - (due[i] as number) >= 1000), 'a second apart').toBe(true);
    } finally {
      await slow.dispose();
    }
  });
});
