// Which language a contact gets, the support phone line of their country, and the status/priority names
// shown in mail (DOMAIN.md: statuses table, rule 12 contact guide). Pure: no I/O.

import { LOCALE_TAGS } from '../domain/calendar.js';
import { NO_SUBJECT } from '../domain/thread-refs.js';
import { STATUS_LABELS, isTicketStatus } from '../domain/ticket-status.js';

export const LOCALES = ['es', 'pt', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'es';

/** The BCP 47 tag each locale's dates and numbers are written with (the business hours' too). */
export { LOCALE_TAGS };

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

// The 13 countries served (DOMAIN.md), by ISO 3166 alpha-2 code. Contacts store the code ("MX"), but
// imported data and hand-typed values carry names, in any of the three languages, with or without accents.
const COUNTRY_ALIASES: Record<string, readonly string[]> = {
  AR: ['arg', 'argentina'],
  BO: ['bol', 'bolivia'],
  CL: ['chl', 'chile'],
  CO: ['col', 'colombia'],
  CR: ['cri', 'costa rica'],
  EC: ['ecu', 'ecuador', 'equador'],
  MX: ['mex', 'mexico', 'mexique'],
  PY: ['pry', 'paraguay', 'paraguai'],
  PE: ['per', 'peru'],
  DO: ['dom', 'republica dominicana', 'dominican republic'],
  UY: ['ury', 'uruguay', 'uruguai'],
  US: ['usa', 'eeuu', 'ee uu', 'eua', 'estados unidos', 'estados unidos de america', 'united states', 'united states of america'],
  PT: ['prt', 'portugal'],
};

const ALIAS_TO_CODE = new Map<string, string>();
for (const [code, aliases] of Object.entries(COUNTRY_ALIASES)) {
  ALIAS_TO_CODE.set(code.toLowerCase(), code);
  for (const alias of aliases) ALIAS_TO_CODE.set(alias, code);
}

const foldName = (name: string) =>
  name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[.]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

// CLDR's pseudo-regions: "unknown region", the EU, the UN, "outlying Oceania"... name no country a contact is in.
const NOT_COUNTRIES = new Set(['ZZ', 'EU', 'EZ', 'UN', 'QO']);
let regionsInEnglish: Intl.DisplayNames | null = null;
let codesByName: Map<string, string> | null = null;

/** Whether the runtime's CLDR knows `code` (two capital letters) as a country. */
function isRegionCode(code: string): boolean {
  regionsInEnglish ??= new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  return !NOT_COUNTRIES.has(code) && regionsInEnglish.of(code) !== undefined;
}

/** A country's code by its name in any of our languages ("Brasil", "Reino Unido", "Alemanha"); built on first use. */
function regionByName(name: string): string | undefined {
  if (!codesByName) {
    codesByName = new Map();
    const displays = LOCALES.map((locale) => new Intl.DisplayNames([locale], { type: 'region', fallback: 'none' }));
    for (let i = 0; i < 26 * 26; i++) {
      const code = String.fromCharCode(65 + Math.floor(i / 26), 65 + (i % 26));
      if (NOT_COUNTRIES.has(code)) continue;
      for (const display of displays) {
        const name = display.of(code);
        const key = name === undefined ? undefined : foldName(name);
        if (key !== undefined && !codesByName.has(key)) codesByName.set(key, code);
      }
    }
  }
  return codesByName.get(name);
}

/**
 * "MX", "mx", "México", "Mexico" -> "MX"; "EE.UU." -> "US"; "Brasil", "Reino Unido" -> "BR", "GB"; other values ->
 * their upper-cased form (or null when empty).
 */
export function normaliseCountry(country: string | null | undefined): string | null {
  if (typeof country !== 'string') return null;
  const key = foldName(country);
  if (key === '') return null;
  return ALIAS_TO_CODE.get(key) ?? ALIAS_TO_CODE.get(key.replace(/ /g, '')) ?? (key.length > 2 ? regionByName(key) : undefined) ?? key.toUpperCase();
}

/** The ISO 3166 code of a real country, or null: a placeholder an import left ("N/A", "-", "desconocido") names none. */
export function countryCode(country: string | null | undefined): string | null {
  const code = normaliseCountry(country);
  if (code === null || !/^[A-Z]{2}$/.test(code)) return null;
  // Ours first: the runtime's region names cost ~12 ms to load, once per process.
  return code in COUNTRY_ALIASES || isRegionCode(code) ? code : null;
}

/** Local support lines (DOMAIN.md rule 12). Other countries have none: mail shows no phone. */
export const PHONE_LINES: Readonly<Record<string, string>> = {
  AR: '+54 11 5295 9300',
  CO: '01-800-913-55-29',
  MX: '442 1-03-06-00',
  PE: '0800-55-372',
};

/**
 * The lines as dialled from another country. Colombia's 01-800 and Perú's 0800 are toll-free numbers that answer
 * calls from inside the country only: a contact elsewhere cannot use them.
 */
const FROM_ABROAD: Readonly<Record<string, string>> = {
  AR: '+54 11 5295 9300',
  MX: '+52 442 103 0600',
};

const FROM_ABROAD_WORDS: Record<Locale, string> = { es: 'desde otro país', pt: 'de outro país', en: 'from abroad' };

/**
 * The lines for a contact whose country has none of its own, each with its country's name in `locale`: the ones
 * callable from abroad, as dialled from there. A contact of unknown country may be in any of ours: every line as
 * its own country dials it, and how to dial it from elsewhere when that differs.
 */
export function allPhoneLines(locale: Locale, country: string | null | undefined = null): string {
  const names = new Intl.DisplayNames([locale], { type: 'region' });
  const name = (code: string) => names.of(code) ?? code;
  if (countryCode(country) !== null) {
    return Object.entries(FROM_ABROAD)
      .map(([code, line]) => `${name(code)}: ${line}`)
      .join('; ');
  }
  return Object.entries(PHONE_LINES)
    .map(([code, line]) => {
      const abroad = FROM_ABROAD[code];
      return `${name(code)}: ${line}${abroad && abroad !== line ? `, ${FROM_ABROAD_WORDS[locale]} ${abroad}` : ''}`;
    })
    .join('; ');
}

export function phoneFor(country: string | null | undefined): string | null {
  const code = normaliseCountry(country);
  return code === null ? null : (PHONE_LINES[code] ?? null);
}

/**
 * The contact's own locale wins when it names one of ours ("pt", "pt-PT", "pt_BR" -> pt; "en-US" -> en;
 * "es-MX" -> es); otherwise the country decides, by the language most spoken there (CLDR's likely subtags)
 * when it is one of ours: Portugal and Brazil -> pt, the United States and Canada -> en; the rest -> es.
 */
export function pickLocale(contact: { locale?: string | null; country?: string | null }): Locale {
  const language = (contact.locale ?? '').trim().toLowerCase().split(/[-_.@\s]/)[0] ?? '';
  if (isLocale(language)) return language;
  const country = countryCode(contact.country);
  if (country === null) return DEFAULT_LOCALE;
  if (country === 'PT') return 'pt';
  if (country === 'US') return 'en';
  if (country in COUNTRY_ALIASES) return DEFAULT_LOCALE;
  const spoken = new Intl.Locale('und', { region: country }).maximize().language;
  return isLocale(spoken) ? spoken : DEFAULT_LOCALE;
}

const PRIORITY_LABELS: Record<string, Record<Locale, string>> = {
  urgent: { es: 'Urgente', pt: 'Urgente', en: 'Urgent' },
  high: { es: 'Alta', pt: 'Alta', en: 'High' },
  normal: { es: 'Normal', pt: 'Normal', en: 'Normal' },
  low: { es: 'Baja', pt: 'Baixa', en: 'Low' },
};

/** The customer-facing name of a status code; an unknown code is shown as it is. */
export function statusLabel(status: string, locale: Locale): string {
  return isTicketStatus(status) ? STATUS_LABELS[status][locale] : status;
}

/** The customer-facing name of a priority code; an unknown code is shown as it is. */
export function priorityLabel(priority: string, locale: Locale): string {
  return PRIORITY_LABELS[priority]?.[locale] ?? priority;
}

const NO_SUBJECT_WORDS: Record<Locale, string> = { es: NO_SUBJECT, pt: '(sem assunto)', en: '(no subject)' };

/** A ticket's subject as the customer reads it: the stored marker of a mail without one, in their language. */
export function subjectIn(subject: string, locale: Locale): string {
  return subject === NO_SUBJECT ? NO_SUBJECT_WORDS[locale] : subject;
}

const PERIOD_WORDS: Record<Locale, { day: [string, string]; hour: [string, string] }> = {
  es: { day: ['día hábil', 'días hábiles'], hour: ['hora hábil', 'horas hábiles'] },
  pt: { day: ['dia útil', 'dias úteis'], hour: ['hora útil', 'horas úteis'] },
  en: { day: ['business day', 'business days'], hour: ['business hour', 'business hours'] },
};

/**
 * A window of business hours as the customer reads it: "5 días hábiles" when it is a whole number of business
 * days (hoursPerDay each, DOMAIN.md rule 5), else "30 horas hábiles" / "1,5 horas úteis" / "30 business hours".
 */
export function businessPeriod(hours: number, hoursPerDay: number, locale: Locale): string {
  const days = hours / hoursPerDay;
  // Within a second of a whole day: 60 h of a 12-hour day is 5 days, however the division rounds.
  const wholeDays = Math.round(days) >= 1 && Math.abs(days - Math.round(days)) * hoursPerDay * 3600 < 1;
  const [count, [one, many]] = wholeDays ? [Math.round(days), PERIOD_WORDS[locale].day] : [hours, PERIOD_WORDS[locale].hour];
  const number = new Intl.NumberFormat(LOCALE_TAGS[locale], { maximumFractionDigits: 2 }).format(count);
  return `${number} ${count === 1 ? one : many}`;
}

const MEGABYTE = 1024 * 1024;
const LIMIT_WORDS: Record<Locale, string> = { es: 'el límite es de', pt: 'o limite é de', en: 'the limit is' };

/**
 * "31.4 MB; el límite es de 25 MB" / "31,4 MB; o limite é de 25 MB", per locale: what the too_large notice says
 * between parentheses. It said "31.4 MB (25.0 MB max.)" to everyone: an English word, Portugal's decimal comma
 * lost, and parentheses in the template's parentheses.
 */
export function sizeOverLimit(bytes: number, limitBytes: number): Record<Locale, string> {
  const words = (locale: Locale) => {
    const mb = (n: number) => `${new Intl.NumberFormat(LOCALE_TAGS[locale], { maximumFractionDigits: 1 }).format(n / MEGABYTE)} MB`;
    return `${mb(bytes)}; ${LIMIT_WORDS[locale]} ${mb(limitBytes)}`;
  };
  return { es: words('es'), pt: words('pt'), en: words('en') };
}
