// `bulletin status` right after a scheduler run, as an operator reads it: the run that sent a bulletin's last
// mails must also say it was sent, not leave that to the next run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readBulletinFile } from '../../src/bulletins/bulletin-file.js';
import { bulletinStatus, scheduleBulletin } from '../../src/bulletins/bulletins.js';
import { bulletinDeps } from '../../src/bulletins/deps.js';
import { addSubscriber } from '../../src/bulletins/subscribers.js';
import { gatewayJobs } from '../../src/scheduler/jobs.js';
import { Scheduler } from '../../src/scheduler/runner.js';
import { createTestApp, type TestApp } from '../support/app.js';

let app: TestApp;
let dir: string;

beforeEach(async () => {
  app = await createTestApp({ BULLETIN_ADDRESS: 'boletin@example.test', PUBLIC_URL: 'https://soporte.example.test', BULLETIN_RATE_PER_MINUTE: '100000' });
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-status-'));
});
afterEach(async () => {
  await app.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('bulletin status', () => {
  it('says "sent", with its finish time, right after the scheduler run that sent its last mail', async () => {
    for (const email of ['uno@mx.example', 'dos@mx.example', 'tres@mx.example']) await addSubscriber(app.db, { email, countries: ['MX'] }, app.now());
    writeFileSync(join(dir, 'aviso.md'), '---\ntitle: Aviso\ncountries: MX\n---\nHola.\n');
    const deps = bulletinDeps(app);
    const { bulletin } = await scheduleBulletin(deps, readBulletinFile(join(dir, 'aviso.md'), { timeZone: deps.timeZone, now: app.now(), sendNow: true }), app.now());
    const runs = await new Scheduler(gatewayJobs(app), app).runOnce(new Date());
    expect(runs).toContainEqual(expect.objectContaining({ job: 'outbox-drain', result: expect.objectContaining({ sent: 3, bulletinsSent: 1 }) }));

    const status = await bulletinStatus(deps, bulletin.id);
    expect(status).toMatchObject({ status: 'sent', sent: 3, pending: 0 });
    expect(status.finishedAt).not.toBeNull();
  });
});
