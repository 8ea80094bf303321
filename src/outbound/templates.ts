// Outbound mail templates: templates/<locale>/<name>.{subject,text,html}.hbs plus shared partials in
// templates/partials/ (footer, greeting, HTML layout), rendered with Handlebars.
//
// Escaping: the HTML part escapes everything the customer or an agent wrote ({{...}}); the subject and the
// text part are plain text, compiled with noEscape. The subject is folded to a single line afterwards, so
// a ticket subject carrying "\r\nBcc: x" can never become a header.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { templatesDir } from '../paths.js';
import { LOCALES, businessPeriod, isLocale, phoneFor, pickLocale, priorityLabel, statusLabel, type Locale } from './locale.js';
import { choicesOf, scaleOf, type SurveyKind, type SurveyScale } from '../domain/survey-scale.js';
import { choiceLabel } from '../surveys/copy.js';
import { RenderMemo } from './render-memo.js';

export { LOCALES, phoneFor, pickLocale, type Locale };

export const TEMPLATE_NAMES = [
  'acknowledgement',
  'answer',
  'pending',
  'on_hold',
  'solved',
  'reopened',
  'closed',
  'follow_up_created',
  'pending_reminder',
  'escalation',
  'too_large',
  'csat_survey',
  'nps_survey',
] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/** Sent to escalation contacts, never to the customer: no "[#n]" subject tag, no customer footer. */
export const INTERNAL_TEMPLATES: readonly TemplateName[] = ['escalation'];

/** About the contact, not a ticket (the yearly NPS survey): no "[#n]" subject tag, so a reply joins no ticket. */
export const TICKETLESS_TEMPLATES: readonly TemplateName[] = ['nps_survey'];

export function isTemplateName(value: unknown): value is TemplateName {
  return typeof value === 'string' && (TEMPLATE_NAMES as readonly string[]).includes(value);
}

