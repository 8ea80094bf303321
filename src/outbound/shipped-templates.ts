import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../paths.js';
import { LOCALES, type Locale } from './locale.js';
import type { Part } from './template-files.js';
import type { TemplateName } from './templates.js';

// What of a template folder a desk changed, against templates/ as the build found it. The daemon's warm-up runs
// while the acknowledgements a backlog owes are rendered and sent, on the same thread: it renders each notice's
// every wording, and reads which variables a part uses (template-wording.ts), only for what differs from what was
// shipped, since the tests check the shipped templates in every wording. `templates check` reads everything.

/** Written by `npm run build` (scripts/shipped-templates.mjs): the hash of each file of templates/ as shipped. */
export const shippedTemplatesPath = join(projectRoot, 'dist', 'shipped-templates.json');

/** Path in the folder ("es/close_undone.text.hbs", "partials/footer.text.hbs") -> hash of its content. */
export type TemplateHashes = Record<string, string>;

const FOLDERS: readonly string[] = [...LOCALES, 'partials'];

/** The hash of every .hbs file of a template folder's languages and partials. */
export function hashesOf(dir: string): TemplateHashes {
  const hashes: TemplateHashes = {};
  for (const folder of FOLDERS) {
    if (!existsSync(join(dir, folder))) continue;
    for (const entry of readdirSync(join(dir, folder)).sort()) {
      if (!entry.endsWith('.hbs')) continue;
      hashes[`${folder}/${entry}`] = createHash('sha256').update(readFileSync(join(dir, folder, entry))).digest('hex');
    }
  }
  return hashes;
}

/** The hashes the build recorded, or null when there are none (not built: then everything counts as changed). */
export function readShippedHashes(path: string = shippedTemplatesPath): TemplateHashes | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as TemplateHashes;
  } catch {
    return null;
  }
}

export interface EditedTemplates {
  /** Whether this part, or a partial (any part may call it), is not as shipped. */
  part(name: TemplateName, locale: Locale, part: Part): boolean;
  /** Whether any part of this notice in this language is not as shipped. */
  template(name: TemplateName, locale: Locale): boolean;
}

const PARTS: readonly Part[] = ['subject', 'text', 'html'];

/** What of `dir` differs from `shipped` (a file added, edited or removed); with no record, everything. */
export function editedSince(shipped: TemplateHashes | null, dir: string): EditedTemplates {
  if (shipped === null) return { part: () => true, template: () => true };
  const current = hashesOf(dir);
  const differs = (path: string) => current[path] !== shipped[path];
  const partials = [...new Set([...Object.keys(current), ...Object.keys(shipped)])].some((path) => path.startsWith('partials/') && differs(path));
  const part = (name: TemplateName, locale: Locale, one: Part) => partials || differs(`${locale}/${name}.${one}.hbs`);
  return { part, template: (name, locale) => PARTS.some((one) => part(name, locale, one)) };
}
