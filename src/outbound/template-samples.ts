// Sample data for previews (`ventanilla templates preview`), the warm-up and tests: every field a template uses
// is filled in, with realistic values in each language.

import { ErrorCode, VentanillaError } from '../errors.js';
import { DEFAULT_CALENDAR, describeCalendar, resolveCalendar } from '../domain/calendar.js';
import { choicesOf, scaleOf, type SurveyKind } from '../domain/survey-scale.js';
import { choiceLabel } from '../surveys/copy.js';
import { businessPeriod, sizeOverLimit, statusLabel, type Locale } from './locale.js';
import { formatInstant } from './notice-context.js';
import type { AccessTemplateContext, AccessTemplateName, SurveyMailView, TemplateContext, TemplateName } from './templates.js';

interface SampleCopy {
  contact: TemplateContext['contact'];
  subject: string;
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

// The sample's dates and hours are written by the code that writes a real notice's (formatInstant, the default
// calendar's describeHours): written by hand they drifted from it ("martes 2 de diciembre de 2026" was a
// Wednesday, "8h00 às 20h00" where mails said "08:00 às 20:00"), and the preview showed a mail nobody gets.
const SAMPLE_ZONE = DEFAULT_CALENDAR.timeZone;
const SAMPLE_DUE_AT = new Date('2026-12-02T22:00:00Z'); // Wednesday 2 December 2026, 16:00 in Mexico City
const SAMPLE_DEADLINE = new Date('2026-12-10T02:00:00Z'); // Wednesday 9 December, 20:00: the close of a business day

function sampleTimes(locale: Locale): { hours: string; dueAt: string; deadline: string } {
  return {
    hours: describeCalendar(resolveCalendar(), locale),
    dueAt: formatInstant(SAMPLE_DUE_AT, locale, SAMPLE_ZONE),
    deadline: formatInstant(SAMPLE_DEADLINE, locale, SAMPLE_ZONE),
  };
}

const SAMPLE_STATUS: Record<TemplateName, string> = {
  acknowledgement: 'new',
  answer: 'open',
  pending: 'pending',
  on_hold: 'on_hold',
  solved: 'solved',
  reopened: 'open',
  in_progress: 'open',
  closed: 'closed',
  close_undone: 'open',
  follow_up_created: 'new',
  pending_reminder: 'pending',
  escalation: 'open',
  escalation_digest: 'open',
  too_large: 'new',
  csat_survey: 'solved',
  nps_survey: 'closed',
};

/** A knowledge-base article the sample acknowledgement suggests (DOMAIN.md rule 10). */
export const SAMPLE_ARTICLE: Record<Locale, { title: string; url: string }> = {
  es: { title: 'Cómo timbrar una factura electrónica', url: 'https://soporte.ventanilla.test/kb/timbrar-factura' },
  pt: { title: 'Como emitir uma fatura eletrónica', url: 'https://soporte.ventanilla.test/kb/emitir-fatura' },
  en: { title: 'How to stamp an electronic invoice', url: 'https://soporte.ventanilla.test/kb/stamp-invoice' },
};

/** The colleague in copy whose answer came in time, in close_undone's `colleague` case. */
export const SAMPLE_COLLEAGUE: Record<Locale, string> = { es: 'Luis Ortega', pt: 'Rui Almeida', en: 'Daniel Brooks' };

type SampleCase = (locale: Locale) => Partial<TemplateContext>;
const closedPending: SampleCase = (locale) => ({ closedAfter: 'pending', window: businessPeriod(60, 12, locale) });

/**
 * The wordings a template has beyond its default sample's, each set by the values that choose it: `templates preview
 * --case colleague` shows a close_undone after a colleague's answer; cases combine (`--case colleague,pending`).
 * `templates check` and the warm-up render every combination, so that a branch that cannot render is found too.
 */
const SAMPLE_CASES: Partial<Record<TemplateName, Record<string, SampleCase>>> = {
  closed: { pending: closedPending },
  // The default: the requester's own answer about the solution came in time.
  close_undone: { pending: closedPending, colleague: (locale) => ({ answeredBy: SAMPLE_COLLEAGUE[locale] }), unread: () => ({ answerUnread: true }) },
  // The default: a too-large first mail. These: a too-large answer in time that undid the timer's close.
  too_large: { 'undoes-close': (locale) => ({ closedAfter: 'solved', window: businessPeriod(84, 12, locale) }), pending: closedPending },
};

/** The names of a template's sample cases, [] for one with a single wording to show. */
export function sampleCases(name: TemplateName): string[] {
  return Object.keys(SAMPLE_CASES[name] ?? {});
}

/** The sample case whose values include `variable` (the one to preview to see its wording), if any. */
export function sampleCaseSetting(name: TemplateName, variable: string): string | undefined {
  return Object.entries(SAMPLE_CASES[name] ?? {}).find(([, patch]) => variable in patch('es'))?.[0];
}

/** Realistic data for previews and tests: every field the template uses is filled in; `cases` add their values. */
export function sampleContext(name: TemplateName, locale: Locale, cases: readonly string[] = []): TemplateContext {
  const byName = SAMPLE_CASES[name] ?? {};
  const patches = cases.map((one) => {
    const patch = Object.hasOwn(byName, one) ? byName[one] : undefined;
    if (!patch) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `${name} has no sample case "${one}"; ${sampleCases(name).length > 0 ? `its cases: ${sampleCases(name).join(', ')}` : 'it has none'}`);
    return patch(locale);
  });
  return Object.assign(defaultSample(name, locale), ...patches) as TemplateContext;
}

