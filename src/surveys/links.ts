// The links in a survey mail: /survey?t=<token>[&a=<answer>], where the token (src/http/tokens.ts: HMAC under
// SECRET_KEY, expiring) names the survey, its contact and its ticket. The page refuses a token whose names
// do not match the stored survey, so a token cannot be replayed for another ticket or contact.
// The opt-out link (/survey/opt-out?t=<token>, List-Unsubscribe) is signed the same way under a purpose of its
// own, so neither kind of token opens the other's page.

import { signToken, verifyToken, type TokenResult } from '../http/tokens.js';
import type { SurveyKind } from '../domain/survey-scale.js';

export const SURVEY_TOKEN_PURPOSE = 'survey';

export interface SurveyTokenPayload {
  /** SurveyRequest id */
  r: number;
  /** contact id */
  c: number;
  /** ticket id (CSAT), null (NPS) */
  t: number | null;
  k: SurveyKind;
}

export interface SurveyIdentity {
  id: number;
  contactId: number;
  ticketId: number | null;
  kind: string;
}

export function surveyToken(secret: string, survey: SurveyIdentity & { expiresAt: Date }): string {
  const payload: SurveyTokenPayload = { r: survey.id, c: survey.contactId, t: survey.ticketId, k: survey.kind === 'nps' ? 'nps' : 'csat' };
  return signToken(secret, SURVEY_TOKEN_PURPOSE, payload, survey.expiresAt);
}

function isPayload(value: unknown): value is SurveyTokenPayload {
  const p = value as Partial<SurveyTokenPayload> | null;
  return (
    typeof p === 'object' && p !== null && Number.isInteger(p.r) && Number.isInteger(p.c) &&
    (p.t === null || Number.isInteger(p.t)) && (p.k === 'csat' || p.k === 'nps')
  );
}

/** Checks the signature, the purpose and the expiry; a signed token of the wrong shape is malformed. */
function readShaped<T>(secret: string, purpose: string, token: string, now: Date, isShape: (value: unknown) => value is T): TokenResult<T> {
  const result = verifyToken<unknown>(secret, purpose, token, now);
  if (!result.ok) return result;
  return isShape(result.payload) ? { ok: true, payload: result.payload } : { ok: false, reason: 'malformed' };
}

export function readSurveyToken(secret: string, token: string, now: Date): TokenResult<SurveyTokenPayload> {
  return readShaped(secret, SURVEY_TOKEN_PURPOSE, token, now, isPayload);
}

/** The token names exactly this survey, its contact and its ticket. */
export function tokenMatches(payload: SurveyTokenPayload, survey: SurveyIdentity): boolean {
  return payload.r === survey.id && payload.c === survey.contactId && payload.t === survey.ticketId && payload.k === survey.kind;
}

export const SURVEY_PATH = '/survey';

/** The page of a survey, relative to the server (the token is base64url and dots: nothing to escape). */
export function surveyPath(token: string): string {
  return `${SURVEY_PATH}?t=${token}`;
}

export function surveyLink(baseUrl: string, token: string, answer?: string): string {
  return `${baseUrl}${surveyPath(token)}${answer === undefined ? '' : `&a=${encodeURIComponent(answer)}`}`;
}

// ---- "Don't send me surveys": the opt-out link ----

export const OPT_OUT_TOKEN_PURPOSE = 'survey-opt-out';
/** List-Unsubscribe links must keep working as long as someone may keep an old mail: five years, as the bulletins'. */
const OPT_OUT_LINK_MS = 5 * 365 * 86_400_000;

export interface OptOutPayload {
  /** contact id (never the address: a URL in a proxy log tells nothing about who it is) */
  c: number;
}

const isOptOutPayload = (value: unknown): value is OptOutPayload => typeof value === 'object' && value !== null && Number.isInteger((value as Partial<OptOutPayload>).c);

export function optOutToken(secret: string, contactId: number, now: Date): string {
  const payload: OptOutPayload = { c: contactId };
  return signToken(secret, OPT_OUT_TOKEN_PURPOSE, payload, new Date(now.getTime() + OPT_OUT_LINK_MS));
}

export function readOptOutToken(secret: string, token: string, now: Date): TokenResult<OptOutPayload> {
  return readShaped(secret, OPT_OUT_TOKEN_PURPOSE, token, now, isOptOutPayload);
}

export const OPT_OUT_PATH = '/survey/opt-out';

export function optOutLink(baseUrl: string, token: string): string {
  return `${baseUrl}${OPT_OUT_PATH}?t=${token}`;
}
