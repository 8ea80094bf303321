import { z } from 'zod';
import { isLocale } from '../outbound/locale.js';
import { inTransaction, type Db } from '../store/database.js';
import { saveSubscriber, saveSubscribers, unsubscribe, type SaveOutcome, type SubscriberInput } from '../store/subscriber-repo.js';
import { wordKey } from './command-words.js';
import { encodeList, parseCountries } from './countries.js';
import { parseCsv } from './csv.js';

// Subscribers from the command line and from CSV files (README "Bulletins"). An operator's subscriber is
// active at once (the operator vouches for the list); someone who unsubscribed is not subscribed again by
// an import unless asked (--resubscribe).

const emailSchema = z.email();

export interface SubscriberFields {
  email: string;
  name?: string | null;
  locale?: string | null;
  countries: string | string[];
  topics?: string | string[];
}

/** Checks one subscriber; the reason is a sentence for the operator. */
export function checkSubscriber(f: SubscriberFields): { ok: true; input: SubscriberInput } | { ok: false; reason: string } {
  const email = f.email.trim().toLowerCase();
  if (!emailSchema.safeParse(email).success) return { ok: false, reason: `not an email address: ${JSON.stringify(f.email)}` };
  const { codes, unknown } = parseCountries(f.countries);
  if (unknown.length) return { ok: false, reason: `not a country served: ${unknown.join(', ')} (use ISO codes such as MX, AR, PT)` };
  if (codes.length === 0) return { ok: false, reason: 'no country (e.g. "MX AR")' };
  const locale = f.locale?.trim().toLowerCase() || null;
  if (locale && !isLocale(locale.split(/[-_]/)[0])) return { ok: false, reason: `language must be es, pt or en (got ${JSON.stringify(f.locale)})` };
  // No topics given (undefined: no such column) keeps a subscriber's topics; an empty field clears them.
  const topics = f.topics === undefined ? null : (Array.isArray(f.topics) ? f.topics : f.topics.split(/[\s,;|]+/)).map((t) => t.trim().toLowerCase()).filter(Boolean);
  if (topics?.some((t) => !/^[a-z0-9_-]+$/.test(t))) return { ok: false, reason: `topics must be words of letters, digits, - or _ (got ${JSON.stringify(f.topics)})` };
  return { ok: true, input: { email, name: f.name?.trim() || null, locale, countries: encodeList(codes), topics: topics === null ? null : encodeList(topics) } };
}

/** Header names as spreadsheets in Spanish, Portuguese and English write them, without accents or case. */
const COLUMNS: Record<string, keyof SubscriberFields> = {
  email: 'email', 'e-mail': 'email', correo: 'email', mail: 'email', 'correo electronico': 'email', 'email address': 'email',
  'e-mail address': 'email', 'direccion de correo': 'email', 'endereco de email': 'email', 'endereco de e-mail': 'email',
  name: 'name', nombre: 'name', nome: 'name',
  locale: 'locale', language: 'locale', idioma: 'locale', lang: 'locale',
  countries: 'countries', country: 'countries', paises: 'countries', pais: 'countries',
  topics: 'topics', temas: 'topics', topic: 'topics',
};

const columnOf = (header: string): keyof SubscriberFields | undefined =>
  COLUMNS[wordKey(header).replace(/\s+/g, ' ').trim()];

export interface ImportReport {
  rows: number;
  added: number;
  updated: number;
  unchanged: number;
  /** Unsubscribed people left alone (see --resubscribe). */
  keptUnsubscribed: number;
  bad: Array<{ line: number; reason: string }>;
}

/** Imports a CSV with a header (email, name, locale, countries, topics); bad rows are reported by line. */
export async function importSubscribers(db: Db, csv: string, opts: { now: Date; dryRun?: boolean; resubscribe?: boolean }): Promise<ImportReport> {
  const records = parseCsv(csv);
  const report: ImportReport = { rows: 0, added: 0, updated: 0, unchanged: 0, keptUnsubscribed: 0, bad: [] };
  const header = records.shift();
  const columns = (header?.fields ?? []).map(columnOf);
  if (!header || !columns.includes('email') || !columns.includes('countries')) {
    report.bad.push({ line: header?.line ?? 1, reason: 'the first line must name the columns: email and countries (also name, locale, topics)' });
    return report;
  }
  const good: Array<{ line: number; input: SubscriberInput }> = [];
  const seen = new Map<string, number>();
  for (const record of records) {
    report.rows++;
    const fields: Partial<Record<keyof SubscriberFields, string>> = {};
    record.fields.forEach((value, i) => {
      const column = columns[i];
      if (column) fields[column] = value;
    });
    if (record.fields.length > columns.length && record.fields.slice(columns.length).some((v) => v.trim() !== '')) {
      report.bad.push({ line: record.line, reason: `${record.fields.length} fields, the header has ${columns.length} (quote fields that contain the delimiter)` });
      continue;
    }
    const checked = checkSubscriber({ email: fields.email ?? '', name: fields.name, locale: fields.locale, countries: fields.countries ?? '', topics: fields.topics });
    if (!checked.ok) {
      report.bad.push({ line: record.line, reason: checked.reason });
      continue;
    }
    const first = seen.get(checked.input.email);
    if (first !== undefined) {
      report.bad.push({ line: record.line, reason: `${checked.input.email} is already on line ${first}` });
      continue;
    }
    seen.set(checked.input.email, record.line);
    good.push({ line: record.line, input: checked.input });
  }
  if (opts.dryRun) return { ...report, added: good.length };
  for (let i = 0; i < good.length; i += 1000) {
    const batch = good.slice(i, i + 1000).map((row) => row.input);
    const outcomes = await inTransaction(db, (tx) => saveSubscribers(tx, batch, { source: 'csv', now: opts.now, resubscribe: opts.resubscribe }));
    for (const o of outcomes) {
      if (o === 'added') report.added++;
      else if (o === 'updated') report.updated++;
      else if (o === 'unchanged') report.unchanged++;
      else report.keptUnsubscribed++;
    }
  }
  return report;
}

export async function addSubscriber(db: Db, fields: SubscriberFields, now: Date): Promise<SaveOutcome> {
  const checked = checkSubscriber(fields);
  if (!checked.ok) throw new Error(checked.reason);
  return inTransaction(db, (tx) => saveSubscriber(tx, checked.input, { source: 'cli', now, resubscribe: true }));
}

/** `subscribers remove`: unsubscribed by the operator (the record stays, so an import cannot add them back). */
/** 'already': unsubscribed before; 'unknown': no subscriber has the address. */
export async function removeSubscriber(db: Db, email: string, now: Date): Promise<'unsubscribed' | 'already' | 'unknown'> {
  return inTransaction(db, async (tx) => {
    if (await unsubscribe(tx, { email }, 'operator', now)) return 'unsubscribed';
    return (await tx.subscriber.count({ where: { email: email.toLowerCase() } })) > 0 ? 'already' : 'unknown';
  });
}
