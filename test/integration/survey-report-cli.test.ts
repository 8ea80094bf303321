import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { gatewayJobs } from '../../src/scheduler/jobs.js';
import { parseReportDate, surveyReport, type SurveyReport } from '../../src/surveys/report.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';

// `ventanilla survey report` through the real CLI, on surveys sent and answered the way customers do it
// (replies with a bare score). Mexico City is UTC-6.

const NOW = new Date('2026-11-25T10:00:00-06:00'); // a Wednesday, in business hours
let app: TestApp;

const env = () => ({ DATA_DIR: app.dataDir, SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'test-secret-key-0123456789' });

async function answer(template: 'csat_survey' | 'nps_survey', to: string, body: string): Promise<void> {
  const sent = await app.db.outboxMail.findFirstOrThrow({ where: { template, primaryTo: to } });
  const r = await app.pipeline.ingest(mail({ headers: { From: to, 'In-Reply-To': `<${sent.messageId}>`, Subject: `Re: ${sent.subject}` }, body }), { source: 'file' });
  expect(r.outcome, `${to}: ${body}`).toBe('survey_answer');
}

beforeAll(async () => {
  app = await createTestApp({ CSAT_ENABLED: 'true', NPS_ENABLED: 'true' }, () => NOW);
  await app.db.organisation.create({ data: { name: 'Acme MX', country: 'MX', domains: { create: [{ domain: 'acme.mx' }] } } });
  await app.db.organisation.create({ data: { name: 'Conservas PT', country: 'PT', domains: { create: [{ domain: 'conservas.pt' }] } } });
  const solvedBy: Array<[string, string]> = [['a1@acme.mx', 'agent:maria'], ['a2@acme.mx', 'agent:luis'], ['p1@conservas.pt', 'agent:maria'], ['p2@conservas.pt', 'agent:luis']];
  for (const [from, agent] of solvedBy) {
    const r = await app.pipeline.ingest(mail({ headers: { From: from } }), { source: 'file' });
    await replyToTicket(app, { number: r.ticketNumber as number, body: 'Solución.', status: 'solved', actor: agent, now: NOW });
  }
  await gatewayJobs(app).find((j) => j.name === 'nps-campaign')?.run(NOW);
  // Sent before they are answered: a survey still in the outbox is not one sent (survey-report-pending.test.ts).
  await app.drainer().drain();
  await answer('csat_survey', 'a1@acme.mx', 'Bueno');
  await answer('csat_survey', 'a2@acme.mx', 'malo');
  await answer('csat_survey', 'p1@conservas.pt', 'Bom!');
  await answer('nps_survey', 'a1@acme.mx', '10');
  await answer('nps_survey', 'a2@acme.mx', '3');
  await answer('nps_survey', 'p1@conservas.pt', '9');
});
afterAll(async () => app?.dispose());

async function report(...args: string[]): Promise<SurveyReport> {
  const r = await runCli(['survey', 'report', '--json', ...args], { env: env() });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as SurveyReport;
}

