/**
 * Quote stripping measured against public corpora (data only, outside the repo):
 *   ../shared/corpus/talon                            (mailgun/talon fixtures + expected-results.json)
 *   ../shared/corpus/discourse-email_reply_trimmer/test  (emails/<name>.txt -> trimmed/<name>.txt)
 *
 * Comparison: whitespace runs collapsed, trimmed. The test prints a hit-rate table and
 * asserts floors slightly below the measured rates, so regressions fail.
 * Set VISIBLE_TEXT_DEBUG=1 to print every miss (expected vs got).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { extractVisibleText } from '../../src/ingest/visible-text/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const corpusRoot = path.resolve(repoRoot, '..', 'shared', 'corpus');
const talonRoot = path.join(corpusRoot, 'talon');
const talonFixtures = path.join(talonRoot, 'tests', 'fixtures');
const discourseRoot = path.join(corpusRoot, 'discourse-email_reply_trimmer', 'test');

const haveTalon = fs.existsSync(path.join(talonRoot, 'expected-results.json'));
const haveDiscourse = fs.existsSync(path.join(discourseRoot, 'emails'));
const DEBUG = process.env.VISIBLE_TEXT_DEBUG === '1';

const norm = (s: string): string => s.replace(/\s+/g, ' ').trim();

/**
 * talon's extract_from_plain keeps signatures and mobile footers (talon handles them in a
 * separate module); Ventanilla's visible text drops "-- " blocks and "Sent from my ..." lines.
 * Applied to talon's expected text only, so the comparison measures our product policy.
 */
function applySignaturePolicy(expected: string): string {
  const lines = expected.split('\n');
  const sig = lines.findIndex((l) => /^--\s*$/.test(l));
  const kept = sig >= 0 ? lines.slice(0, sig) : lines;
  while (kept.length > 0 && /^\s*$|^Sent (?:from|with) /.test(kept[kept.length - 1] ?? '')) kept.pop();
  return kept.join('\n');
}

interface Case {
  name: string;
  run: () => Promise<{ got: string; expected: string; ok?: boolean }>;
}

interface RowResult {
  corpus: string;
  matched: number;
  total: number;
  misses: string[];
}

const rows: RowResult[] = [];

async function measure(corpus: string, cases: Case[]): Promise<RowResult> {
  const row: RowResult = { corpus, matched: 0, total: 0, misses: [] };
  for (const c of cases) {
    row.total++;
    const started = performance.now();
    const { got, expected, ok } = await c.run();
    const elapsed = performance.now() - started;
    expect(elapsed, `${corpus} / ${c.name} took ${elapsed.toFixed(0)} ms`).toBeLessThan(2_000);
    const hit = ok ?? norm(got) === norm(expected);
    if (hit) row.matched++;
    else {
      row.misses.push(c.name);
      if (DEBUG) {
        console.log(`\n--- MISS ${corpus} / ${c.name}\n--- expected:\n${expected}\n--- got:\n${got}\n`);
      }
    }
  }
  rows.push(row);
  return row;
}

async function parseEml(file: string): Promise<{ text: string; html: string | null }> {
  const parsed = await simpleParser(fs.readFileSync(file));
  return { text: parsed.text ?? '', html: typeof parsed.html === 'string' ? parsed.html : null };
}

function printTable(): void {
  if (rows.length === 0) return;
  const w = Math.max(...rows.map((r) => r.corpus.length), 6);
  const out = [
    '',
    'Quote stripping hit rates (whitespace-normalised exact match)',
    `${'corpus'.padEnd(w)}  matched  total      %`,
    `${'-'.repeat(w)}  -------  -----  -----`,
    ...rows.map(
      (r) =>
        `${r.corpus.padEnd(w)}  ${String(r.matched).padStart(7)}  ${String(r.total).padStart(5)}  ${(
          (100 * r.matched) /
          Math.max(1, r.total)
        ).toFixed(1).padStart(5)}`,
    ),
    '',
    ...rows.filter((r) => r.misses.length > 0).map((r) => `misses in ${r.corpus}: ${r.misses.join(', ')}`),
    '',
  ];
  console.log(out.join('\n'));
}

