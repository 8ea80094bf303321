import type { Rating } from '../domain/survey-scale.js';
import { UNRESOLVED_STATUSES } from '../domain/ticket-status.js';
import { placeholders, sqlOf } from './sql.js';
import type { Db, Tx } from './database.js';

export interface StoredSurvey {
  id: number;
  kind: string;
  contactId: number;
  ticketId: number | null;
  scale: string;
  locale: string;
  expiresAt: Date;
  rating: string | null;
  score: number | null;
  comment: string | null;
  answeredAt: Date | null;
  contactEmail: string;
  ticket: { number: number; subject: string } | null;
}

const surveyInclude = { contact: { select: { email: true } }, ticket: { select: { number: true, subject: true } } } as const;

type SurveyRow = Awaited<ReturnType<Db['surveyRequest']['findFirstOrThrow']>> & { contact: { email: string }; ticket: { number: number; subject: string } | null };

function toStored(row: SurveyRow): StoredSurvey {
  const { contact, ticket, ...rest } = row;
  return {
    id: rest.id, kind: rest.kind, contactId: rest.contactId, ticketId: rest.ticketId, scale: rest.scale, locale: rest.locale, expiresAt: rest.expiresAt,
    rating: rest.rating, score: rest.score, comment: rest.comment, answeredAt: rest.answeredAt, contactEmail: contact.email, ticket,
  };
}

export interface NewSurveyRequest {
  kind: 'csat' | 'nps';
  surveyKey: string;
  contactId: number;
  ticketId: number | null;
  organisationId: number | null;
  country: string | null;
  agent: string | null;
  scale: string;
  locale: string;
  messageId: string;
  sentAt: Date;
  expiresAt: Date;
}

// Asking a survey is direct SQL (store/sql.ts): the NPS campaign and the CSAT mails run it inside scheduler ticks.
export async function surveyKeyExists(tx: Tx, surveyKey: string): Promise<boolean> {
  return sqlOf(tx).get('SELECT 1 FROM "SurveyRequest" WHERE "surveyKey" = ?', surveyKey) !== undefined;
}

