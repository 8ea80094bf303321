// Outbound mail templates: templates/<locale>/<name>.{subject,text,html}.hbs plus shared partials in
// templates/partials/ (footer, greeting, HTML layout), rendered with Handlebars.
//
// Escaping: the HTML part escapes everything the customer or an agent wrote ({{...}}); the subject and the
// text part are plain text, compiled with noEscape. The subject is folded to a single line afterwards, so
// a ticket subject carrying "\r\nBcc: x" can never become a header.

import { join } from 'node:path';
import { templatesDir } from '../paths.js';
import { oneLine } from '../domain/one-line.js';
import { LOCALES, allPhoneLines, isLocale, phoneFor, pickLocale, priorityLabel, statusLabel, type Locale } from './locale.js';
import type { SurveyKind, SurveyScale } from '../domain/survey-scale.js';
import { RenderMemo } from './render-memo.js';
import { sampleContext } from './template-samples.js';
import { TemplateFiles } from './template-files.js';

export { LOCALES, phoneFor, pickLocale, type Locale };

export const TEMPLATE_NAMES = [
  'acknowledgement',
  'answer',
  'pending',
  'on_hold',
  'solved',
  'reopened',
  'in_progress',
  'closed',
  'close_undone',
  'follow_up_created',
  'pending_reminder',
  'escalation',
  'escalation_digest',
  'too_large',
  'csat_survey',
  'nps_survey',
] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/** Sent to escalation contacts, never to the customer: no "[#n]" subject tag, no customer footer. */
export const INTERNAL_TEMPLATES: readonly TemplateName[] = ['escalation', 'escalation_digest'];

/**
 * About the contact (the yearly NPS survey) or several tickets (a lead's digest), not one ticket: no "[#n]" subject
 * tag, so a reply joins no ticket.
 */
export const TICKETLESS_TEMPLATES: readonly TemplateName[] = ['nps_survey', 'escalation_digest'];

export function isTemplateName(value: unknown): value is TemplateName {
  return typeof value === 'string' && (TEMPLATE_NAMES as readonly string[]).includes(value);
}

export interface TemplateContext {
  ticket: { number: number; subject: string; status: string; priority: string; statusLabel?: string; priorityLabel?: string };
  contact: { name: string | null; email: string; country: string | null };
  /** name: SUPPORT_NAME, the desk as its mail names it (header, signature); hours: a sentence already localised by the caller. */
  support: { name: string; address: string; hours: string };
  /** Already formatted by the caller in the contact's locale. */
  dueAt?: string;
  /** The answer-by time has passed already: the mail says "a la brevedad posible" instead (outbound/notice-context.ts). */
  dueAsap?: boolean;
  deadline?: string;
  /** pending, solved: how long the customer has until the deadline, already localised ("5 días hábiles"). */
  window?: string;
  body?: string;
  /**
   * closed by the lifecycle timer: the status whose window (`window`) ran out, given as the reason; close_undone: the
   * status whose window the answer came in (the close it says was a mistake).
   */
  closedAfter?: 'pending' | 'solved';
  /** close_undone to the others on the ticket when the answer was too large to read: "a mail about it came in time". */
  answerUnread?: boolean;
  /**
   * close_undone when the answer in time was not the requester's (a colleague in copy): who sent it, by name or else
   * address. The one mail goes to the requester and the copies: it names the reply's sender instead of "your reply".
   */
  answeredBy?: string;
  issueRef?: string;
  previous?: { number: number; subject?: string };
  /** capMinutes: set on the escalation that fills the lead's AUTO_MAIL_LIMIT window (the next ones are not mailed). */
  escalation?: { level: number; kind: 'warning' | 'breach'; dueAt: string; target: string; organisation?: string | null; requester?: string; capMinutes?: number };
  /** escalation_digest: the escalations AUTO_MAIL_LIMIT held back, each ticket's status now (already localised). */
  digest?: { count: number; windowMinutes: number; items: Array<{ number: number; subject: string; level: number; kind: 'warning' | 'breach'; dueAt: string; status: string }> };
  /** acknowledgement, follow_up_created: knowledge-base articles matching the customer's words (DOMAIN.md rule 10). */
  articles?: Array<{ title: string; url: string }>;
  /** With the articles: the link where the customer says one solved it, which closes the ticket (src/knowledge). */
  solvedUrl?: string;
  /** csat_survey, nps_survey: the one-click answers (links already signed) and until when they work. */
  survey?: SurveyMailView;
}

