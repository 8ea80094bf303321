import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DateTime } from 'luxon';
import { isScalar, parseDocument, type Document } from 'yaml';
import { ErrorCode, VentanillaError } from '../errors.js';
import { fileReadReason } from '../file-read-reason.js';
import { deskTime } from '../domain/desk-time.js';
import { isLocale, LOCALES, type Locale } from '../outbound/locale.js';
import { decodeTextFile } from '../text-file.js';
import { parseCountries } from './countries.js';

// A bulletin file: Markdown with YAML front matter (README "Bulletins").
//
//   ---
//   title: Reforma del IVA 2027
//   countries: [MX, AR]          # ISO codes or names of the 13 countries served
//   topics: [iva]                # optional; subscribers with no topics get every bulletin
//   locale: es                   # the language of the body below (default es)
//   send_at: 2026-12-01 09:00    # optional (default: at once); without an offset: BUSINESS_TIMEZONE; not past
//   variants:                    # optional translations, by locale
//     pt: { title: Reforma do IVA 2027, file: iva.pt.md }   # or body: | ...
//   ---
//   The body in Markdown.

export interface BulletinVariant {
  title: string;
  markdown: string;
}

export interface BulletinDraft {
  title: string;
  countries: string[];
  topics: string[];
  defaultLocale: Locale;
  sendAt: Date;
  /** Every language it is written in, the default one included. */
  variants: Partial<Record<Locale, BulletinVariant>>;
  sourceFile: string | null;
}

const fail = (where: string, message: string): never => {
  throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `${where}: ${message}`);
};

/** Splits "---\nyaml\n---\nbody"; a file without front matter is refused (it needs countries at least). */
function splitFrontMatter(text: string, where: string): { yaml: string; body: string } {
  const match = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)([\s\S]*)$/.exec(text);
  if (!match) fail(where, 'no front matter: the file must start with a "---" line, the settings (title, countries...), and another "---" line');
  // The first "---" stays as an empty line, so that YAML's errors name the file's lines, not the front matter's.
  return { yaml: `\n${match?.[1] ?? ''}`, body: match?.[2] ?? '' };
}

function text(value: unknown, where: string, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') fail(where, `"${name}" must be a non-empty text`);
  return (value as string).trim();
}

function list(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map((v) => String(v));
  return String(value).split(/[\s,;]+/).filter(Boolean);
}

/** A send_at this far in the past is taken for a slip (a wrong year), not for "at once". */
const PAST_TOLERANCE_MS = 5 * 60_000;

function sendTime(value: unknown, where: string, opts: { timeZone: string; now: Date; sendNow?: boolean }): Date {
  if (opts.sendNow || value === undefined || value === null || value === '') return opts.now;
  let at: Date;
  if (value instanceof Date) at = value;
  else {
    const raw = String(value).trim();
    // "2026-12-01 09:00 -06:00": the spaces people write between the date, the time and the offset.
    const iso = raw.replace(/\s+(?=(?:Z|[+-]\d{2}(?::?\d{2})?)$)/i, '').replace(/\s+/, 'T');
    const parsed = DateTime.fromISO(iso, { zone: opts.timeZone, setZone: true });
    if (!parsed.isValid) fail(where, `"send_at" must be a date and time such as 2026-12-01T09:00:00-06:00 (got ${JSON.stringify(raw)})`);
    at = parsed.toJSDate();
  }
  if (at.getTime() < opts.now.getTime() - PAST_TOLERANCE_MS) {
    // On the desk's clock, as the file says it ("2025-12-01 09:00"), not in UTC.
    fail(where, `"send_at" ${deskTime(at, opts.timeZone)} is in the past (now ${deskTime(opts.now, opts.timeZone)}); a wrong year? To send at once, leave send_at out or use --send-now`);
  }
  return at;
}

function variant(value: unknown, where: string, locale: string, baseDir: string | null): BulletinVariant {
  const v = (value ?? {}) as { title?: unknown; body?: unknown; file?: unknown };
  const title = text(v.title, where, `variants.${locale}.title`);
  if (typeof v.file === 'string') {
    const path = resolve(baseDir ?? '.', v.file);
    let markdown: string;
    try {
      markdown = decodeTextFile(readFileSync(path));
    } catch (error) {
      return fail(where, `variants.${locale}.file: cannot read ${path} (${(error as Error).message})`);
    }
    // Its readers would get a mail with a title and nothing else, like a bulletin without a body.
    if (markdown.trim() === '') fail(where, `variants.${locale}.file: ${path} has no text`);
    return { title, markdown };
  }
  return { title, markdown: text(v.body, where, `variants.${locale}.body (or .file)`) };
}

