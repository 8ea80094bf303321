/**
 * The bounce / complaint / auto-reply classifier (src/ingest/classify) measured on sisimai's corpus
 * (../shared/corpus/sisimai, data only, outside the repo; see ../shared/corpus/README.md). Every .eml of
 * maildir/bsd and maildir/not goes through parseMail and classifyMail and is compared with
 * expected-results.json, which lists per file and per recipient sisimai's reason and hardBounce.
 *
 * What is compared (per file of maildir/bsd that has an expectation; maildir/not expects "normal"):
 *   verdict     the expected kind: "feedback" entries -> complaint; "vacation" -> vacation (an auto-reply is
 *               not a bounce); only "delivered" (a success DSN) -> normal; any other reason -> bounce.
 *               A file matches when classifyMail returns exactly that kind.
 *   recipients  for expected bounces and complaints: as many recipients as sisimai lists (bounces: those
 *               whose reason is not "delivered"), each a plausible address that occurs in the mail, and, for
 *               bounces, not the notice's own addressee or sender unless the notice itself names it as the
 *               failed one (X-Failed-Recipients / Final-Recipient / Original-Recipient). The expectations
 *               carry no addresses, so this is a proxy; a wrong verdict counts as a miss.
 *   hard/soft   per expected bounce recipient, in order: our recipient at that index has hard === hardBounce
 *               (sisimai: hard only for user unknown, host unknown, moved, not accepting mail); a missing
 *               recipient counts as a miss.
 * Printed, not asserted tightly: status code and reply code agreement where sisimai has an explicit value,
 * and how often the original Message-ID is found when the mail carries one in its raw headers.
 * Asserted: floors slightly below the measured rates, NO message of maildir/not classified as bounce or
 * complaint, the dos/mac copies classified like their bsd originals, and a bound on the time per mail.
 * Set BOUNCE_CORPUS_DEBUG=1 to print every miss.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyMail, type MailKind } from '../../src/ingest/classify/bounce.js';
import { parseMail, type InboundMail } from '../../src/ingest/parse.js';
import { corpusRoot, formatTable } from '../support/corpus.js';

const sisimai = path.join(corpusRoot, 'sisimai');
const maildir = path.join(sisimai, 'set-of-emails', 'maildir');
const expectedFile = path.join(sisimai, 'expected-results.json');
const present = fs.existsSync(expectedFile) && fs.existsSync(path.join(maildir, 'bsd'));
const DEBUG = process.env.BOUNCE_CORPUS_DEBUG === '1';

/** Measured 2026-11: verdict 99.2%, recipients 97.1%, hard/soft 96.1%, original Message-ID 97.5%. */
const FLOORS = { verdict: 0.985, recipients: 0.96, hardSoft: 0.95, messageId: 0.96 };
/** Generous: the classifier itself takes a few ms; this catches a regex gone quadratic. */
const MAX_CLASSIFY_MS = 500;

interface ExpectedRecipient {
  index: number;
  reason: string;
  hardBounce: boolean;
  deliveryStatus: string;
  replyCode: string;
}
type Expected = Record<string, { recipients: ExpectedRecipient[] }>;
type Kind = MailKind['kind'];

