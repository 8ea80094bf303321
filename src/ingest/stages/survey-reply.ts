import { aboveSignature } from '../../domain/signature-block.js';
import { answerFromReply, isSurveyScale, type AnswerValue, type SurveyScale } from '../../domain/survey-scale.js';
import { surveyMailText, writtenAroundQuote } from '../../domain/survey-quote.js';
import { isOnlyCourtesy, isOnlyThanks } from '../../domain/thanks.js';
import { loggedWithOutcome } from '../../store/access-repo.js';
import type { Tx } from '../../store/database.js';
import type { InboundOutcome } from '../../store/inbound-log-repo.js';
import { addSupersededAnswer, surveyAnswerDedupExists, surveyByMessageIds, surveyMailBody, type StoredSurvey } from '../../store/survey-repo.js';
import { setSurveysOptOut } from '../../store/survey-opt-out-repo.js';
import { saveSurveyAnswer, surveyClosed } from '../../surveys/answers.js';
import { asksNoMoreSurveys } from '../../surveys/opt-out-reply.js';
import { CSAT_SCORE_WORDS } from '../../surveys/copy.js';
import type { InboundMail } from '../parse.js';
import { extractVisibleText, htmlToText, isOnlyReplyHeader } from '../visible-text/index.js';
import { textBeforeClosingOriginalMessage } from '../visible-text/reply-headers.js';

export interface SurveyReplyInput {
  mail: Pick<InboundMail, 'inReplyTo' | 'references' | 'text' | 'html'>;
  sender: string;
  senderName?: string | null;
  /** The reply without quoted history and signature. */
  visibleText: string;
  dedupKey: string;
  now: Date;
  /** When the mailbox received it, if earlier than `now` (pipeline.ts IngestSource): the survey's time is judged then. */
  arrivedAt?: Date;
}

type Sender = { name: string | null; address: string };

/** A score is short (domain/survey-scale.ts): where one may end is looked for this far into a reply's first line. */
const SCORE_SEARCH_CHARS = 40;
/** A score with its thanks and sign-off is short too: the sender's signature is looked for this far down. */
const SIGNATURE_SEARCH_CHARS = 120;

/**
 * The score a reply gives: its whole visible text ("9", "Muy satisfecho"), or its first line, or what comes
 * before its first comma or one of the first spaces, when all that follows is courtesy ("9 / ¡Gracias!", "Bueno,
 * gracias", "5 / Saludos, Ana", "9 gracias", "Muy satisfecho gracias"). People thank and sign under or beside a
 * score: read as a thanks, its score was lost (NPS), or as a comment, the solved ticket reopened. Read above
 * the sender's own signature, which Outlook writes with no "-- " line (domain/signature-block.ts): "9 / ¡Gracias!"
 * over a name, job and phones is that score too.
 */
function replyScore(scale: SurveyScale, visibleText: string, sender: Sender): AnswerValue | null {
  // "4 -----Mensaje original-----": a phone client's separator on the line the score was typed on, the quoted mail
  // under it (cut from the visible text by its header block, or told by the survey's text). Only what is before it
  // is the customer's; words under a separator the quote does not follow are more than a score, for the desk.
  const typed = textBeforeClosingOriginalMessage(visibleText) ?? visibleText;
  const text = aboveSignature(typed.trim(), sender, SIGNATURE_SEARCH_CHARS).trim();
  const whole = answerFromReply(scale, text, CSAT_SCORE_WORDS);
  if (whole) return whole;
  const spaces = [...(text.slice(0, SCORE_SEARCH_CHARS).split('\n')[0] ?? '').matchAll(/ /g)].map((m) => m.index);
  for (const cut of [text.indexOf('\n'), text.indexOf(','), ...spaces]) {
    if (cut <= 0 || !isOnlyCourtesy(text.slice(cut + 1), sender)) continue;
    const value = answerFromReply(scale, text.slice(0, cut), CSAT_SCORE_WORDS);
    if (value) return value;
  }
  return null;
}

/**
 * The visible text of what the reply says around a quote of the survey mail (domain/survey-quote.ts), null when it
 * has none or says something in more than one place: each piece with its own signature, reply header ("El ...
 * escribió:" above a marked quote, Outlook's "De: ... Enviado: ..." block above an unmarked one) and marked
 * quotes removed, as from any mail.
 */