function defaultSample(name: TemplateName, locale: Locale): TemplateContext {
  const s = { ...SAMPLES[locale], ...sampleTimes(locale) };
  const ctx: TemplateContext = {
    ticket: { number: 1042, subject: s.subject, status: SAMPLE_STATUS[name], priority: 'high' },
    contact: { ...s.contact },
    support: { name: 'Soporte', address: 'soporte@ventanilla.test', hours: s.hours },
  };
  switch (name) {
    case 'acknowledgement':
      return { ...ctx, dueAt: s.dueAt, articles: [SAMPLE_ARTICLE[locale]] };
    case 'reopened':
    case 'in_progress':
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
    case 'close_undone':
      return { ...ctx, closedAfter: 'solved', window: businessPeriod(84, 12, locale) };
    case 'follow_up_created':
      return { ...ctx, previous: { number: 987, subject: s.subject }, dueAt: s.dueAt };
    case 'too_large':
      return { ...ctx, body: sizeOverLimit(31.4 * 1024 * 1024, 25 * 1024 * 1024)[locale] };
    case 'escalation': {
      const requester = `${s.contact.name ?? ''} <${s.contact.email}>`.trim();
      return { ...ctx, escalation: { level: 1, kind: 'warning', dueAt: s.dueAt, target: s.target, organisation: s.organisation, requester } };
    }
    case 'escalation_digest': {
      const item = (number: number, subject: string, level: number, kind: 'warning' | 'breach', status: string) => ({ number, subject, level, kind, dueAt: s.dueAt, status });
      const items = [item(1042, s.subject, 1, 'breach', statusLabel('open', locale)), item(1043, s.subject, 1, 'warning', statusLabel('solved', locale))];
      return { ...ctx, digest: { count: items.length, windowMinutes: 60, items } };
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

/** Realistic data for previews and tests. */
export function sampleAccessContext(name: AccessTemplateName, locale: Locale): AccessTemplateContext {
  const s = { ...SAMPLES[locale], ...sampleTimes(locale) };
  const domain = s.contact.email.slice(s.contact.email.indexOf('@') + 1);
  const base: AccessTemplateContext = { contact: { ...s.contact }, support: { name: 'Soporte', address: 'soporte@ventanilla.test', hours: s.hours } };
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
      return { ...base, organisation: s.organisation, domains: domain, requester: { email: `compras@${domain}`, name: 'Luis Ortega' }, ticketNumber: 1042, subject: s.subject, others: [{ email: `ventas@${domain}`, name: null, tickets: '#1043, #1044' }] };
    case 'access_denied':
      return { ...base, subject: s.subject };
  }
}
