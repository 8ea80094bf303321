import { languageToRecord, type LanguageClues } from '../domain/language.js';
import type { TicketView } from '../domain/threading.js';
import { isTicketStatus, type TicketStatus } from '../domain/ticket-status.js';
import { domainOf } from '../domain/thread-refs.js';
import { HELD_FORGED } from './access-repo.js';
import { keepAttachmentContent } from './attachment-contents.js';
import type { Db, Tx } from './database.js';
import { dateOf, placeholders, sqlOf } from './sql.js';

export type StoredTicket = TicketView & { id: number; impact: string; urgency: string };

const FIRST_TICKET_NUMBER = 1000;

interface TicketRow {
  id: number;
  number: number;
  status: string;
  subject: string;
  impact: string;
  urgency: string;
  requesterEmail: string;
  organisationId: number | null;
}

const TICKET_VIEW_SELECT = `SELECT t."id", t."number", t."status", t."subject", t."impact", t."urgency", c."email" AS "requesterEmail", c."organisationId"
  FROM "Ticket" t JOIN "Contact" c ON c."id" = t."requesterId"`;

function toView(row: TicketRow, ccs: string[]): StoredTicket {
  return {
    id: row.id,
    number: row.number,
    status: isTicketStatus(row.status) ? row.status : 'open',
    subject: row.subject,
    impact: row.impact,
    urgency: row.urgency,
    requester: row.requesterEmail,
    ccs,
    organisationId: row.organisationId,
  };
}

/** A ticket's CC addresses, in a stable order. */
export function ccsOf(tx: Tx, ticketId: number): string[] {
  return sqlOf(tx).all<{ email: string }>('SELECT "email" FROM "TicketCc" WHERE "ticketId" = ? ORDER BY "email"', ticketId).map((r) => r.email);
}

// Direct SQL (store/sql.ts): these run for every inbound mail.

export async function ticketByNumber(tx: Tx, number: number): Promise<StoredTicket | null> {
  const row = sqlOf(tx).get<TicketRow>(`${TICKET_VIEW_SELECT} WHERE t."number" = ?`, number);
  return row ? toView(row, ccsOf(tx, row.id)) : null;
}

/**
 * The newest follow-up of a ticket that is not held for authorisation; with `heldFor`, the newest held one whose
 * requester that address is (their own, waiting for their authorisation; not one forged in their name, which no
 * authorisation releases; not one an agent closed unreleased, set aside). Null when there is none.
 */
export async function newestFollowUpOf(tx: Tx, ticketId: number, heldFor?: string): Promise<StoredTicket | null> {
  const row = heldFor
    ? sqlOf(tx).get<TicketRow>(
        `${TICKET_VIEW_SELECT} WHERE t."followUpOfId" = ? AND t."heldForAuthorisation" = 1 AND t."status" <> 'closed' AND c."email" = ?
         AND NOT EXISTS (SELECT 1 FROM "TicketEvent" e WHERE e."ticketId" = t."id" AND e."type" = 'held_for_authorisation' AND e."detail" = ?)
         ORDER BY t."number" DESC LIMIT 1`,
        ticketId, heldFor, HELD_FORGED,
      )
    : sqlOf(tx).get<TicketRow>(`${TICKET_VIEW_SELECT} WHERE t."followUpOfId" = ? AND t."heldForAuthorisation" = 0 ORDER BY t."number" DESC LIMIT 1`, ticketId);
  return row ? toView(row, ccsOf(tx, row.id)) : null;
}

/**
 * For each Message-ID that some stored message has, the tickets whose messages carry it, newest mail first: one
 * ID may be several tickets' (a web form's or an ERP's mailer that writes the same ID for every customer).
 */
export async function ticketsByMessageIds(tx: Tx, messageIds: string[]): Promise<Map<string, StoredTicket[]>> {
  const found = new Map<string, StoredTicket[]>();
  const ids = messageIds.slice(-100);
  if (ids.length === 0) return found;
  const rows = sqlOf(tx).all<TicketRow & { messageId: string }>(
    `SELECT m."messageId", v.* FROM "Message" m JOIN (${TICKET_VIEW_SELECT}) v ON v."id" = m."ticketId" WHERE m."messageId" IN (${placeholders(ids.length)}) ORDER BY m."id" DESC`,
    ...ids,
  );
  const views = new Map<number, StoredTicket>();
  for (const row of rows) {
    let view = views.get(row.id);
    if (!view) views.set(row.id, (view = toView(row, ccsOf(tx, row.id))));
    const carriers = found.get(row.messageId) ?? [];
    if (!carriers.includes(view)) carriers.push(view);
    found.set(row.messageId, carriers);
  }
  return found;
}