function writtenBesideQuote(tx: Tx, survey: StoredSurvey, mail: SurveyReplyInput['mail'], scale: SurveyScale): string | null {
  const body = surveyMailBody(tx, survey.id);
  if (!body) return null;
  const quoted = surveyMailText([body.text, htmlToText(body.html)]);
  const isScore = (line: string) => answerFromReply(scale, line, CSAT_SCORE_WORDS) !== null;
  const pieces = writtenAroundQuote(mail.text.trim() === '' && mail.html ? htmlToText(mail.html) : mail.text, quoted, isScore);
  // Outlook's "De: … Enviado: …" block above its unmarked quote is no piece the customer wrote.
  const said = (pieces ?? []).filter((piece) => !isOnlyReplyHeader(piece)).map((piece) => extractVisibleText(piece)).filter((text) => text !== '');
  return said.length === 1 ? (said[0] as string) : null;
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
  const sender = { name: input.senderName ?? null, address: input.sender };
  const scale = survey.scale;
  // Written under (or above) a quote of the survey mail that nothing marks as a quote: that part alone is read.
  const direct = replyScore(scale, input.visibleText, sender);
  const beside = direct ? null : writtenBesideQuote(tx, survey, input.mail, scale);
  const written = beside ?? input.visibleText;
  const value = direct ?? (beside === null ? null : replyScore(scale, beside, sender));
  // "¡Gracias!" to the yearly NPS mail, which has no ticket, opened one (and an acknowledgement) for nothing to
  // do. Kept in the inbound log with its raw mail. (To a CSAT mail, it reaches the solved ticket: apply.ts.)
  // Its row is all it leaves: a second delivery is known by it (by its fingerprint under a Message-ID, before
  // this stage: reused-message-id.ts; by its key without one, or under a row logged before fingerprints were).
  if (!value && survey.kind === 'nps' && isOnlyThanks(written, sender)) {
    if (await loggedWithOutcome(tx, input.dedupKey, ['thanks'])) return { outcome: 'duplicate', ticketNumber: null, detail: 'thanks to the NPS survey already logged' };
    return { outcome: 'thanks', ticketNumber: null, detail: 'a reply to the NPS survey that only thanks: no ticket' };
  }
  if (!value && asksNoMoreSurveys(aboveSignature(written.trim(), sender, SIGNATURE_SEARCH_CHARS))) {
    // Recorded as the footer's link records it; the solved ticket stays as it is.
    await setSurveysOptOut(tx, survey.contactEmail, input.now);
    return { outcome: 'survey_answer', ticketNumber: survey.ticket?.number ?? null, detail: `${survey.kind}: no more surveys, asked by reply` };
  }
  if (!value) return null;
  const ticketNumber = survey.ticket?.number ?? null;
  if (await surveyAnswerDedupExists(tx, input.dedupKey)) return { outcome: 'duplicate', ticketNumber, detail: `${survey.kind} answer already recorded` };
  const answer = value.score ?? value.rating;
  // The page refuses a survey past its time (routes.ts); a reply is judged by when it reached the mailbox, as an
  // answer on a ticket is (apply.ts). A bare score opens nothing either: as a comment it reopened the ticket, or
  // opened a follow-up of the closed one, for a score nobody can use. Its raw mail is kept with this log line.
  const arrivedAt = input.arrivedAt && input.arrivedAt < input.now ? input.arrivedAt : input.now;
  if (surveyClosed(survey, arrivedAt)) {
    const closed = `(closed ${survey.expiresAt.toISOString()})`;
    const why = survey.answeredAt === null ? `the time to answer this survey is over ${closed}` : `the time to change the answer is over ${closed}; kept: ${survey.score ?? survey.rating}`;
    return { outcome: 'survey_answer', ticketNumber, detail: `${survey.kind} ${answer} not recorded: ${why}` };
  }
  // Read late (the daemon down, a backlog) after a later answer (the page, or a mail that arrived after it): that one
  // is what the customer said last. Kept in the history, with when it arrived; the answer stands.
  if (survey.answeredAt !== null && arrivedAt < survey.answeredAt) {
    await addSupersededAnswer(tx, survey.id, value, { channel: 'mail', dedupKey: input.dedupKey, at: arrivedAt });
    const kept = `${survey.score ?? survey.rating}, given ${survey.answeredAt.toISOString()}`;
    return { outcome: 'survey_answer', ticketNumber, detail: `${survey.kind} ${answer} not the answer: a later one stands (${kept})` };
  }
  // Dated when it reached the mailbox, so that of two mails read late the one that came last stands.
  const saved = await saveSurveyAnswer(tx, survey, { value }, { channel: 'mail', dedupKey: input.dedupKey, now: arrivedAt });
  return { outcome: 'survey_answer', ticketNumber, detail: `${survey.kind} ${answer}${saved === 'unchanged' ? ' (unchanged)' : ''}` };
}
