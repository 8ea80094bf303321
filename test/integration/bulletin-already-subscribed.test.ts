// A reader who writes SUSCRIBIR while already subscribed (to those countries) is told so, in their language, by a
// short mail from templates/<locale>/bulletin_subscribed.*: silence read as "the request was lost". The reply is
// held as the confirmation mail is: none to a suppressed address, none to mail that is no reader's own
// (machine-written), none to a sender that failed authentication; and it counts the links: none an hour after a link
// or another reply. It does not hold back the link its reader asks for right after it (SUSCRIBIR MX AR, as it
// invites), so a forged run gets a subscriber at most two mails an hour, a reply then a link.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addSubscriber } from '../../src/bulletins/subscribers.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';

let app: TestApp;
let seq = 0;
let now = new Date('2026-12-01T16:00:00Z');

beforeEach(async () => {
  now = new Date('2026-12-01T16:00:00Z');
  app = await createTestApp({ BULLETIN_ADDRESS: 'boletin@example.test', PUBLIC_URL: 'https://soporte.example.test' }, () => now);
});
afterEach(async () => app.dispose());

const ingest = (raw: Buffer) => app.pipeline.ingest(raw, { source: 'file', sourceRef: `t${++seq}` });
const toBulletins = (from: string, subject: string, extra: Record<string, string> = {}) =>
  mail({ headers: { From: from, To: 'boletin@example.test', Subject: subject, 'Message-ID': `<as${++seq}@example.org>`, ...extra }, body: '' });
const repliesTo = (to: string) => app.db.outboxMail.findMany({ where: { template: 'bulletin_subscribed', primaryTo: to } });