/** The message recorded under a key (its row id and raw mail, for ingest/stages/reused-message-id.ts), with its ticket's number. */
export async function messageByDedupKey(tx: Tx, dedupKey: string): Promise<{ id: number; ticketNumber: number; rawSha256: string | null } | null> {
  const row = sqlOf(tx).get<{ id: number; number: number; rawSha256: string | null }>(
    'SELECT m."id", t."number", m."rawSha256" FROM "Message" m JOIN "Ticket" t ON t."id" = m."ticketId" WHERE m."dedupKey" = ?',
    dedupKey,
  );
  return row ? { id: row.id, ticketNumber: row.number, rawSha256: row.rawSha256 } : null;
}

/** What a stored message's sameness with another mail is judged by (ingest/stages/reused-message-id.ts). */
export async function storedMailContent(tx: Tx, messageRowId: number): Promise<{ sentAt: Date | null; subject: string; text: string; html: string | null; attachments: Array<{ sha256: string }> } | null> {
  const sql = sqlOf(tx);
  const row = sql.get<{ sentAt: unknown; subject: string; text: string; html: string | null }>('SELECT "sentAt", "subject", "text", "html" FROM "Message" WHERE "id" = ?', messageRowId);
  if (!row) return null;
  const attachments = sql.all<{ sha256: string }>('SELECT "sha256" FROM "Attachment" WHERE "messageId" = ?', messageRowId);
  return { sentAt: dateOf(row.sentAt), subject: row.subject, text: row.text, html: row.html, attachments };
}

export async function organisationIdForEmail(tx: Tx, email: string): Promise<number | null> {
  const row = sqlOf(tx).get<{ organisationId: number }>('SELECT "organisationId" FROM "OrganisationDomain" WHERE "domain" = ?', domainOf(email));
  return row?.organisationId ?? null;
}

/** The domains registered as the organisation's (lower case). */
export async function organisationDomains(tx: Tx, organisationId: number): Promise<string[]> {
  return sqlOf(tx).all<{ domain: string }>('SELECT "domain" FROM "OrganisationDomain" WHERE "organisationId" = ?', organisationId).map((r) => r.domain.toLowerCase());
}

/** The name kept for a contact (its first mail's, as ensureContact left it), or null. */
export function contactName(tx: Tx, contactId: number): string | null {
  return sqlOf(tx).get<{ name: string | null }>('SELECT "name" FROM "Contact" WHERE "id" = ?', contactId)?.name ?? null;
}

/**
 * Finds the sender's contact, creating it (linked to the organisation owning its domain) on first mail. `clues`:
 * what the mail says of its sender's language, recorded as languageToRecord decides (a guess, never over a
 * language a person set); none for a machine's mail.
 */
export async function ensureContact(
  tx: Tx,
  email: string,
  name: string | null,
  guesses: { clues?: LanguageClues; country?: string | null } = {},
): Promise<{ id: number; organisationId: number | null }> {
  const sql = sqlOf(tx);
  const existing = sql.get<{ id: number; name: string | null; locale: string | null; localeGuessed: unknown; country: string | null; organisationId: number | null }>(
    `SELECT c."id", c."name", c."locale", c."localeGuessed", coalesce(c."country", o."country") AS "country", c."organisationId"
     FROM "Contact" c LEFT JOIN "Organisation" o ON o."id" = c."organisationId" WHERE c."email" = ?`,
    email,
  );
  if (existing) {
    if (!existing.name && name) sql.run('UPDATE "Contact" SET "name" = ? WHERE "id" = ?', name, existing.id);
    const locale = guesses.clues ? languageToRecord({ locale: existing.locale, guessed: Boolean(existing.localeGuessed), country: existing.country }, guesses.clues) : null;
    if (locale) sql.run('UPDATE "Contact" SET "locale" = ?, "localeGuessed" = 1 WHERE "id" = ?', locale, existing.id);
    return { id: existing.id, organisationId: existing.organisationId };
  }
  const organisationId = await organisationIdForEmail(tx, email);
  const organisation = organisationId ? sql.get<{ country: string | null }>('SELECT "country" FROM "Organisation" WHERE "id" = ?', organisationId) : undefined;
  const country = organisation?.country ?? guesses.country ?? null;
  const locale = guesses.clues ? languageToRecord({ locale: null, guessed: false, country }, guesses.clues) : null;
  const created = sql.run(
    'INSERT INTO "Contact" ("email", "name", "locale", "localeGuessed", "country", "role", "authorised", "organisationId", "createdAt") VALUES (?, ?, ?, ?, ?, \'customer\', 0, ?, ?)',
    email, name, locale, locale !== null, country, organisationId, new Date(),
  );
  return { id: created.id, organisationId };
}

