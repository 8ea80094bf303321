import { createHmac } from 'node:crypto';
import { sameText } from '../domain/thread-refs.js';
import { signToken, verifyToken } from '../http/tokens.js';
import { publicUrlOf, type LinkEnv } from '../http/public-url.js';

// The links in bulletin mail: signed tokens (src/http/tokens.ts) that name a subscriber by id, never by
// address, so a URL in a proxy log tells nothing about who it is.

const UNSUBSCRIBE = 'bulletin-unsubscribe';
const CONFIRM = 'bulletin-confirm';
/** List-Unsubscribe links must keep working for as long as someone may keep an old bulletin. */
const UNSUBSCRIBE_LINK_MS = 5 * 365 * 86_400_000;

export interface LinkSettings {
  secret: string;
  /** PUBLIC_URL without a trailing slash. */
  readonly baseUrl: string;
}

/** The link settings of a configuration, its base read at each link (HTTP_PORT 0: known once the server listens). */
export function linkSettings(secret: string, env: LinkEnv): LinkSettings {
  return { secret, get baseUrl() { return publicUrlOf(env); } };
}

export interface UnsubscribePayload {
  /** Subscriber id. */
  s: number;
  /** The bulletin the link came in, if any. */
  b?: number;
}

export interface ConfirmPayload {
  s: number;
  /** The countries asked for, encoded ",AR,MX,". */
  c: string;
}

export function unsubscribeToken(secret: string, payload: UnsubscribePayload, now: Date): string {
  return signToken(secret, UNSUBSCRIBE, payload, new Date(now.getTime() + UNSUBSCRIBE_LINK_MS));
}

export const unsubscribeUrl = (links: LinkSettings, token: string): string => `${links.baseUrl}/bulletins/unsubscribe?t=${token}`;

/** The mailto of List-Unsubscribe: a mail to the bulletin address whose subject names the subscriber. */
export const unsubscribeMailto = (address: string, token: string): string => `mailto:${address}?subject=${encodeURIComponent(`unsubscribe ${token}`)}`;

export function readUnsubscribeToken(secret: string, token: string, now: Date): UnsubscribePayload | null {
  const result = verifyToken<UnsubscribePayload>(secret, UNSUBSCRIBE, token, now);
  return result.ok && Number.isInteger(result.payload.s) ? result.payload : null;
}

export function confirmToken(secret: string, payload: ConfirmPayload, expiresAt: Date): string {
  return signToken(secret, CONFIRM, payload, expiresAt);
}

export const confirmUrl = (links: LinkSettings, token: string): string => `${links.baseUrl}/bulletins/confirm?t=${token}`;

export function readConfirmToken(secret: string, token: string, now: Date): ConfirmPayload | null {
  const result = verifyToken<ConfirmPayload>(secret, CONFIRM, token, now);
  return result.ok && Number.isInteger(result.payload.s) && typeof result.payload.c === 'string' ? result.payload : null;
}

/** One Message-ID per (bulletin, subscriber), signed so that no one else's mail can claim to be ours. */
export function bulletinMessageId(secret: string, bulletinId: number, subscriberId: number, domain: string): string {
  return `vb.${bulletinId}.${subscriberId}.${messageSignature(secret, bulletinId, subscriberId)}@${domain}`;
}

const messageSignature = (secret: string, bulletinId: number, subscriberId: number): string =>
  createHmac('sha256', secret).update(`bulletin:${bulletinId}:${subscriberId}`).digest('base64url').slice(0, 12).replace(/[-_]/g, 'x');

/** The subscriber a bulletin mail of ours went to, by its Message-ID; null when it is not ours or is forged. */
export function subscriberOfMessageId(secret: string, messageId: string): number | null {
  const match = /^vb\.(\d{1,12})\.(\d{1,12})\.([A-Za-z0-9]{12})@/.exec(messageId);
  if (!match) return null;
  const [, bulletinId, subscriberId, signature] = match as unknown as [string, string, string, string];
  return sameText(signature, messageSignature(secret, Number(bulletinId), Number(subscriberId))) ? Number(subscriberId) : null;
}
