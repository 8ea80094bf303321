import type { Tx } from './database.js';
import { dateOf, sqlOf } from './sql.js';
import { ccsOf } from './tickets-repo.js';

export interface NoticeTicket {
  id: number;
  number: number;
  subject: string;
  status: string;
  priority: string;
  productIssueRef: string | null;
  firstResponseDueAt: Date | null;
  firstRespondedAt: Date | null;
  requester: { email: string; name: string | null; locale: string | null; country: string | null; organisation: string | null };
  ccs: string[];
  followUpOf: { number: number; subject: string } | null;
  /** Message-IDs of the ticket's mails, oldest first (for In-Reply-To / References). */
  messageIds: string[];
}

type NoticeRow = Pick<NoticeTicket, 'id' | 'number' | 'subject' | 'status' | 'priority' | 'productIssueRef'> & {
  firstResponseDueAt: string | null;
  firstRespondedAt: string | null;
  email: string;
  name: string | null;
  locale: string | null;
  country: string | null;
  organisation: string | null;
  organisationCountry: string | null;
  followUpNumber: number | null;
  followUpSubject: string | null;
};

/** The ticket's last message now: what a notice owed now is threaded to, whenever it is rendered. */
export function lastMessageOf(tx: Tx, ticketId: number): number {
  return sqlOf(tx).get<{ id: number | null }>('SELECT max("id") AS "id" FROM "Message" WHERE "ticketId" = ?', ticketId)?.id ?? 0;
}

/**
 * What a notice needs to know about its ticket (direct SQL, store/sql.ts: every notice reads it). `messagesUpTo`:
 * only the ticket's messages up to that row id count for its threading (a notice owed then, rendered later).
 */
export async function noticeTicket(tx: Tx, ticketId: number, messagesUpTo?: number): Promise<NoticeTicket> {
  const sql = sqlOf(tx);
  const t = sql.get<NoticeRow>(
    `SELECT t."id", t."number", t."subject", t."status", t."priority", t."productIssueRef", t."firstResponseDueAt", t."firstRespondedAt",
       c."email", c."name", c."locale", c."country", o."name" AS "organisation", o."country" AS "organisationCountry",
       f."number" AS "followUpNumber", f."subject" AS "followUpSubject"
     FROM "Ticket" t JOIN "Contact" c ON c."id" = t."requesterId" LEFT JOIN "Organisation" o ON o."id" = c."organisationId"
       LEFT JOIN "Ticket" f ON f."id" = t."followUpOfId"
     WHERE t."id" = ?`,
    ticketId,
  );
  if (!t) throw new Error(`notice for ticket id ${ticketId}: no such ticket`);
  const messages = sql.all<{ messageId: string }>(
    'SELECT "messageId" FROM "Message" WHERE "ticketId" = ? AND "id" <= ? AND "messageId" IS NOT NULL AND "internal" = 0 ORDER BY "id"',
    ticketId,
    messagesUpTo ?? Number.MAX_SAFE_INTEGER,
  );
  return {
    id: t.id,
    number: t.number,
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    productIssueRef: t.productIssueRef,
    firstResponseDueAt: dateOf(t.firstResponseDueAt),
    firstRespondedAt: dateOf(t.firstRespondedAt),
    requester: { email: t.email, name: t.name, locale: t.locale, country: t.country ?? t.organisationCountry ?? null, organisation: t.organisation },
    ccs: ccsOf(tx, ticketId),
    followUpOf: t.followUpNumber === null ? null : { number: t.followUpNumber, subject: t.followUpSubject ?? '' },
    messageIds: messages.map((m) => m.messageId),
  };
}

/**
 * `ticket` as a notice addressed to one person alone sees it: that person (a contact, as the requester is) in the
 * requester's place, no copies. A notice about a mail of theirs that only they can act on (too_large: resend it
 * smaller) is theirs; told to the requester, she read "your mail was too large" of a mail she never sent.
 */
export function addressedTo(tx: Tx, ticket: NoticeTicket, email: string): NoticeTicket {
  const c = sqlOf(tx).get<{ email: string; name: string | null; locale: string | null; country: string | null; organisation: string | null }>(
    `SELECT c."email", c."name", c."locale", coalesce(c."country", o."country") AS "country", o."name" AS "organisation"
     FROM "Contact" c LEFT JOIN "Organisation" o ON o."id" = c."organisationId" WHERE c."email" = ?`,
    email.toLowerCase(),
  );
  const person = c ?? { email: email.toLowerCase(), name: null, locale: null, country: null, organisation: null };
  return { ...ticket, requester: person, ccs: [] };
}

/**
 * `ticket` as a notice to its people but `email` sees it: the requester and the copies without that person, who is
 * told in a mail of her own (too_large). The requester left out, the first copy takes her place. Null: nobody else.
 */
export function addressedToOthers(tx: Tx, ticket: NoticeTicket, email: string): NoticeTicket | null {
  const left = email.toLowerCase();
  const ccs = ticket.ccs.filter((cc) => cc.toLowerCase() !== left);
  if (ticket.requester.email.toLowerCase() !== left) return { ...ticket, ccs };
  const [first, ...rest] = ccs;
  return first === undefined ? null : { ...addressedTo(tx, ticket, first), ccs: rest };
}
