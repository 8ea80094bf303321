import { describe, expect, it } from 'vitest';
import { signToken } from '../../../src/http/tokens.js';
import { optOutLink, optOutToken, readOptOutToken, readSurveyToken, surveyLink, surveyToken, tokenMatches, type SurveyIdentity } from '../../../src/surveys/links.js';

const secret = 'survey-secret-0123456789';
const now = new Date('2026-12-01T12:00:00Z');
const expiresAt = new Date('2026-12-31T12:00:00Z');
const csat: SurveyIdentity = { id: 41, contactId: 7, ticketId: 1042, kind: 'csat' };

describe('survey links: signed, expiring tokens', () => {
  it('name the survey, its contact and its ticket, and verify until they expire', () => {
    const token = surveyToken(secret, { ...csat, expiresAt });
    const read = readSurveyToken(secret, token, now);
    expect(read).toEqual({ ok: true, payload: { r: 41, c: 7, t: 1042, k: 'csat' } });
    expect(read.ok && tokenMatches(read.payload, csat)).toBe(true);
    expect(readSurveyToken(secret, token, new Date(expiresAt.getTime() - 1000)).ok).toBe(true);
    expect(readSurveyToken(secret, token, new Date(expiresAt.getTime() + 1000))).toEqual({ ok: false, reason: 'expired' });
  });

  it('an NPS token has no ticket', () => {
    const token = surveyToken(secret, { id: 9, contactId: 7, ticketId: null, kind: 'nps', expiresAt });
    expect(readSurveyToken(secret, token, now)).toEqual({ ok: true, payload: { r: 9, c: 7, t: null, k: 'nps' } });
  });

  it('cannot be tampered with: a changed payload, another key, another purpose (an unsubscribe token)', () => {
    const token = surveyToken(secret, { ...csat, expiresAt });
    const [body, sig] = token.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as { d: { r: number; t: number } };
    payload.d.t = 1043;
    const forged = `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${sig}`;
    expect(readSurveyToken(secret, forged, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(readSurveyToken(secret, `${body}.${sig.slice(0, -2)}AA`, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(readSurveyToken('another-secret-0123456789', token, now)).toEqual({ ok: false, reason: 'bad_signature' });
    const unsubscribe = signToken(secret, 'unsubscribe', { r: 41, c: 7, t: 1042, k: 'csat' }, expiresAt);
    expect(readSurveyToken(secret, unsubscribe, now)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('a genuine token of another shape is malformed', () => {
    expect(readSurveyToken(secret, signToken(secret, 'survey', { r: '41' }, expiresAt), now)).toEqual({ ok: false, reason: 'malformed' });
    expect(readSurveyToken(secret, signToken(secret, 'survey', { r: 1, c: 2, t: 3, k: 'other' }, expiresAt), now)).toEqual({ ok: false, reason: 'malformed' });
    for (const garbage of ['', 'x', 'a.b', '..', `${'a'.repeat(5000)}.b`]) expect(readSurveyToken(secret, garbage, now).ok).toBe(false);
  });

  it('cannot be replayed for another ticket, contact or survey', () => {
    const token = surveyToken(secret, { ...csat, expiresAt });
    const read = readSurveyToken(secret, token, now);
    if (!read.ok) throw new Error('token should verify');
    expect(tokenMatches(read.payload, { ...csat, ticketId: 1043 })).toBe(false);
    expect(tokenMatches(read.payload, { ...csat, contactId: 8 })).toBe(false);
    expect(tokenMatches(read.payload, { ...csat, id: 42 })).toBe(false);
    expect(tokenMatches(read.payload, { ...csat, kind: 'nps' })).toBe(false);
  });

  it('links carry the token and the answer', () => {
    const token = surveyToken(secret, { ...csat, expiresAt });
    expect(surveyLink('https://soporte.example.com', token, 'good')).toBe(`https://soporte.example.com/survey?t=${token}&a=good`);
    expect(surveyLink('https://soporte.example.com', token)).toBe(`https://soporte.example.com/survey?t=${token}`);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });
});

describe('the opt-out link (List-Unsubscribe): signed like the answers, naming the contact', () => {
  it('names the contact and keeps working for years (an old survey mail may be kept)', () => {
    const token = optOutToken(secret, 7, now);
    expect(readOptOutToken(secret, token, now)).toEqual({ ok: true, payload: { c: 7 } });
    expect(readOptOutToken(secret, token, new Date(now.getTime() + 4 * 365 * 86_400_000)).ok).toBe(true);
    expect(optOutLink('https://soporte.example.com', token)).toBe(`https://soporte.example.com/survey/opt-out?t=${token}`);
  });

  it('cannot be tampered with, nor stand in for an answer token (or the reverse)', () => {
    const token = optOutToken(secret, 7, now);
    const [body, sig] = token.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as { d: { c: number } };
    payload.d.c = 8;
    expect(readOptOutToken(secret, `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${sig}`, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(readOptOutToken('another-secret-0123456789', token, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(readOptOutToken(secret, surveyToken(secret, { ...csat, expiresAt }), now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(readSurveyToken(secret, token, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(readOptOutToken(secret, signToken(secret, 'survey-opt-out', { c: '7' }, expiresAt), now)).toEqual({ ok: false, reason: 'malformed' });
  });
});
