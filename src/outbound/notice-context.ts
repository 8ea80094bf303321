import { zonePhrase } from '../domain/calendar.js';
import { articlesAndLink } from '../knowledge/for-notice.js';
import type { Tx } from '../store/database.js';
import type { NoticeTicket } from '../store/notice-queries.js';
import { LOCALE_TAGS, businessPeriod, subjectIn, type Locale } from './locale.js';
import type { NoticeDeps, NoticeRequest } from './notices.js';
import type { TemplateContext } from './templates.js';

// What a ticket's notice tells, as of the instant it is written: the mail queued with the change that causes it
// (notices.ts), and an acknowledgement held back by ACK_LIMIT, written again when it goes (held-acknowledgements.ts).

const formats = new Map<string, (instant: Date) => string>();

/**
 * "martes, 9 de diciembre de 2026, 20:00 (hora de Ciudad de México)": a date in customer mail names the business
 * zone, as the hours in the footer do (zonePhrase), since a reader in Lisbon or New York would otherwise read
 * 20:00 as their own time.
 */
export function formatInstant(instant: Date, locale: Locale, timeZone: string): string {
  // Building a DateTimeFormat costs far more than using one (it showed in the scheduler's profile): keep them.
  const key = `${locale} ${timeZone}`;
  let format = formats.get(key);
  if (!format) {
    const dateTime = new Intl.DateTimeFormat(LOCALE_TAGS[locale], { dateStyle: 'full', timeStyle: 'short', timeZone });
    const zone = ` (${zonePhrase(timeZone, locale)})`;
    formats.set(key, (format = (at: Date) => dateTime.format(at) + zone));
  }
  return format(instant);
}

/**
 * The time by which support answers, while it has not: the first response's due time. One already past when the
 * mail is written (an acknowledgement held back for hours, a status notice after the target was missed) would
 * promise an answer by a time gone: the mail says "a la brevedad posible" instead (dueAsap: templates/partials/details).
 */
function answerBy(ticket: NoticeTicket, now: Date, format: (d: Date) => string): Pick<TemplateContext, 'dueAt' | 'dueAsap'> {
  const due = ticket.firstRespondedAt ? null : ticket.firstResponseDueAt;
  if (!due) return {};
  return due.getTime() <= now.getTime() ? { dueAsap: true } : { dueAt: format(due) };
}

/** The request's fields a notice's words come from. */
export type NoticeWording = Pick<NoticeRequest, 'notice' | 'now' | 'writtenAt' | 'deadline' | 'windowHours' | 'closedAfter' | 'answerUnread' | 'answeredBy' | 'issueRef' | 'escalation'>;

/**
 * The templates' context of a notice about `ticket` in `locale`, dates as of `req.now`; `capMinutes`: set on the
 * escalation that fills its lead's AUTO_MAIL_LIMIT window.
 */
export function noticeContext(tx: Tx, deps: NoticeDeps, req: NoticeWording, ticket: NoticeTicket, locale: Locale, body?: string, capMinutes?: number): TemplateContext {
  const format = (d: Date) => formatInstant(d, locale, deps.calendar.config.timeZone);
  return {
    ticket: { number: ticket.number, subject: subjectIn(ticket.subject, locale), status: ticket.status, priority: ticket.priority },
    contact: { name: ticket.requester.name, email: ticket.requester.email, country: ticket.requester.country },
    support: { name: deps.supportName, address: deps.supportAddress, hours: deps.calendar.describeHours(locale) },
    ...answerBy(ticket, req.writtenAt ?? req.now, format),
    deadline: req.deadline ? format(req.deadline) : undefined,
    window: req.windowHours === undefined ? undefined : businessPeriod(req.windowHours, deps.calendar.hoursPerDay, locale),
    body,
    closedAfter: req.closedAfter,
    answerUnread: req.answerUnread,
    answeredBy: req.answeredBy,
    issueRef: req.issueRef ?? ticket.productIssueRef ?? undefined,
    previous: ticket.followUpOf ? { ...ticket.followUpOf, subject: subjectIn(ticket.followUpOf.subject, locale) } : undefined,
    ...(req.notice === 'acknowledgement' || req.notice === 'follow_up_created' ? articlesAndLink(tx, deps.knowledge, deps.secret, ticket, req.now, locale) : {}),
    escalation: req.escalation && {
      level: req.escalation.level,
      kind: req.escalation.kind,
      dueAt: format(req.escalation.dueAt),
      target: `${req.escalation.targetHours} h`,
      organisation: ticket.requester.organisation,
      requester: ticket.requester.email,
      capMinutes,
    },
  };
}
