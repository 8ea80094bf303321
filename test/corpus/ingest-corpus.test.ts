/**
 * Every message of the public corpora under ../shared/corpus (see its README.md) goes through the whole
 * pipeline on a real app (temporary SQLite DATA_DIR, one app per corpus folder):
 *   - no crash, no hang (PER_MAIL_MS per mail, reported with the file name), no unhandled rejection;
 *   - exactly one recorded outcome per mail (InboundLog rows == mails fed, one row per sourceRef);
 *   - nothing quarantined as PIPELINE_FAILED unless the mail genuinely has no sender (judged from the raw
 *     headers, independently of the parser); every quarantined file is printed with its error.
 * For stalwart's rfc/legacy/thirdparty samples, the stored Message.text is compared with the decoded text
 * in the sibling NNN.json (whitespace-normalised); the match rate is printed and held above a floor.
 * Set CORPUS_DEBUG=1 to print every charset miss (expected vs got).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INBOUND_OUTCOMES, type InboundOutcome } from '../../src/store/inbound-log-repo.js';
import { createTestApp, type TestApp } from '../support/app.js';
import {
  corpusFolders,
  corpusRoot,
  formatTable,
  fromHeaderAddress,
  hasSenderHeader,
  normaliseWhitespace,
  stalwartExpectedText,
  withTimeout,
  type CorpusMail,
} from '../support/corpus.js';

const PER_MAIL_MS = 20_000;
/** After this many hung mails a folder stops: each hang would cost PER_MAIL_MS again. */
const MAX_HANGS = 3;
const DEBUG = process.env.CORPUS_DEBUG === '1';

/** Minimum share of comparable stalwart samples whose stored text matches the expected decoded text. */
const CHARSET_FLOORS: Record<string, number> = {
  'stalwart/legacy': 0.85,
  'stalwart/rfc': 0.8,
  'stalwart/thirdparty': 0.9,
};

interface CharsetRow {
  compared: number;
  matched: number;
  notStored: number;
  misses: string[];
}

interface FolderSummary {
  label: string;
  mails: number;
  counts: Record<InboundOutcome, number>;
  maxMs: number;
  maxFile: string;
  totalMs: number;
  wrongSender: number;
  charset?: CharsetRow;
}

const summaries: FolderSummary[] = [];
const processErrors: string[] = [];
let current = '(between mails)';

const onRejection = (reason: unknown) => processErrors.push(`unhandledRejection during ${current}: ${String((reason as Error)?.stack ?? reason)}`);
const onException = (error: Error) => processErrors.push(`uncaughtException during ${current}: ${error.stack ?? error.message}`);

function printSummary(): void {
  if (summaries.length === 0) return;
  const outcomeRows = summaries.map((s) => [
    s.label,
    s.mails,
    ...INBOUND_OUTCOMES.map((o) => s.counts[o]),
    s.wrongSender,
    s.maxMs.toFixed(0),
    (s.totalMs / 1000).toFixed(1),
    path.basename(s.maxFile),
  ]);
  const total = (pick: (s: FolderSummary) => number) => summaries.reduce((n, s) => n + pick(s), 0);
  outcomeRows.push([
    'TOTAL',
    total((s) => s.mails),
    ...INBOUND_OUTCOMES.map((o) => total((s) => s.counts[o])),
    total((s) => s.wrongSender),
    Math.max(...summaries.map((s) => s.maxMs)).toFixed(0),
    (total((s) => s.totalMs) / 1000).toFixed(1),
    '',
  ]);
  const charsetRows = summaries
    .filter((s) => s.charset)
    .map((s) => {
      const c = s.charset as CharsetRow;
      return [s.label, c.compared, c.matched, c.notStored, `${((100 * c.matched) / Math.max(1, c.compared)).toFixed(1)}%`, c.misses.join(' ')];
    });
  console.log(
    [
      '',
      'Corpus ingest: outcomes per folder',
      formatTable(['folder', 'mails', ...INBOUND_OUTCOMES, 'wrong sender', 'max ms', 'total s', 'slowest'], outcomeRows),
      '',
      'Stored text vs stalwart NNN.json decoded text (whitespace-normalised)',
      formatTable(['folder', 'compared', 'matched', 'not stored', 'rate', 'misses'], charsetRows),
      '',
    ].join('\n'),
  );
}

async function compareCharsets(app: TestApp, mails: CorpusMail[], shaByFile: Map<string, string>): Promise<CharsetRow> {
  const row: CharsetRow = { compared: 0, matched: 0, notStored: 0, misses: [] };
  for (const m of mails) {
    const expected = stalwartExpectedText(m.file);
    const sha = shaByFile.get(m.file);
    if (expected === null || !sha) continue;
    const stored = await app.db.message.findFirst({ where: { rawSha256: sha }, select: { text: true } });
    if (!stored) {
      row.notStored++;
      continue;
    }
    row.compared++;
    if (normaliseWhitespace(stored.text) === normaliseWhitespace(expected)) row.matched++;
    else {
      row.misses.push(path.basename(m.file));
      if (DEBUG) console.log(`\n--- CHARSET MISS ${m.name}\n--- expected:\n${expected}\n--- got:\n${stored.text}\n`);
    }
  }
  return row;
}