export interface SurveyMailView {
  kind: SurveyKind;
  scale: SurveyScale;
  choices: Array<{ value: string; label: string; url: string }>;
  /** Already formatted in the contact's locale. */
  expiresAt: string;
  /** "Don't want these surveys?": the signed opt-out link (also in List-Unsubscribe). */
  optOutUrl: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** What a template cannot do without: rendering refuses rather than mail a blank deadline. */
const REQUIRED: Partial<Record<TemplateName, ReadonlyArray<keyof TemplateContext>>> = {
  answer: ['body'],
  pending: ['deadline', 'window'],
  solved: ['deadline', 'window'],
  pending_reminder: ['deadline'],
  follow_up_created: ['previous'],
  escalation: ['escalation'],
  escalation_digest: ['digest'],
  too_large: ['body'],
  csat_survey: ['survey'],
  nps_survey: ['survey'],
};


function tidyText(value: string): string {
  return value.replace(/\r\n?/g, '\n').replace(/\n{3,}/g, '\n\n').replace(/^\n+/, '').trimEnd() + '\n';
}

const sharedRenderers = new Map<string, TemplateRenderer>();

/**
 * One renderer per template folder in the process: compiled templates are kept across apps (tests and the
 * benchmarks open many; compiling a template costs far more than rendering it). Templates on disk are read
 * once; a changed template needs a restart, as with any deployment of code.
 */
export function sharedRenderer(dir: string = templatesDir): TemplateRenderer {
  let renderer = sharedRenderers.get(dir);
  if (!renderer) sharedRenderers.set(dir, (renderer = new TemplateRenderer(dir)));
  return renderer;
}

export class TemplateRenderer {
  readonly dir: string;
  private readonly files: TemplateFiles;
  private readonly memo = new RenderMemo();

  constructor(dir: string = templatesDir) {
    this.dir = dir;
    this.files = new TemplateFiles(dir);
  }

  /** A notice's subject, text and HTML (from a skeleton of its shape when it has one: render-memo.ts). */
  render(name: TemplateName, locale: Locale, ctx: TemplateContext): RenderedMail {
    this.check(name, locale, ctx);
    return this.memo.render(name, locale, ctx, (context) => this.renderFully(name, locale, context));
  }

  /** The same, always through Handlebars. */
  renderFully(name: TemplateName, locale: Locale, ctx: TemplateContext): RenderedMail {
    this.check(name, locale, ctx);
    const view = {
      ...ctx,
      ticket: {
        ...ctx.ticket,
        statusLabel: ctx.ticket.statusLabel || statusLabel(ctx.ticket.status, locale),
        priorityLabel: ctx.ticket.priorityLabel || priorityLabel(ctx.ticket.priority, locale),
      },
      locale,
      phone: phoneFor(ctx.contact.country),
      internal: INTERNAL_TEMPLATES.includes(name),
    };
    const subject = oneLine(this.files.run(name, locale, 'subject', view));
    if (subject === '') throw new Error(`Template ${this.files.file(name, locale, 'subject')} rendered an empty subject`);
    const text = tidyText(this.files.run(name, locale, 'text', view));
    const html = this.files.run(name, locale, 'html', { ...view, mailSubject: subject });
    return { subject, text, html };
  }

  private check(name: TemplateName, locale: Locale, ctx: TemplateContext): void {
    if (!isTemplateName(name)) throw new Error(`Unknown mail template "${String(name)}"; expected one of ${TEMPLATE_NAMES.join(', ')}`);
    if (!isLocale(locale)) throw new Error(`Unknown locale "${String(locale)}" for mail template "${name}"; expected one of ${LOCALES.join(', ')}`);
    const missing = (REQUIRED[name] ?? []).filter((key) => ctx[key] === undefined || ctx[key] === null || ctx[key] === '');
    if (missing.length > 0) {
      throw new Error(`Cannot render ${join(this.dir, locale, name)}.*.hbs: the context has no ${missing.join(', ')}`);
    }
    this.files.loadPartials();
  }

