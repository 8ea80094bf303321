import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMail } from '../../src/ingest/parse.js';
import { projectRoot } from '../../src/paths.js';
import { createTestApp, type TestApp } from '../support/app.js';

// Property: whatever bytes arrive, parse never hangs or throws anything but a typed error, and the pipeline
// ends every input with exactly one recorded outcome (a log row), never an exception.

const corpus = resolve(projectRoot, '..', 'shared', 'corpus', 'stalwart-mail-parser', 'resources', 'eml');
const seeds: Buffer[] = existsSync(corpus)
  ? ['malformed', 'rfc', 'thirdparty'].flatMap((dir) =>
      existsSync(join(corpus, dir)) ? readdirSync(join(corpus, dir)).filter((f) => f.endsWith('.eml')).slice(0, 15).map((f) => readFileSync(join(corpus, dir, f))) : [],
    )
  : [];

const header = fc.constantFrom('From', 'To', 'Cc', 'Subject', 'Message-ID', 'In-Reply-To', 'References', 'Content-Type', 'Content-Transfer-Encoding', 'Auto-Submitted', 'Return-Path', 'X-Loop', 'Date', 'MIME-Version');
const nasty = fc.constantFrom('', '<>', '=?UTF-8?B?====?=', '=?x-unknown?Q?=FF=FE?=', 'multipart/mixed; boundary=""', 'multipart/alternative; boundary=b', 'text/plain; charset=utf-7', 'base64', 'quoted-printable', '[#1000] Re: Fwd: RV:', 'a@b', '<vt.1000.aaaaaaaaaaaa.0000000000000000@example.test>', '\u0000\u0001', 'x'.repeat(2000), '\r\n\t folded');
const headerLine = fc.tuple(header, fc.oneof(nasty, fc.string({ maxLength: 80 }))).map(([k, v]) => `${k}: ${v}`);
const body = fc.oneof(fc.string({ maxLength: 500 }), fc.constantFrom('--b\r\nContent-Type: text/plain\r\n\r\nhola\r\n--b--', '--b\r\n\r\n--b', 'Zm9v\r\n===', '=\r\n=4=G'));
// Mostly with a real sender, so the inputs reach the stages after parsing (threading, apply, notices).
const sender = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(['From: Ana <ana@cliente.mx>'], ['From: robot@x.example', 'Auto-Submitted: auto-replied'], ['From: soporte@example.test']) }, { weight: 1, arbitrary: fc.constant([]) });
const generated = fc
  .tuple(sender, fc.array(headerLine, { maxLength: 12 }), body)
  .map(([from, lines, b]) => Buffer.from(`${[...from, ...lines].join('\r\n')}\r\n\r\n${b}`, 'latin1'));

/** Flips, inserts and cuts bytes of a real mail. */
const mutated =
  seeds.length === 0
    ? generated
    : fc.tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'insert', 'cut')), { maxLength: 8 })).map(([seed, edits]) => {
        let bytes = Buffer.from(seed);
        for (const [at, value, op] of edits) {
          const i = bytes.length === 0 ? 0 : at % bytes.length;
          if (op === 'flip') bytes[i] = value;
          else if (op === 'insert') bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from([value, 13, 10]), bytes.subarray(i)]);
          else bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1 + (value % 64))]);
        }
        return bytes;
      });

describe('fuzz: generated and mutated MIME through parse and the pipeline', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ MAX_MESSAGE_BYTES: '200000' });
  });
  afterAll(async () => app.dispose());

  it('parse either returns a mail or throws PARSE_FAILED', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(generated, mutated), async (raw) => {
        try {
          const mail = await parseMail(raw);
          expect(typeof mail.subject).toBe('string');
        } catch (error) {
          expect((error as { code?: string }).code).toBe('PARSE_FAILED');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('every input ends with exactly one recorded outcome', async () => {
    let fed = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(generated, mutated), async (raw) => {
        const before = await app.db.inboundLog.count();
        const result = await app.pipeline.ingest(raw, { source: 'file', sourceRef: `fuzz-${fed++}` });
        expect(result.outcome).toMatch(/^(created|comment|reopened|followup|duplicate|too_large|quarantined|loop|auto_reply|rejected|held|admin_command|bounce|complaint)$/);
        expect(await app.db.inboundLog.count()).toBe(before + 1);
      }),
      { numRuns: 200 },
    );
    const outcomes = await app.db.inboundLog.groupBy({ by: ['outcome'], _count: { _all: true } });
    console.log(`fuzz: ${fed} inputs -> ${outcomes.map((o) => `${o.outcome} ${o._count._all}`).join(', ')}`);
    // Quarantine is for mail that cannot be a ticket (no sender at all), never for a bug of ours.
    const reasons = await app.db.quarantinedMail.groupBy({ by: ['error'], _count: { _all: true } });
    console.log(`fuzz quarantine reasons: ${reasons.map((r) => `${r._count._all}x ${r.error.slice(0, 80)}`).join(' | ')}`);
    expect(reasons.filter((r) => !/no sender address/.test(r.error))).toEqual([]);
  }, 180_000);
});
