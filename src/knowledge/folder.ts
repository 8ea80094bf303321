import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadArticles } from './articles.js';
import { KnowledgeBase } from './suggest.js';

/** How often the folder is looked at again: an article added, edited or removed counts within this. */
export const RECHECK_MS = 30_000;

/** The .md files' names, sizes and times: what changes when an article is added, edited or removed. */
function signatureOf(dir: string): string {
  if (!existsSync(dir)) return '';
  return readdirSync(dir)
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => {
      const s = statSync(join(dir, name), { throwIfNoEntry: false });
      return s ? `${name}:${s.size}:${s.mtimeMs}` : name;
    })
    .join('|');
}

/**
 * The articles of a folder, read again when its files change (looked at no more than every RECHECK_MS): the
 * support team drops or edits a file, and the running gateway suggests it, without a restart.
 */
export class KnowledgeFolder {
  private base: KnowledgeBase;
  private signature: string;
  private checkedAt: number;

  constructor(
    readonly dir: string,
    private readonly warn: (problem: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.signature = signatureOf(dir);
    this.base = this.read();
    this.checkedAt = now();
  }

  current(): KnowledgeBase {
    if (this.now() - this.checkedAt >= RECHECK_MS) {
      this.checkedAt = this.now();
      const signature = signatureOf(this.dir);
      if (signature !== this.signature) {
        this.signature = signature;
        this.base = this.read();
      }
    }
    return this.base;
  }

  private read(): KnowledgeBase {
    const { articles, problems } = loadArticles(this.dir);
    for (const problem of problems) this.warn(`knowledge base: ${problem}; the file is skipped`);
    return new KnowledgeBase(articles);
  }
}
