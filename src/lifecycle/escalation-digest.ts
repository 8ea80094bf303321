import type { Logger } from 'pino';
import { createSignedMessageId, domainOf } from '../domain/thread-refs.js';
import { formatInstant } from '../outbound/notice-context.js';
import { supportFrom } from '../outbound/notices.js';
import { statusLabel } from '../outbound/locale.js';
import { inTransaction, type Db } from '../store/database.js';
import { forgetHeld, heldEscalations, type HeldEscalation } from '../store/held-escalation-repo.js';
import { automaticMailsTo, insertOutboxMail } from '../store/outbox-repo.js';
import { sendEachGroup } from './digest-groups.js';
import type { LifecycleDeps } from './transitions.js';

// An outage breaches many SLAs at once; AUTO_MAIL_LIMIT keeps the lead from getting a mail each (the last one
// says so), and the rest were only events on their tickets. Those held back are listed in one mail to the same
// people once their window has room again: the lead hears of every breach, in one mail, not in fifty.

/** Escalation contacts get their digests in the desk's language, as their escalations. */
const LOCALE = 'es';

/**
 * Sends each group of recipients the escalations held for it, when their window has room; returns how many. A group
 * whose digest fails keeps its escalations for the next run, and the others are sent (digest-groups.ts).
 */
export async function runEscalationDigests(db: Db, deps: LifecycleDeps, now: Date, log?: Pick<Logger, 'error'>): Promise<{ digests?: number; listed?: number }> {
  const report = { digests: 0, listed: 0 };
  const groups = new Map<string, HeldEscalation[]>();
  await inTransaction(db, async (tx) => {
    for (const held of heldEscalations(tx)) {
      const key = JSON.stringify(held.recipients);
      groups.set(key, [...(groups.get(key) ?? []), held]);
    }
  });
  const named = [...groups.values()].map((items) => ({ name: (items[0]?.recipients ?? []).join(', '), items }));
  await sendEachGroup('escalation digest', named, async (items) => {
    const sent = await inTransaction(db, async (tx) => {
      const n = deps.notices;
      const to = items[0]?.recipients ?? [];
      if ((await automaticMailsTo(tx, to[0] ?? '', new Date(now.getTime() - n.automaticCap.windowMs))) >= n.automaticCap.limit) return false;
      const format = (d: Date) => formatInstant(d, LOCALE, n.calendar.config.timeZone);
      const first = items[0] as HeldEscalation;
      const rendered = n.renderer.renderFully('escalation_digest', LOCALE, {
        ticket: { number: first.ticketNumber, subject: first.subject, status: first.status, priority: 'medium' },
        contact: { name: null, email: to[0] ?? '', country: null },
        support: { name: n.supportName, address: n.supportAddress, hours: n.calendar.describeHours(LOCALE) },
        digest: {
          count: items.length,
          windowMinutes: Math.round(n.automaticCap.windowMs / 60_000),
          items: items.map((h) => ({ number: h.ticketNumber, subject: h.subject, level: h.level, kind: h.kind, dueAt: format(h.dueAt), status: statusLabel(h.status, LOCALE) })),
        },
      });
      await insertOutboxMail(tx, {
        idempotencyKey: `digest:${first.id}-${items.at(-1)?.id}`,
        ticketId: null,
        template: 'escalation_digest',
        fromAddress: supportFrom(n),
        to,
        cc: [],
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        // Signed for "ticket 0", as access mails: a bounce of it is known as ours, an answer joins no ticket.
        messageId: createSignedMessageId(n.secret, 0, domainOf(n.supportAddress)),
        headers: { inReplyTo: null, references: [], replyTo: null, extra: { 'X-Auto-Response-Suppress': 'All', 'X-Loop': n.supportAddress, 'Auto-Submitted': 'auto-generated' } },
        attachments: [],
        automatic: true,
        now,
      });
      forgetHeld(tx, items.map((h) => h.id));
      return true;
    });
    if (sent) {
      report.digests++;
      report.listed += items.length;
    }
  }, log);
  // Like the other jobs' reports: nothing said when nothing was done.
  return report.digests > 0 ? report : {};
}
