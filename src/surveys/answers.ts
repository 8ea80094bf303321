import type { AnswerValue } from '../domain/survey-scale.js';
import type { Tx } from '../store/database.js';
import { addSurveyAnswer, markSurveyAnsweredAgain, type StoredSurvey, type SurveyAnswerState } from '../store/survey-repo.js';
import { addTicketEvent } from '../store/tickets-repo.js';

export const MAX_COMMENT_CHARS = 2000;

export interface AnswerChange {
  /** A new answer; null keeps the current one (a comment alone). */
  value: AnswerValue | null;
  /** A new comment ('' removes it); undefined keeps the current one. */
  comment?: string;
}

/**
 * Past its time a survey takes no answer and no change, by link or by mail: the page and the mail reader both
 * ask this. (The links' tokens expire at the same instant: they are signed with this time.)
 */
export function surveyClosed(survey: Pick<StoredSurvey, 'expiresAt'>, at: Date): boolean {
  return survey.expiresAt.getTime() < at.getTime();
}

/** Comments are kept as written, without control characters, trimmed, at most MAX_COMMENT_CHARS. */
export function cleanComment(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').trim().slice(0, MAX_COMMENT_CHARS);
}

/**
 * Records an answer or a change of it: a new row in the history and the survey's current answer. When nothing
 * changes (a link clicked twice, a form sent again) no row is added, only the time of the latest answer.
 */
export async function saveSurveyAnswer(
  tx: Tx,
  survey: StoredSurvey,
  change: AnswerChange,
  meta: { channel: 'web' | 'mail'; dedupKey?: string | null; now: Date },
): Promise<'saved' | 'unchanged'> {
  const comment = change.comment === undefined ? survey.comment : cleanComment(change.comment) || null;
  const next: SurveyAnswerState = {
    rating: change.value ? change.value.rating : (survey.rating as SurveyAnswerState['rating']),
    score: change.value ? change.value.score : survey.score,
    comment,
  };
  const answered = survey.answeredAt !== null;
  if (answered && next.rating === survey.rating && next.score === survey.score && next.comment === survey.comment) {
    // A repeat is still the latest answer: dated, so that a different answer read late but sent before it loses.
    await markSurveyAnsweredAgain(tx, survey.id, meta.now);
    return 'unchanged';
  }
  await addSurveyAnswer(tx, survey.id, next, { channel: meta.channel, dedupKey: meta.dedupKey ?? null, at: meta.now });
  if (survey.ticketId !== null) {
    const what = [next.rating, next.score === null ? null : String(next.score), next.comment ? 'with a comment' : null].filter(Boolean).join(', ');
    await addTicketEvent(tx, { ticketId: survey.ticketId, type: answered ? 'csat_changed' : 'csat_answered', actor: survey.contactEmail, detail: `${what} (${meta.channel})`, at: meta.now });
  }
  return 'saved';
}
