// The links in a survey mail: /survey?t=<token>[&a=<answer>], where the token (src/http/tokens.ts: HMAC under
// SECRET_KEY, expiring) names the survey, its contact and its ticket. The page refuses a token whose names
// do not match the stored survey, so a token cannot be replayed for another ticket or contact.

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

/** Checks the signature and the expiry; a signed token of the wrong shape is malformed. */
export function readSurveyToken(secret: string, token: string, now: Date): TokenResult<SurveyTokenPayload> {
  const result = verifyToken<unknown>(secret, SURVEY_TOKEN_PURPOSE, token, now);
  if (!result.ok) return result;
  return isPayload(result.payload) ? { ok: true, payload: result.payload } : { ok: false, reason: 'malformed' };
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
