// Organisations, their domains and administrators, and which contacts may open tickets
// (UNKNOWN_SENDER_POLICY). The only Prisma code of the sender-authorisation feature.

import { domainOf } from '../domain/thread-refs.js';
import type { Db, Tx } from './database.js';
import { placeholders, sqlOf } from './sql.js';

export const ADMIN_ROLE = 'admin';

export interface AccessContact {
  id: number;
  email: string;
  name: string | null;
  locale: string | null;
  country: string | null;
  role: string;
  authorised: boolean;
  organisationId: number | null;
}

export interface AccessOrganisation {
  id: number;
  name: string;
  country: string | null;
  domains: string[];
  admins: AccessContact[];
}

const contactSelect = { id: true, email: true, name: true, locale: true, country: true, role: true, authorised: true, organisationId: true } as const;

export async function accessContact(tx: Tx | Db, email: string): Promise<AccessContact | null> {
  // Direct SQL (store/sql.ts): every new mail's sender is looked up here.
  const row = sqlOf(tx).get<Omit<AccessContact, 'authorised'> & { authorised: number }>(
    'SELECT "id", "email", "name", "locale", "country", "role", "authorised", "organisationId" FROM "Contact" WHERE "email" = ?',
    email.toLowerCase(),
  );
  return row ? { ...row, authorised: row.authorised === 1 } : null;
}

/** The organisation of a contact: its own link, else the organisation owning its email domain. */
export async function organisationOf(tx: Tx | Db, contact: { email: string; organisationId: number | null }): Promise<AccessOrganisation | null> {
  const id = contact.organisationId ?? (await tx.organisationDomain.findUnique({ where: { domain: domainOf(contact.email) } }))?.organisationId ?? null;
  if (id === null) return null;
  const org = await tx.organisation.findUnique({
    where: { id },
    include: { domains: { orderBy: { domain: 'asc' } }, contacts: { where: { role: ADMIN_ROLE }, select: contactSelect, orderBy: { id: 'asc' } } },
  });
  return org ? { id: org.id, name: org.name, country: org.country, domains: org.domains.map((d) => d.domain), admins: org.contacts } : null;
}

/** Finds the contact, creating it (linked to the organisation owning its domain) when it does not exist. */
export async function findOrCreateContact(tx: Tx, email: string): Promise<{ contact: AccessContact; created: boolean }> {
  const address = email.toLowerCase();
  const existing = await accessContact(tx, address);
  if (existing) return { contact: existing, created: false };
  const domain = await tx.organisationDomain.findUnique({ where: { domain: domainOf(address) }, include: { organisation: true } });
  const contact = await tx.contact.create({
    data: { email: address, organisationId: domain?.organisationId ?? null, country: domain?.organisation.country ?? null },
    select: contactSelect,
  });
  return { contact, created: true };
}

export async function setAuthorisation(
  tx: Tx,
  contactId: number,
  change: { authorised: boolean; role?: string; organisationId?: number | null; by: string; at: Date },
): Promise<void> {
  await tx.contact.update({
    where: { id: contactId },
    data: {
      authorised: change.authorised,
      authorisedAt: change.at,
      authorisedBy: change.by,
      ...(change.role !== undefined ? { role: change.role } : {}),
      ...(change.organisationId !== undefined ? { organisationId: change.organisationId } : {}),
    },
  });
}

/**
 * The detail of the `held_for_authorisation` event of a ticket whose From address failed authentication: the
 * contact it names did not write it, so authorising that contact does not release it (an agent may close it).
 */
export const HELD_FORGED = 'UNKNOWN_SENDER_POLICY=hold; From not authenticated: not released by an authorisation';

/** Tickets of this requester still held for its authorisation (not those forged in its name), oldest first. */
export async function heldTicketsOf(tx: Tx, contactId: number): Promise<Array<{ id: number; number: number; status: string; followUpOfId: number | null }>> {
  const forged = { events: { none: { type: 'held_for_authorisation', detail: HELD_FORGED } } };
  return tx.ticket.findMany({ where: { requesterId: contactId, heldForAuthorisation: true, ...forged }, select: { id: true, number: true, status: true, followUpOfId: true }, orderBy: { number: 'asc' } });
}

/** Whether the ticket is held for its requester's authorisation. */
export async function heldForAuthorisation(tx: Tx, ticketId: number): Promise<boolean> {
  return (await tx.ticket.findUnique({ where: { id: ticketId }, select: { heldForAuthorisation: true } }))?.heldForAuthorisation ?? false;
}

export async function setHeld(tx: Tx, ticketId: number, held: boolean): Promise<void> {
  await tx.ticket.update({ where: { id: ticketId }, data: { heldForAuthorisation: held } });
}

/** The events that say whether a held ticket's administrators were asked about its sender (stages/access.ts). */
export const ACCESS_REQUESTED = 'access_requested';
export const ACCESS_REQUEST_OWED = 'access_request_owed';

export interface OwedAccessRequest {
  ticketId: number;
  number: number;
  subject: string;
  requester: { email: string; name: string | null; organisationId: number | null };
}