export interface NewTicket {
  subject: string;
  requesterId: number;
  impact: string;
  urgency: string;
  priority: string;
  followUpOfId?: number | null;
  ccs: string[];
  createdAt: Date;
  /** UNKNOWN_SENDER_POLICY=hold: held until the sender is authorised. */
  held?: boolean;
  /** Opened by machine-written mail: the evidence ("Auto-Submitted: auto-generated"). Such a ticket gets no survey. */
  openedByMachine?: string | null;
}

export async function createTicket(tx: Tx, input: NewTicket): Promise<{ id: number; number: number }> {
  const sql = sqlOf(tx);
  const last = sql.get<{ number: number | null }>('SELECT max("number") AS "number" FROM "Ticket"');
  const number = Math.max(FIRST_TICKET_NUMBER, (last?.number ?? 0) + 1);
  const { id } = sql.run(
    `INSERT INTO "Ticket" ("number", "subject", "status", "impact", "urgency", "priority", "requesterId", "followUpOfId", "createdAt", "updatedAt", "slaElapsedHours", "escalationLevel", "heldForAuthorisation", "openedByMachine")
     VALUES (?, ?, 'new', ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?)`,
    number, input.subject, input.impact, input.urgency, input.priority, input.requesterId, input.followUpOfId ?? null, input.createdAt, input.createdAt, input.held ?? false, input.openedByMachine ?? null,
  );
  for (const email of new Set(input.ccs)) sql.run('INSERT INTO "TicketCc" ("ticketId", "email") VALUES (?, ?)', id, email);
  return { id, number };
}

export async function addCcs(tx: Tx, ticketId: number, emails: string[]): Promise<void> {
  for (const email of new Set(emails)) sqlOf(tx).run('INSERT OR IGNORE INTO "TicketCc" ("ticketId", "email") VALUES (?, ?)', ticketId, email);
}

export async function setTicketStatus(tx: Tx, ticketId: number, status: TicketStatus, at: Date): Promise<void> {
  await tx.ticket.update({
    where: { id: ticketId },
    data: {
      status,
      updatedAt: at,
      ...(status === 'solved' ? { solvedAt: at } : {}),
      ...(status === 'closed' ? { closedAt: at } : {}),
    },
  });
}

export async function touchTicket(tx: Tx, ticketId: number, at: Date): Promise<void> {
  sqlOf(tx).run('UPDATE "Ticket" SET "updatedAt" = ? WHERE "id" = ?', at, ticketId);
}

export interface TicketEventInput {
  ticketId: number;
  type: string;
  actor: string;
  fromStatus?: string | null;
  toStatus?: string | null;
  detail?: string | null;
  at: Date;
  /** An agent's answer, note or status change: what the command asked, hashed (lifecycle/agent-operation.ts). */
  operationKey?: string;
}

export async function addTicketEvent(tx: Tx, e: TicketEventInput): Promise<void> {
  sqlOf(tx).run(
    'INSERT INTO "TicketEvent" ("ticketId", "type", "fromStatus", "toStatus", "actor", "detail", "createdAt", "operationKey") VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    e.ticketId, e.type, e.fromStatus ?? null, e.toStatus ?? null, e.actor, e.detail ?? null, e.at, e.operationKey ?? null,
  );
}