describe('corpus ingest: every public mail ends with exactly one outcome', () => {
  if (!fs.existsSync(corpusRoot)) {
    it.skip(`corpora not found at ${corpusRoot} (see ../shared/corpus/README.md); skipping`, () => {});
    return;
  }

  beforeAll(() => {
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
  });
  afterAll(() => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    printSummary();
  });

  for (const folder of corpusFolders()) {
    const present = fs.existsSync(folder.dir);
    const mails = present ? folder.load() : [];
    describe.skipIf(!present)(`${folder.label} (${present ? `${mails.length} mails` : `absent: ${folder.dir}`})`, () => {
      let app: TestApp | undefined;
      beforeAll(async () => {
        app = await createTestApp();
      });
      afterAll(async () => {
        await app?.dispose();
      });

      it(
        'ingests every mail: no crash, no hang, one InboundLog row each, no unexpected quarantine',
        async () => {
          if (!app) throw new Error('test app was not created');
          expect(mails.length, `no mails found in ${folder.dir}`).toBeGreaterThan(0);
          const summary: FolderSummary = {
            label: folder.label,
            mails: mails.length,
            counts: Object.fromEntries(INBOUND_OUTCOMES.map((o) => [o, 0])) as Record<InboundOutcome, number>,
            maxMs: 0,
            maxFile: '',
            totalMs: 0,
            wrongSender: 0,
          };
          const failures: string[] = [];
          const shaByFile = new Map<string, string>();
          let fed = 0;
          for (const m of mails) {
            if (failures.filter((f) => f.startsWith('HANG')).length >= MAX_HANGS) {
              failures.push(`stopped after ${MAX_HANGS} hangs; ${mails.length - fed} mails not fed`);
              break;
            }
            current = m.name;
            fed++;
            const started = performance.now();
            try {
              const result = await withTimeout(app.pipeline.ingest(m.raw, { source: 'file', sourceRef: m.file }), PER_MAIL_MS, m.name);
              summary.counts[result.outcome]++;
              shaByFile.set(m.file, result.rawSha256);
              if (!INBOUND_OUTCOMES.includes(result.outcome)) failures.push(`${m.name}: unknown outcome ${String(result.outcome)}`);
            } catch (error) {
              const text = (error as Error)?.message ?? String(error);
              failures.push(`${text.startsWith('timed out') ? 'HANG' : 'CRASH'} ${m.name}: ${text}`);
            }
            const ms = performance.now() - started;
            summary.totalMs += ms;
            if (ms > summary.maxMs) Object.assign(summary, { maxMs: ms, maxFile: m.name });
            current = '(between mails)';
          }
          summaries.push(summary);

          // Exactly one recorded outcome per mail.
          const logRows = await app.db.inboundLog.findMany({ select: { sourceRef: true, outcome: true } });
          expect(await app.db.inboundLog.count(), 'InboundLog rows == mails fed').toBe(fed);
          const perRef = new Map<string, number>();
          for (const r of logRows) perRef.set(r.sourceRef ?? '', (perRef.get(r.sourceRef ?? '') ?? 0) + 1);
          const notOnce = mails.slice(0, fed).filter((m) => perRef.get(m.file) !== 1);
          expect(notOnce.map((m) => `${m.name}: ${perRef.get(m.file) ?? 0} rows`), 'one InboundLog row per mail').toEqual([]);

          // Every quarantined file, printed; PIPELINE_FAILED only for mails with no sender at all.
          const byFile = new Map(mails.map((m) => [m.file, m]));
          const quarantined = await app.db.quarantinedMail.findMany({ orderBy: { id: 'asc' } });
          const unexpected: string[] = [];
          for (const q of quarantined) {
            const m = byFile.get(q.sourceRef ?? '');
            const name = m?.name ?? q.sourceRef ?? '?';
            const senderless = m ? !hasSenderHeader(m.raw) : false;
            if (process.env.CORPUS_DEBUG) console.log(`[quarantined] ${folder.label}: ${name} [${q.errorCode}] ${q.error}${senderless ? ' (no sender header: expected)' : ''}`);
            if (q.errorCode === 'PIPELINE_FAILED' && !(senderless && /no sender/i.test(q.error))) unexpected.push(`${name} [${q.errorCode}] ${q.error}`);
          }
          expect(summary.counts.quarantined).toBe(quarantined.length);

          // A stored message's sender is the From header's address (judged from the raw headers, parser-free).
          const stored = await app.db.message.findMany({ where: { rawSha256: { in: [...shaByFile.values()] } }, select: { rawSha256: true, fromAddress: true } });
          const storedFrom = new Map(stored.map((r) => [r.rawSha256, r.fromAddress]));
          const wrongSender: string[] = [];
          for (const m of mails) {
            const got = storedFrom.get(shaByFile.get(m.file) ?? '');
            const want = fromHeaderAddress(m.raw);
            if (got !== undefined && want !== null && got !== want) wrongSender.push(`${m.name}: stored ${got}, From header ${want}`);
          }
          summary.wrongSender = wrongSender.length;
          for (const w of wrongSender) console.log(`[wrong sender] ${folder.label}: ${w}`);

          if (folder.label in CHARSET_FLOORS) summary.charset = await compareCharsets(app, mails, shaByFile);

          expect.soft(failures, 'crashes / hangs (file: error)').toEqual([]);
          expect.soft(unexpected, 'quarantined PIPELINE_FAILED although the mail has a sender').toEqual([]);
          expect.soft(wrongSender, 'stored sender differs from the From header').toEqual([]);
          if (summary.charset) {
            const { matched, compared } = summary.charset;
            const floor = CHARSET_FLOORS[folder.label] ?? 0;
            expect.soft(matched / Math.max(1, compared), `${folder.label} charset match rate (${matched}/${compared})`).toBeGreaterThanOrEqual(floor);
          }
        },
        60_000 + mails.length * 1_000,
      );
    });
  }

  it('saw no unhandled rejection or uncaught exception while ingesting', () => {
    expect(processErrors).toEqual([]);
  });
});
