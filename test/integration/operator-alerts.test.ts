// ALERT_ADDRESS: the desk's administrators used to hear of a refusal cap or a quarantined mail only from the log.
// Now the gateway mails them, through the outbox, at most once per kind per AUTO_MAIL_WINDOW_MINUTES; unset, nothing
// is mailed. (A message the IMAP server cannot return: imap-unreadable-alert.test.ts.)
import { describe, expect, it } from 'vitest';
import type { OutgoingMail } from '../../src/outbound/mailer.js';
import { mail } from '../support/app.js';
import { ForgedRun } from '../support/forged-run.js';
import { keepingMailer } from '../support/keeping-mailer.js';

const ALERTS = { ALERT_ADDRESS: 'ops@example.com, jefa@example.org', AUTO_MAIL_WINDOW_MINUTES: '60' };

async function alertRun(env: Record<string, string>) {
  const mailer = keepingMailer();
  const run = await ForgedRun.start(env, { mailer });
  const alerts = () => run.app.db.outboxMail.findMany({ where: { template: { startsWith: 'alert_' } }, orderBy: { id: 'asc' } });
  const drain = () => run.app.drainer().drain(() => run.clock);
  return { run, mailer, alerts, drain };
}

/** A mail the pipeline cannot process (no sender at all): quarantined. */
const unprocessable = (run: ForgedRun) => run.app.pipeline.ingest(mail({ headers: { From: null } }), { source: 'stdin' });

/** A plain mail to both administrators, machine-written (RFC 3834), saying when (on the desk's clock). */
function expectAlert(sent: OutgoingMail | undefined, headline: string): void {
  expect(sent?.to).toEqual(['ops@example.com', 'jefa@example.org']);
  expect(sent?.subject).toBe(`Ventanilla alert (soporte@example.test): ${headline}`);
  expect(sent?.headers['Auto-Submitted']).toBe('auto-generated');
  expect(sent?.html).toBe('');
  expect(sent?.text).toContain('When: 2026-11-24 10:00 -06:00.');
}

describe('ALERT_ADDRESS: the administrators are mailed when the gateway needs a person', () => {
  it('refusals capped: one alert at the first refusal held back, none more in the window, one again in the next', async () => {
    const { run, mailer, alerts, drain } = await alertRun({ ...ALERTS, UNKNOWN_SENDER_POLICY: 'reject', REFUSAL_LIMIT: '2' });
    for (let i = 0; i < 2; i++) await run.forged();
    expect(await alerts()).toEqual([]);
    await run.forged();
    const [alert, ...more] = await alerts();
    expect(more).toEqual([]);
    // Written with the refusal it reports: the mail's inbound row and the alert commit together.
    expect(alert?.template).toBe('alert_refusals_capped');
    expect(alert?.ticketId).toBeNull();
    expect(JSON.parse(alert?.toList ?? '[]')).toEqual(['ops@example.com', 'jefa@example.org']);

    // A flood within the window makes no second alert.
    for (let i = 0; i < 5; i++) {
      run.minutes(5);
      await run.forged();
    }
    expect(await alerts()).toHaveLength(1);

    await drain();
    const [sent, ...others] = mailer.sent.filter((m) => m.to.includes('ops@example.com'));
    expect(others).toEqual([]);
    expectAlert(sent, 'refusals capped');
    expect(sent?.text).toContain('REFUSAL_LIMIT 2 per AUTO_MAIL_WINDOW_MINUTES 60');
    expect(sent?.text).toContain('recorded (outcome rejected) but not answered');
    expect(sent?.text).toContain('ventanilla inbound --outcome rejected');

    // A window after the last refusal held back: refusals go out again, and a new run is told anew.
    run.minutes(61);
    for (let i = 0; i < 3; i++) await run.forged();
    expect((await alerts()).map((a) => a.template)).toEqual(['alert_refusals_capped', 'alert_refusals_capped']);
  });

  it('a mail quarantined: one alert, none more in the window, one again in the next', async () => {
    const { run, mailer, alerts, drain } = await alertRun(ALERTS);
    expect((await unprocessable(run)).outcome).toBe('quarantined');
    run.minutes(30);
    expect((await unprocessable(run)).outcome).toBe('quarantined');
    const [alert, ...more] = await alerts();
    expect(more).toEqual([]);
    expect(alert?.template).toBe('alert_mail_quarantined');

    await drain();
    expect(mailer.sent).toHaveLength(1);
    const [sent] = mailer.sent;
    expectAlert(sent, 'a mail was quarantined');
    expect(sent?.text).toContain('ventanilla quarantine');
    expect(sent?.text).toContain('ventanilla replay');

    run.minutes(31);
    await unprocessable(run);
    expect(await alerts()).toHaveLength(2);
  });

  it("an administrator's answer to an alert opens no ticket and is answered by nothing", async () => {
    const { run, alerts } = await alertRun(ALERTS);
    await unprocessable(run);
    const [alert] = await alerts();
    const answer = mail({ headers: { From: 'Jefa <jefa@example.org>', Subject: `Re: ${alert?.subject}`, 'In-Reply-To': alert?.messageId ?? null, References: alert?.messageId ?? null } });
    const result = await run.app.pipeline.ingest(answer, { source: 'stdin' });
    expect(result.ticketNumber).toBeNull();
    expect(result.detail).toBe("an answer to an administrators' alert: no ticket");
    expect(await run.app.db.ticket.count()).toBe(0);
    expect(await run.app.db.outboxMail.count()).toBe(1);
  });

  it('a replay that fails again alerts nobody: the operator running it reads its report', async () => {
    const { run, alerts } = await alertRun(ALERTS);
    await run.app.pipeline.ingest(mail({ headers: { From: null } }), { source: 'replay', sourceRef: 'quarantine:1' });
    expect(await alerts()).toEqual([]);
  });

  it('unset: nothing is mailed, the log warns as before', async () => {
    const { run, alerts } = await alertRun({ UNKNOWN_SENDER_POLICY: 'reject', REFUSAL_LIMIT: '1' });
    for (let i = 0; i < 3; i++) await run.forged();
    await unprocessable(run);
    expect(await alerts()).toEqual([]);
    expect(run.logged.filter((l) => l.code === 'REFUSALS_CAPPED')).toHaveLength(1);
  });
});
