// "This article solved it": the link under the articles of the mail that opens a ticket, /kb/solved?t=<token>.
// The token (src/http/tokens.ts: HMAC under SECRET_KEY, expiring, a purpose of its own) names the ticket and its
// requester; the page closes that ticket only if both still match. The requester is named by a keyed hash, not by
// the address: the link passes through link scanners, proxies and their logs, and the token's body is only base64.

import { createHmac } from 'node:crypto';
import { signToken, verifyToken, type TokenResult } from '../http/tokens.js';

export const SOLVED_PATH = '/kb/solved';
const PURPOSE = 'kb_solved';
/** As long as a ticket can sensibly be open on a question an article answers. */
export const SOLVED_LINK_DAYS = 30;

export interface SolvedTokenPayload {
  /** ticket id */
  t: number;
  /** whether `address` is the requester the link was made for */
  requesterIs: (address: string) => boolean;
}

/** 64 bits of HMAC of the address: enough to tell the requester changed, nothing to read the address back from. */
const requesterHash = (secret: string, address: string) => createHmac('sha256', secret).update(`${PURPOSE}:${address.toLowerCase()}`).digest('base64url').slice(0, 11);

export function solvedToken(secret: string, ticketId: number, requester: string, now: Date): string {
  return signToken(secret, PURPOSE, { t: ticketId, h: requesterHash(secret, requester) }, new Date(now.getTime() + SOLVED_LINK_DAYS * 86_400_000));
}

export function readSolvedToken(secret: string, token: string, now: Date): TokenResult<SolvedTokenPayload> {
  const result = verifyToken<{ t?: unknown; h?: unknown; e?: unknown } | null>(secret, PURPOSE, token, now);
  if (!result.ok) return result;
  const p = result.payload;
  if (!p || !Number.isInteger(p.t)) return { ok: false, reason: 'malformed' };
  const { h, e } = p;
  // `e`: the address itself, as links sent before this form carried it (they last SOLVED_LINK_DAYS).
  if (typeof h === 'string') return { ok: true, payload: { t: p.t as number, requesterIs: (address) => requesterHash(secret, address) === h } };
  if (typeof e === 'string') return { ok: true, payload: { t: p.t as number, requesterIs: (address) => address.toLowerCase() === e } };
  return { ok: false, reason: 'malformed' };
}
