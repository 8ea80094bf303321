import { accessRecipient, enqueueAccessMail } from '../outbound/access-mails.js';
import { ACCESS_REQUESTED, organisationOf, owedAccessRequests, type OwedAccessRequest } from '../store/access-repo.js';
import { inTransaction, type Db } from '../store/database.js';
import { addTicketEvent } from '../store/tickets-repo.js';
import type { LifecycleDeps } from './transitions.js';

// Under UNKNOWN_SENDER_POLICY=hold an organisation's administrators get one access request per AUTO_MAIL_WINDOW
// (stages/access.ts); the senders who wrote meanwhile are owed one. Here they are listed together, in one request,
// once the window has room: a flood of unknown senders is one mail an hour to the administrators, not one each.

/** One owed request per organisation; returns how many requests went out and how many people they listed. */
export async function runAccessRequestDigests(db: Db, deps: LifecycleDeps, now: Date): Promise<{ requests?: number; listed?: number }> {
  const report = { requests: 0, listed: 0 };
  const groups = new Map<string, OwedAccessRequest[]>();
  await inTransaction(db, async (tx) => {
    for (const owed of await owedAccessRequests(tx)) {
      const org = await organisationOf(tx, owed.requester);
      if (org) groups.set(String(org.id), [...(groups.get(String(org.id)) ?? []), owed]);
    }
  });
  for (const items of groups.values()) {
    const listed = await inTransaction(db, async (tx) => {
      const org = await organisationOf(tx, (items[0] as OwedAccessRequest).requester);
      if (!org || org.admins.length === 0) return 0;
      // One line per person, with every ticket of theirs that waits.
      const people = new Map<string, { email: string; name: string | null; tickets: OwedAccessRequest[] }>();
      for (const item of items) {
        const person = people.get(item.requester.email) ?? { ...item.requester, tickets: [] };
        people.set(item.requester.email, { ...person, tickets: [...person.tickets, item] });
      }
      const [first, ...others] = [...people.values()];
      if (!first) return 0;
      const sent = await enqueueAccessMail(tx, deps.notices, {
        template: 'access_request',
        to: org.admins.map(accessRecipient),
        idempotencyKey: `access_request:owed:${org.id}:${items[0]?.ticketId}-${items.at(-1)?.ticketId}`,
        autoSubmitted: 'auto-generated',
        now,
        context: {
          organisation: org.name,
          domains: org.domains.join(', '),
          requester: { email: first.email, name: first.name },
          ticketNumber: (first.tickets[0] as OwedAccessRequest).number,
          subject: (first.tickets[0] as OwedAccessRequest).subject,
          others: others.map((p) => ({ email: p.email, name: p.name, tickets: p.tickets.map((t) => `#${t.number}`).join(', ') })),
        },
        oncePerMs: deps.notices.automaticCap.windowMs,
      });
      if (!sent.queued) return 0;
      for (const item of items) await addTicketEvent(tx, { ticketId: item.ticketId, type: ACCESS_REQUESTED, actor: 'system', detail: `listed in a request to ${sent.to.join(', ')}`, at: now });
      return people.size;
    });
    if (listed > 0) {
      report.requests++;
      report.listed += listed;
    }
  }
  // Like the other jobs' reports: nothing said when nothing was done.
  return report.requests > 0 ? report : {};
}
