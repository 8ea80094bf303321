// A reader already subscribed who writes "Suscribirme por favor" (no country named) to the bulletin address is asking
// to be subscribed: she is told she already is, naming what she follows, with how to add countries or leave. Before,
// a request naming no country was read as "the country of the address's domain, else all 13", as for a new reader:
// a subscriber of México at gmail.com got a confirmation link for every country served, and one at a .mx address who
// follows Argentina a link adding México; her "already subscribed" reply never came that hour. Seen as she sees it:
// the mails that reach the SMTP server. A forged run of such requests gets her one mail an hour.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addSubscriber } from '../../src/bulletins/subscribers.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';
import { startSmtpPeer, type ReceivedMail, type SmtpPeer } from '../support/smtp.js';

let smtp: SmtpPeer;
let app: TestApp;
let seq = 0;
let now = new Date();

beforeAll(async () => {
  smtp = await startSmtpPeer();
});
afterAll(async () => smtp.stop());
beforeEach(async () => {
  smtp.received.length = 0;
  now = new Date();
  app = await createTestApp({ ...smtp.env(), BULLETIN_ADDRESS: 'boletin@example.test', PUBLIC_URL: 'https://soporte.example.test' }, () => now);
});
afterEach(async () => app.dispose());

const ask = (from: string, subject: string, body = '') =>
  app.pipeline.ingest(mail({ headers: { From: from, To: 'boletin@example.test', Subject: subject, 'Message-ID': `<again${++seq}@example.org>` }, body }), { source: 'file', sourceRef: `again${seq}` });

/** Sends what is due and returns what reached the SMTP server for `email` so far. */
async function mailsTo(email: string): Promise<ReceivedMail[]> {
  await app.drainer().drain(() => now);
  return smtp.received.filter((m) => m.envelopeTo.includes(email));
}

