import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scheduler, type Job } from '../../../src/scheduler/runner.js';
import { createTestApp, type TestApp } from '../../support/app.js';

// `scheduler run-once` (an operator's, or a system cron's instead of the daemon) runs every job once, in order. One
// job that fails (a broken digest template, a bulletin that cannot be read) must not hold back the ones after it:
// the outbox drain comes last, and every acknowledgement waited for the template to be fixed.
describe('Scheduler.runOnce', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.dispose());

  it('runs the jobs after one that fails, and says which failed and why', async () => {
    const ran: string[] = [];
    const job = (name: string, run: () => Promise<Record<string, number>>): Job => ({ name, cron: '* * * * * *', run: () => (ran.push(name), run()) });
    const broken = new Error('Template es/escalation_digest.subject.hbs cannot be compiled');
    const scheduler = new Scheduler([job('digest', () => Promise.reject(broken)), job('drain', () => Promise.resolve({ sent: 2 }))], app);
    const runs = await scheduler.runOnce(new Date());
    expect(ran).toEqual(['digest', 'drain']);
    expect(runs).toEqual([
      { job: 'digest', ran: false, reason: 'failed', error: broken },
      { job: 'drain', ran: true, result: { sent: 2 } },
    ]);
    // The failed job's lease is released: the next run (or the daemon) may run it at once.
    expect(await app.db.jobLease.findUnique({ where: { name: 'digest' } })).toMatchObject({ leasedUntil: expect.any(Date) });
    expect((await scheduler.runOnce(new Date()))[0]).toMatchObject({ job: 'digest', reason: 'failed' });
  });
});