export async function createSurveyRequest(tx: Tx, d: NewSurveyRequest): Promise<number> {
  return sqlOf(tx).run(
    `INSERT INTO "SurveyRequest" ("kind", "surveyKey", "contactId", "ticketId", "organisationId", "country", "agent", "scale", "locale", "messageId", "sentAt", "expiresAt")
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    d.kind, d.surveyKey, d.contactId, d.ticketId, d.organisationId, d.country, d.agent, d.scale, d.locale, d.messageId, d.sentAt, d.expiresAt,
  ).id;
}

export async function surveyById(tx: Tx | Db, id: number): Promise<StoredSurvey | null> {
  const row = await tx.surveyRequest.findUnique({ where: { id }, include: surveyInclude });
  return row ? toStored(row) : null;
}

/**
 * The unanswered survey of a mail that came back undelivered to its contact: one of `failed` (the addresses the
 * bounce names) is the survey's. A bounce that names another address (a forward or an alias of the contact's that
 * failed; the survey mail has no copies) says nothing about the contact's own copy, which reached them.
 */
export async function dropSurveyOfBouncedMail(tx: Tx, messageId: string, failed: string[]): Promise<void> {
  const addresses = [...new Set(failed.map((a) => a.toLowerCase()))];
  if (addresses.length === 0) return;
  await tx.surveyRequest.deleteMany({ where: { messageId, rating: null, score: null, contact: { email: { in: addresses } } } });
}

/**
 * The surveys of these mails, taken back before they left (the contact opted out, the address was suppressed): never
 * asked, so the report does not count them as sent.
 */
export async function dropSurveysOfMails(tx: Tx, messageIds: string[]): Promise<void> {
  if (messageIds.length === 0) return;
  await tx.surveyRequest.deleteMany({ where: { messageId: { in: messageIds } } });
}

/** The survey whose mail one of these Message-IDs names (a reply's In-Reply-To / References). */
export async function surveyByMessageIds(tx: Tx, messageIds: string[]): Promise<StoredSurvey | null> {
  const ids = messageIds.slice(-100);
  if (ids.length === 0) return null;
  // Most replies answer no survey: a direct indexed look first (store/sql.ts), the full read only on a hit.
  const hit = sqlOf(tx).get<{ id: number }>(`SELECT "id" FROM "SurveyRequest" WHERE "messageId" IN (${placeholders(ids.length)}) ORDER BY "id" DESC LIMIT 1`, ...ids);
  if (!hit) return null;
  const row = await tx.surveyRequest.findUnique({ where: { id: hit.id }, include: surveyInclude });
  return row ? toStored(row) : null;
}

/** The text and HTML of the mail that asked this survey (the outbox keeps them): what a reply may quote. */
export function surveyMailBody(tx: Tx, surveyId: number): { text: string; html: string } | null {
  return sqlOf(tx).get<{ text: string; html: string }>('SELECT o."text", o."html" FROM "OutboxMail" o JOIN "SurveyRequest" s ON o."messageId" = s."messageId" WHERE s."id" = ?', surveyId) ?? null;
}

export async function surveyAnswerDedupExists(tx: Tx, dedupKey: string): Promise<boolean> {
  return (await tx.surveyAnswer.count({ where: { dedupKey } })) > 0;
}

export interface SurveyAnswerState {
  rating: Rating | null;
  score: number | null;
  comment: string | null;
}

/** One more answer in the history, and the survey's current answer. */
export async function addSurveyAnswer(tx: Tx, surveyId: number, state: SurveyAnswerState, meta: { channel: 'web' | 'mail'; dedupKey: string | null; at: Date }): Promise<void> {
  await tx.surveyAnswer.create({ data: { requestId: surveyId, ...state, channel: meta.channel, dedupKey: meta.dedupKey, createdAt: meta.at } });
  await tx.surveyRequest.update({ where: { id: surveyId }, data: { ...state, answeredAt: meta.at } });
}

/**
 * The current answer given again (a link clicked twice, the same score by mail): no new history row, but it is the
 * customer's latest word, so a mail answer read late that reached the mailbox before it does not win over it.
 */
export async function markSurveyAnsweredAgain(tx: Tx, surveyId: number, at: Date): Promise<void> {
  await tx.surveyRequest.updateMany({ where: { id: surveyId, answeredAt: { lt: at } }, data: { answeredAt: at } });
}

/**
 * An answer older than the survey's current one, read late: in the history (with its own time), the survey unchanged.
 * The comment stays the survey's: a mail answer carries none.
 */
export async function addSupersededAnswer(tx: Tx, surveyId: number, value: Pick<SurveyAnswerState, 'rating' | 'score'>, meta: { channel: 'web' | 'mail'; dedupKey: string | null; at: Date }): Promise<void> {
  await tx.surveyAnswer.create({ data: { requestId: surveyId, rating: value.rating, score: value.score, comment: null, channel: meta.channel, dedupKey: meta.dedupKey, createdAt: meta.at } });
}

export async function surveyHistory(db: Db | Tx, surveyId: number) {
  return db.surveyAnswer.findMany({ where: { requestId: surveyId }, orderBy: { id: 'asc' } });
}

export interface SurveyContact {
  id: number;
  email: string;
  name: string | null;
  locale: string | null;
  /** The contact's, else its organisation's. */
  country: string | null;
  organisationId: number | null;
}

export async function requesterOf(tx: Tx, ticketId: number): Promise<SurveyContact | null> {
  const t = await tx.ticket.findUnique({ where: { id: ticketId }, select: { requester: { include: { organisation: { select: { country: true } } } } } });
  if (!t) return null;
  const c = t.requester;
  return { id: c.id, email: c.email, name: c.name, locale: c.locale, country: c.country ?? c.organisation?.country ?? null, organisationId: c.organisationId };
}

// ---- NPS campaign ----

/** NPS surveys asked since `since` (the daily cap counts them). */
export async function npsAskedSince(db: Db, since: Date): Promise<number> {
  return db.surveyRequest.count({ where: { kind: 'nps', sentAt: { gte: since } } });
}

export interface NpsCandidate extends SurveyContact {
  /** The contact's latest ticket (what made it active). */
  latestTicketId: number;
}

/**
 * Contacts with a ticket (not held for authorisation, not opened by machine-written mail: surveys/suppression.ts) created since `activeSince`, none still unresolved (its
 * requester is asked about us once it is solved, not in the middle of it; a held ticket is none being worked on: one
 * forged in the contact's name stays held for good, and kept them from ever being asked), and no
 * NPS survey since `askedSince`, by id after `afterId`.
 */
export async function npsCandidates(db: Db, q: { activeSince: Date; askedSince: Date; afterId: number; limit: number }): Promise<NpsCandidate[]> {
  const rows = await db.contact.findMany({
    where: {
      id: { gt: q.afterId },
      AND: [{ tickets: { some: { createdAt: { gte: q.activeSince }, heldForAuthorisation: false, openedByMachine: null } } }, { tickets: { none: { status: { in: [...UNRESOLVED_STATUSES] }, heldForAuthorisation: false } } }],
      surveyRequests: { none: { kind: 'nps', sentAt: { gte: q.askedSince } } },
    },
    include: { organisation: { select: { country: true } }, tickets: { select: { id: true }, orderBy: { createdAt: 'desc' }, take: 1 } },
    orderBy: { id: 'asc' },
    take: q.limit,
  });
  return rows.map((c) => ({
    id: c.id, email: c.email, name: c.name, locale: c.locale, country: c.country ?? c.organisation?.country ?? null, organisationId: c.organisationId,
    latestTicketId: c.tickets[0]?.id ?? 0,
  }));
}

/**
 * Mail to this address was refused for good (5xx, or every retry failed), and none has reached it since: what the
 * outbox knows of bounces. A mail delivered after the failed one's last try (nextAttemptAt: set to the time of that
 * try when the mail fails, outbox-repo.ts markFailed) says the address works again: a mailbox full for a few days, a relay that refused one mail's
 * content, must not keep its owner from ever being asked again.
 *
 * A mail sent to others while this address was refused for good at RCPT TO (a Cc took it) is no delivery to it: its
 * lastError, cleared when a mail is sent, then names the refusals ("luis@cliente.mx: 550 …; …": failed-tries.ts,
 * OutboxHeaders.refusedForGood). It is a failure to it as well, at its sentAt: the same refusal on a mail with no Cc
 * marks that mail failed, and a Cc taking the mail must not make the address look as if it works.
 *
 * A mail that failed while owed only to others (OutboxHeaders.envelopeTo without this address: it took the mail at an
 * earlier try, and a Cc's 451 ran out the retries) is no failure to it, unless it was refused for good on the way. It
 * is a delivery to it, though, as any mail it took at a try that others refused (primaryTookAt, whatever the row's
 * status: sent, failed only for the Cc, or still owed to it): at that time, also for a row sent later, once the Cc
 * took a retry (its sentAt is then the Cc's, and a refusal of this address in between is no older than its delivery).
 */
/** Whether a list of refusals ("luis@cliente.mx: 550 …; …": failed-tries.ts) names the address asked (f's, s's alike). */
const NAMES_ASKED = (refusals: string) => `instr('; ' || lower(coalesce(${refusals}, '')), '; ' || f."primaryTo" || ':')`;
const NAMES_REFUSED = (row: string) => NAMES_ASKED(`${row}."lastError"`);
const OWED_TO_OTHERS_ONLY = `(json_valid(f."headers") AND json_type(f."headers", '$.envelopeTo') IS 'array'
    AND instr(lower(json_extract(f."headers", '$.envelopeTo')), '"' || f."primaryTo" || '"') = 0
    AND ${NAMES_ASKED(`json_extract(f."headers", '$.refusedForGood')`)} = 0)`;
/**
 * When the failure f was met: a failed mail's last try (its nextAttemptAt, on the drainer's clock since markFailed
 * sets it; before, the time that try was due, never later than the try), a sent one's sending.
 */
const FAILED_AT = `CASE WHEN f."status" = 'failed' THEN f."nextAttemptAt" ELSE f."sentAt" END`;
/**
 * s's last try was owed to the asked address (no envelopeTo, or one naming him). Owed to others only, s's sentAt is
 * theirs: he took it earlier (primaryTookAt, unknown for a row from before that column) or his suppression left him
 * out of it (suppressed-recipients.ts: settled 'sent' for the others), never at that sentAt.
 */
const LAST_TRY_OWED_TO_HIM = `NOT (json_valid(s."headers") AND json_type(s."headers", '$.envelopeTo') IS 'array'
    AND instr(lower(json_extract(s."headers", '$.envelopeTo')), '"' || f."primaryTo" || '"') = 0)`;
/** When s reached the asked address: when he took it while others refused it, else a sent mail's sending owed to him that refused him not. */
const REACHED_AT = `coalesce(s."primaryTookAt", CASE WHEN s."status" = 'sent' AND ${NAMES_REFUSED('s')} = 0 AND ${LAST_TRY_OWED_TO_HIM} THEN s."sentAt" END)`;
export const FAILED_NOT_SINCE_DELIVERED_SQL = `SELECT 1 FROM "OutboxMail" f WHERE f."primaryTo" = ?
  AND ((f."status" = 'failed' AND NOT ${OWED_TO_OTHERS_ONLY}) OR (f."status" = 'sent' AND ${NAMES_REFUSED('f')} > 0))
  AND NOT EXISTS (SELECT 1 FROM "OutboxMail" s WHERE s."primaryTo" = f."primaryTo"
    AND ${REACHED_AT} > ${FAILED_AT}) LIMIT 1`;

export async function mailPermanentlyFailedTo(tx: Tx, address: string): Promise<boolean> {
  return sqlOf(tx).get(FAILED_NOT_SINCE_DELIVERED_SQL, address.toLowerCase()) !== undefined;
}

// ---- Reports ----

export interface SurveyReportRow {
  kind: string;
  rating: string | null;
  score: number | null;
  agent: string | null;
  country: string | null;
  organisation: string | null;
  /** Its mail still waits in the outbox (queued, claimed, due again after a deferral): asked, but not sent yet. */
  pending: boolean;
}

/** Surveys asked in [from, to), with their current answer; those whose mail has not left yet marked `pending`. */
export async function surveysSentBetween(db: Db, from: Date | null, to: Date): Promise<SurveyReportRow[]> {
  const rows = await db.surveyRequest.findMany({
    where: { sentAt: { ...(from ? { gte: from } : {}), lt: to } },
    select: { kind: true, rating: true, score: true, agent: true, country: true, messageId: true, organisation: { select: { name: true } } },
    orderBy: { id: 'asc' },
  });
  // A survey whose mail failed for good (refused at sending, out of retries) never reached anyone: not sent. One whose
  // mail still waits has reached no one yet, unless answered all the same (a try whose connection broke after the
  // mail's end, retried: it got there). (Few rows, the failed and the queue, read apart: a list of every survey's id
  // would pass SQLite's limit on parameters. A survey with no outbox row left was sent.)
  const unsent = await db.outboxMail.findMany({ where: { status: { in: ['failed', 'pending', 'sending'] }, template: { in: ['csat_survey', 'nps_survey'] } }, select: { messageId: true, status: true } });
  const statusOf = new Map(unsent.map((m) => [m.messageId, m.status]));
  return rows
    .filter((r) => statusOf.get(r.messageId) !== 'failed')
    .map(({ organisation, messageId, ...r }) => ({ ...r, organisation: organisation?.name ?? null, pending: statusOf.has(messageId) && r.rating === null && r.score === null }));
}
