import { answerFromReply, isSurveyScale } from '../../domain/survey-scale.js';
import { isOnlyThanks } from '../../domain/thanks.js';
import type { Tx } from '../../store/database.js';
import type { InboundOutcome } from '../../store/inbound-log-repo.js';
import { surveyAnswerDedupExists, surveyByMessageIds } from '../../store/survey-repo.js';
import { saveSurveyAnswer } from '../../surveys/answers.js';
import { CSAT_SCORE_WORDS } from '../../surveys/copy.js';
import type { InboundMail } from '../parse.js';

export interface SurveyReplyInput {
  mail: Pick<InboundMail, 'inReplyTo' | 'references'>;
  sender: string;
  senderName?: string | null;
  /** The reply without quoted history and signature. */
  visibleText: string;
  dedupKey: string;
  now: Date;
}

/**
 * A reply to a survey mail, from the person asked, whose visible text is only a score ("5", "9", "bueno",
 * "mau") is that survey's answer: recorded (with the history), and never a comment that would reopen the
 * ticket; one to an NPS mail that only thanks opens no ticket. Any other reply goes on as an ordinary mail
 * (null). The same reply delivered twice is one answer.
 */
export async function recordSurveyReply(tx: Tx, input: SurveyReplyInput): Promise<{ outcome: InboundOutcome; ticketNumber: number | null; detail: string } | null> {
  const ids = [...(input.mail.inReplyTo ? [input.mail.inReplyTo] : []), ...input.mail.references];
  const survey = await surveyByMessageIds(tx, ids);
  if (!survey || survey.contactEmail !== input.sender.toLowerCase() || !isSurveyScale(survey.scale)) return null;
  const value = answerFromReply(survey.scale, input.visibleText, CSAT_SCORE_WORDS);
  // "¡Gracias!" to the yearly NPS mail, which has no ticket, opened one (and an acknowledgement) for nothing to
  // do. Kept in the inbound log with its raw mail. (To a CSAT mail, it reaches the solved ticket: apply.ts.)
  if (!value && survey.kind === 'nps' && isOnlyThanks(input.visibleText, { name: input.senderName ?? null, address: input.sender })) {
    return { outcome: 'thanks', ticketNumber: null, detail: 'a reply to the NPS survey that only thanks: no ticket' };
  }
  if (!value) return null;
  const ticketNumber = survey.ticket?.number ?? null;
  if (await surveyAnswerDedupExists(tx, input.dedupKey)) return { outcome: 'duplicate', ticketNumber, detail: `${survey.kind} answer already recorded` };
  const saved = await saveSurveyAnswer(tx, survey, { value }, { channel: 'mail', dedupKey: input.dedupKey, now: input.now });
  const answer = value.score ?? value.rating;
  return { outcome: 'survey_answer', ticketNumber, detail: `${survey.kind} ${answer}${saved === 'unchanged' ? ' (unchanged)' : ''}` };
}