function expectedKind(recipients: ExpectedRecipient[]): Kind {
  const reasons = recipients.map((r) => r.reason);
  if (reasons.some((r) => !['vacation', 'feedback', 'delivered'].includes(r))) return 'bounce';
  if (reasons.includes('feedback')) return 'complaint';
  if (reasons.includes('vacation')) return 'vacation';
  return 'normal';
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Everything of the mail a recipient address could be read from, lower-cased. */
function mailText(raw: Buffer, mail: InboundMail): string {
  return [raw.toString('latin1'), mail.text, mail.html ?? '', ...mail.attachments.map((a) => a.content.toString('utf8'))].join('\n').toLowerCase();
}

function plausibleRecipient(address: string, kind: Kind, raw: Buffer, mail: InboundMail, text: string): boolean {
  if (!/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(address) || !text.includes(address)) return false;
  if (kind !== 'bounce') return true;
  const own = new Set([...mail.to.map((a) => a.address), mail.from?.address].filter(Boolean));
  if (!own.has(address)) return true;
  return new RegExp(`^(?:x-failed-recipients|final-recipient|original-recipient):.*${escape(address)}`, 'im').test(raw.toString('latin1'));
}

/** The Message-IDs in the raw mail's header lines other than the notice's own. */
function rawOriginalIds(raw: Buffer, mail: InboundMail): string[] {
  const ids = [...raw.toString('latin1').matchAll(/^message-id:[ \t]*<([^<>\s]+)>/gim)].map((m) => m[1] as string);
  return ids.filter((id) => id !== mail.messageId);
}

const pct = (n: number, d: number) => (d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}%`);

describe.skipIf(!present)(
  `bounce classification on sisimai's corpus${present ? '' : ` (skipped: ${sisimai} is absent, see ../shared/corpus/README.md)`}`,
  () => {
    it('matches sisimai on verdict, recipients and hard/soft; takes nothing in maildir/not for a bounce', async () => {
      const expected = (JSON.parse(fs.readFileSync(expectedFile, 'utf8')) as { files: Expected }).files;
      const counts = {
        files: 0,
        verdict: 0,
        binary: 0,
        recipientFiles: 0,
        recipients: 0,
        hardTotal: 0,
        hard: 0,
        statusTotal: 0,
        status: 0,
        replyTotal: 0,
        reply: 0,
        idTotal: 0,
        id: 0,
        noExpectation: 0,
      };
      const misses: Record<'verdict' | 'recipients' | 'hardSoft' | 'messageId', string[]> = { verdict: [], recipients: [], hardSoft: [], messageId: [] };
      const wrongInNot: string[] = [];
      const byFile = new Map<string, string>();
      let maxMs = 0;
      let slowest = '';

      for (const folder of ['bsd', 'not'] as const) {
        const dir = path.join(maildir, folder);
        for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.eml')).sort()) {
          const raw = fs.readFileSync(path.join(dir, file));
          const mail = await parseMail(raw);
          const started = performance.now();
          const got = classifyMail(mail);
          const ms = performance.now() - started;
          if (ms > maxMs) [maxMs, slowest] = [ms, `${folder}/${file}`];
          if (folder === 'bsd') byFile.set(file, JSON.stringify(got));

          if (folder === 'not') {
            counts.files++;
            if (got.kind === 'normal' || got.kind === 'vacation') counts.binary++;
            if (got.kind === 'normal') counts.verdict++;
            else misses.verdict.push(`not/${file}: want normal, got ${got.kind}`);
            if (got.kind === 'bounce' || got.kind === 'complaint') wrongInNot.push(`${file}: ${JSON.stringify(got)}`);
            continue;
          }
          const entry = expected[file];
          if (!entry) {
            counts.noExpectation++;
            if (DEBUG) console.log(`no expectation: ${file} -> ${JSON.stringify(got)}`);
            continue;
          }
          counts.files++;
          const want = expectedKind(entry.recipients);
          if (got.kind === want) counts.verdict++;
          else misses.verdict.push(`${file}: want ${want}, got ${got.kind}`);
          if ((got.kind === 'bounce') === (want === 'bounce')) counts.binary++;

          if (want === 'bounce' || want === 'complaint') {
            counts.recipientFiles++;
            const wanted = want === 'bounce' ? entry.recipients.filter((r) => r.reason !== 'delivered') : entry.recipients;
            const addresses = got.kind === want && (got.kind === 'bounce' || got.kind === 'complaint') ? got.recipients.map((r) => r.address) : [];
            const text = mailText(raw, mail);
            const ok = got.kind === want && addresses.length === wanted.length && addresses.every((a) => plausibleRecipient(a, want, raw, mail, text));
            if (ok) counts.recipients++;
            else misses.recipients.push(`${file}: want ${wanted.length}, got ${got.kind} ${JSON.stringify(addresses)}`);
          }

          if (want === 'bounce') {
            const ours = got.kind === 'bounce' ? got.recipients : [];
            entry.recipients
              .filter((r) => r.reason !== 'delivered')
              .forEach((r, i) => {
                const g = ours[i];
                counts.hardTotal++;
                if (g && g.hard === r.hardBounce) counts.hard++;
                else misses.hardSoft.push(`${file}#${i + 1}: want ${r.hardBounce} (${r.reason} ${r.deliveryStatus} ${r.replyCode}), got ${g ? `${g.hard} ${g.status} ${g.replyCode}` : 'no recipient'}`);
                // sisimai's own x.0.9xx codes are not status codes a mail carries.
                if (/^[245]\.\d\.\d{1,2}$/.test(r.deliveryStatus) && !/\.0\.9/.test(r.deliveryStatus)) {
                  counts.statusTotal++;
                  if (g?.status === r.deliveryStatus) counts.status++;
                }
                if (r.replyCode) {
                  counts.replyTotal++;
                  if (g?.replyCode === r.replyCode) counts.reply++;
                }
              });
            const ids = rawOriginalIds(raw, mail);
            if (ids.length > 0) {
              counts.idTotal++;
              const id = got.kind === 'bounce' ? got.originalMessageId : null;
              if (id && ids.includes(id)) counts.id++;
              else misses.messageId.push(`${file}: want one of ${JSON.stringify(ids)}, got ${id}`);
            }
          }
        }
      }

      // The CRLF and CR copies must read like the LF originals.
      const lineEndingDiffs: string[] = [];
      for (const folder of ['dos', 'mac']) {
        const dir = path.join(maildir, folder);
        if (!fs.existsSync(dir)) continue;
        for (const file of fs.readdirSync(dir).filter((f) => byFile.has(f))) {
          const got = JSON.stringify(classifyMail(await parseMail(fs.readFileSync(path.join(dir, file)))));
          if (got !== byFile.get(file)) lineEndingDiffs.push(`${folder}/${file}: ${got} vs bsd ${byFile.get(file)}`);
        }
      }

      const rates = {
        verdict: counts.verdict / counts.files,
        recipients: counts.recipients / counts.recipientFiles,
        hardSoft: counts.hard / counts.hardTotal,
        messageId: counts.id / counts.idTotal,
      };
      console.log(
        `\nBounce classification, sisimai corpus (${counts.files} files with an expectation incl. maildir/not; ${counts.noExpectation} without one, not counted)\n` +
          formatTable(
            ['measure', 'matched', 'total', 'share', 'floor'],
            [
              ['verdict (bounce / complaint / vacation / normal)', counts.verdict, counts.files, pct(counts.verdict, counts.files), pct(FLOORS.verdict, 1)],
              ['bounce vs not-bounce only', counts.binary, counts.files, pct(counts.binary, counts.files), ''],
              ['recipients (count + plausible address)', counts.recipients, counts.recipientFiles, pct(counts.recipients, counts.recipientFiles), pct(FLOORS.recipients, 1)],
              ['hard/soft per recipient', counts.hard, counts.hardTotal, pct(counts.hard, counts.hardTotal), pct(FLOORS.hardSoft, 1)],
              ['status code (explicit ones)', counts.status, counts.statusTotal, pct(counts.status, counts.statusTotal), ''],
              ['reply code', counts.reply, counts.replyTotal, pct(counts.reply, counts.replyTotal), ''],
              ['original Message-ID (when the raw mail has one)', counts.id, counts.idTotal, pct(counts.id, counts.idTotal), pct(FLOORS.messageId, 1)],
            ],
          ) +
          `\nslowest classification: ${maxMs.toFixed(1)} ms (${slowest})`,
      );
      for (const [measure, list] of Object.entries(misses)) {
        if (list.length === 0) continue;
        console.log(`${measure} misses (${list.length}):\n  ${(DEBUG ? list : list.slice(0, 12)).join('\n  ')}${!DEBUG && list.length > 12 ? '\n  ... (BOUNCE_CORPUS_DEBUG=1 for all)' : ''}`);
      }

      expect(wrongInNot, 'maildir/not holds no bounce and no complaint').toEqual([]);
      expect(lineEndingDiffs, 'dos/mac copies classified like bsd').toEqual([]);
      expect(maxMs).toBeLessThan(MAX_CLASSIFY_MS);
      expect(rates.verdict).toBeGreaterThanOrEqual(FLOORS.verdict);
      expect(rates.recipients).toBeGreaterThanOrEqual(FLOORS.recipients);
      expect(rates.hardSoft).toBeGreaterThanOrEqual(FLOORS.hardSoft);
      expect(rates.messageId).toBeGreaterThanOrEqual(FLOORS.messageId);
    });
  },
);
