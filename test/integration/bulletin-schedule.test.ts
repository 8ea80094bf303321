// Scheduling a bulletin file as an operator does (`bulletin schedule`), on a real SQLite file: what is
// refused before a single mail is queued, and why.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readBulletinFile } from '../../src/bulletins/bulletin-file.js';
import { cancelBulletinById, scheduleBulletin } from '../../src/bulletins/bulletins.js';
import { bulletinDeps } from '../../src/bulletins/deps.js';
import { runBulletinSends } from '../../src/bulletins/send.js';
import { addSubscriber } from '../../src/bulletins/subscribers.js';
import { createTestApp, type TestApp } from '../support/app.js';

let app: TestApp;
let dir: string;
const NOW = new Date('2026-11-30T16:00:00Z');

beforeEach(async () => {
  app = await createTestApp({ BULLETIN_ADDRESS: 'boletin@example.test', PUBLIC_URL: 'https://soporte.example.test' }, () => NOW);
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-schedule-'));
});
afterEach(async () => {
  await app.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const file = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const schedule = (path: string, opts: { again?: boolean } = {}) => {
  const deps = bulletinDeps(app);
  return scheduleBulletin(deps, readBulletinFile(path, { timeZone: deps.timeZone, now: NOW }), NOW, opts);
};

describe('bulletin schedule', () => {
  it('refuses the same file twice while the first is scheduled or sent, naming it; --again schedules it anyway', async () => {
    const iva = file('iva.md', '---\ntitle: Reforma del IVA 2027\ncountries: [MX, AR]\nsend_at: 2026-12-01 09:00\n---\nEl **SAT** publicó...\n');
    const first = await schedule(iva);
    // Its send_at as the file says it, on the desk's clock (it said 2026-12-01T15:00:00.000Z).
    await expect(schedule(iva)).rejects.toThrow(`Bulletin ${first.bulletin.id} has the same title, countries and text and is scheduled (send_at 2026-12-01 09:00 -06:00)`);
    // Without send_at ("at once") the time differs on each run: still the same bulletin.
    const now = file('now.md', '---\ntitle: Ganancias\ncountries: AR\n---\nNuevas escalas.\n');
    const sent = await schedule(now);
    await app.db.bulletin.update({ where: { id: sent.bulletin.id }, data: { status: 'sent' } });
    await expect(schedule(now)).rejects.toThrow(/--again/);
    expect((await schedule(now, { again: true })).bulletin.id).toBeGreaterThan(sent.bulletin.id);
    // A corrected text is another bulletin; a cancelled one can be scheduled again.
    await schedule(file('iva-v2.md', '---\ntitle: Reforma del IVA 2027\ncountries: [MX, AR]\nsend_at: 2026-12-01 09:00\n---\nEl **SAT** publicó la reforma.\n'));
    await cancelBulletinById(bulletinDeps(app), first.bulletin.id, NOW);
    await expect(schedule(iva)).resolves.toBeDefined();
    expect(await app.db.bulletin.count()).toBe(5);
  });
});

/** The IVA bulletin scheduled and queued to three readers (its mails pending in the outbox). */
async function queuedToThreeReaders() {
  const iva = file('iva.md', '---\ntitle: Reforma del IVA 2027\ncountries: [MX]\n---\nEl **SAT** publicó...\n');
  for (const email of ['ana@cliente.mx', 'beto@cliente.mx', 'caro@cliente.mx']) await addSubscriber(app.db, { email, countries: 'MX' }, NOW);
  const first = await schedule(iva);
  await runBulletinSends(bulletinDeps(app), NOW);
  return { iva, first };
}

// Cancelled halfway (`bulletin cancel` while it was being sent), the same file scheduled again went to every
// reader: those whose mail had left got it twice.
describe('a bulletin cancelled after some of its mails left', () => {
  it('is not scheduled again unasked: the readers it reached would get it twice; --again sends it anyway', async () => {
    const { iva, first } = await queuedToThreeReaders();
    // The first mail leaves; then the operator cancels: the other two are taken back.
    const [left] = await app.db.outboxMail.findMany({ where: { template: 'bulletin' }, orderBy: { id: 'asc' }, take: 1 });
    await app.db.outboxMail.update({ where: { id: left?.id }, data: { status: 'sent', sentAt: NOW } });
    expect(await cancelBulletinById(bulletinDeps(app), first.bulletin.id, NOW)).toMatchObject({ mailsTakenBack: 2 });
    await expect(schedule(iva)).rejects.toThrow(
      `Bulletin ${first.bulletin.id} has the same title, countries and text and was cancelled after 1 of its mails had left: scheduled again, it goes to those readers a second time. To send it to the readers it missed, \`ventanilla bulletin resume ${first.bulletin.id}\`; to everyone anyway, use --again.`,
    );
    expect((await schedule(iva, { again: true })).bulletin.id).toBeGreaterThan(first.bulletin.id);
  });
});

// Cancelled while the drainer had mails in flight ('sending', claimed): the cancel takes back only the pending ones,
// those in flight go out after it; one a try may have left with its reader (a connection lost after the end of the
// mail: pending again, mayHaveReached) is taken back but may have reached them. Neither counted as left: a schedule
// in between was allowed, and those readers got it twice.
describe('a bulletin cancelled with mails in flight, or that may have reached their readers', () => {
  it('is not scheduled again unasked either, the message counting them', async () => {
    const { iva, first } = await queuedToThreeReaders();
    const [inFlight, reached] = await app.db.outboxMail.findMany({ where: { template: 'bulletin' }, orderBy: { id: 'asc' }, take: 2 });
    await app.db.outboxMail.update({ where: { id: inFlight?.id }, data: { status: 'sending', leaseHolder: 'drain:x', leasedUntil: new Date(NOW.getTime() + 60_000) } });
    await app.db.outboxMail.update({ where: { id: reached?.id }, data: { mayHaveReached: true } });
    expect(await cancelBulletinById(bulletinDeps(app), first.bulletin.id, NOW)).toMatchObject({ mailsTakenBack: 2 });
    expect((await app.db.outboxMail.findUniqueOrThrow({ where: { id: inFlight?.id } })).status).toBe('sending');
    await expect(schedule(iva)).rejects.toThrow(`Bulletin ${first.bulletin.id} has the same title, countries and text and was cancelled after 2 of its mails had left`);
  });

  it('is scheduled again when none had left or was leaving', async () => {
    const iva = file('iva.md', '---\ntitle: Reforma del IVA 2027\ncountries: [MX]\n---\nEl **SAT** publicó...\n');
    await addSubscriber(app.db, { email: 'ana@cliente.mx', countries: 'MX' }, NOW);
    const first = await schedule(iva);
    await runBulletinSends(bulletinDeps(app), NOW);
    expect(await cancelBulletinById(bulletinDeps(app), first.bulletin.id, NOW)).toMatchObject({ mailsTakenBack: 1 });
    expect((await schedule(iva)).bulletin.id).toBeGreaterThan(first.bulletin.id);
  });
});