/**
 * Held tickets whose administrators are still to be asked about their sender, oldest first. Read every minute, from
 * the rows of what is owed (AccessRequestOwed; CROSS JOIN: those first, each ticket by its key). Not from the owed
 * events, history that only grows (17 ms at 100,000 of them), nor from the tickets: an index on Ticket's
 * heldForAuthorisation, nearly all 0, led SQLite to read the NPS campaign's tickets through it (minutes a tick).
 */
export const OWED_ACCESS_REQUESTS_SQL = `SELECT t."id" AS "ticketId", t."number", t."subject", c."email", c."name", c."organisationId"
  FROM "AccessRequestOwed" owed CROSS JOIN "Ticket" t ON t."id" = owed."ticketId" CROSS JOIN "Contact" c ON c."id" = t."requesterId"
  WHERE t."heldForAuthorisation" = 1 AND t."status" <> 'closed'
  ORDER BY t."number"`;

/** Held tickets whose administrators are still to be asked about their sender (lifecycle/access-request-digest.ts), oldest first. */
export async function owedAccessRequests(tx: Tx): Promise<OwedAccessRequest[]> {
  type Row = { ticketId: number; number: number; subject: string; email: string; name: string | null; organisationId: number | null };
  return sqlOf(tx)
    .all<Row>(OWED_ACCESS_REQUESTS_SQL)
    .map((r) => ({ ticketId: r.ticketId, number: r.number, subject: r.subject, requester: { email: r.email, name: r.name, organisationId: r.organisationId } }));
}

/** The administrators are owed a request about this held ticket's sender (with its ACCESS_REQUEST_OWED event). */
export function oweAccessRequest(tx: Tx, ticketId: number, at: Date): void {
  sqlOf(tx).run('INSERT OR IGNORE INTO "AccessRequestOwed" ("ticketId", "owedAt") VALUES (?, ?)', ticketId, at);
}

/** The request about these tickets' senders went out (with their ACCESS_REQUESTED events): nothing owed any more. */
export function accessRequestsSent(tx: Tx, ticketIds: number[]): void {
  const sql = sqlOf(tx);
  for (const id of ticketIds) sql.run('DELETE FROM "AccessRequestOwed" WHERE "ticketId" = ?', id);
}

/**
 * What is owed for tickets settled otherwise: released (the sender authorised; a ticket is never held again) or
 * closed (final for a held ticket, the only move it may make). Read no more, forgotten by the digest's next run.
 */
export const SETTLED_ACCESS_REQUESTS_SQL = `DELETE FROM "AccessRequestOwed" WHERE "ticketId" IN (
  SELECT owed."ticketId" FROM "AccessRequestOwed" owed CROSS JOIN "Ticket" t ON t."id" = owed."ticketId"
  WHERE t."heldForAuthorisation" = 0 OR t."status" = 'closed')`;

export function forgetSettledAccessRequests(tx: Tx): number {
  return sqlOf(tx).run(SETTLED_ACCESS_REQUESTS_SQL).changes;
}

/**
 * Mails of this template queued to this address since `since` (one access_denied per sender per day). By the address's
 * index: SQLite, without statistics, took the one on (template, createdAt) and read every mail of the template in
 * the period, thousands for a campaign's subscription confirmations (`+` keeps the template out of the choice).
 */
export const MAILS_OF_TEMPLATE_TO_SQL = 'SELECT count(*) AS "n" FROM "OutboxMail" WHERE "primaryTo" = ? AND "createdAt" >= ? AND +"template" = ?';

export async function mailsOfTemplateTo(tx: Tx, template: string, address: string, since: Date): Promise<number> {
  return sqlOf(tx).get<{ n: number }>(MAILS_OF_TEMPLATE_TO_SQL, address.toLowerCase(), since, template)?.n ?? 0;
}

/**
 * Mails of any of these templates (a JSON array) queued to this address since `since`: a limit that counts several
 * kinds, as the "already subscribed" reply counts the confirmation links too. By the address's index, as above.
 */
export const MAILS_OF_TEMPLATES_TO_SQL = 'SELECT count(*) AS "n" FROM "OutboxMail" WHERE "primaryTo" = ? AND "createdAt" >= ? AND +"template" IN (SELECT "value" FROM json_each(?))';

export async function mailsOfTemplatesTo(tx: Tx, templates: readonly string[], address: string, since: Date): Promise<number> {
  return sqlOf(tx).get<{ n: number }>(MAILS_OF_TEMPLATES_TO_SQL, address.toLowerCase(), since, JSON.stringify(templates))?.n ?? 0;
}

/** Mails of this template queued to anyone since `since` (REFUSAL_LIMIT); by the index on (template, createdAt). */
export async function mailsOfTemplateSince(tx: Tx, template: string, since: Date): Promise<number> {
  return sqlOf(tx).get<{ n: number }>('SELECT count(*) AS "n" FROM "OutboxMail" WHERE "template" = ? AND "createdAt" >= ?', template, since)?.n ?? 0;
}

