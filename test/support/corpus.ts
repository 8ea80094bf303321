/**
 * Helpers for tests that feed the public mail corpora under ../shared/corpus (data only, outside the repo;
 * see ../shared/corpus/README.md) through the gateway.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const corpusRoot = path.resolve(repoRoot, '..', 'shared', 'corpus');

export interface CorpusMail {
  /** Path relative to the corpus root, used in reports. */
  name: string;
  /** Absolute path of the source file (the sourceRef given to the pipeline). */
  file: string;
  raw: Buffer;
}

export interface CorpusFolder {
  label: string;
  dir: string;
  /** Lists the mails; only called when dir exists. */
  load: () => CorpusMail[];
}

/** Every file under dir (recursive), sorted, as absolute paths. */
export function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}

const toMail = (file: string, raw: Buffer = fs.readFileSync(file)): CorpusMail => ({ name: path.relative(corpusRoot, file), file, raw });

/** The header block: lines up to the first empty one, any line ending (LF, CRLF or bare CR). */
function headerLines(raw: Buffer): string[] {
  const text = raw.subarray(0, 64 * 1024).toString('latin1');
  const lines = text.split(/\r\n|\r|\n/);
  const end = lines.findIndex((l) => l === '');
  return end < 0 ? lines : lines.slice(0, end);
}

/** Unfolded headers as [lower-cased name, value] pairs. */
export function headerFields(raw: Buffer): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  for (const line of headerLines(raw)) {
    const last = fields[fields.length - 1];
    if (/^[ \t]/.test(line) && last) last[1] += ` ${line.trim()}`;
    else {
      const m = /^([!-9;-~]+):(.*)$/.exec(line);
      if (m) fields.push([(m[1] as string).toLowerCase(), (m[2] as string).trim()]);
    }
  }
  return fields;
}

/** A file "looks like a mail" when it opens with a block of at least two header fields, one of them a core one. */
export function looksLikeMail(raw: Buffer): boolean {
  const lines = headerLines(raw);
  if (lines.length < 2 || !/^[A-Za-z][A-Za-z0-9-]*:/.test(lines[0] ?? '')) return false;
  if (!lines.every((l) => /^[A-Za-z][A-Za-z0-9-]*:/.test(l) || /^[ \t]/.test(l))) return false;
  return headerFields(raw).some(([n]) => ['from', 'subject', 'date', 'content-type', 'message-id', 'mime-version'].includes(n));
}

/**
 * Judged independently of the parser: true when a From, Sender, Reply-To or Return-Path header carries
 * something shaped like an address. A mail quarantined for "no sender" while this is true is a miss.
 */
export function hasSenderHeader(raw: Buffer): boolean {
  return headerFields(raw).some(
    ([name, value]) => ['from', 'sender', 'reply-to', 'return-path'].includes(name) && /[^\s<>"(),;:@]+@[^\s<>"(),;:@]+/.test(value),
  );
}

/** The address in the first From header, lower-cased (angle-bracketed form preferred), or null. */
export function fromHeaderAddress(raw: Buffer): string | null {
  const value = headerFields(raw).find(([name]) => name === 'from')?.[1] ?? '';
  const match = /<([^<>\s]+@[^<>\s]+)>/.exec(value) ?? /([^\s<>"(),;:]+@[^\s<>"(),;:]+)/.exec(value);
  return match ? (match[1] as string).toLowerCase() : null;
}

/** Wraps a plain-text reply body (discourse corpus) in minimal RFC 5322 headers. */
export function wrapBody(name: string, body: Buffer): Buffer {
  const slug = name.replace(/[^A-Za-z0-9.-]+/g, '-');
  const head = [
    'From: Corpus Sender <corpus.sender@example.org>',
    'To: soporte@example.test',
    `Subject: Corpus ${slug}`,
    `Message-ID: <${slug}@corpus.example.org>`,
    'Date: Mon, 23 Nov 2026 10:00:00 -0600',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
  ].join('\r\n');
  const text = body.toString('utf8').replace(/\r?\n/g, '\r\n');
  return Buffer.from(`${head}\r\n\r\n${text}\r\n`);
}

/** The corpus folders this suite feeds, one test app each. */
export function corpusFolders(): CorpusFolder[] {
  const emlIn = (dir: string) => () => walk(dir).filter((f) => f.endsWith('.eml')).map((f) => toMail(f));
  const sisimai = path.join(corpusRoot, 'sisimai', 'set-of-emails', 'maildir');
  const stalwart = path.join(corpusRoot, 'stalwart-mail-parser', 'resources', 'eml');
  const talon = path.join(corpusRoot, 'talon', 'tests', 'fixtures');
  const discourse = path.join(corpusRoot, 'discourse-email_reply_trimmer', 'test', 'emails');
  return [
    ...['bsd', 'not', 'dos', 'mac'].map((d) => ({ label: `sisimai/${d}`, dir: path.join(sisimai, d), load: emlIn(path.join(sisimai, d)) })),
    ...['legacy', 'malformed', 'rfc', 'thirdparty'].map((d) => ({ label: `stalwart/${d}`, dir: path.join(stalwart, d), load: emlIn(path.join(stalwart, d)) })),
    {
      label: 'talon/fixtures',
      dir: talon,
      load: () => walk(talon).map((f) => toMail(f)).filter((m) => looksLikeMail(m.raw)),
    },
    {
      label: 'discourse/emails',
      dir: discourse,
      load: () => walk(discourse).filter((f) => f.endsWith('.txt')).map((f) => toMail(f, wrapBody(path.basename(f), fs.readFileSync(f)))),
    },
  ];
}

type StalwartBody = { Text?: string; Html?: string; [kind: string]: unknown };

/**
 * The expected decoded plain text of a stalwart sample: its text_body parts that are Text, joined.
 * Null when there is no NNN.json or when a text_body part is HTML (stalwart converts it; not comparable).
 */
export function stalwartExpectedText(emlFile: string): string | null {
  const json = emlFile.replace(/\.eml$/, '.json');
  if (!fs.existsSync(json)) return null;
  const tree = JSON.parse(fs.readFileSync(json, 'utf8')) as { text_body: number[]; parts: Array<{ body: StalwartBody | string }> };
  const texts: string[] = [];
  for (const index of tree.text_body) {
    const body = tree.parts[index]?.body;
    if (typeof body !== 'object' || body === null) continue;
    if (typeof body.Html === 'string') return null;
    if (typeof body.Text === 'string') texts.push(body.Text);
  }
  return texts.join('\n');
}

/** The subject stalwart's parser reads in the sibling NNN.json, or null. */
export function stalwartExpectedSubject(emlFile: string): string | null {
  const json = emlFile.replace(/\.eml$/, '.json');
  if (!fs.existsSync(json)) return null;
  const tree = JSON.parse(fs.readFileSync(json, 'utf8')) as { parts?: Array<{ headers?: Array<{ name: unknown; value: { Text?: unknown } }> }> };
  const subject = tree.parts?.[0]?.headers?.find((h) => h.name === 'subject')?.value.Text;
  return typeof subject === 'string' ? subject : null;
}

export const normaliseWhitespace = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** Resolves with the promise's value, or rejects after ms with a message naming what hung. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A fixed-width text table. */
export function formatTable(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
