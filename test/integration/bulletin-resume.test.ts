// `bulletin resume <id>`: a bulletin cancelled halfway is sent to the readers it missed, and to no one twice.
// Before, scheduling it again was refused (its readers reached would get it twice) unless --again, which mailed
// every reader again.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readBulletinFile } from '../../src/bulletins/bulletin-file.js';
import { bulletinStatus, cancelBulletinById, scheduleBulletin } from '../../src/bulletins/bulletins.js';
import { bulletinDeps } from '../../src/bulletins/deps.js';
import { resumeBulletinById } from '../../src/bulletins/resume.js';
import { finishSentBulletins, runBulletinSends } from '../../src/bulletins/send.js';
import { addSubscriber, removeSubscriber } from '../../src/bulletins/subscribers.js';
import { toResendCounts } from '../../src/store/bulletin-resume-repo.js';
import { inTransaction } from '../../src/store/database.js';
import { suppressForHardBounce } from '../../src/store/suppression-repo.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';

let app: TestApp;
let dir: string;
const NOW = new Date('2026-11-30T16:00:00Z');

beforeEach(async () => {
  // 8 a minute: the first run queues the next 30 s of slots, five mails; the other readers wait for later runs.
  app = await createTestApp({ BULLETIN_ADDRESS: 'boletin@example.test', PUBLIC_URL: 'https://soporte.example.test', BULLETIN_RATE_PER_MINUTE: '8' }, () => NOW);
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-resume-'));
});
afterEach(async () => {
  await app.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const READERS = ['ana', 'beto', 'caro', 'dani', 'eli', 'fer', 'gus'].map((n) => `${n}@cliente.mx`);

async function cancelledHalfway() {
  writeFileSync(join(dir, 'iva.md'), '---\ntitle: Reforma del IVA 2027\ncountries: [MX]\n---\nEl **SAT** publicó...\n');
  for (const email of READERS) await addSubscriber(app.db, { email, countries: 'MX' }, NOW);
  const deps = bulletinDeps(app);
  const draft = () => readBulletinFile(join(dir, 'iva.md'), { timeZone: deps.timeZone, now: NOW });
  const { bulletin } = await scheduleBulletin(deps, draft(), NOW);
  await runBulletinSends(deps, NOW);
  const mails = await app.db.outboxMail.findMany({ where: { template: 'bulletin' }, orderBy: { id: 'asc' } });
  expect(mails.map((m) => m.primaryTo)).toEqual(READERS.slice(0, 5));
  const [ana, beto, caro] = mails;
  // ana's mail left; beto's is in flight (claimed by a drainer) at the cancel; caro's try may have reached her.
  await app.db.outboxMail.update({ where: { id: ana?.id }, data: { status: 'sent', sentAt: NOW } });
  await app.db.outboxMail.update({ where: { id: beto?.id }, data: { status: 'sending', leaseHolder: 'drain:x', leasedUntil: new Date(NOW.getTime() + 60_000) } });
  await app.db.outboxMail.update({ where: { id: caro?.id }, data: { mayHaveReached: true } });
  expect(await cancelBulletinById(deps, bulletin.id, NOW)).toMatchObject({ mailsTakenBack: 3 });
  return { deps, bulletin, draft };
}

const pendingTo = async () => (await app.db.outboxMail.findMany({ where: { template: 'bulletin', status: 'pending' }, orderBy: { primaryTo: 'asc' } })).map((m) => m.primaryTo);

describe('bulletin resume', () => {
  it('sends a bulletin cancelled halfway to the readers it missed: not to those it reached, had in flight or may have reached, nor to those who left', async () => {
    const { deps, bulletin, draft } = await cancelledHalfway();
    // Meanwhile eli (taken back) and gus (never queued) unsubscribed.
    await removeSubscriber(app.db, 'eli@cliente.mx', NOW);
    await removeSubscriber(app.db, 'gus@cliente.mx', NOW);
    // Scheduling the file again is refused, and the message points at resume.
    await expect(scheduleBulletin(deps, draft(), NOW)).rejects.toThrow(`ventanilla bulletin resume ${bulletin.id}`);

    const resumed = await resumeBulletinById(deps, bulletin.id, NOW);
    expect(resumed).toMatchObject({ id: bulletin.id, status: 'sending', toResend: 2 });
    await runBulletinSends(deps, NOW);
    // dani's mail (taken back by the cancel) goes again; fer, never queued, gets hers.
    expect(await pendingTo()).toEqual(['dani@cliente.mx', 'fer@cliente.mx']);
    const perReader = await app.db.outboxMail.groupBy({ by: ['primaryTo'], where: { template: 'bulletin' }, _count: { _all: true } });
    expect(perReader.every((r) => r._count._all === 1)).toBe(true);
    expect(perReader.map((r) => r.primaryTo)).not.toContain('gus@cliente.mx');
    expect((await bulletinStatus(deps, bulletin.id)).status).toBe('sending');

    // Once they left (and beto's in-flight mail), the bulletin is sent.
    await app.db.outboxMail.updateMany({ where: { template: 'bulletin', status: { in: ['pending', 'sending'] } }, data: { status: 'sent', sentAt: NOW } });
    await finishSentBulletins(deps, NOW);
    const status = await bulletinStatus(deps, bulletin.id);
    expect(status).toMatchObject({ status: 'sent', sent: 4, pending: 0 });
    expect(await pendingTo()).toEqual([]);
  });

  it('is refused for a bulletin that is not cancelled, and for one sent again with --again since', async () => {
    const { deps, bulletin, draft } = await cancelledHalfway();
    const again = await scheduleBulletin(deps, draft(), NOW, { again: true });
    await expect(resumeBulletinById(deps, bulletin.id, NOW)).rejects.toThrow(`bulletin ${again.bulletin.id}`);
    await expect(resumeBulletinById(deps, again.bulletin.id, NOW)).rejects.toThrow('only a cancelled bulletin can be resumed');
    await expect(resumeBulletinById(deps, 999, NOW)).rejects.toThrow('No bulletin 999');
  });

  it('resumed twice (run again, two at once): the second finds it resumed, changes nothing and says so', async () => {
    const { deps, bulletin } = await cancelledHalfway();
    const [first, second] = await Promise.all([resumeBulletinById(deps, bulletin.id, NOW), resumeBulletinById(deps, bulletin.id, NOW)]);
    expect([first, second].map((r) => r.already).sort()).toEqual([false, true]);
    expect([first, second].every((r) => r.status === 'sending' && r.toResend === 4)).toBe(true);
    await runBulletinSends(deps, NOW);
    expect(await pendingTo()).toEqual(['dani@cliente.mx', 'eli@cliente.mx', 'fer@cliente.mx', 'gus@cliente.mx']);
    const perReader = await app.db.outboxMail.groupBy({ by: ['primaryTo'], where: { template: 'bulletin' }, _count: { _all: true } });
    expect(perReader.every((r) => r._count._all === 1)).toBe(true);
  });

  it('is refused when a copy sent with --again was itself cancelled after some of its mails had left: those readers have it', async () => {
    const { deps, bulletin, draft } = await cancelledHalfway();
    const again = await scheduleBulletin(deps, draft(), NOW, { again: true });
    await runBulletinSends(deps, NOW);
    // The copy's first mails (to ana... eli) queued after the cancel of the first: dani's and eli's leave, then it is cancelled too.
    const copies = await app.db.outboxMail.findMany({ where: { template: 'bulletin', status: 'pending', bulletinDelivery: { is: { bulletinId: again.bulletin.id } } } });
    const reached = copies.filter((m) => ['dani@cliente.mx', 'eli@cliente.mx'].includes(m.primaryTo));
    expect(reached).toHaveLength(2);
    await app.db.outboxMail.updateMany({ where: { id: { in: reached.map((m) => m.id) } }, data: { status: 'sent', sentAt: NOW } });
    await cancelBulletinById(deps, again.bulletin.id, NOW);
    // Resumed, the first would mail dani and eli (its mails to them were taken back) a second time.
    await expect(resumeBulletinById(deps, bulletin.id, NOW)).rejects.toThrow(`bulletin ${again.bulletin.id}`);
    expect(await pendingTo()).toEqual([]);
    // The copy itself goes on with the resend asked for (--again: to everyone, those the first reached too).
    expect(await resumeBulletinById(deps, again.bulletin.id, NOW)).toMatchObject({ status: 'sending', already: false });
  });

  it('counts the suppressed readers of a big list too (1,201 of them)', async () => {
    const { deps, bulletin } = await cancelledHalfway();
    // 1,200 more readers, never queued, whose addresses all bounce, and dani's (her mail taken back).
    const bouncing = Array.from({ length: 1200 }, (_, i) => `r${i}@rebota.mx`);
    await app.db.subscriber.createMany({ data: bouncing.map((email) => ({ email, countries: ',MX,', status: 'active', source: 'csv', createdAt: NOW })) });
    const until = new Date(NOW.getTime() + 86_400_000);
    await app.db.suppression.createMany({ data: [...bouncing, 'dani@cliente.mx'].map((email) => ({ email, reason: 'hard_bounce', suppressedAt: NOW, suppressedUntil: until })) });
    expect(await resumeBulletinById(deps, bulletin.id, NOW)).toMatchObject({ toResend: 3, suppressed: 1201 });
  });

  it('counts a reader written in capitals, whose bounce named her in other capitals, as suppressed: what it says is what goes', async () => {
    const { deps, bulletin } = await cancelledHalfway();
    // Hugo, never queued, was imported as Hugo@Cliente.MX; his bounce, and dani's (her mail taken back), came in capitals.
    await addSubscriber(app.db, { email: 'Hugo@Cliente.MX', countries: 'MX' }, NOW);
    const until = new Date(NOW.getTime() + 86_400_000);
    for (const email of ['HUGO@cliente.mx', 'Dani@CLIENTE.mx']) {
      await inTransaction(app.db, (tx) => suppressForHardBounce(tx, { email, status: '5.1.1', detail: '550 5.1.1 user unknown', now: NOW }, until));
    }
    expect(await resumeBulletinById(deps, bulletin.id, NOW)).toMatchObject({ toResend: 3, suppressed: 2 });
    await runBulletinSends(deps, NOW);
    expect(await pendingTo()).toEqual(['eli@cliente.mx', 'fer@cliente.mx', 'gus@cliente.mx']);
    const skipped = await app.db.bulletinDelivery.findMany({ where: { bulletinId: bulletin.id, status: 'skipped' }, orderBy: { email: 'asc' } });
    expect(skipped.map((d) => d.email)).toEqual(['dani@cliente.mx', 'hugo@cliente.mx']);
  });

  it('counts by the audience the send job mails: its countries and its topic (readers of no topic get every one)', async () => {
    writeFileSync(join(dir, 'nomina.md'), '---\ntitle: Nómina 2027\ncountries: [MX, AR]\ntopics: [nomina]\n---\nTablas.\n');
    const readers = [
      { email: 'ana@cliente.mx', countries: 'MX' },
      { email: 'beto@cliente.ar', countries: 'AR', topics: 'nomina' },
      { email: 'caro@cliente.mx', countries: 'MX', topics: 'iva' },
      { email: 'dani@cliente.cl', countries: 'CL' },
      { email: 'eli@cliente.mx', countries: 'MX', topics: 'iva nomina' },
    ];
    for (const r of readers) await addSubscriber(app.db, r, NOW);
    await inTransaction(app.db, (tx) => suppressForHardBounce(tx, { email: 'eli@cliente.mx', status: '5.1.1', detail: 'user unknown', now: NOW }, new Date(NOW.getTime() + 86_400_000)));
    const deps = bulletinDeps(app);
    const { bulletin } = await scheduleBulletin(deps, readBulletinFile(join(dir, 'nomina.md'), { timeZone: deps.timeZone, now: NOW }), NOW);
    expect(await toResendCounts(app.db, bulletin, NOW)).toEqual({ toResend: 2, suppressed: 1 });
    await runBulletinSends(deps, NOW);
    expect(await pendingTo()).toEqual(['ana@cliente.mx', 'beto@cliente.ar']);
  });

  it('a copy scheduled with --again and cancelled, its first still to go: refused, naming that one as the earlier', async () => {
    writeFileSync(join(dir, 'later.md'), '---\ntitle: Ganancias\ncountries: AR\nsend_at: 2026-12-02 09:00\n---\nNuevas escalas.\n');
    const deps = bulletinDeps(app);
    const draft = () => readBulletinFile(join(dir, 'later.md'), { timeZone: deps.timeZone, now: NOW });
    const first = await scheduleBulletin(deps, draft(), NOW);
    const copy = await scheduleBulletin(deps, draft(), NOW, { again: true });
    await cancelBulletinById(deps, copy.bulletin.id, NOW);
    // It said "Bulletin 2 was scheduled again as bulletin 1": the other way round.
    await expect(resumeBulletinById(deps, copy.bulletin.id, NOW)).rejects.toThrow(
      `Bulletin ${copy.bulletin.id} is a copy of bulletin ${first.bulletin.id} (scheduled), scheduled before it: resumed, its readers would get it twice. Not resumed.`,
    );
  });

  it('a bulletin cancelled before it started is scheduled again at its send_at', async () => {
    writeFileSync(join(dir, 'later.md'), '---\ntitle: Ganancias\ncountries: AR\nsend_at: 2026-12-02 09:00\n---\nNuevas escalas.\n');
    const deps = bulletinDeps(app);
    const { bulletin } = await scheduleBulletin(deps, readBulletinFile(join(dir, 'later.md'), { timeZone: deps.timeZone, now: NOW }), NOW);
    await cancelBulletinById(deps, bulletin.id, NOW);
    expect(await resumeBulletinById(deps, bulletin.id, NOW)).toMatchObject({ status: 'scheduled', toResend: 0 });
  });
});

describe('ventanilla bulletin resume', () => {
  it.skipIf(!cliBuilt)('counts among the readers it goes to only those it will mail: readers whose address is suppressed are told apart', async () => {
    const { deps, bulletin } = await cancelledHalfway();
    // Meanwhile dani's address (her mail taken back) and gus's (never queued) bounced: neither gets anything.
    for (const email of ['dani@cliente.mx', 'gus@cliente.mx']) {
      await app.db.suppression.create({ data: { email, reason: 'hard_bounce', suppressedAt: NOW, suppressedUntil: new Date(NOW.getTime() + 3650 * 86_400_000) } });
    }
    const env = { DATA_DIR: app.dataDir, SECRET_KEY: 'test-secret-key-0123456789', SUPPORT_ADDRESS: 'soporte@example.test', BULLETIN_ADDRESS: 'boletin@example.test', PUBLIC_URL: 'https://soporte.example.test', BULLETIN_RATE_PER_MINUTE: '8' };
    const resumed = await runCli(['bulletin', 'resume', String(bulletin.id)], { env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`"Reforma del IVA 2027" goes to 2 readers it has not reached (2 more are not mailed: their addresses are suppressed, see \`ventanilla suppressions list\`)`);
    const again = await runCli(['bulletin', 'resume', String(bulletin.id), '--json'], { env });
    expect(JSON.parse(again.stdout)).toEqual({ id: bulletin.id, title: 'Reforma del IVA 2027', status: 'sending', toResend: 2, suppressed: 2, already: true });
    expect((await runCli(['bulletin', 'resume', String(bulletin.id)], { env })).stdout).toContain('already resumed (sending: 2 readers to go, 2 suppressed)');
    // What it said is what goes: eli's mail taken back, fer never queued.
    await runBulletinSends(deps, NOW);
    expect(await pendingTo()).toEqual(['eli@cliente.mx', 'fer@cliente.mx']);
  });

  it.skipIf(!cliBuilt)('prints what it did (--json), and refuses a bulletin that is not cancelled (exit 1)', async () => {
    const env = { DATA_DIR: join(dir, 'data'), SECRET_KEY: 'bulletin-test-secret-0123456789', SUPPORT_ADDRESS: 'soporte@example.test', BULLETIN_ADDRESS: 'boletin@example.test', PUBLIC_URL: 'https://soporte.example.test' };
    writeFileSync(join(dir, 'later.md'), '---\ntitle: Ganancias\ncountries: AR\nsend_at: 2099-12-02 09:00\n---\nNuevas escalas.\n');
    expect((await runCli(['bulletin', 'schedule', join(dir, 'later.md')], { env })).code).toBe(0);
    expect((await runCli(['bulletin', 'cancel', '1'], { env })).code).toBe(0);
    const resumed = await runCli(['bulletin', 'resume', '1', '--json'], { env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toEqual({ id: 1, title: 'Ganancias', status: 'scheduled', toResend: 0, suppressed: 0, already: false });
    // Run again (twice by mistake, two operators at once): already so, exit 0, as `bulletin cancel` of a cancelled one.
    const again = await runCli(['bulletin', 'resume', '1'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('bulletin 1 already resumed');
    expect(JSON.parse((await runCli(['bulletin', 'resume', '1', '--json'], { env })).stdout)).toEqual({ id: 1, title: 'Ganancias', status: 'scheduled', toResend: 0, suppressed: 0, already: true });
    writeFileSync(join(dir, 'iva.md'), '---\ntitle: IVA\ncountries: MX\nsend_at: 2099-12-02 09:00\n---\nTasas.\n');
    expect((await runCli(['bulletin', 'schedule', join(dir, 'iva.md')], { env })).code).toBe(0);
    const never = await runCli(['bulletin', 'resume', '2'], { env });
    expect(never.code).toBe(1);
    expect(never.stderr).toContain('Bulletin 2 is scheduled: only a cancelled bulletin can be resumed.');
  });
});