/** Whether a mail with this outcome, its detail containing `marker`, was logged since `since` (by the index on (outcome, receivedAt)). */
export async function loggedSinceWith(tx: Tx, outcome: string, marker: string, since: Date): Promise<boolean> {
  return sqlOf(tx).get('SELECT 1 FROM "InboundLog" WHERE "outcome" = ? AND "receivedAt" >= ? AND instr("detail", ?) > 0 LIMIT 1', outcome, since, marker) !== undefined;
}

/** A mail with no ticket (a command, a refusal) seen before: its log row is its only trace. */
export async function loggedWithOutcome(tx: Tx, dedupKey: string, outcomes: readonly string[]): Promise<boolean> {
  if (outcomes.length === 0) return false;
  return sqlOf(tx).get(`SELECT 1 FROM "InboundLog" WHERE "dedupKey" = ? AND "outcome" IN (${placeholders(outcomes.length)}) LIMIT 1`, dedupKey, ...outcomes) !== undefined;
}

// ---- Organisations (CLI) ----

export async function organisationByName(tx: Tx | Db, name: string): Promise<{ id: number } | null> {
  return tx.organisation.findFirst({ where: { name }, select: { id: true } });
}

/** What `organisations add` set for the organisation of this name: an add run again is told from another by it. */
export async function organisationSettings(tx: Tx | Db, name: string): Promise<{ id: number; country: string | null; plan: string; domains: string[]; admins: string[] } | null> {
  const org = await tx.organisation.findFirst({
    where: { name },
    include: { domains: { orderBy: { domain: 'asc' } }, contacts: { where: { role: ADMIN_ROLE }, select: { email: true }, orderBy: { email: 'asc' } } },
  });
  return org ? { id: org.id, country: org.country, plan: org.slaPlan, domains: org.domains.map((d) => d.domain), admins: org.contacts.map((c) => c.email) } : null;
}

export async function domainOwners(tx: Tx, domains: string[]): Promise<Array<{ domain: string; organisation: string }>> {
  const rows = await tx.organisationDomain.findMany({ where: { domain: { in: domains } }, include: { organisation: { select: { name: true } } } });
  return rows.map((r) => ({ domain: r.domain, organisation: r.organisation.name }));
}

export async function createOrganisation(tx: Tx, input: { name: string; country: string | null; slaPlan: string; domains: string[]; at: Date }): Promise<number> {
  const org = await tx.organisation.create({
    data: { name: input.name, country: input.country, slaPlan: input.slaPlan, createdAt: input.at, domains: { create: input.domains.map((domain) => ({ domain })) } },
  });
  return org.id;
}

/** Contacts that wrote before their organisation was known join it (their domain is now the organisation's). */
export async function linkContactsOfDomains(tx: Tx, organisationId: number, domains: string[]): Promise<number> {
  let linked = 0;
  for (const domain of domains) {
    const result = await tx.contact.updateMany({ where: { organisationId: null, email: { endsWith: `@${domain}` } }, data: { organisationId } });
    linked += result.count;
  }
  return linked;
}

export interface OrganisationRow {
  name: string;
  country: string | null;
  plan: string;
  domains: string[];
  admins: string[];
  contacts: number;
  authorised: number;
}

export async function listOrganisations(db: Db): Promise<OrganisationRow[]> {
  const rows = await db.organisation.findMany({
    orderBy: { name: 'asc' },
    include: { domains: { orderBy: { domain: 'asc' } }, contacts: { select: { email: true, role: true, authorised: true }, orderBy: { email: 'asc' } } },
  });
  return rows.map((o) => ({
    name: o.name,
    country: o.country,
    plan: o.slaPlan,
    domains: o.domains.map((d) => d.domain),
    admins: o.contacts.filter((c) => c.role === ADMIN_ROLE).map((c) => c.email),
    contacts: o.contacts.length,
    authorised: o.contacts.filter((c) => c.authorised || c.role === ADMIN_ROLE).length,
  }));
}

export interface ContactRow {
  email: string;
  name: string | null;
  organisation: string | null;
  role: string;
  authorised: boolean;
  authorisedAt: string | null;
  authorisedBy: string | null;
  heldTickets: number[];
}

export async function listContacts(db: Db, filter: { organisationId?: number } = {}): Promise<ContactRow[]> {
  const rows = await db.contact.findMany({
    where: filter.organisationId !== undefined ? { organisationId: filter.organisationId } : {},
    orderBy: { email: 'asc' },
    include: { organisation: { select: { name: true } }, tickets: { where: { heldForAuthorisation: true }, select: { number: true }, orderBy: { number: 'asc' } } },
  });
  return rows.map((c) => ({
    email: c.email,
    name: c.name,
    organisation: c.organisation?.name ?? null,
    role: c.role,
    authorised: c.authorised || c.role === ADMIN_ROLE,
    authorisedAt: c.authorisedAt?.toISOString() ?? null,
    authorisedBy: c.authorisedBy,
    heldTickets: c.tickets.map((t) => t.number),
  }));
}
