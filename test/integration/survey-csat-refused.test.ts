import { describe, expect, it } from 'vitest';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { mail } from '../support/app.js';
import { surveyMailOf, surveyWebPerTest, type SurveyWeb } from '../support/survey-web.js';

// A solved ticket reopens while its CSAT survey is still in the outbox: the survey is withdrawn unless it may have
// reached the customer. A try the SMTP server refused (451 to the end of the mail) left it with no one: withdrawn
// like a survey never tried. A try whose connection broke after the end of the mail, the server's answer lost, may
// have: it stays, to be answered, as one sent does.

const { smtp, start } = surveyWebPerTest();

/** A ticket solved by the agent, its mails (acknowledgement, solution, survey) tried once as the server says. */
async function solvedWhile(web: SurveyWeb, server: () => void): Promise<{ number: number; solvedMail: { messageId: string; subject: string } }> {
  const r = await web.app.pipeline.ingest(mail(), { source: 'file' });
  const number = r.ticketNumber as number;
  await replyToTicket(web.app, { number, body: 'Cargue el nuevo CSD y vuelva a timbrar.', status: 'solved', actor: 'agent:maria', now: new Date() });
  server();
  await web.app.drainer().drain();
  smtp().failWith = null;
  smtp().dropAfterDot = 0;
  const solvedMail = await web.app.db.outboxMail.findFirstOrThrow({ where: { template: 'solved' } });
  return { number, solvedMail };
}

/** The customer answers the solution: it still fails, and the ticket reopens. Then what is due an hour on goes. */
async function stillFails(web: SurveyWeb, number: number, solvedMail: { messageId: string; subject: string }): Promise<void> {
  const answer = mail({ headers: { 'In-Reply-To': solvedMail.messageId, Subject: `Re: ${solvedMail.subject}` }, body: 'Sigue fallando en la sucursal 02.' });
  expect(await web.app.pipeline.ingest(answer, { source: 'file' })).toMatchObject({ outcome: 'reopened', ticketNumber: number });
  await web.app.drainer().drain(() => new Date(Date.now() + 3_600_000));
}

const csatEvents = async (web: SurveyWeb, number: number) =>
  (await web.app.db.ticketEvent.findMany({ where: { ticket: { number }, type: { startsWith: 'csat' } }, orderBy: { id: 'asc' } })).map((e) => [e.type, e.detail]);

describe('a CSAT survey tried before its ticket reopened', () => {
  it('refused by the server (451 to the end of the mail): it never reached the customer, so it is withdrawn, and asked when solved again', async () => {
    const web = await start();
    const { number, solvedMail } = await solvedWhile(web, () => void (smtp().failWith = 451));
    const survey = await web.app.db.outboxMail.findFirstOrThrow({ where: { template: 'csat_survey' } });
    expect(survey).toMatchObject({ status: 'pending', attempts: 1, mayHaveReached: false });
    await stillFails(web, number, solvedMail);
    const delivered = await smtp().waitFor(3); // the acknowledgement, the solution, the reopening's receipt
    expect(surveyMailOf(delivered, 'csat')).toBeUndefined();
    const withdrawn = await web.app.db.outboxMail.findFirstOrThrow({ where: { template: 'csat_survey' } });
    expect(withdrawn.status).toBe('cancelled');
    expect(withdrawn.lastError).toMatch(/^not sent: the ticket was reopened .*; refused by the mail server at its 1 try, never delivered \(last: .*451 Try again later\)$/);
    expect(await web.app.db.surveyRequest.count()).toBe(0);
    const events = await csatEvents(web, number);
    expect(events.map(([type]) => type)).toEqual(['csat_sent', 'csat_withdrawn']);
    expect(events[1]?.[1]).toContain('refused by the mail server at its 1 try, never delivered');
    // Solved again: the survey goes out this time.
    await replyToTicket(web.app, { number, body: 'Corregido en la sucursal 02.', status: 'solved', actor: 'agent:luis', now: new Date() });
    await web.app.drainer().drain();
    expect(surveyMailOf((await smtp().waitFor(5)).slice(3), 'csat')?.envelopeTo).toEqual(['ana@cliente.mx']);
  });

  it('its connection lost after the end of the mail, before the server answered: it may have reached them, so it stays to be answered', async () => {
    const web = await start();
    const { number, solvedMail } = await solvedWhile(web, () => void (smtp().dropAfterDot = 3));
    expect(smtp().droppedAfterDot.some((raw) => /^X-Ventanilla-Survey: csat\r$/im.test(raw.toString('latin1')))).toBe(true);
    expect(await web.app.db.outboxMail.findFirstOrThrow({ where: { template: 'csat_survey' } })).toMatchObject({ status: 'pending', mayHaveReached: true });
    await stillFails(web, number, solvedMail);
    await smtp().waitFor(3);
    // Not sent again (cancelled), not withdrawn: the survey the customer may have is still theirs to answer.
    expect(await web.app.db.outboxMail.findFirstOrThrow({ where: { template: 'csat_survey' } })).toMatchObject({ status: 'cancelled' });
    expect(await web.app.db.surveyRequest.count()).toBe(1);
    expect((await csatEvents(web, number)).map(([type]) => type)).toEqual(['csat_sent']);
  });
});