describe.skipIf(!cliBuilt)('ventanilla survey report', () => {
  it('CSAT % satisfied, NPS, response rates and counts, as JSON', async () => {
    const all = await report();
    expect(all.from).toBeNull();
    expect(all.by).toBeNull();
    expect(all.csat).toEqual({ sent: 4, answered: 3, responseRate: 75, satisfied: 2, neutral: 0, unsatisfied: 1, satisfiedPercent: 66.7, pending: 0 });
    expect(all.nps).toEqual({ sent: 4, answered: 3, responseRate: 75, promoters: 2, passives: 0, detractors: 1, nps: 33.3, pending: 0 });
    expect(all.groups).toBeUndefined();
  });

  it('--by organisation, agent (and country)', async () => {
    const byOrg = await report('--by', 'organisation');
    expect(byOrg.groups?.map((g) => [g.key, g.csat.satisfiedPercent, g.csat.responseRate, g.nps.nps, g.nps.answered])).toEqual([
      ['Acme MX', 50, 100, 0, 2],
      ['Conservas PT', 100, 50, 100, 1],
    ]);
    const byAgent = await report('--by', 'agent');
    // NPS is about the company, not an agent: its surveys have no agent.
    expect(byAgent.groups?.map((g) => [g.key, g.csat.sent, g.csat.satisfiedPercent, g.nps.sent])).toEqual([
      [null, 0, null, 4],
      ['agent:luis', 2, 0, 0],
      ['agent:maria', 2, 100, 0],
    ]);
    const byCountry = await surveyReport(app.db, { from: null, to: new Date(), by: 'country' });
    expect(byCountry.groups?.map((g) => g.key)).toEqual(['MX', 'PT']);
  });

  it('the text form, and a bad option says what is expected', async () => {
    const text = await runCli(['survey', 'report', '--by', 'organisation'], { env: env() });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('CSAT 66.7% satisfied (2 good, 0 neutral, 1 bad) · 3/4 answered (75.0%)');
    expect(text.stdout).toContain('NPS +33.3 (2 promoters, 0 passives, 1 detractors) · 3/4 answered (75.0%)');
    expect(text.stdout).toContain('Acme MX\n  CSAT 50.0% satisfied');
    const bad = await runCli(['survey', 'report', '--by', 'planet', '--from', 'yesterday'], { env: env() });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('INPUT_UNREADABLE: --by must be one of organisation, country, agent');
    // Swapped dates reported an empty period, as if no survey had been sent: say so instead.
    const swapped = await runCli(['survey', 'report', '--from', '2026-12-01', '--to', '2026-11-01'], { env: env() });
    expect({ code: swapped.code, stdout: swapped.stdout, stderr: swapped.stderr }).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ventanilla: INPUT_UNREADABLE: --from (2026-12-01) is after --to (2026-11-01): the period is empty\n',
    });
  });

  it('--from/--to: days in the business time zone, --to included', async () => {
    const zone = 'America/Mexico_City';
    const period = async (from: string | null, to: string) => surveyReport(app.db, { from: from ? parseReportDate(from, 'from', zone) : null, to: parseReportDate(to, 'to', zone) });
    expect(parseReportDate('2026-11-26', 'from', zone).toISOString()).toBe('2026-11-26T06:00:00.000Z');
    expect(parseReportDate('2026-11-25', 'to', zone).toISOString()).toBe('2026-11-26T06:00:00.000Z');
    expect(parseReportDate('2026-11-25T10:00:00Z', 'to', zone).toISOString()).toBe('2026-11-25T10:00:00.000Z');
    // A time without an offset is the business zone's (UTC-6), whatever the server's zone.
    expect(parseReportDate('2026-11-25T10:00', 'from', zone).toISOString()).toBe('2026-11-25T16:00:00.000Z');
    expect(() => parseReportDate('yesterday', 'from', zone)).toThrow('--from must be a day such as 2026-01-31');
    expect((await period('2026-11-25', '2026-11-25')).nps.sent).toBe(4);
    expect((await period(null, '2026-11-24')).csat.sent).toBe(0);
    expect((await period('2026-11-26', '2026-12-31')).csat).toMatchObject({ sent: 0, satisfiedPercent: null, responseRate: null });
  });

  it('--to a month, a year, a week or a day in any ISO form counts all of it; a period across the new year', async () => {
    const zone = 'America/Mexico_City';
    // "--to 2026-11" ended before 1 November: a month's report was empty ("--from 2026-11 --to 2026-11" refused).
    expect(parseReportDate('2026-11', 'to', zone).toISOString()).toBe('2026-12-01T06:00:00.000Z');
    expect(parseReportDate('2026', 'to', zone).toISOString()).toBe('2027-01-01T06:00:00.000Z');
    expect(parseReportDate('2026-W48', 'to', zone).toISOString()).toBe('2026-11-30T06:00:00.000Z');
    expect(parseReportDate('20261125', 'to', zone).toISOString()).toBe('2026-11-26T06:00:00.000Z');
    expect(parseReportDate('2026-329', 'to', zone).toISOString()).toBe('2026-11-26T06:00:00.000Z');
    expect(parseReportDate('2026-11', 'from', zone).toISOString()).toBe('2026-11-01T06:00:00.000Z');
    expect((await report('--from', '2026-11', '--to', '2026-11')).nps.sent).toBe(4);
    expect((await report('--from', '2026-11-20', '--to', '2027-01-10')).csat.sent).toBe(4);
    expect((await report('--from', '2026-12', '--to', '2027-01')).csat).toMatchObject({ sent: 0, satisfiedPercent: null });
  });

  it('`survey opt-out` / `opt-in` record a wish given by phone: no survey, then surveys again', async () => {
    const optedOut = async () => (await app.db.contact.findUniqueOrThrow({ where: { email: 'p2@conservas.pt' } })).surveysOptedOutAt;
    const out = await runCli(['survey', 'opt-out', 'P2@conservas.pt'], { env: env() });
    expect(out).toMatchObject({ code: 0, stdout: 'p2@conservas.pt now gets no surveys\n' });
    expect(await optedOut()).not.toBeNull();
    expect((await runCli(['survey', 'opt-out', 'p2@conservas.pt'], { env: env() })).stdout).toBe('p2@conservas.pt already gets no surveys\n');
    const unknown = await runCli(['survey', 'opt-out', 'nadie@conservas.pt'], { env: env() });
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/No contact has the address nadie@conservas\.pt/);
    expect((await runCli(['survey', 'opt-in', 'p2@conservas.pt'], { env: env() })).stdout).toBe('p2@conservas.pt now gets surveys\n');
    expect(await optedOut()).toBeNull();
  });
});
