import { createHmac, timingSafeEqual } from 'node:crypto';

// Signed, expiring tokens for links in mail (survey answers, unsubscribe): the payload is readable, the
// signature (HMAC-SHA256 under SECRET_KEY, bound to a purpose) makes it unforgeable, and comparison is
// constant-time. No guessable ids appear in URLs.

export type TokenResult<T> = { ok: true; payload: T } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' | 'wrong_purpose' };

const b64 = (buf: Buffer) => buf.toString('base64url');
/**
 * What signToken writes. Checked before decoding: Node's base64url decoder skips any other character, so
 * "<sig>!!" or "<sig>\r\n" would check as "<sig>", and the page would echo that text (form, Location header).
 */
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function signature(secret: string, purpose: string, body: string): Buffer {
  return createHmac('sha256', secret).update(`${purpose}.${body}`).digest().subarray(0, 20);
}

export function signToken(secret: string, purpose: string, payload: object, expiresAt: Date): string {
  const body = b64(Buffer.from(JSON.stringify({ p: purpose, e: Math.floor(expiresAt.getTime() / 1000), d: payload })));
  return `${body}.${b64(signature(secret, purpose, body))}`;
}

export function verifyToken<T>(secret: string, purpose: string, token: string, now: Date): TokenResult<T> {
  const [body, sig, extra] = token.split('.');
  if (!body || !sig || extra !== undefined || body.length > 4000 || !BASE64URL.test(body) || !BASE64URL.test(sig)) return { ok: false, reason: 'malformed' };
  const expected = signature(secret, purpose, body);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad_signature' };
  }
  let parsed: { p?: unknown; e?: unknown; d?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (parsed.p !== purpose) return { ok: false, reason: 'wrong_purpose' };
  if (typeof parsed.e !== 'number' || parsed.e * 1000 < now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, payload: parsed.d as T };
}
