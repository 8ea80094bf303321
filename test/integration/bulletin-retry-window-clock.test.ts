// A bulletin's mails are retried for OUTBOX_RETRY_HOURS like any mail (README "Outbox"). Queued by a
// `scheduler run-once --now` two days ago (a bulletin being sent that such a run carries on, or resumes after a
// cancel), their createdAt is that instant while their tries run on the wall clock: a 451 to the first try failed
// them at once ("gave up after 24 hours"). They now count from the wall clock they were queued at, as other mail does.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { readBulletinFile } from '../../src/bulletins/bulletin-file.js';
import { cancelBulletinById, scheduleBulletin } from '../../src/bulletins/bulletins.js';
import { bulletinDeps } from '../../src/bulletins/deps.js';
import { resumeBulletinById } from '../../src/bulletins/resume.js';
import { runBulletinSends } from '../../src/bulletins/send.js';
import { addSubscriber } from '../../src/bulletins/subscribers.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { startSmtpPeer, type SmtpPeer } from '../support/smtp.js';

const TWO_DAYS_AGO = new Date(Date.now() - 48 * 3_600_000);
const READERS = ['ana@cliente.mx', 'beto@cliente.mx'];
const later = (ms: number) => () => new Date(Date.now() + ms);

let smtp: SmtpPeer;
/** The daemon (and the operator's other commands), on the wall clock. */
let app: TestApp;
/** `scheduler run-once --now <two days ago>`: the same database, opened as that command opens it. */
let pastRun: App;
let dir: string;

beforeAll(async () => {
  smtp = await startSmtpPeer();
});
afterAll(async () => smtp.stop());
beforeEach(async () => {
  smtp.failWith = null;
  app = await createTestApp({ ...smtp.env(), BULLETIN_ADDRESS: 'boletin@example.test', PUBLIC_URL: 'https://soporte.example.test', BULLETIN_RATE_PER_MINUTE: '1000000', OUTBOX_RETRY_HOURS: '24' });
  pastRun = await createApp({ config: app.config, log: pino({ level: 'silent' }), now: () => TWO_DAYS_AGO, explicitClock: true });
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-bulletin-window-'));
});
afterEach(async () => {
  await pastRun.close();
  await app.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** A bulletin to two readers, its mails queued by `queuing` (at its clock); the server says "later" to their tries. */
async function queuedAndDeferred(queuing: App, now: Date) {
  writeFileSync(join(dir, 'iva.md'), '---\ntitle: Reforma del IVA 2027\ncountries: [MX]\n---\nEl **SAT** publicó...\n');
  for (const email of READERS) await addSubscriber(app.db, { email, countries: 'MX' }, TWO_DAYS_AGO);
  const deps = bulletinDeps(app);
  const { bulletin } = await scheduleBulletin(deps, readBulletinFile(join(dir, 'iva.md'), { timeZone: deps.timeZone, now: TWO_DAYS_AGO }), TWO_DAYS_AGO);
  expect(await runBulletinSends(bulletinDeps(queuing), now)).toMatchObject({ queued: 2 });
  smtp.failWith = 451;
  return { deps, bulletin };
}

const pendingTo = async () => (await app.db.outboxMail.findMany({ where: { template: 'bulletin', status: 'pending' }, orderBy: { primaryTo: 'asc' } })).map((m) => m.primaryTo);

describe('a bulletin queued by run-once --now two days ago, deferred by the server', () => {
  it('is kept for the next try, not failed at the first', async () => {
    await queuedAndDeferred(pastRun, TWO_DAYS_AGO);
    expect(await app.drainer().drain(later(0))).toEqual({ sent: 0, retried: 2, failed: 0 });
    expect(await pendingTo()).toEqual(READERS);
  });

  it('queued by the daemon, cancelled, resumed, then carried on by such a run: its mails queued anew are kept for the next try too', async () => {
    const { deps, bulletin } = await queuedAndDeferred(app, new Date());
    expect(await cancelBulletinById(deps, bulletin.id, new Date())).toMatchObject({ mailsTakenBack: 2 });
    expect(await resumeBulletinById(deps, bulletin.id, new Date())).toMatchObject({ status: 'sending', toResend: 2 });
    expect(await runBulletinSends(bulletinDeps(pastRun), TWO_DAYS_AGO)).toMatchObject({ queued: 2 });
    expect(await app.drainer().drain(later(0))).toEqual({ sent: 0, retried: 2, failed: 0 });
    expect(await pendingTo()).toEqual(READERS);
  });
});
