import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locale } from '../outbound/locale.js';
import { decodeTextFile } from '../text-file.js';
import { SOLVED_PATH } from './solved-link.js';

// Knowledge-base articles (DOMAIN.md rule 10): Markdown files in KNOWLEDGE_BASE_DIR, one per article, named
// <slug>.md. The first "# " line is the title. An optional block at the top, between "---" lines, says
//   lang: es | pt | en        the readers it is for (default: everyone)
//   keywords: a, b, c         words customers use for it that the text may not have
//   url: https://...          where it is published (default: this gateway's page, PUBLIC_URL/kb/<slug>)

export interface Article {
  slug: string;
  title: string;
  lang: Locale | null;
  keywords: string[];
  url: string | null;
  /** The Markdown below the title. */
  body: string;
}

export interface LoadedArticles {
  articles: Article[];
  /** Files not read, with why, for the log. */
  problems: string[];
}

const SLUG = /^[a-z0-9][a-z0-9-]{0,99}$/;
/** An article's page is /kb/<slug>: this one is the page that closes a ticket, so its readers got that page's error. */
const TAKEN_SLUG = SOLVED_PATH.slice('/kb/'.length);

export function parseArticle(slug: string, source: string): Article | string {
  let text = source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const meta = new Map<string, string>();
  const block = /^---\n([\s\S]*?)\n---\n/.exec(text);
  if (block) {
    for (const line of (block[1] ?? '').split('\n')) {
      const m = /^\s*([a-z]+)\s*:\s*(.*?)\s*$/i.exec(line);
      if (m) meta.set((m[1] as string).toLowerCase(), m[2] as string);
    }
    text = text.slice(block[0].length);
  }
  // A closing run of "#" is taken off only after a space (CommonMark): "# Integración con C#" keeps its "#".
  const heading = /^#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$/m.exec(text);
  if (!heading) return 'no title (a first line "# Title")';
  const lang = meta.get('lang')?.toLowerCase() ?? null;
  if (lang !== null && lang !== 'es' && lang !== 'pt' && lang !== 'en') return `lang: ${lang} is not es, pt or en`;
  const url = meta.get('url') || null;
  if (url !== null && !/^https?:\/\/[^\s]+$/i.test(url)) return `url: ${url} is not an http(s) address`;
  return {
    slug,
    title: (heading[1] as string).trim(),
    lang,
    keywords: (meta.get('keywords') ?? '').split(',').map((k) => k.trim()).filter(Boolean),
    url,
    body: text.slice(heading.index + heading[0].length).trim(),
  };
}

/** Every <slug>.md of `dir`; none when it does not exist (the feature is then off). */
export function loadArticles(dir: string): LoadedArticles {
  if (!existsSync(dir)) return { articles: [], problems: [] };
  const articles: Article[] = [];
  const problems: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.md')) continue;
    const slug = name.slice(0, -3).toLowerCase();
    if (!SLUG.test(slug)) {
      problems.push(`${name}: the name must be letters, digits and hyphens (it is the page's address)`);
      continue;
    }
    if (slug === TAKEN_SLUG) {
      problems.push(`${name}: the name is taken by the page that closes a ticket (${SOLVED_PATH}): rename the file`);
      continue;
    }
    // One entry that cannot be read (a folder so named, a file without read permission, one removed as the
    // folder is read) is skipped like a bad one: thrown, it stopped the gateway's start and every new ticket.
    let source: string;
    try {
      // Notepad saves "ANSI" (Windows-1252) or "Unicode" (UTF-16): read as UTF-8, the title the customer is
      // sent read "C\uFFFDmo" and its words matched nothing (text-file.ts).
      source = decodeTextFile(readFileSync(join(dir, name)));
    } catch (error) {
      problems.push(`${name}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      continue;
    }
    const parsed = parseArticle(slug, source);
    if (typeof parsed === 'string') problems.push(`${name}: ${parsed}`);
    else articles.push(parsed);
  }
  return { articles, problems };
}