/** The usual slip behind a YAML error: a title with ": " not in quotes. Shown with the line quoted, when it is one. */
function quoteHint(yaml: string, line: number | undefined): string {
  const text = line ? (yaml.split(/\r?\n/)[line - 1] ?? '') : '';
  const setting = /^\s*([\w-]+):[ \t]+([^"'{[\s].*?)\s*$/.exec(text);
  return `A value with ": " or " #" in it goes in double quotes${setting ? `: ${setting[1]}: ${JSON.stringify(setting[2])}` : ''}`;
}

/**
 * "title: Boletín fiscal #45" reads as "Boletín fiscal": in YAML, " #" starts a comment. A title cut so would
 * go out as every reader's Subject without a word said, so it is refused (a title in quotes keeps its "#").
 */
function titleNotCut(doc: Document, yaml: string, path: string[], where: string): void {
  const node = doc.getIn(path, true);
  if (!isScalar(node) || node.type !== 'PLAIN' || !node.range) return;
  const sameLine = yaml.slice(node.range[1]).split(/\r?\n/)[0] ?? '';
  if (/^[ \t]+#/.test(sameLine)) fail(where, `"${path.join('.')}" is cut at " #", where a YAML comment starts (it would read ${JSON.stringify(node.value)}): put the whole title in double quotes`);
}

/** Reads and checks a bulletin; every problem is reported with the file name. */
/** `sendNow`: at once, whatever send_at says (`--send-now`; also what a preview assumes). */
export function parseBulletin(source: string, opts: { file?: string | null; timeZone: string; now: Date; sendNow?: boolean }): BulletinDraft {
  const where = opts.file ?? 'bulletin';
  const { yaml, body } = splitFrontMatter(source, where);
  const doc = parseDocument(yaml);
  const [yamlError] = doc.errors;
  if (yamlError) fail(where, `the front matter is not valid YAML: ${yamlError.message.trimEnd()}\n${quoteHint(yaml, yamlError.linePos?.[0]?.line)}`);
  const meta = (doc.toJS() ?? {}) as Record<string, unknown>;
  if (typeof meta !== 'object' || Array.isArray(meta)) fail(where, 'the front matter must be a list of "name: value" settings');
  for (const path of [['title'], ...Object.keys((meta.variants ?? {}) as object).map((locale) => ['variants', locale, 'title'])]) titleNotCut(doc, yaml, path, where);
  const title = text(meta.title, where, 'title');
  const { codes, unknown } = parseCountries(list(meta.countries));
  if (unknown.length) fail(where, `"countries": not one of the countries served: ${unknown.join(', ')} (use ISO codes such as MX, AR, PT)`);
  if (codes.length === 0) fail(where, '"countries" is required, e.g. countries: [MX, AR]');
  const defaultLocale = (meta.locale ?? 'es') as string;
  if (!isLocale(defaultLocale)) fail(where, `"locale" must be one of ${LOCALES.join(', ')} (got ${JSON.stringify(meta.locale)})`);
  if (body.trim() === '') fail(where, 'the bulletin has no text after the front matter');
  const variants: BulletinDraft['variants'] = { [defaultLocale as Locale]: { title, markdown: body.trim() + '\n' } };
  const baseDir = opts.file ? dirname(resolve(opts.file)) : null;
  for (const [locale, value] of Object.entries((meta.variants ?? {}) as Record<string, unknown>)) {
    if (!isLocale(locale)) fail(where, `variants: "${locale}" is not one of ${LOCALES.join(', ')}`);
    if (locale === defaultLocale) fail(where, `variants: "${locale}" is the bulletin's own language`);
    variants[locale as Locale] = variant(value, where, locale, baseDir);
  }
  const topics = list(meta.topics).map((t) => t.toLowerCase());
  if (topics.some((t) => !/^[a-z0-9_-]+$/.test(t))) fail(where, '"topics" must be words of letters, digits, - or _ (e.g. iva, nomina)');
  return {
    title,
    countries: codes,
    topics,
    defaultLocale: defaultLocale as Locale,
    sendAt: sendTime(meta.send_at ?? meta.sendAt, where, opts),
    variants,
    sourceFile: opts.file ? resolve(opts.file) : null,
  };
}

export function readBulletinFile(path: string, opts: { timeZone: string; now: Date; sendNow?: boolean }): BulletinDraft {
  let source: string;
  try {
    source = decodeTextFile(readFileSync(path));
  } catch (error) {
    throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `Cannot read ${path}: ${fileReadReason(error)}`);
  }
  return parseBulletin(source, { ...opts, file: path });
}
