/**
 * planer's splitter patterns, anchored at the start of the window (src/ingest/visible-text/planer-lines.ts),
 * against the patterns as planer ships them, on every mail and text file of the public corpora: each window
 * of lines planer would try gives the same splitter or none, and each mail the same visible text.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import planerPatterns from 'planer/lib/regexes.js';
import { parseMail } from '../../src/ingest/parse.js';
import { extractVisibleText } from '../../src/ingest/visible-text/index.js';
import { PLANER_SPLITTERS_AS_SHIPPED } from '../../src/ingest/visible-text/planer-lines.js';
import { corpusRoot, walk } from '../support/corpus.js';

/** planer's SPLITTER_MAX_LINES: how many lines isSplitter sees at once. */
const WINDOW_LINES = 4;

/** isSplitter's answer (planer.js): the first pattern whose leftmost match starts the window. */
function splitter(patterns: RegExp[], window: string): string | null {
  for (const pattern of patterns) {
    const match = pattern.exec(window);
    if (match && match.index === 0) return match[0];
  }
  return null;
}

const files = walk(corpusRoot).filter((file) => /\.(eml|txt|msg)$/i.test(file));

describe.skipIf(files.length === 0)('planer splitters anchored at the window start', () => {
  it('find the same splitters and give the same visible text on every corpus file', async () => {
    const anchored = planerPatterns.SPLITTER_PATTERNS;
    expect(anchored).not.toBe(PLANER_SPLITTERS_AS_SHIPPED);
    let windows = 0;
    let splitters = 0;
    const differing: string[] = [];
    for (const file of files) {
      const raw = fs.readFileSync(file);
      const mail = file.endsWith('.txt') ? { text: raw.toString('utf8'), html: null, subject: '' } : await parseMail(raw).catch(() => null);
      if (!mail) continue;
      const lines = mail.text.split(/\r?\n/);
      for (let i = 0; i < lines.length; i++) {
        const window = lines.slice(i, i + WINDOW_LINES).join('\n');
        const shipped = splitter(PLANER_SPLITTERS_AS_SHIPPED, window);
        windows++;
        if (shipped !== null) splitters++;
        if (splitter(anchored, window) !== shipped) differing.push(`${file} line ${i + 1}`);
      }
      const withAnchored = extractVisibleText(mail.text, mail.html, mail.subject);
      planerPatterns.SPLITTER_PATTERNS = PLANER_SPLITTERS_AS_SHIPPED;
      try {
        if (extractVisibleText(mail.text, mail.html, mail.subject) !== withAnchored) differing.push(`${file}: visible text`);
      } finally {
        planerPatterns.SPLITTER_PATTERNS = anchored;
      }
    }
    expect(differing).toEqual([]);
    // The corpora do exercise the patterns (their reply corpora are full of "On ... wrote:" and "From:" blocks).
    expect(files.length).toBeGreaterThan(1000);
    expect(splitters).toBeGreaterThan(500);
    expect(windows).toBeGreaterThan(20_000);
  }, 120_000);
});