describe('SUSCRIBIR from a reader already subscribed', () => {
  it('gets a short reply, in their language, naming the countries they follow; no ticket, no confirmation link', async () => {
    await addSubscriber(app.db, { email: 'ana@cliente.mx', countries: 'MX AR' }, now);
    const r = await ingest(toBulletins('Ana <ana@cliente.mx>', 'SUSCRIBIR MX'));
    expect(r).toMatchObject({ outcome: 'bulletin_command', ticketNumber: null, detail: 'subscribe MX: already subscribed, told so' });
    const [reply] = await repliesTo('ana@cliente.mx');
    expect(reply).toBeDefined();
    expect(reply?.subject).toContain('Ya está suscrita');
    expect(reply?.text).toContain('ana@cliente.mx ya está suscrita');
    expect(reply?.text).toContain('Argentina, México');
    expect(reply?.text).toContain('BAJA');
    expect(reply?.html).toContain('ya está suscrita');
    expect(reply?.automatic).toBe(true);
    expect(JSON.parse(reply?.headers ?? '{}')).toMatchObject({ inReplyTo: expect.stringContaining('example.org') });
    expect(await app.db.outboxMail.count({ where: { template: 'bulletin_confirm' } })).toBe(0);
    expect(await app.db.ticket.count()).toBe(0);

    await addSubscriber(app.db, { email: 'bob@corp.us', countries: 'US', locale: 'en' }, now);
    await ingest(toBulletins('bob@corp.us', 'SUBSCRIBE'));
    expect((await repliesTo('bob@corp.us'))[0]?.text).toContain('bob@corp.us is already subscribed');
    await addSubscriber(app.db, { email: 'rui@empresa.pt', countries: 'PT' }, now);
    await ingest(toBulletins('rui@empresa.pt', 'SUBSCREVER PT'));
    expect((await repliesTo('rui@empresa.pt'))[0]?.text).toContain('rui@empresa.pt já está inscrito');
  });

  it('at most one such reply an hour per address (a forged run cannot flood the reader); the next hour, another', async () => {
    await addSubscriber(app.db, { email: 'ana@cliente.mx', countries: 'MX' }, now);
    await ingest(toBulletins('ana@cliente.mx', 'SUSCRIBIR MX'));
    const again = await ingest(toBulletins('ana@cliente.mx', 'SUSCRIBIR'));
    expect(again.detail).toBe('subscribe MX: no reply sent (recently_sent)');
    expect(await repliesTo('ana@cliente.mx')).toHaveLength(1);
    now = new Date(now.getTime() + 61 * 60_000);
    await ingest(toBulletins('ana@cliente.mx', 'SUSCRIBIR MX'));
    expect(await repliesTo('ana@cliente.mx')).toHaveLength(2);
  });

  it('no reply to a suppressed address, nor to machine-written mail', async () => {
    await addSubscriber(app.db, { email: 'ana@cliente.mx', countries: 'MX' }, now);
    await app.db.suppression.create({ data: { email: 'ana@cliente.mx', reason: 'hard_bounce', suppressedAt: now, suppressedUntil: new Date(now.getTime() + 86_400_000) } });
    expect((await ingest(toBulletins('ana@cliente.mx', 'SUSCRIBIR MX'))).detail).toBe('subscribe MX: no reply sent (suppressed)');
    await addSubscriber(app.db, { email: 'luis@cliente.mx', countries: 'MX' }, now);
    expect((await ingest(toBulletins('luis@cliente.mx', 'SUSCRIBIR MX', { 'Auto-Submitted': 'auto-replied' }))).outcome).toBe('auto_reply');
    expect(await app.db.outboxMail.count()).toBe(0);
  });

  it('the reply is marked and signed as our automatic mail; a request naming a new country right after it, as the reply invites, still gets its link, which keeps the old ones', async () => {
    await addSubscriber(app.db, { email: 'ana@cliente.mx', countries: 'MX' }, now);
    await ingest(toBulletins('ana@cliente.mx', 'SUSCRIBIR MX'));
    const [reply] = await repliesTo('ana@cliente.mx');
    expect(JSON.parse(reply?.headers ?? '{}').extra).toMatchObject({ 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' });
    // As the reply invites: "SUSCRIBIR MX AR" (México followed, Argentina new), minutes later.
    now = new Date(now.getTime() + 5 * 60_000);
    expect((await ingest(toBulletins('ana@cliente.mx', 'SUSCRIBIR MX AR'))).detail).toBe('subscribe AR MX: confirmation link sent');
    const link = await app.db.outboxMail.findFirstOrThrow({ where: { template: 'bulletin_confirm', primaryTo: 'ana@cliente.mx' } });
    expect(link.text).toContain('(Argentina, México)');
    expect(await app.db.subscriber.findUniqueOrThrow({ where: { email: 'ana@cliente.mx' } })).toMatchObject({ status: 'active', countries: ',MX,' });
  });

  it('a forger writing with an active subscriber\'s address gets them at most two subscription mails an hour: a reply, then a link', async () => {
    // A link first: neither a reply nor another link that hour.
    await addSubscriber(app.db, { email: 'luis@cliente.mx', countries: 'MX' }, now);
    expect((await ingest(toBulletins('luis@cliente.mx', 'SUSCRIBIR AR'))).detail).toBe('subscribe AR: confirmation link sent');
    expect((await ingest(toBulletins('luis@cliente.mx', 'SUSCRIBIR MX'))).detail).toBe('subscribe MX: no reply sent (recently_sent)');
    expect((await ingest(toBulletins('luis@cliente.mx', 'SUSCRIBIR CL'))).detail).toContain('recently_sent');
    expect(await app.db.outboxMail.count({ where: { primaryTo: 'luis@cliente.mx' } })).toBe(1);
    // A reply first: the link still goes, then nothing more that hour, of either kind.
    await addSubscriber(app.db, { email: 'eva@cliente.mx', countries: 'MX' }, now);
    expect((await ingest(toBulletins('eva@cliente.mx', 'SUSCRIBIR MX'))).detail).toBe('subscribe MX: already subscribed, told so');
    expect((await ingest(toBulletins('eva@cliente.mx', 'SUSCRIBIR MX'))).detail).toBe('subscribe MX: no reply sent (recently_sent)');
    expect((await ingest(toBulletins('eva@cliente.mx', 'SUSCRIBIR AR'))).detail).toBe('subscribe AR: confirmation link sent');
    expect((await ingest(toBulletins('eva@cliente.mx', 'SUSCRIBIR MX'))).detail).toBe('subscribe MX: no reply sent (recently_sent)');
    expect((await ingest(toBulletins('eva@cliente.mx', 'SUSCRIBIR CL'))).detail).toContain('recently_sent');
    expect(await app.db.outboxMail.count({ where: { primaryTo: 'eva@cliente.mx' } })).toBe(2);
    // The next hour, one again.
    now = new Date(now.getTime() + 61 * 60_000);
    expect((await ingest(toBulletins('eva@cliente.mx', 'SUSCRIBIR MX'))).detail).toBe('subscribe MX: already subscribed, told so');
  });
});
