// Backscatter: a spam run with a forged From address in each mail (no spam headers) under UNKNOWN_SENDER_POLICY=reject
// made one refusal per address; the per-address limits never applied. REFUSAL_LIMIT caps them all per window.
import { describe, expect, it } from 'vitest';
import { ForgedRun } from '../support/forged-run.js';

describe('REFUSAL_LIMIT: refusals to all senders together per AUTO_MAIL_WINDOW_MINUTES', () => {
  it('past the limit a refusal is recorded but not sent, and the administrators are told once per window', async () => {
    const run = await ForgedRun.start({ UNKNOWN_SENDER_POLICY: 'reject', REFUSAL_LIMIT: '3', AUTO_MAIL_WINDOW_MINUTES: '60' });
    const app = run.app;
    const refusals = () => app.db.outboxMail.count({ where: { template: 'access_denied' } });
    const capWarnings = () => run.logged.filter((l) => l.msg.startsWith('refusals capped'));
    const results = [];
    for (let i = 0; i < 6; i++) {
      results.push(await run.forged());
      run.minutes(1);
    }
    // Nothing lost: every mail has its outcome; only the first three were answered.
    expect(results.map((r) => r.outcome)).toEqual(Array(6).fill('rejected'));
    expect(await refusals()).toBe(3);
    const logs = await app.db.inboundLog.findMany({ orderBy: { id: 'asc' } });
    expect(logs.slice(0, 3).map((l) => l.detail)).toEqual(Array(3).fill('sender not authorised (reject); access_denied sent'));
    for (const l of logs.slice(3)) expect(l.detail).toBe('sender not authorised (reject); no answer sent (refusals capped: REFUSAL_LIMIT 3 per AUTO_MAIL_WINDOW_MINUTES 60)');
    expect(capWarnings()).toHaveLength(1);

    // An hour after the first refusals, the window has room again: refusals go out, and a new run is told anew.
    run.minutes(60);
    for (let i = 0; i < 5; i++) await run.forged();
    expect(await refusals()).toBe(6);
    expect(capWarnings()).toHaveLength(2);
  });
});
