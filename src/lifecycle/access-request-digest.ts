import type { Logger } from 'pino';
import { domainOf } from '../domain/thread-refs.js';
import { accessRecipient, enqueueAccessMail } from '../outbound/access-mails.js';
import { ACCESS_REQUESTED, accessRequestsSent, forgetSettledAccessRequests, organisationOf, owedAccessRequests, type AccessOrganisation, type OwedAccessRequest } from '../store/access-repo.js';
import { inTransaction, type Db } from '../store/database.js';
import { addTicketEvent } from '../store/tickets-repo.js';
import { sendEachGroup } from './digest-groups.js';
import type { LifecycleDeps } from './transitions.js';

// Under UNKNOWN_SENDER_POLICY=hold an organisation's administrators get one access request per AUTO_MAIL_WINDOW
// (stages/access.ts); the senders who wrote meanwhile are owed one. Here they are listed together, in one request,
// once the window has room: a flood of unknown senders is one mail an hour to the administrators, not one each.

/**
 * One owed request per organisation; returns how many requests went out and how many people they listed. An
 * organisation whose request fails stays owed for the next run, and the others are asked (digest-groups.ts).
 */
export async function runAccessRequestDigests(db: Db, deps: LifecycleDeps, now: Date, log?: Pick<Logger, 'error'>): Promise<{ requests?: number; listed?: number }> {
  const report = { requests: 0, listed: 0 };
  const groups = await owedByOrganisation(db);
  const named = [...groups.values()].map((group) => ({ name: `${group.org.name} (administrators: ${group.org.admins.map((a) => a.email).join(', ') || 'none'})`, items: group }));
  await sendEachGroup('access-request digest', named, async ({ org, items }) => {
    const listed = await inTransaction(db, async (tx) => {
      if (org.admins.length === 0) return 0;
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
      accessRequestsSent(tx, items.map((item) => item.ticketId));
      return people.size;
    });
    if (listed > 0) {
      report.requests++;
      report.listed += listed;
    }
  }, log);
  // Like the other jobs' reports: nothing said when nothing was done.
  return report.requests > 0 ? report : {};
}

/**
 * The owed requests by organisation, each organisation read once per run: the one its people's requests go to, with
 * its administrators, used for its group's request too (it was read again there, and for every owed person before).
 */
async function owedByOrganisation(db: Db): Promise<Map<number, { org: AccessOrganisation; items: OwedAccessRequest[] }>> {
  const groups = new Map<number, { org: AccessOrganisation; items: OwedAccessRequest[] }>();
  await inTransaction(db, async (tx) => {
    forgetSettledAccessRequests(tx);
    // A requester's organisation is its own link, else its domain's (organisationOf): read once for each of them.
    const known = new Map<string, AccessOrganisation | null>();
    for (const owed of await owedAccessRequests(tx)) {
      const key = owed.requester.organisationId !== null ? `id:${owed.requester.organisationId}` : `domain:${domainOf(owed.requester.email)}`;
      if (!known.has(key)) known.set(key, await organisationOf(tx, owed.requester));
      const org = known.get(key);
      if (!org) continue;
      const group = groups.get(org.id) ?? { org, items: [] };
      group.items.push(owed);
      groups.set(org.id, group);
    }
  });
  return groups;
}
