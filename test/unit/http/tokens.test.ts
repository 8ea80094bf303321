import { describe, expect, it } from 'vitest';
import { signToken, verifyToken } from '../../../src/http/tokens.js';

const secret = 'token-secret-0123456789';
const now = new Date('2026-12-01T12:00:00Z');
const later = new Date('2026-12-08T12:00:00Z');

describe('signed, expiring tokens', () => {
  it('round-trip their payload', () => {
    const token = signToken(secret, 'csat', { ticket: 1042, contact: 7 }, later);
    expect(verifyToken(secret, 'csat', token, now)).toEqual({ ok: true, payload: { ticket: 1042, contact: 7 } });
  });
  it('expire', () => {
    const token = signToken(secret, 'csat', { t: 1 }, now);
    expect(verifyToken(secret, 'csat', token, later)).toEqual({ ok: false, reason: 'expired' });
  });
  it('cannot be tampered with: another payload, another key, another purpose', () => {
    const token = signToken(secret, 'csat', { ticket: 1042 }, later);
    const [, sig] = token.split('.');
    const forged = `${Buffer.from(JSON.stringify({ p: 'csat', e: 9_999_999_999, d: { ticket: 1043 } })).toString('base64url')}.${sig}`;
    expect(verifyToken(secret, 'csat', forged, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyToken('other-secret-0123456789', 'csat', token, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyToken(secret, 'unsubscribe', token, now)).toEqual({ ok: false, reason: 'bad_signature' });
  });
  it('are read only as written: characters the base64url decoder would skip (junk, CR LF) make a token malformed', () => {
    // Node's decoder ignores what is not base64url, so "sig!!" or "sig\r\n" would check as "sig": the page would
    // then put that text in its form and in the redirect's Location header (a 500 after the answer was saved).
    const token = signToken(secret, 'csat', { t: 1 }, later);
    for (const suffix of ['!!', '\r\n', ' ', '=', '%']) {
      expect(verifyToken(secret, 'csat', `${token}${suffix}`, now), JSON.stringify(suffix)).toEqual({ ok: false, reason: 'malformed' });
    }
    const [body, sig] = token.split('.') as [string, string];
    expect(verifyToken(secret, 'csat', `${body}\n.${sig}`, now)).toEqual({ ok: false, reason: 'malformed' });
  });
  it('reject garbage', () => {
    for (const bad of ['', 'abc', 'a.b.c', '.', `${'x'.repeat(5000)}.y`]) expect(verifyToken(secret, 'csat', bad, now).ok).toBe(false);
  });
});