/** When the ticket's event with this operation key was recorded, the first since `since`; null: none was. */
export function operationRecordedSince(handle: Db | Tx, ticketId: number, operationKey: string, since: Date): Date | null {
  const row = sqlOf(handle).get<{ createdAt: string }>(
    'SELECT "createdAt" FROM "TicketEvent" WHERE "operationKey" = ? AND "ticketId" = ? AND "createdAt" >= ? ORDER BY "id" LIMIT 1',
    operationKey, ticketId, since,
  );
  return row ? dateOf(row.createdAt) : null;
}

export interface NewMessage {
  ticketId: number;
  direction: 'in' | 'out';
  internal?: boolean;
  dedupKey: string;
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  fromAddress: string;
  fromName: string | null;
  to: string[];
  cc: string[];
  subject: string;
  sentAt: Date | null;
  text: string;
  visibleText: string;
  html: string | null;
  rawSha256: string | null;
  createdAt: Date;
  /** `content`: bytes to keep in the database with the message (a small inbound attachment); without it, a blob file holds them. */
  attachments: Array<{ filename: string; contentType: string; size: number; sha256: string; contentId: string | null; inline: boolean; content?: Uint8Array }>;
}

export async function addMessage(tx: Tx, m: NewMessage): Promise<number> {
  const sql = sqlOf(tx);
  const { id } = sql.run(
    `INSERT INTO "Message" ("ticketId", "direction", "internal", "dedupKey", "messageId", "inReplyTo", "references", "fromAddress", "fromName", "toList", "ccList", "subject", "sentAt", "text", "visibleText", "html", "rawSha256", "createdAt")
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    m.ticketId, m.direction, m.internal ?? false, m.dedupKey, m.messageId, m.inReplyTo, m.references.join(' '), m.fromAddress, m.fromName,
    JSON.stringify(m.to), JSON.stringify(m.cc), m.subject, m.sentAt, m.text, m.visibleText, m.html, m.rawSha256, m.createdAt,
  );
  addAttachments(tx, id, m.attachments, m.createdAt);
  return id;
}

function addAttachments(tx: Tx, messageRowId: number, attachments: NewMessage['attachments'], at: Date): void {
  for (const a of attachments) {
    sqlOf(tx).run(
      'INSERT INTO "Attachment" ("messageId", "filename", "contentType", "size", "sha256", "contentId", "inline") VALUES (?, ?, ?, ?, ?, ?, ?)',
      messageRowId, a.filename, a.contentType, a.size, a.sha256, a.contentId, a.inline,
    );
    if (a.content) keepAttachmentContent(tx, a.sha256, a.content, at);
  }
}

/** What a mail read later puts on the message that stood for it (ingest/stages/too-large-read.ts): its parsed content. */
export type MessageContent = Omit<NewMessage, 'ticketId' | 'direction' | 'internal' | 'dedupKey' | 'createdAt'>;

/** Puts a mail's content on its message, which keeps its key, ticket and time; its attachments are added. */
export async function fillInboundMessage(tx: Tx, messageRowId: number, m: MessageContent, at: Date): Promise<void> {
  sqlOf(tx).run(
    `UPDATE "Message" SET "messageId" = ?, "inReplyTo" = ?, "references" = ?, "fromAddress" = ?, "fromName" = ?, "toList" = ?, "ccList" = ?, "subject" = ?, "sentAt" = ?, "text" = ?, "visibleText" = ?, "html" = ?, "rawSha256" = ?
     WHERE "id" = ?`,
    m.messageId, m.inReplyTo, m.references.join(' '), m.fromAddress, m.fromName, JSON.stringify(m.to), JSON.stringify(m.cc), m.subject, m.sentAt, m.text, m.visibleText, m.html, m.rawSha256,
    messageRowId,
  );
  addAttachments(tx, messageRowId, m.attachments, at);
}

/** A ticket's subject, as its first mail gives it (domain/thread-refs.ts ticketSubject). */
export async function setTicketSubject(tx: Tx, ticketId: number, subject: string): Promise<void> {
  sqlOf(tx).run('UPDATE "Ticket" SET "subject" = ? WHERE "id" = ?', subject, ticketId);
}
