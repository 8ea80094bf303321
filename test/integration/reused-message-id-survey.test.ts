import { describe, expect, it } from 'vitest';
import { mail } from '../support/app.js';
import type { ReceivedMail } from '../support/smtp.js';
import { solvedTicketWithSurvey, surveyWebPerTest, type SurveyWeb } from '../support/survey-web.js';

// A survey's answer by mail leaves no message on a ticket, only its inbound log row and the answer. A client that
// sends every mail under one Message-ID (or an edited answer under the first one's) had its second answer dropped
// as a duplicate; and a problem written under that ID left no mark by which a copy of the answer was known. The log
// row keeps the answer's content fingerprint (stages/reused-message-id.ts): another mail is itself, a copy is not.

const { smtp, start } = surveyWebPerTest();
let web: SurveyWeb;

const reply = (survey: ReceivedMail, body: string, date = 'Mon, 23 Nov 2026 10:00:00 -0600') =>
  mail({
    headers: { From: 'Ana Pérez <ana@cliente.mx>', 'In-Reply-To': survey.parsed.messageId as string, Subject: `Re: ${survey.parsed.subject}`, 'Message-ID': '<siempre-el-mismo@cliente.mx>', Date: date },
    body,
  });
const surveyOf = (number: number) => web.app.db.surveyRequest.findFirstOrThrow({ where: { ticket: { number } }, include: { answers: { orderBy: { id: 'asc' } } } });

describe('a different mail under the Message-ID of an answer to a survey', () => {
  it('another score is an answer of its own (the answer changed); a copy of either is a duplicate', async () => {
    web = await start({ CSAT_SCALE: '1-5' });
    const { number, csat } = await solvedTicketWithSurvey(web, smtp(), new Date());
    const first = reply(csat, '3');
    const changed = reply(csat, '5', 'Mon, 23 Nov 2026 10:05:00 -0600');

    expect(await web.app.pipeline.ingest(first, { source: 'file' })).toMatchObject({ outcome: 'survey_answer', ticketNumber: number, detail: 'csat 3' });
    expect(await web.app.pipeline.ingest(changed, { source: 'file' })).toMatchObject({ outcome: 'survey_answer', ticketNumber: number, detail: expect.stringMatching(/^csat 5; Message-ID <siempre-el-mismo@cliente\.mx> reused/) });
    expect(await web.app.pipeline.ingest(changed, { source: 'imap' })).toMatchObject({ outcome: 'duplicate', ticketNumber: number });
    expect(await web.app.pipeline.ingest(first, { source: 'imap' })).toMatchObject({ outcome: 'duplicate', ticketNumber: number });
    expect(await surveyOf(number)).toMatchObject({ score: 5, answers: [expect.objectContaining({ score: 3 }), expect.objectContaining({ score: 5 })] });
  });

  it('a problem written under it reaches the ticket; a copy of the answer after it is still a duplicate', async () => {
    web = await start({ CSAT_SCALE: '1-5' });
    const { number, csat } = await solvedTicketWithSurvey(web, smtp(), new Date());
    const answer = reply(csat, '4');

    expect(await web.app.pipeline.ingest(answer, { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat 4' });
    const problem = await web.app.pipeline.ingest(reply(csat, 'La factura 120 sigue sin timbrar.', 'Tue, 24 Nov 2026 09:00:00 -0600'), { source: 'file' });
    expect(problem).toMatchObject({ outcome: 'reopened', ticketNumber: number });
    expect(await web.app.pipeline.ingest(answer, { source: 'imap' })).toMatchObject({ outcome: 'duplicate', ticketNumber: number });
    expect((await surveyOf(number)).answers.map((a) => a.score)).toEqual([4]);
  });
});
