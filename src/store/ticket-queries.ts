import { UNRESOLVED_STATUSES } from '../domain/ticket-status.js';
import { HELD_FORGED } from './access-repo.js';
import type { Db } from './database.js';
import { deliveriesOf, type DeliveryJson } from './message-delivery.js';

// Read models for the CLI and the JSON output: stable shapes, documented in the README.

export interface TicketSummaryJson {
  number: number;
  subject: string;
  status: string;
  priority: string;
  impact: string;
  urgency: string;
  requester: string;
  ccs: string[];
  followUpOf: number | null;
  /** Held until its sender is authorised (UNKNOWN_SENDER_POLICY=hold): no clock, nothing mailed yet. */
  held: boolean;
  /** Held because its From was not believed (forged, two From fields...): no authorisation of its sender releases it. */
  heldFromNotBelieved: boolean;
  /** SLA levels breached in the current phase (0: within its target), as of the scheduler's last SLA check. */
  escalationLevel: number;
  firstResponseDueAt: string | null;
  firstRespondedAt: string | null;
  resolutionDueAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface AttachmentJson {
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  inline: boolean;
}

export interface MessageJson {
  direction: 'in' | 'out';
  internal: boolean;
  messageId: string | null;
  inReplyTo: string | null;
  from: string;
  fromName: string | null;
  to: string[];
  cc: string[];
  subject: string;
  date: string | null;
  createdAt: string;
  text: string;
  visibleText: string;
  html: string | null;
  attachments: AttachmentJson[];
  /** A mail the desk sent or meant to send: whether it left (cancelled, failed, still queued). Null for the rest. */
  delivery: DeliveryJson | null;
}

export interface TicketDetailJson extends TicketSummaryJson {
  followUps: number[];
  messages: MessageJson[];
  events: Array<{ type: string; fromStatus: string | null; toStatus: string | null; actor: string; detail: string | null; at: string }>;
  /** The tickets this one follows up, newest first, each with its messages: the carried history. */
  history: Array<{ number: number; subject: string; status: string; messages: MessageJson[] }>;
}

/**
 * The hold event of a ticket held as not believed (access-repo.ts HELD_FORGED), if any. No `take`: with one, Prisma
 * read the relation in one query naming every listed ticket's id, past SQLite's parameter limit on a list of 10,000
 * ('query parameter limit exceeded'); a ticket has one such event at most anyway.
 */
const heldForged = { where: { type: 'held_for_authorisation', detail: HELD_FORGED }, select: { type: true, detail: true } } as const;
const summaryInclude = { requester: { select: { email: true } }, ccs: true, followUpOf: { select: { number: true } }, events: heldForged } as const;

type SummaryRow = Awaited<ReturnType<typeof findSummaries>>[number];

export interface TicketFilter {
  status?: string;
  /** Only tickets past an SLA target and not yet solved or closed (an escalation's level above 0). */
  breached?: boolean;
}

function whereOf(filter: TicketFilter) {
  return {
    ...(filter.status ? { status: filter.status } : {}),
    // Solved and closed tickets keep the level they reached, but nobody owes them an answer any more.
    ...(filter.breached ? { escalationLevel: { gt: 0 }, AND: [{ status: { in: [...UNRESOLVED_STATUSES] } }] } : {}),
  };
}

function findSummaries(db: Db, filter: TicketFilter, take: number) {
  return db.ticket.findMany({ where: whereOf(filter), include: summaryInclude, orderBy: { number: 'desc' }, take });
}

function toSummary(t: SummaryRow): TicketSummaryJson {
  return {
    number: t.number,
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    impact: t.impact,
    urgency: t.urgency,
    requester: t.requester.email,
    ccs: t.ccs.map((c) => c.email).sort(),
    followUpOf: t.followUpOf?.number ?? null,
    held: t.heldForAuthorisation,
    // `tickets show` reads every event of the ticket: the hold event is looked for among them.
    heldFromNotBelieved: t.heldForAuthorisation && t.events.some((e) => e.type === 'held_for_authorisation' && e.detail === HELD_FORGED),
    escalationLevel: t.escalationLevel,
    firstResponseDueAt: t.firstResponseDueAt?.toISOString() ?? null,
    firstRespondedAt: t.firstRespondedAt?.toISOString() ?? null,
    resolutionDueAt: t.resolutionDueAt?.toISOString() ?? null,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

/** Tickets listed when no limit is given: a desk of years has hundreds of thousands, too many to read whole. */
export const DEFAULT_TICKET_LIST_LIMIT = 10_000;

/**
 * The newest `limit` tickets, oldest first (the newest end next to the prompt). The cap kept the oldest ones
 * before, which hid a desk's newest tickets, the ones an agent looks for; ticketCount says how many there are.
 */
export async function listTickets(db: Db, filter: TicketFilter & { limit?: number } = {}): Promise<TicketSummaryJson[]> {
  const rows = await findSummaries(db, filter, filter.limit ?? DEFAULT_TICKET_LIST_LIMIT);
  return rows.reverse().map(toSummary);
}

export async function ticketCount(db: Db, filter: TicketFilter = {}): Promise<number> {
  return db.ticket.count({ where: whereOf(filter) });
}

async function messagesOf(db: Db, ticketId: number): Promise<MessageJson[]> {
  const rows = await db.message.findMany({ where: { ticketId }, include: { attachments: true }, orderBy: { id: 'asc' } });
  // Only the desk's own mails (dedupKey out:<Message-ID>): an inbound mail might carry one of our Message-IDs.
  const ours = (m: (typeof rows)[number]) => (m.direction === 'out' && m.messageId !== null && m.dedupKey === `out:${m.messageId}` ? m.messageId : null);
  const recipients = (m: (typeof rows)[number]) => ({ to: JSON.parse(m.toList) as string[], cc: JSON.parse(m.ccList) as string[] });
  const deliveries = await deliveriesOf(db, rows.flatMap((m) => {
    const messageId = ours(m);
    const { to, cc } = recipients(m);
    return messageId === null ? [] : [{ messageId, recipients: [...to, ...cc] }];
  }));
  return rows.map((m) => ({
    direction: m.direction === 'out' ? 'out' : 'in',
    internal: m.internal,
    messageId: m.messageId,
    inReplyTo: m.inReplyTo,
    from: m.fromAddress,
    fromName: m.fromName,
    ...recipients(m),
    subject: m.subject,
    date: m.sentAt?.toISOString() ?? null,
    createdAt: m.createdAt.toISOString(),
    text: m.text,
    visibleText: m.visibleText,
    html: m.html,
    attachments: m.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.size, sha256: a.sha256, inline: a.inline })),
    delivery: deliveries.get(ours(m) ?? '') ?? null,
  }));
}

export async function showTicket(db: Db, number: number): Promise<TicketDetailJson | null> {
  const t = await db.ticket.findUnique({
    where: { number },
    include: { ...summaryInclude, followUps: { select: { number: true } }, events: { orderBy: { id: 'asc' } } },
  });
  if (!t) return null;
  const history: TicketDetailJson['history'] = [];
  let previous = t.followUpOfId;
  for (let depth = 0; previous !== null && depth < 20; depth++) {
    const old = await db.ticket.findUnique({ where: { id: previous } });
    if (!old) break;
    history.push({ number: old.number, subject: old.subject, status: old.status, messages: await messagesOf(db, old.id) });
    previous = old.followUpOfId;
  }
  return {
    ...toSummary(t),
    followUps: t.followUps.map((f) => f.number).sort((a, b) => a - b),
    messages: await messagesOf(db, t.id),
    events: t.events.map((e) => ({ type: e.type, fromStatus: e.fromStatus, toStatus: e.toStatus, actor: e.actor, detail: e.detail, at: e.createdAt.toISOString() })),
    history,
  };
}
