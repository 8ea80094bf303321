import type { Tx } from './database.js';

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

/** What a notice needs to know about its ticket, in one read. */
export async function noticeTicket(tx: Tx, ticketId: number): Promise<NoticeTicket> {
  const t = await tx.ticket.findUniqueOrThrow({
    where: { id: ticketId },
    include: {
      requester: { include: { organisation: { select: { name: true, country: true } } } },
      ccs: true,
      followUpOf: { select: { number: true, subject: true } },
      messages: { where: { messageId: { not: null }, internal: false }, select: { messageId: true }, orderBy: { id: 'asc' } },
    },
  });
  return {
    id: t.id,
    number: t.number,
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    productIssueRef: t.productIssueRef,
    firstResponseDueAt: t.firstResponseDueAt,
    firstRespondedAt: t.firstRespondedAt,
    requester: {
      email: t.requester.email,
      name: t.requester.name,
      locale: t.requester.locale,
      country: t.requester.country ?? t.requester.organisation?.country ?? null,
      organisation: t.requester.organisation?.name ?? null,
    },
    ccs: t.ccs.map((c) => c.email),
    followUpOf: t.followUpOf,
    messageIds: t.messages.map((m) => m.messageId as string),
  };
}
