import { domainOf, verifySignedMessageId } from '../../domain/thread-refs.js';
import type { InboundMail } from '../parse.js';
import { isSupportAddress } from './identify.js';

export interface LoopVerdict {
  reason: string;
}

/**
 * Our own mail coming back to us: a Message-ID we signed (a bounce of it, a misrouted copy, another
 * instance's), our X-Loop header, or our own address (or one of its plus-addresses) as the sender.
 */
export function detectLoop(mail: InboundMail, ctx: { secret: string; supportAddress: string; ownAddresses: string[] }): LoopVerdict | null {
  if (mail.messageId && verifySignedMessageId(ctx.secret, mail.messageId) !== null) return { reason: `our own Message-ID ${mail.messageId}` };
  const loops = (mail.headers.get('x-loop') ?? []).map((v) => v.toLowerCase());
  if (loops.some((v) => v.includes(ctx.supportAddress.toLowerCase()))) return { reason: `X-Loop: ${ctx.supportAddress}` };
  const from = mail.from?.address;
  // Its plus-addresses too (a ticket's Reply-To): a copy of our mail coming back under one opened a ticket whose
  // acknowledgement went to ourselves.
  if (from && isSupportAddress(from, ctx.ownAddresses)) return { reason: `sent from our own address ${from}` };
  // A Message-ID in our own format and domain but not signed by us: another instance sharing the domain.
  if (mail.messageId && /^vt\.\d+\./.test(mail.messageId) && domainOf(mail.messageId) === domainOf(ctx.supportAddress)) {
    return { reason: `Message-ID in Ventanilla's format at our domain: ${mail.messageId}` };
  }
  return null;
}

/** Headers only Ventanilla may set: a stranger's copy is removed before any stage reads the mail. */
export function stripReservedHeaders(mail: InboundMail): InboundMail {
  const headers = new Map([...mail.headers].filter(([name]) => !name.startsWith('x-ventanilla-')));
  return headers.size === mail.headers.size ? mail : { ...mail, headers };
}