describe('quote stripping corpus', () => {
  if (!haveTalon && !haveDiscourse) {
    it.skip(`corpora not found at ${corpusRoot} (see ../shared/corpus/README.md); skipping`, () => {});
    return;
  }

  describe.skipIf(!haveTalon)(`talon fixtures (${haveTalon ? 'present' : `absent: ${talonRoot}`})`, () => {
    const expectedResults = haveTalon
      ? (JSON.parse(fs.readFileSync(path.join(talonRoot, 'expected-results.json'), 'utf8')) as {
          standard_replies: Record<string, string>;
          html_replies: Record<string, string>;
        })
      : { standard_replies: {}, html_replies: {} };

    it('standard_replies (.eml via mailparser; signature policy applied to expected)', async () => {
      const entries = Object.entries(expectedResults.standard_replies);
      const cases: Case[] = entries.map(([rel, expected]) => ({
        name: rel,
        run: async () => {
          const { text, html } = await parseEml(path.join(talonFixtures, rel));
          return { got: extractVisibleText(text, html), expected: applySignaturePolicy(expected) };
        },
      }));
      const row = await measure('talon standard_replies', cases);
      expect(row.total).toBe(12);
      // measured 12/12
      expect(row.matched).toBeGreaterThanOrEqual(11);
    });

    it('standard_replies, expected text verbatim (informational: talon keeps signatures)', async () => {
      const cases: Case[] = Object.entries(expectedResults.standard_replies).map(([rel, expected]) => ({
        name: rel,
        run: async () => {
          const { text, html } = await parseEml(path.join(talonFixtures, rel));
          return { got: extractVisibleText(text, html), expected };
        },
      }));
      const row = await measure('talon standard_replies (verbatim, info)', cases);
      // measured 10/12: iphone and sparrow keep a signature / "Sent from my iPhone" in talon's expectation
      expect(row.matched).toBeGreaterThanOrEqual(9);
    });

    it('html_replies (HTML only, no text part)', async () => {
      const cases: Case[] = Object.entries(expectedResults.html_replies).map(([rel, expected]) => ({
        name: rel,
        run: async () => {
          const html = fs.readFileSync(path.join(talonFixtures, rel), 'utf8');
          return { got: extractVisibleText('', html), expected };
        },
      }));
      const row = await measure('talon html_replies', cases);
      expect(row.total).toBe(9);
      // measured 9/9
      expect(row.matched).toBeGreaterThanOrEqual(8);
    });

    it('extra fixtures (expectations transcribed from talon html_quotations_test.py)', async () => {
      const cases: Case[] = [
        {
          name: 'OLK_SRC_BODY_SECTION.html',
          run: async () => ({
            got: extractVisibleText('', fs.readFileSync(path.join(talonFixtures, 'OLK_SRC_BODY_SECTION.html'), 'utf8')),
            expected: 'Reply',
          }),
        },
        {
          name: 'reply-separated-by-hr.html',
          run: async () => ({
            got: extractVisibleText('', fs.readFileSync(path.join(talonFixtures, 'reply-separated-by-hr.html'), 'utf8')),
            expected: 'Hi there',
          }),
        },
        {
          name: 'reply-quotations-share-block.eml (non-empty, no From:)',
          run: async () => {
            const { text, html } = await parseEml(path.join(talonFixtures, 'reply-quotations-share-block.eml'));
            const got = extractVisibleText(text, html);
            return { got, expected: '<non-empty, without "From">', ok: got.length > 0 && !got.includes('From') };
          },
        },
      ];
      const row = await measure('talon extra fixtures', cases);
      // measured 2/3: talon also drops the "Bob" line above the <hr> in reply-separated-by-hr
      expect(row.matched).toBeGreaterThanOrEqual(2);
    });

    it('signature fixtures (informational: undelimited signatures are not stripped)', async () => {
      const dir = path.join(talonFixtures, 'signature', 'emails', 'stripped');
      const names = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('_body'))
        .map((f) => f.slice(0, -'_body'.length))
        .filter((n) => fs.existsSync(path.join(dir, `${n}_signature`)))
        .sort();
      const cases: Case[] = names.map((n) => ({
        name: n,
        run: async () => {
          const body = fs.readFileSync(path.join(dir, `${n}_body`), 'utf8');
          const signature = fs.readFileSync(path.join(dir, `${n}_signature`), 'utf8').trim();
          const at = body.lastIndexOf(signature);
          const expected = at >= 0 ? body.slice(0, at) : body;
          return { got: extractVisibleText(body), expected };
        },
      }));
      const row = await measure('talon signatures (info)', cases);
      expect(row.total).toBeGreaterThan(0);
      // measured 1/6; talon detects these with a trained classifier, out of scope here
      expect(row.matched).toBeGreaterThanOrEqual(1);
    });
  });

  describe.skipIf(!haveDiscourse)(
    `discourse email_reply_trimmer (${haveDiscourse ? 'present' : `absent: ${discourseRoot}`})`,
    () => {
      it('emails/<name> -> trimmed/<name>', async () => {
        const names = haveDiscourse ? fs.readdirSync(path.join(discourseRoot, 'emails')).sort() : [];
        const cases: Case[] = names
          .filter((n) => fs.existsSync(path.join(discourseRoot, 'trimmed', n)))
          .map((n) => ({
            name: n,
            run: async () => ({
              got: extractVisibleText(fs.readFileSync(path.join(discourseRoot, 'emails', n), 'utf8')),
              expected: fs.readFileSync(path.join(discourseRoot, 'trimmed', n), 'utf8'),
            }),
          }));
        const row = await measure('discourse trimmed', cases);
        expect(row.total).toBe(64);
        // measured 59/64 (92.2%)
        expect(row.matched).toBeGreaterThanOrEqual(57);
      });
    },
  );

  it('prints the hit-rate table', () => {
    printTable();
    expect(true).toBe(true);
  });
});
