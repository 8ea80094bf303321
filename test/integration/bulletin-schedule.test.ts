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
    await expect(schedule(iva)).rejects.toThrow(`Bulletin ${first.bulletin.id} has the same title, countries and text and is scheduled`);
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

// Cancelled halfway (`bulletin cancel` while it was being sent), the same file scheduled again went to every
// reader: those whose mail had left got it twice.
describe('a bulletin cancelled after some of its mails left', () => {
  it('is not scheduled again unasked: the readers it reached would get it twice; --again sends it anyway', async () => {
    const iva = file('iva.md', '---\ntitle: Reforma del IVA 2027\ncountries: [MX]\n---\nEl **SAT** publicó...\n');
    for (const email of ['ana@cliente.mx', 'beto@cliente.mx', 'caro@cliente.mx']) await addSubscriber(app.db, { email, countries: 'MX' }, NOW);
    const first = await schedule(iva);
    await runBulletinSends(bulletinDeps(app), NOW);
    // The first mail leaves; then the operator cancels: the other two are taken back.
    const [left] = await app.db.outboxMail.findMany({ where: { template: 'bulletin' }, orderBy: { id: 'asc' }, take: 1 });
    await app.db.outboxMail.update({ where: { id: left?.id }, data: { status: 'sent', sentAt: NOW } });
    expect(await cancelBulletinById(bulletinDeps(app), first.bulletin.id, NOW)).toMatchObject({ mailsTakenBack: 2 });
    await expect(schedule(iva)).rejects.toThrow(
      `Bulletin ${first.bulletin.id} has the same title, countries and text and was cancelled after 1 of its mails had left: scheduled again, it goes to those readers a second time. To send it anyway, use --again.`,
    );
    expect((await schedule(iva, { again: true })).bulletin.id).toBeGreaterThan(first.bulletin.id);
  });
});