describe('SUSCRIBIR with no country, from a reader already subscribed', () => {
  it('tells her she is subscribed (what she follows, how to add countries or leave); no confirmation link for every country', async () => {
    await addSubscriber(app.db, { email: 'ana@gmail.com', countries: 'MX', locale: 'es' }, now);
    const r = await ask('Ana Pérez <ana@gmail.com>', 'Suscribirme por favor');
    expect(r).toMatchObject({ outcome: 'bulletin_command', ticketNumber: null });
    const [reply, ...more] = await mailsTo('ana@gmail.com');
    expect(more).toEqual([]);
    expect(reply?.parsed.subject).toContain('Ya está suscrita');
    expect(reply?.parsed.text).toContain('ana@gmail.com ya está suscrita');
    expect(reply?.parsed.text).toContain('(México)');
    expect(reply?.parsed.text).toContain('SUSCRIBIR MX AR');
    expect(reply?.parsed.text).toContain('BAJA');
    expect(reply?.parsed.text).not.toContain('/bulletins/confirm');
    expect(reply?.header('Auto-Submitted')).toBe('auto-replied');
    // Nothing changed: she follows México, as before.
    expect(await app.db.subscriber.findUniqueOrThrow({ where: { email: 'ana@gmail.com' } })).toMatchObject({ status: 'active', countries: ',MX,' });
  });

  it("a reader at a .mx address who follows Argentina is not sent a link adding México: she asked to subscribe, and is", async () => {
    await addSubscriber(app.db, { email: 'caro@cliente.mx', countries: 'AR', locale: 'es' }, now);
    await ask('caro@cliente.mx', 'SUSCRIBIR');
    const [reply, ...more] = await mailsTo('caro@cliente.mx');
    expect(more).toEqual([]);
    expect(reply?.parsed.subject).toContain('Ya está suscrita');
    expect(reply?.parsed.text).toContain('(Argentina)');
    expect(reply?.parsed.text).not.toContain('/bulletins/confirm');
  });

  it('the same request again within the hour (or a forged run of them) mails her nothing more; the next hour, one reply', async () => {
    await addSubscriber(app.db, { email: 'ana@gmail.com', countries: 'MX', locale: 'es' }, now);
    await ask('ana@gmail.com', 'Suscribirme por favor');
    for (const subject of ['Suscribirme por favor', 'SUSCRIBIR', 'Suscripción al boletín fiscal', 'SUBSCRIBE']) {
      now = new Date(now.getTime() + 5 * 60_000);
      expect((await ask('ana@gmail.com', subject)).detail).toContain('no reply sent (recently_sent)');
    }
    expect(await mailsTo('ana@gmail.com')).toHaveLength(1);
    now = new Date(now.getTime() + 61 * 60_000);
    await ask('ana@gmail.com', 'SUSCRIBIR');
    const got = await mailsTo('ana@gmail.com');
    expect(got).toHaveLength(2);
    expect(got.map((m) => m.parsed.subject?.startsWith('Ya está suscrita'))).toEqual([true, true]);
  });

  it('a request for a new country, sent again within the hour, gets one link; so does a new reader asking twice', async () => {
    await addSubscriber(app.db, { email: 'ana@gmail.com', countries: 'MX', locale: 'es' }, now);
    for (let i = 0; i < 3; i++) await ask('ana@gmail.com', 'SUSCRIBIR AR');
    const [link, ...more] = await mailsTo('ana@gmail.com');
    expect(more).toEqual([]);
    expect(link?.parsed.text).toContain('/bulletins/confirm');
    expect(link?.parsed.text).toContain('(Argentina, México)');
    for (let i = 0; i < 3; i++) await ask('luis@cliente.mx', 'SUSCRIBIR MX');
    expect(await mailsTo('luis@cliente.mx')).toHaveLength(1);
  });

  it('a subscriber who names only words that are no country ("SUSCRIBIR Narnia") is told what was not understood, and the codes', async () => {
    await addSubscriber(app.db, { email: 'ana@gmail.com', countries: 'MX', locale: 'es' }, now);
    expect((await ask('ana@gmail.com', 'SUSCRIBIR Narnia')).detail).toContain('(not a country served: Narnia): already subscribed, told so');
    const [reply, ...more] = await mailsTo('ana@gmail.com');
    expect(more).toEqual([]);
    expect(reply?.parsed.subject).toContain('Ya está suscrita');
    expect(reply?.parsed.text).toContain('(México)');
    expect(reply?.parsed.text).toContain('No entendimos como país: Narnia.');
    expect(reply?.parsed.text).toContain('Países: AR BO');
    expect(reply?.parsed.html).toContain('No entendimos como país: Narnia.');
    // In her language: an English reader who follows the United States and México, naming one of them and a typo.
    await addSubscriber(app.db, { email: 'john@example.com', countries: 'US MX', locale: 'en' }, now);
    await ask('john@example.com', 'SUBSCRIBE US Mexic');
    const [english] = await mailsTo('john@example.com');
    expect(english?.parsed.text).toContain('is already subscribed');
    expect(english?.parsed.text).toContain('Not understood as a country: Mexic.');
  });

  it('a subscriber who names nothing wrong is not told of words not understood', async () => {
    await addSubscriber(app.db, { email: 'ana@gmail.com', countries: 'MX', locale: 'es' }, now);
    await ask('ana@gmail.com', 'SUSCRIBIR MX');
    const [reply] = await mailsTo('ana@gmail.com');
    expect(reply?.parsed.subject).toContain('Ya está suscrita');
    expect(reply?.parsed.text).not.toContain('No entendimos');
  });

  it('a reader whose link waits, writing again with no country, gets her link for the countries she asked, not the guess', async () => {
    expect((await ask('caro@cliente.mx', 'SUSCRIBIR AR')).detail).toContain('subscribe AR: confirmation link sent');
    now = new Date(now.getTime() + 61 * 60_000);
    // She missed the mail and asks again in her words: her request was for Argentina, not for México (.mx).
    expect((await ask('caro@cliente.mx', 'Suscribirme por favor')).detail).toContain('subscribe AR: confirmation link sent');
    const [, again, ...more] = await mailsTo('caro@cliente.mx');
    expect(more).toEqual([]);
    expect(again?.parsed.text).toContain('/bulletins/confirm');
    expect(again?.parsed.text).toContain('(Argentina)');
    expect(await app.db.subscriber.findUniqueOrThrow({ where: { email: 'caro@cliente.mx' } })).toMatchObject({ status: 'pending', countries: ',AR,' });
  });

  it('a new reader naming no country still gets the link for the country of her address, as before', async () => {
    await ask('luis@cliente.mx', 'SUSCRIBIR');
    const [link] = await mailsTo('luis@cliente.mx');
    expect(link?.parsed.text).toContain('/bulletins/confirm');
    expect(link?.parsed.text).toContain('México');
  });
});
