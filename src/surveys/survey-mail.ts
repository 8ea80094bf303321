// Renders a survey mail (CSAT or NPS) into the outbox with the survey it asks, in the caller's transaction.
// Automatic mail (Auto-Submitted: auto-generated): the per-address cap applies, and an auto-responder does
// not answer it. Its Message-ID is signed like a notice's, so a bounce of it is recognised as ours, and it
// is stored with the survey: a reply to it that is only a score is an answer (src/ingest/stages/survey-reply.ts).
// Every survey mail says how to get no more of them: a link in its footer and List-Unsubscribe with RFC 8058
// one-click (Gmail's and Yahoo's rules for bulk senders), both to opt-out-routes.ts.

import { createSignedMessageId, domainOf } from '../domain/thread-refs.js';
import { choicesOf, scaleOf, type SurveyKind } from '../domain/survey-scale.js';
import { formatInstant } from '../outbound/notice-context.js';
import { replyToFor, supportFrom } from '../outbound/notices.js';
import { subjectIn } from '../outbound/locale.js';
import { pickLocale, type TemplateContext } from '../outbound/templates.js';
import type { Tx } from '../store/database.js';
import { noticeTicket } from '../store/notice-queries.js';
import { automaticMailsTo, insertOutboxMail, outboxKeyExists } from '../store/outbox-repo.js';
import { createSurveyRequest, surveyKeyExists, type SurveyContact } from '../store/survey-repo.js';
import { addTicketEvent } from '../store/tickets-repo.js';
import { choiceLabel } from './copy.js';
import type { SurveyDeps } from './deps.js';
import { optOutLink, optOutToken, surveyLink, surveyToken } from './links.js';
import { surveySuppression, type SuppressionReason } from './suppression.js';

export interface SurveyMailRequest {
  kind: SurveyKind;
  /** Unique per survey: also the outbox idempotency key. */
  surveyKey: string;
  contact: SurveyContact;
  /** CSAT: the ticket solved. NPS: the contact's latest ticket, for the template's context only. */
  ticketId: number;
  agent: string | null;
  now: Date;
}

export type SurveyMailResult = { queued: true; surveyId: number } | { queued: false; why: 'duplicate' | SuppressionReason | 'capped' };

export async function enqueueSurveyMail(tx: Tx, deps: SurveyDeps, req: SurveyMailRequest): Promise<SurveyMailResult> {
  if ((await surveyKeyExists(tx, req.surveyKey)) || (await outboxKeyExists(tx, req.surveyKey))) return { queued: false, why: 'duplicate' };
  const { notices } = deps;
  const email = req.contact.email;
  const suppressed = await surveySuppression(tx, email, req.kind, req.now);
  if (suppressed) return { queued: false, why: suppressed };
  if ((await automaticMailsTo(tx, email, new Date(req.now.getTime() - notices.automaticCap.windowMs))) >= notices.automaticCap.limit) return { queued: false, why: 'capped' };

  const csat = req.kind === 'csat';
  const ticket = await noticeTicket(tx, req.ticketId);
  const locale = pickLocale(req.contact);
  const scale = scaleOf(req.kind, deps.settings.csatScale);
  const expiresAt = new Date(req.now.getTime() + deps.settings.linkDays * 86_400_000);
  const messageId = createSignedMessageId(notices.secret, csat ? ticket.number : 0, domainOf(notices.supportAddress));
  const surveyId = await createSurveyRequest(tx, {
    kind: req.kind, surveyKey: req.surveyKey, contactId: req.contact.id, ticketId: csat ? ticket.id : null, organisationId: req.contact.organisationId,
    country: req.contact.country, agent: req.agent, scale, locale, messageId, sentAt: req.now, expiresAt,
  });
  const token = surveyToken(notices.secret, { id: surveyId, contactId: req.contact.id, ticketId: csat ? ticket.id : null, kind: req.kind, expiresAt });
  const optOutUrl = optOutLink(deps.baseUrl, optOutToken(notices.secret, req.contact.id, req.now));
  const ctx: TemplateContext = {
    ticket: { number: ticket.number, subject: subjectIn(ticket.subject, locale), status: ticket.status, priority: ticket.priority },
    contact: { name: req.contact.name, email, country: req.contact.country },
    support: { name: notices.supportName, address: notices.supportAddress, hours: notices.calendar.describeHours(locale) },
    survey: {
      kind: req.kind,
      scale,
      choices: choicesOf(scale).map((value) => ({ value, label: choiceLabel(scale, value, locale), url: surveyLink(deps.baseUrl, token, value) })),
      expiresAt: formatInstant(expiresAt, locale, notices.calendar.config.timeZone),
      optOutUrl,
    },
  };
  const rendered = notices.renderer.render(csat ? 'csat_survey' : 'nps_survey', locale, ctx);
  // CSAT continues the ticket's thread (a reply in words reaches the ticket); NPS starts none.
  const ids = ticket.messageIds;
  const thread = csat && ids.length > 0 ? { inReplyTo: ids.at(-1) ?? null, references: [...new Set([ids[0] as string, ...ids.slice(-9)])] } : { inReplyTo: null, references: [] };
  await insertOutboxMail(tx, {
    idempotencyKey: req.surveyKey,
    ticketId: csat ? ticket.id : null,
    template: csat ? 'csat_survey' : 'nps_survey',
    fromAddress: supportFrom(notices),
    to: [email],
    cc: [],
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId,
    headers: {
      ...thread,
      replyTo: csat ? replyToFor(notices, ticket.number) : null,
      extra: {
        'Auto-Submitted': 'auto-generated',
        'X-Auto-Response-Suppress': 'All',
        'X-Loop': notices.supportAddress,
        'X-Ventanilla-Survey': req.kind,
        // RFC 2369 / RFC 8058. No mailto: unlike the bulletin address, the support address reads every mail
        // as a ticket, and RFC 8058 asks for the https URI only.
        'List-Unsubscribe': `<${optOutUrl}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        ...(csat ? { 'X-Ventanilla-Ticket': String(ticket.number) } : {}),
      },
    },
    attachments: [],
    automatic: true,
    now: req.now,
  });
  if (csat) await addTicketEvent(tx, { ticketId: ticket.id, type: 'csat_sent', actor: 'system', detail: `to ${email}`, at: req.now });
  return { queued: true, surveyId };
}