export interface TemplateContext {
  ticket: { number: number; subject: string; status: string; priority: string; statusLabel?: string; priorityLabel?: string };
  contact: { name: string | null; email: string; country: string | null };
  /** hours: a sentence already localised by the caller. */
  support: { address: string; hours: string };
  /** Already formatted by the caller in the contact's locale. */
  dueAt?: string;
  deadline?: string;
  /** pending, solved: how long the customer has until the deadline, already localised ("5 días hábiles"). */
  window?: string;
  body?: string;
  issueRef?: string;
  previous?: { number: number; subject?: string };
  escalation?: { level: number; kind: 'warning' | 'breach'; dueAt: string; target: string; organisation?: string | null; requester?: string };
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

type Part = 'subject' | 'text' | 'html';

/** What a template cannot do without: rendering refuses rather than mail a blank deadline. */
const REQUIRED: Partial<Record<TemplateName, ReadonlyArray<keyof TemplateContext>>> = {
  answer: ['body'],
  pending: ['deadline', 'window'],
  solved: ['deadline', 'window'],
  pending_reminder: ['deadline'],
  follow_up_created: ['previous'],
  escalation: ['escalation'],
  too_large: ['body'],
  csat_survey: ['survey'],
  nps_survey: ['survey'],
};

/** One header line: every run of whitespace or control characters (CR, LF, NEL, U+2028...) becomes a space. */
export function oneLine(value: string): string {
  return value.replace(/[\s\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
}

function tidyText(value: string): string {
  return value.replace(/\r\n?/g, '\n').replace(/\n{3,}/g, '\n\n').replace(/^\n+/, '').trimEnd() + '\n';
}

function registerHelpers(hb: typeof Handlebars): void {
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  // Multi-line user text in HTML: escape first, then keep the line breaks.
  hb.registerHelper('nl2br', (value: unknown) => {
    const escaped = hb.escapeExpression(typeof value === 'string' ? value : value == null ? '' : String(value));
    return new hb.SafeString(escaped.replace(/\r\n|\r|\n/g, '<br>\n'));
  });
  // "+54 11 5295 9300" -> "+541152959300", for tel: links.
  hb.registerHelper('tel', (value: unknown) => (typeof value === 'string' ? value.replace(/[^\d+]/g, '') : ''));
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
  private readonly hb = Handlebars.create();
  private readonly compiled = new Map<string, Handlebars.TemplateDelegate>();
  private partialsLoaded = false;
  private readonly memo = new RenderMemo();

  constructor(dir: string = templatesDir) {
    this.dir = dir;
    registerHelpers(this.hb);
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
    const subject = oneLine(this.run(name, locale, 'subject', view));
    if (subject === '') throw new Error(`Template ${this.file(name, locale, 'subject')} rendered an empty subject`);
    const text = tidyText(this.run(name, locale, 'text', view));
    const html = this.run(name, locale, 'html', { ...view, mailSubject: subject });
    return { subject, text, html };
  }

  private check(name: TemplateName, locale: Locale, ctx: TemplateContext): void {
    if (!isTemplateName(name)) throw new Error(`Unknown mail template "${String(name)}"; expected one of ${TEMPLATE_NAMES.join(', ')}`);
    if (!isLocale(locale)) throw new Error(`Unknown locale "${String(locale)}" for mail template "${name}"; expected one of ${LOCALES.join(', ')}`);
    const missing = (REQUIRED[name] ?? []).filter((key) => ctx[key] === undefined || ctx[key] === null || ctx[key] === '');
    if (missing.length > 0) {
      throw new Error(`Cannot render ${join(this.dir, locale, name)}.*.hbs: the context has no ${missing.join(', ')}`);
    }
    this.loadPartials();
  }

  sampleContext(name: TemplateName, locale: Locale): TemplateContext {
    return sampleContext(name, locale);
  }

  /** Access mails (who may open tickets): about a person, not a ticket, so no "[#n]" tag and no ticket footer. */
  renderAccess(name: AccessTemplateName, locale: Locale, ctx: AccessTemplateContext): RenderedMail {
    if (!isAccessTemplateName(name)) throw new Error(`Unknown access mail template "${String(name)}"; expected one of ${ACCESS_TEMPLATE_NAMES.join(', ')}`);
    if (!isLocale(locale)) throw new Error(`Unknown locale "${String(locale)}" for mail template "${name}"; expected one of ${LOCALES.join(', ')}`);
    const missing = ACCESS_REQUIRED[name].filter((key) => ctx[key] === undefined || ctx[key] === null);
    if (missing.length > 0) throw new Error(`Cannot render ${join(this.dir, locale, name)}.*.hbs: the context has no ${missing.join(', ')}`);
    this.loadPartials();
    const view = { ...ctx, locale, phone: phoneFor(ctx.contact.country), keywords: ACCESS_KEYWORDS[locale], exampleDomain: ctx.domains?.split(',')[0]?.trim() };
    const subject = oneLine(this.run(name, locale, 'subject', view));
    if (subject === '') throw new Error(`Template ${this.file(name, locale, 'subject')} rendered an empty subject`);
    const text = tidyText(this.run(name, locale, 'text', view));
    const html = this.run(name, locale, 'html', { ...view, mailSubject: subject });
    return { subject, text, html };
  }

  private file(name: string, locale: Locale, part: Part): string {
    return join(this.dir, locale, `${name}.${part}.hbs`);
  }

  private run(name: TemplateName | AccessTemplateName, locale: Locale, part: Part, view: object): string {
    const file = this.file(name, locale, part);
    let template = this.compiled.get(file);
    if (!template) {
      if (!existsSync(file)) throw new Error(`Mail template not found: ${file} (template "${name}", locale "${locale}", ${part} part)`);
      template = this.hb.compile(readFileSync(file, 'utf8'), { noEscape: part !== 'html' });
      this.compiled.set(file, template);
    }
    try {
      // Handlebars compiles lazily: syntax errors surface here too, so they get the file name as well.
      return template(view);
    } catch (err) {
      this.compiled.delete(file);
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(`Cannot render mail template ${file}: ${reason}`, { cause: err });
    }
  }

  /** templates/partials/<name>.hbs -> partial "<name>" ("footer.text", "layout.html"); *.text.* ones are not HTML-escaped. */
  private loadPartials(): void {
    if (this.partialsLoaded) return;
    const partialsDir = join(this.dir, 'partials');
    if (existsSync(partialsDir)) {
      for (const entry of readdirSync(partialsDir)) {
        if (!entry.endsWith('.hbs')) continue;
        const partialName = entry.slice(0, -'.hbs'.length);
        const file = join(partialsDir, entry);
        const compiled = this.hb.compile(readFileSync(file, 'utf8'), { noEscape: !partialName.endsWith('.html') });
        this.hb.registerPartial(partialName, (context: unknown, options?: Handlebars.RuntimeOptions) => {
          try {
            return compiled(context, options);
          } catch (err) {
            if (err instanceof Error && err.message.includes(file)) throw err;
            throw new Error(`partial ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
          }
        });
      }
    }
    this.partialsLoaded = true;
  }
}

interface SampleCopy {
  contact: TemplateContext['contact'];
  subject: string;
  hours: string;
  dueAt: string;
  deadline: string;
  answer: string;
  needed: string;
  solution: string;
  organisation: string;
  target: string;
}

const SAMPLES: Record<Locale, SampleCopy> = {
  es: {
    contact: { name: 'María Fernanda López', email: 'mflopez@distribuidorabajio.com.mx', country: 'MX' },
    subject: 'Error al timbrar facturas CFDI 4.0',
    hours: 'Atendemos de lunes a viernes, de 8:00 a 20:00 (hora de Ciudad de México).',
    dueAt: 'martes 2 de diciembre de 2026, 16:00 (hora de Ciudad de México)',
    deadline: 'martes 9 de diciembre de 2026, 20:00 (hora de Ciudad de México)',
    answer:
      'Revisamos el registro que nos envió: el certificado de sello digital (CSD) de la sucursal 02 venció el 28 de noviembre.\n\n' +
      'Para continuar, cargue el nuevo CSD en Configuración > Facturación electrónica y vuelva a timbrar las facturas pendientes.',
    needed:
      'Para reproducir el caso en nuestro entorno necesitamos:\n- El archivo XML de una factura rechazada.\n' +
      '- Una captura de pantalla del mensaje de error completo.\n- La versión del sistema (menú Ayuda > Acerca de).',
    solution:
      'Publicamos el paquete de actualización 12.1.2410, que corrige el cálculo del complemento de pago.\n' +
      'Aplíquelo en su entorno y vuelva a timbrar las facturas pendientes.',
    organisation: 'Distribuidora del Bajío S.A. de C.V.',
    target: '8 horas hábiles',
  },
  pt: {
    contact: { name: 'João Carvalho', email: 'joao.carvalho@conservasatlantico.pt', country: 'PT' },
    subject: 'Erro ao comunicar faturas à AT (SAF-T)',
    hours: 'Atendemos de segunda a sexta-feira, das 8h00 às 20h00 (hora da Cidade do México).',
    dueAt: 'terça-feira, 2 de dezembro de 2026, 16:00 (hora da Cidade do México)',
    deadline: 'terça-feira, 9 de dezembro de 2026, 20:00 (hora da Cidade do México)',
    answer:
      'Analisámos o registo que nos enviou: a série de faturação "FT2026" não está comunicada à AT, pelo que os documentos ficam sem ATCUD.\n\n' +
      'Para resolver, comunique a série no Portal das Finanças e registe o código de validação em Configuração > Séries documentais.',
    needed:
      'Para reproduzirmos a situação no nosso ambiente, precisamos de:\n- O ficheiro SAF-T gerado em novembro.\n' +
      '- Uma captura de ecrã da mensagem de erro completa.\n- A versão do sistema (menu Ajuda > Acerca de).',
    solution:
      'Disponibilizámos o pacote de atualização 12.1.2410, que corrige a geração do ficheiro SAF-T.\n' +
      'Aplique-o no seu ambiente e volte a gerar o ficheiro do período.',
    organisation: 'Conservas Atlântico, Lda.',
    target: '8 horas úteis',
  },
  en: {
    contact: { name: 'Emily Carter', email: 'emily.carter@northwind-supply.example', country: 'US' },
    subject: 'Sales tax report shows wrong totals',
    hours: 'Our support hours are Monday to Friday, 8:00 a.m. to 8:00 p.m. (Mexico City time).',
    dueAt: 'Tuesday, December 2, 2026, 4:00 p.m. (Mexico City time)',
    deadline: 'Tuesday, December 9, 2026, 8:00 p.m. (Mexico City time)',
    answer:
      "We reviewed the log you sent: the tax code assigned to branch 02 still uses last year's state rate.\n\n" +
      'To fix it, update the rate under Settings > Taxes and run the report again.',
    needed:
      'To reproduce the issue in our environment, we need:\n- The exported report for November.\n' +
      '- A screenshot of the full error message.\n- The system version (Help > About).',
    solution:
      'We released update package 12.1.2410, which fixes the sales tax totals.\n' +
      'Please apply it to your environment and run the report again.',
    organisation: 'Northwind Supply, Inc.',
    target: '8 business hours',
  },
};

const SAMPLE_STATUS: Record<TemplateName, string> = {
  acknowledgement: 'new',
  answer: 'open',
  pending: 'pending',
  on_hold: 'on_hold',
  solved: 'solved',
  reopened: 'open',
  closed: 'closed',
  follow_up_created: 'new',
  pending_reminder: 'pending',
  escalation: 'open',
  too_large: 'new',
  csat_survey: 'solved',
  nps_survey: 'closed',
};

/** Realistic data for previews and tests: every field the template uses is filled in. */
export function sampleContext(name: TemplateName, locale: Locale): TemplateContext {
  const s = SAMPLES[locale];
  const ctx: TemplateContext = {
    ticket: { number: 1042, subject: s.subject, status: SAMPLE_STATUS[name], priority: 'high' },
    contact: { ...s.contact },
    support: { address: 'soporte@ventanilla.test', hours: s.hours },
  };
  switch (name) {
    case 'acknowledgement':
    case 'reopened':
      return { ...ctx, dueAt: s.dueAt };
    case 'answer':
      return { ...ctx, body: s.answer };
    case 'pending':
      return { ...ctx, body: s.needed, deadline: s.deadline, window: businessPeriod(60, 12, locale) };
    case 'pending_reminder':
      return { ...ctx, body: s.needed, deadline: s.deadline };
    case 'on_hold':
      return { ...ctx, issueRef: 'DMINA-4821' };
    case 'solved':
      return { ...ctx, body: s.solution, deadline: s.deadline, window: businessPeriod(84, 12, locale) };
    case 'closed':
      return ctx;
    case 'follow_up_created':
      return { ...ctx, previous: { number: 987, subject: s.subject }, dueAt: s.dueAt };
    case 'too_large':
      return { ...ctx, body: locale === 'es' ? '31,4 MB (límite: 25 MB)' : locale === 'pt' ? '31,4 MB (limite: 25 MB)' : '31.4 MB (limit: 25 MB)' };
    case 'escalation': {
      const requester = `${s.contact.name ?? ''} <${s.contact.email}>`.trim();
      return { ...ctx, escalation: { level: 1, kind: 'warning', dueAt: s.dueAt, target: s.target, organisation: s.organisation, requester } };
    }
    case 'csat_survey':
    case 'nps_survey':
      return { ...ctx, survey: sampleSurvey(name === 'nps_survey' ? 'nps' : 'csat', locale, s.deadline) };
  }
}

/** Sample survey links point at these pages (PUBLIC_URL in real mail). */
export const SAMPLE_SURVEY_URL = 'https://soporte.ventanilla.test/survey?t=SAMPLE-TOKEN';
export const SAMPLE_OPT_OUT_URL = 'https://soporte.ventanilla.test/survey/opt-out?t=SAMPLE-TOKEN';

function sampleSurvey(kind: SurveyKind, locale: Locale, expiresAt: string): SurveyMailView {
  const scale = scaleOf(kind, 'good_bad');
  return { kind, scale, expiresAt, optOutUrl: SAMPLE_OPT_OUT_URL, choices: choicesOf(scale).map((value) => ({ value, label: choiceLabel(scale, value, locale), url: `${SAMPLE_SURVEY_URL}&a=${value}` })) };
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

/** Realistic data for previews and tests. */
export function sampleAccessContext(name: AccessTemplateName, locale: Locale): AccessTemplateContext {
  const s = SAMPLES[locale];
  const domain = s.contact.email.slice(s.contact.email.indexOf('@') + 1);
  const base: AccessTemplateContext = { contact: { ...s.contact }, support: { address: 'soporte@ventanilla.test', hours: s.hours } };
  switch (name) {
    case 'access_confirmation':
      return {
        ...base,
        organisation: s.organisation,
        domains: domain,
        done: [
          { action: 'authorise', email: `compras@${domain}`, released: '#1042, #1043' },
          { action: 'authorise', email: `ventas@${domain}`, already: true },
          { action: 'revoke', email: `exempleado@${domain}` },
        ],
        refused: [
          { action: 'authorise', email: 'consultor@otra-empresa.example', reason: 'other_domain' },
          { action: 'revoke', email: s.contact.email, reason: 'administrator' },
        ],
      };
    case 'access_request':
      return { ...base, organisation: s.organisation, domains: domain, requester: { email: `compras@${domain}`, name: 'Luis Ortega' }, ticketNumber: 1042, subject: s.subject };
    case 'access_denied':
      return { ...base, subject: s.subject };
  }
}
