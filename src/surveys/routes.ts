// The survey answer endpoints on the public HTTP server (src/http/server.ts):
//   GET  /survey?t=<token>&a=<answer>  a link in the mail: the page, that answer picked, NOT recorded
//   GET  /survey?t=<token>             the page: thanks, the answer (changeable) and a comment form
//   POST /survey?t=<token>             the form's button: answer and comment; every change is kept in the history
// A GET never records: the link scanners of mail providers (Defender Safe Links, Mimecast, Proofpoint...)
// open every link of a mail before the person reads it, so a GET that answered would record each answer in
// turn. As the bulletin's unsubscribe link does (src/bulletins/http-routes.ts), the GET shows a page and
// only its form's POST acts; the token in the form's URL is what a forged POST from elsewhere lacks.
// A token that is malformed, tampered with, expired, or names another survey, contact or ticket gets an
// error page and stores nothing.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../app.js';
import { answerFromValue, isSurveyScale, type AnswerValue, type SurveyScale } from '../domain/survey-scale.js';
import { localeFromAcceptLanguage, sendPage, thisPageWith } from '../http/page-reply.js';
import { deskOf } from '../http/page-template.js';
import { registerRoutes } from '../http/server.js';
import { isLocale, type Locale } from '../outbound/locale.js';
import { inTransaction } from '../store/database.js';
import { surveyById, type StoredSurvey } from '../store/survey-repo.js';
import { saveSurveyAnswer, surveyClosed } from './answers.js';
import { choiceLabel, PAGE_COPY } from './copy.js';
import { readSurveyToken, SURVEY_PATH, tokenMatches } from './links.js';
import { renderErrorPage, renderSurveyPage } from './pages.js';

/** A refusal names the survey only when its link is genuine and past its time (its page tells an answer kept). */
type Opened = { ok: true; survey: StoredSurvey & { scale: SurveyScale }; token: string } | { ok: false; reason: 'invalid' | 'expired'; why: string; survey?: StoredSurvey };

/** The survey a token names, if the token is genuine, unexpired, and matches it in every name. */
async function openSurvey(app: App, token: unknown): Promise<Opened> {
  if (typeof token !== 'string' || token === '') return { ok: false, reason: 'invalid', why: 'no token' };
  const now = app.now();
  const read = readSurveyToken(app.config.secretKey, token, now);
  if (!read.ok && read.reason !== 'expired') return { ok: false, reason: 'invalid', why: read.reason };
  // A genuine link past its time still names its survey (read as of the epoch: signature and shape only).
  const genuine = read.ok ? read : readSurveyToken(app.config.secretKey, token, new Date(0));
  if (!genuine.ok) return { ok: false, reason: 'invalid', why: genuine.reason };
  const found = await surveyById(app.db, genuine.payload.r);
  const survey = found && tokenMatches(genuine.payload, found) ? found : undefined;
  if (!read.ok) return { ok: false, reason: 'expired', why: read.reason, survey };
  if (!survey) return { ok: false, reason: 'invalid', why: 'names another survey, contact or ticket' };
  if (surveyClosed(survey, now)) return { ok: false, reason: 'expired', why: 'survey closed', survey };
  if (!isSurveyScale(survey.scale)) return { ok: false, reason: 'invalid', why: `unknown scale ${survey.scale}` };
  return { ok: true, survey: { ...survey, scale: survey.scale }, token };
}

function refuse(app: App, request: FastifyRequest, reply: FastifyReply, opened: Extract<Opened, { ok: false }>): FastifyReply {
  app.log.warn({ reason: opened.why, ip: request.ip }, 'survey link refused: nothing stored');
  const locale = localeFromAcceptLanguage(request.headers['accept-language']);
  // "No answer was recorded" would tell someone who answered in time that their answer was lost.
  const recorded = recordedLabel(opened.survey, locale);
  return sendPage(reply, opened.reason === 'expired' ? 410 : 400, renderErrorPage(locale, opened.reason, deskOf(app.config), 'answer', recorded));
}

/** The label of the answer a survey keeps, in this language; undefined when it has none. */
function recordedLabel(survey: StoredSurvey | undefined, locale: Locale): string | undefined {
  const value = survey ? currentValue(survey) : null;
  return survey && value !== null && isSurveyScale(survey.scale) ? choiceLabel(survey.scale, value, locale) : undefined;
}

function currentValue(survey: StoredSurvey): string | null {
  if (survey.answeredAt === null) return null;
  return survey.score !== null ? String(survey.score) : survey.rating === 'good' || survey.rating === 'bad' ? survey.rating : null;
}

function showPage(app: App, reply: FastifyReply, opened: Extract<Opened, { ok: true }>, extra: { picked?: string; saved?: boolean; error?: string; status?: number } = {}): FastifyReply {
  const { survey } = opened;
  const body = renderSurveyPage({
    locale: isLocale(survey.locale) ? survey.locale : 'es',
    brand: app.config.supportName,
    kind: survey.kind === 'nps' ? 'nps' : 'csat',
    scale: survey.scale,
    ticket: survey.ticket,
    current: currentValue(survey),
    picked: extra.picked ?? null,
    comment: survey.comment,
    action: thisPageWith(opened.token),
    saved: extra.saved ?? false,
    error: extra.error,
  });
  return sendPage(reply, extra.status ?? 200, body);
}

/**
 * Saves in one transaction, reading the survey again there (another click may have changed it). True when
 * this was the survey's first answer.
 */
async function save(app: App, surveyId: number, value: AnswerValue | null, comment: string | undefined): Promise<boolean> {
  return inTransaction(app.db, async (tx) => {
    const fresh = await surveyById(tx, surveyId);
    if (!fresh) return false;
    await saveSurveyAnswer(tx, fresh, { value, comment }, { channel: 'web', now: app.now() });
    return fresh.answeredAt === null;
  });
}

type Query = { t?: string; a?: string; saved?: string };

registerRoutes((server, app) => {
  // Records nothing (see the top of this file).
  server.get<{ Querystring: Query }>(SURVEY_PATH, async (request, reply) => {
    const opened = await openSurvey(app, request.query.t);
    if (!opened.ok) return refuse(app, request, reply, opened);
    // A value the scale does not offer picks nothing: the page as it is.
    const picked = answerFromValue(opened.survey.scale, request.query.a) ? request.query.a : undefined;
    return showPage(app, reply, opened, { picked, saved: request.query.saved === '1' });
  });

  server.post<{ Querystring: Query; Body: { answer?: unknown; comment?: unknown } | undefined }>(SURVEY_PATH, async (request, reply) => {
    const opened = await openSurvey(app, request.query.t);
    if (!opened.ok) return refuse(app, request, reply, opened);
    const given = typeof request.body?.answer === 'string' ? request.body.answer : undefined;
    const comment = typeof request.body?.comment === 'string' ? request.body.comment : undefined;
    const value = answerFromValue(opened.survey.scale, given);
    if ((given !== undefined && !value) || (!value && opened.survey.answeredAt === null)) {
      const t = PAGE_COPY[isLocale(opened.survey.locale) ? opened.survey.locale : 'es'];
      return showPage(app, reply, opened, { error: t.pickOne, status: 422 });
    }
    const first = await save(app, opened.survey.id, value, comment);
    // Post/Redirect/Get: reloading the page or going back never sends the form again. A first answer gets
    // the page that names it; a change, the page that says it is saved.
    return reply.redirect(first ? thisPageWith(opened.token) : `${thisPageWith(opened.token)}&saved=1`, 303);
  });
});
