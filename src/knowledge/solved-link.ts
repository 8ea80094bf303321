// "This article solved it": the link under the articles of the mail that opens a ticket, /kb/solved?t=<token>.
// The token (src/http/tokens.ts: HMAC under SECRET_KEY, expiring, a purpose of its own) names the ticket and its
// requester's address; the page closes that ticket only if both still match.

import { signToken, verifyToken, type TokenResult } from '../http/tokens.js';

export const SOLVED_PATH = '/kb/solved';
const PURPOSE = 'kb_solved';
/** As long as a ticket can sensibly be open on a question an article answers. */
export const SOLVED_LINK_DAYS = 30;

export interface SolvedTokenPayload {
  /** ticket id */
  t: number;
  /** the requester's address */
  e: string;
}

export function solvedToken(secret: string, ticketId: number, requester: string, now: Date): string {
  return signToken(secret, PURPOSE, { t: ticketId, e: requester.toLowerCase() } satisfies SolvedTokenPayload, new Date(now.getTime() + SOLVED_LINK_DAYS * 86_400_000));
}

export function readSolvedToken(secret: string, token: string, now: Date): TokenResult<SolvedTokenPayload> {
  const result = verifyToken<Partial<SolvedTokenPayload> | null>(secret, PURPOSE, token, now);
  if (!result.ok) return result;
  const p = result.payload;
  return p && Number.isInteger(p.t) && typeof p.e === 'string' ? { ok: true, payload: { t: p.t as number, e: p.e } } : { ok: false, reason: 'malformed' };
}
