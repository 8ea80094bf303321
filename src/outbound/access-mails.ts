import { createSignedMessageId, domainOf } from '../domain/thread-refs.js';
import type { Tx } from '../store/database.js';
import { mailsOfTemplateTo } from '../store/access-repo.js';
import { automaticMailsTo, insertOutboxMail, outboxKeyExists } from '../store/outbox-repo.js';
import { suppressedAmong } from '../store/suppression-repo.js';
import { supportFrom, type NoticeDeps } from './notices.js';
import { pickLocale, type AccessTemplateContext, type AccessTemplateName } from './templates.js';

// Access mails (who may open tickets, README): about a person, not a ticket. Apart from notices.ts, the mails
// about a ticket.

export interface AccessRecipient {
  email: string;
  name: string | null;
  locale: string | null;
  country: string | null;
}

/** Who an access mail is to, from the contact the store knows. */
export const accessRecipient = (c: AccessRecipient): AccessRecipient => ({ email: c.email, name: c.name, locale: c.locale, country: c.country });

export interface AccessMailRequest {
  template: AccessTemplateName;
  /** The first is the addressee (the mail is in their language); the others get a copy. */
  to: AccessRecipient[];
  /** Unique per effect, like a notice's. */
  idempotencyKey: string;
  autoSubmitted: 'auto-replied' | 'auto-generated';
  now: Date;
  /** The mail this one answers (a command, a refused mail), so the reader's client threads them. */
  inReplyTo?: string | null;
  context: Omit<AccessTemplateContext, 'contact' | 'support'>;
  /** At most one mail of this template to the addressee in this window (a refusal per sender per day). */
  oncePerMs?: number;
}

/** `to`: the addresses it was queued to (those suppressed left out). */
export type AccessMailResult = { queued: true; to: string[] } | { queued: false; why: 'duplicate' | 'capped' | 'recently_sent' | 'suppressed' };

/**
 * Renders an access mail into the outbox (no ticket), in the caller's transaction. Automatic mail: the
 * per-address cap of automatic mail applies, as to notices. Its Message-ID is signed for "ticket 0", so
 * that a bounce of it is recognised as our own mail and an answer to it joins no ticket.
 */
export async function enqueueAccessMail(tx: Tx, deps: NoticeDeps, req: AccessMailRequest): Promise<AccessMailResult> {
  if (req.to.length === 0) throw new Error(`access mail ${req.template} has no recipient`);
  if (await outboxKeyExists(tx, req.idempotencyKey)) return { queued: false, why: 'duplicate' };
  // Each address that bounces is left out, not only the first: an organisation's first administrator gone (a
  // hard bounce) kept the request from the others, and a suppressed one in copy was mailed all the same.
  const suppressed = await suppressedAmong(tx, req.to.map((r) => r.email), req.now);
  const to = req.to.filter((r) => !suppressed.has(r.email.toLowerCase()));
  const primary = to[0];
  if (!primary) return { queued: false, why: 'suppressed' };
  if (req.oncePerMs !== undefined && (await mailsOfTemplateTo(tx, req.template, primary.email, new Date(req.now.getTime() - req.oncePerMs))) > 0) {
    return { queued: false, why: 'recently_sent' };
  }
  if ((await automaticMailsTo(tx, primary.email, new Date(req.now.getTime() - deps.automaticCap.windowMs))) >= deps.automaticCap.limit) {
    return { queued: false, why: 'capped' };
  }
  const locale = pickLocale(primary);
  const rendered = deps.renderer.renderAccess(req.template, locale, {
    ...req.context,
    contact: { name: primary.name, email: primary.email, country: primary.country },
    support: { name: deps.supportName, address: deps.supportAddress, hours: deps.calendar.describeHours(locale) },
  });
  const inReplyTo = req.inReplyTo ?? null;
  await insertOutboxMail(tx, {
    idempotencyKey: req.idempotencyKey,
    ticketId: null,
    template: req.template,
    fromAddress: supportFrom(deps),
    to: [primary.email],
    cc: to.slice(1).map((r) => r.email),
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId: createSignedMessageId(deps.secret, 0, domainOf(deps.supportAddress)),
    headers: {
      inReplyTo,
      references: inReplyTo ? [inReplyTo] : [],
      replyTo: null,
      extra: { 'X-Auto-Response-Suppress': 'All', 'X-Loop': deps.supportAddress, 'Auto-Submitted': req.autoSubmitted },
    },
    attachments: [],
    automatic: true,
    now: req.now,
  });
  return { queued: true, to: to.map((r) => r.email) };
}