  /** The sample of a template, with the values of its sample cases (template-samples.ts) when given. */
  sampleContext(name: TemplateName, locale: Locale, cases: readonly string[] = []): TemplateContext {
    return sampleContext(name, locale, cases);
  }

  /** Access mails (who may open tickets): about a person, not a ticket, so no "[#n]" tag and no ticket footer. */
  renderAccess(name: AccessTemplateName, locale: Locale, ctx: AccessTemplateContext): RenderedMail {
    if (!isAccessTemplateName(name)) throw new Error(`Unknown access mail template "${String(name)}"; expected one of ${ACCESS_TEMPLATE_NAMES.join(', ')}`);
    if (!isLocale(locale)) throw new Error(`Unknown locale "${String(locale)}" for mail template "${name}"; expected one of ${LOCALES.join(', ')}`);
    const missing = ACCESS_REQUIRED[name].filter((key) => ctx[key] === undefined || ctx[key] === null);
    if (missing.length > 0) throw new Error(`Cannot render ${join(this.dir, locale, name)}.*.hbs: the context has no ${missing.join(', ')}`);
    this.files.loadPartials();
    // A refusal asks the contact to call (to name an administrator): with no line in their country, every line.
    const view = { ...ctx, locale, phone: phoneFor(ctx.contact.country), phoneLines: allPhoneLines(locale, ctx.contact.country), keywords: ACCESS_KEYWORDS[locale], exampleDomain: ctx.domains?.split(',')[0]?.trim() };
    const subject = oneLine(this.files.run(name, locale, 'subject', view));
    if (subject === '') throw new Error(`Template ${this.files.file(name, locale, 'subject')} rendered an empty subject`);
    const text = tidyText(this.files.run(name, locale, 'text', view));
    const html = this.files.run(name, locale, 'html', { ...view, mailSubject: subject });
    return { subject, text, html };
  }
}

// ---- Access mails (UNKNOWN_SENDER_POLICY, administrators' commands): templates/<locale>/access_*.hbs ----

export const ACCESS_TEMPLATE_NAMES = ['access_confirmation', 'access_request', 'access_denied'] as const;
export type AccessTemplateName = (typeof ACCESS_TEMPLATE_NAMES)[number];

export function isAccessTemplateName(value: unknown): value is AccessTemplateName {
  return typeof value === 'string' && (ACCESS_TEMPLATE_NAMES as readonly string[]).includes(value);
}

/** Why an administrator's command was not carried out. */
export type AccessRefusal = 'other_domain' | 'administrator' | 'invalid_address';

export interface AccessTemplateContext {
  /** The recipient. */
  contact: TemplateContext['contact'];
  support: TemplateContext['support'];
  /** access_confirmation, access_request: the administrator's organisation and its domains. */
  organisation?: string;
  domains?: string;
  /** access_confirmation: what the commands did ("already": nothing to change) and what was refused. */
  done?: Array<{ action: 'authorise' | 'revoke'; email: string; already?: boolean; released?: string }>;
  refused?: Array<{ action: 'authorise' | 'revoke'; email: string; reason: AccessRefusal }>;
  /** access_request: the person asking for access, and the mail that is held. */
  requester?: { email: string; name: string | null };
  ticketNumber?: number;
  /** access_request: the others who wrote meanwhile and wait too (lifecycle/access-request-digest.ts), their tickets as "#1043, #1044". */
  others?: Array<{ email: string; name: string | null; tickets: string }>;
  /** access_request, access_denied: the subject of the person's mail. */
  subject?: string;
}

const ACCESS_REQUIRED: Record<AccessTemplateName, ReadonlyArray<keyof AccessTemplateContext>> = {
  access_confirmation: ['organisation', 'done', 'refused'],
  access_request: ['organisation', 'requester', 'ticketNumber'],
  access_denied: [],
};

/** The command words an administrator writes, in each language (all are understood, whatever the language). */
export const ACCESS_KEYWORDS: Record<Locale, { authorise: string; revoke: string }> = {
  es: { authorise: 'AUTORIZAR', revoke: 'REVOCAR' },
  pt: { authorise: 'AUTORIZAR', revoke: 'REVOGAR' },
  en: { authorise: 'AUTHORIZE', revoke: 'REVOKE' },
};
