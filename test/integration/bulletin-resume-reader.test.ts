// A resumed bulletin's mail is rebuilt for the reader as they are when it goes again: it went out with the footer
// ("… está suscrita a las novedades de México") and the language of the first send, days before, although the
// reader had changed countries since. A reader who no longer follows any country of the bulletin gets nothing,
// as the first send would not have chosen them (audienceWhere: active, one of the bulletin's countries).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readBulletinFile } from '../../src/bulletins/bulletin-file.js';
import { bulletinStatus, cancelBulletinById, scheduleBulletin } from '../../src/bulletins/bulletins.js';
import { bulletinDeps } from '../../src/bulletins/deps.js';
import { resumeBulletinById } from '../../src/bulletins/resume.js';
import { runBulletinSends } from '../../src/bulletins/send.js';
import { addSubscriber, removeSubscriber } from '../../src/bulletins/subscribers.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { keepingMailer } from '../support/keeping-mailer.js';

let app: TestApp;
let dir: string;
let mailer: ReturnType<typeof keepingMailer>;
const NOW = new Date('2026-11-30T16:00:00Z');
const LATER = new Date('2026-12-04T10:00:00Z');
let now = NOW;

beforeEach(async () => {
  now = NOW;
  mailer = keepingMailer();
  app = await createTestApp({ BULLETIN_ADDRESS: 'boletin@example.test', PUBLIC_URL: 'https://soporte.example.test', BULLETIN_RATE_PER_MINUTE: '8' }, () => now, { mailer });
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-resume-reader-'));
});
afterEach(async () => {
  await app.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const READERS = ['ana', 'beto', 'caro', 'dani', 'eli', 'fer'].map((n) => `${n}@cliente.mx`);
/** The send slots are on the wall clock: a drain an hour ahead of it finds every queued mail due. */
const drainAll = () => app.drainer().drain(() => new Date(Date.now() + 3_600_000));
const sentTo = (email: string) => mailer.sent.filter((m) => m.to.includes(email));

describe('a resumed bulletin, as its readers get it', () => {
  it("shows each reader's countries and language as they are now, and goes to no one who follows none of its countries any more", async () => {
    writeFileSync(
      join(dir, 'iva.md'),
      '---\ntitle: Reforma del IVA 2027\ncountries: [MX, AR]\nvariants:\n  en: { title: VAT reform 2027, body: "The **VAT** changes." }\n---\nEl **SAT** publicó...\n',
    );
    for (const email of READERS) await addSubscriber(app.db, { email, countries: 'MX', locale: 'es' }, NOW);
    const deps = bulletinDeps(app);
    const { bulletin } = await scheduleBulletin(deps, readBulletinFile(join(dir, 'iva.md'), { timeZone: deps.timeZone, now: NOW }), NOW);
    // The first run queues five mails (the next 30 s at 8 a minute); all are taken back by the cancel.
    await runBulletinSends(deps, NOW);
    const anaBefore = await app.db.outboxMail.findFirstOrThrow({ where: { primaryTo: 'ana@cliente.mx' } });
    expect(await cancelBulletinById(deps, bulletin.id, NOW)).toMatchObject({ mailsTakenBack: 5 });

    // Days later: beto follows Argentina too, caro only Chile now, dani reads English.
    now = LATER;
    await addSubscriber(app.db, { email: 'beto@cliente.mx', countries: 'MX AR' }, LATER);
    await addSubscriber(app.db, { email: 'caro@cliente.mx', countries: 'CL' }, LATER);
    await addSubscriber(app.db, { email: 'dani@cliente.mx', countries: 'MX', locale: 'en' }, LATER);
    expect(await resumeBulletinById(deps, bulletin.id, LATER)).toMatchObject({ status: 'sending', toResend: 5 });
    await runBulletinSends(deps, LATER);
    // ana changed nothing: her mail is the one taken back but for the unsubscribe link, issued again (valid from now).
    const anaAfter = await app.db.outboxMail.findFirstOrThrow({ where: { primaryTo: 'ana@cliente.mx' } });
    const token = (row: { fill: string }) => new URL(JSON.parse(row.fill).unsubscribe_url as string).searchParams.get('t') as string;
    const untokened = (row: typeof anaBefore) => ({ ...row, headers: row.headers.replaceAll(token(row), 'T'), fill: row.fill.replaceAll(token(row), 'T') });
    const { status, nextAttemptAt, createdAt, ...same } = untokened(anaBefore);
    expect(untokened(anaAfter)).toMatchObject({ ...same, status: 'pending' });
    expect(token(anaAfter)).not.toBe(token(anaBefore));
    await drainAll();

    const [ana] = sentTo('ana@cliente.mx');
    expect(ana?.text).toContain('ana@cliente.mx está suscrita a las novedades de México.');
    const [beto, ...twice] = sentTo('beto@cliente.mx');
    expect(twice).toEqual([]);
    expect(beto?.text).toContain('beto@cliente.mx está suscrita a las novedades de Argentina, México.');
    expect(beto?.html).toContain('las novedades de Argentina, México.');
    expect(sentTo('caro@cliente.mx')).toEqual([]);
    const [dani] = sentTo('dani@cliente.mx');
    expect(dani?.subject).toContain('VAT reform 2027');
    expect(dani?.text).toContain('The VAT changes.');
    expect(dani?.text).toContain('dani@cliente.mx is subscribed to news for Mexico.');
    // The same mail as the one taken back: its Message-ID, and one delivery a reader.
    expect(dani?.messageId).toMatch(new RegExp(`^<?vb\\.${bulletin.id}\\.`));
    const delivery = await app.db.bulletinDelivery.findFirstOrThrow({ where: { bulletinId: bulletin.id, email: 'dani@cliente.mx' } });
    expect(delivery.locale).toBe('en');
    const caro = await app.db.bulletinDelivery.findFirstOrThrow({ where: { bulletinId: bulletin.id, email: 'caro@cliente.mx' } });
    expect(caro.detail).toBe('not resumed: no longer subscribed');
    // The four taken back that still follow it, and fer, never queued before the cancel.
    expect(sentTo('fer@cliente.mx')).toHaveLength(1);
    expect((await bulletinStatus(deps, bulletin.id)).sent).toBe(5);
  });
  it('goes to no reader who unsubscribed or whose address was suppressed meanwhile; one whose suppression was lifted gets it', async () => {
    writeFileSync(join(dir, 'isr.md'), '---\ntitle: ISR 2027\ncountries: [MX]\n---\nEl **SAT** publicó...\n');
    for (const email of READERS.slice(0, 4)) await addSubscriber(app.db, { email, countries: 'MX', locale: 'es' }, NOW);
    const deps = bulletinDeps(app);
    const { bulletin } = await scheduleBulletin(deps, readBulletinFile(join(dir, 'isr.md'), { timeZone: deps.timeZone, now: NOW }), NOW);
    await runBulletinSends(deps, NOW);
    expect(await cancelBulletinById(deps, bulletin.id, NOW)).toMatchObject({ mailsTakenBack: 4 });

    now = LATER;
    await removeSubscriber(app.db, 'ana@cliente.mx', LATER);
    const until = new Date(LATER.getTime() + 86_400_000);
    await app.db.suppression.create({ data: { email: 'beto@cliente.mx', reason: 'hard_bounce', suppressedAt: LATER, suppressedUntil: until } });
    await app.db.suppression.create({ data: { email: 'caro@cliente.mx', reason: 'hard_bounce', suppressedAt: NOW, suppressedUntil: new Date(NOW.getTime() + 3_600_000) } });
    // What it says is what goes: caro's suppression has ended, beto's address still bounces.
    expect(await resumeBulletinById(deps, bulletin.id, LATER)).toMatchObject({ status: 'sending', toResend: 2, suppressed: 1 });
    await runBulletinSends(deps, LATER);
    await drainAll();

    expect(sentTo('ana@cliente.mx')).toEqual([]);
    expect(sentTo('beto@cliente.mx')).toEqual([]);
    expect(sentTo('caro@cliente.mx')).toHaveLength(1);
    expect(sentTo('dani@cliente.mx')).toHaveLength(1);
    const detail = async (email: string) => (await app.db.bulletinDelivery.findFirstOrThrow({ where: { bulletinId: bulletin.id, email } })).detail;
    expect(await detail('ana@cliente.mx')).toBe('not resumed: no longer subscribed');
    expect(await detail('beto@cliente.mx')).toBe('suppressed (bounces)');
    expect(await app.db.outboxMail.count({ where: { primaryTo: { in: ['ana@cliente.mx', 'beto@cliente.mx'] }, status: { not: 'cancelled' } } })).toBe(0);
  });
});
