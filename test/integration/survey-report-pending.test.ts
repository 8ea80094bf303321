import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import type { SurveyReport } from '../../src/surveys/report.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';

// `ventanilla survey report` counts a survey as sent once its mail left the outbox. One still waiting there (queued,
// claimed by a drain, or due again after a 451) has reached no one yet: counted as sent, it lowered the response rate
// of a day whose mails a backlog or a server down held back. It is shown apart, as waiting.

const NOW = new Date('2026-11-25T10:00:00-06:00');
let app: TestApp;
const env = () => ({ DATA_DIR: app.dataDir, SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'test-secret-key-0123456789' });

async function solved(from: string): Promise<void> {
  const r = await app.pipeline.ingest(mail({ headers: { From: from } }), { source: 'file' });
  await replyToTicket(app, { number: r.ticketNumber as number, body: 'Solución.', status: 'solved', actor: 'agent:maria', now: NOW });
}

beforeAll(async () => {
  app = await createTestApp({ CSAT_ENABLED: 'true' }, () => NOW);
  // Two surveys sent, one of them answered; then two more solved tickets whose surveys the outbox still holds: one
  // queued, one due again after a try the server deferred.
  await solved('a1@acme.mx');
  await solved('a2@acme.mx');
  await app.drainer().drain();
  const sent = await app.db.outboxMail.findFirstOrThrow({ where: { template: 'csat_survey', primaryTo: 'a1@acme.mx' } });
  const r = await app.pipeline.ingest(mail({ headers: { From: 'a1@acme.mx', 'In-Reply-To': `<${sent.messageId}>`, Subject: `Re: ${sent.subject}` }, body: 'Bueno' }), { source: 'file' });
  expect(r.outcome).toBe('survey_answer');
  await solved('a3@acme.mx');
  await solved('a4@acme.mx');
  await app.db.outboxMail.updateMany({ where: { template: 'csat_survey', primaryTo: 'a4@acme.mx' }, data: { attempts: 1, lastError: '451 Greylisted, try again later', nextAttemptAt: new Date(NOW.getTime() + 60_000) } });
});
afterAll(async () => app?.dispose());

describe.skipIf(!cliBuilt)('a survey whose mail is still in the outbox', () => {
  it('is not counted as sent: shown apart as waiting (JSON `pending`, the text line)', async () => {
    const r = await runCli(['survey', 'report', '--json'], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as SurveyReport;
    expect(report.csat).toEqual({ sent: 2, answered: 1, responseRate: 50, satisfied: 1, neutral: 0, unsatisfied: 0, satisfiedPercent: 100, pending: 2 });
    expect(report.nps).toMatchObject({ sent: 0, pending: 0 });
    const text = await runCli(['survey', 'report'], { env: env() });
    expect(text.stdout).toContain('CSAT 100.0% satisfied (1 good, 0 neutral, 0 bad) · 1/2 answered (50.0%) · 2 waiting in the outbox');
    expect(text.stdout).not.toMatch(/NPS .*waiting/);
  });
});
