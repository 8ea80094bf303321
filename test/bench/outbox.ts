import Database from '../../src/store/sqlite-driver.js';
import { join } from 'node:path';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { pino } from 'pino';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { NoticeName } from '../../src/domain/lifecycle.js';
import { closeHours } from '../../src/lifecycle/transitions.js';
import { enqueueNotice } from '../../src/outbound/notices.js';
import { migrateDatabase } from '../../src/store/migrator.js';
import { inTransaction } from '../../src/store/database.js';
import type { OutboxHeaders } from '../../src/store/outbox-repo.js';
import { type Benchmark, type BenchRow, BENCH_SECRET, median, note, profiled, removeDir, repeatRuns, round, scaled, SUPPORT_ADDRESS, tempDir, rateRow, wallMs } from './lib.js';
import { startSink } from './sink-process.js';

// Outbox drain: N notification mails rendered by the real notice code (enqueueNotice: acknowledgements, answers,
// pending, solved and closed notices in es/pt/en; see queueNotices) wait in the outbox; the gateway's drainer sends them all to a
// local SMTP server (app.drainer().drain(), as the daemon's outbox-drain job does, with the daemon's compose worker, SMTP_POOL_SIZE 5). Baseline
// in the same run: a pooled nodemailer transport (same pool size) sending the same rendered messages, no database.
// The SMTP server is a separate process that only counts (smtp-sink.ts).

const GOAL_RATIO = 0.8;
const POOL_SIZE = 5;
/** Notices rendered by the real code; the rest of the outbox is SQL copies of them to other recipients. */
const DISTINCT = 1000;
/** Repeats stop once another run would end past this (seconds x BENCH_BUDGET). */
const RUN_BUDGET_SECONDS = 100;


const NOTICES: Array<{ notice: NoticeName; auto: 'auto-replied' | 'auto-generated' | null }> = [
  { notice: 'acknowledgement', auto: 'auto-replied' },
  { notice: 'acknowledgement', auto: 'auto-replied' },
  { notice: 'acknowledgement', auto: 'auto-replied' },
  { notice: 'acknowledgement', auto: 'auto-replied' },
  { notice: 'answer', auto: null },
  { notice: 'answer', auto: null },
  { notice: 'answer', auto: null },
  { notice: 'pending', auto: null },
  { notice: 'solved', auto: null },
  { notice: 'closed', auto: 'auto-generated' },
];

const ANSWERS = {
  es: 'Hola, ya revisamos su cuenta: el cobro duplicado fue cancelado y verá el reembolso en 3 a 5 días hábiles.\n\nSaludos,\nMaría',
  pt: 'Olá, verificamos a sua conta: a cobrança duplicada foi cancelada e o reembolso aparece em 3 a 5 dias úteis.\n\nAtenciosamente,\nMaria',
  en: 'Hello, we checked your account: the duplicate charge was cancelled and the refund will show in 3 to 5 business days.\n\nBest regards,\nMaria',
};

function config(dataDir: string, smtpPort: number) {
  return loadConfig(
    { DATA_DIR: dataDir, SUPPORT_ADDRESS, SECRET_KEY: BENCH_SECRET, SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtpPort), SMTP_SECURE: 'false', SMTP_POOL_SIZE: String(POOL_SIZE), LOG_LEVEL: 'silent' },
    { dotenv: false },
  );
}

const openApp = (dataDir: string, smtpPort: number): Promise<App> => createApp({ config: config(dataDir, smtpPort), log: pino({ level: 'silent' }), composeWorker: true });

/**
 * DISTINCT tickets (one requester each), one notice per ticket rendered and queued by the gateway's own code
 * (enqueueNotice, through Prisma: about 12 ms a notice here), then the outbox is filled up to N rows with SQL
 * copies of those rendered mails, each to another recipient and with its own Message-ID and idempotency key.
 */
async function queueNotices(dataDir: string, smtpPort: number, n: number): Promise<Record<string, number>> {
  const distinct = Math.min(n, DISTINCT);
  const path = join(dataDir, 'ventanilla.db');
  migrateDatabase(path);
  const now = new Date();
  const iso = (d: Date) => d.toISOString().replace('Z', '+00:00');
  const db = new Database(path);
  const locales = ['es', 'es', 'pt', 'en'];
  db.transaction(() => {
    const contact = db.prepare("INSERT INTO Contact (id, email, name, locale, country, role, createdAt, authorised) VALUES (?, ?, ?, ?, ?, 'customer', ?, 0)");
    const ticket = db.prepare("INSERT INTO Ticket (id, number, subject, status, priority, requesterId, createdAt, updatedAt, firstResponseDueAt, slaRunningSince, slaElapsedHours) VALUES (?, ?, ?, 'open', 'normal', ?, ?, ?, ?, ?, 0)");
    const message = db.prepare("INSERT INTO Message (ticketId, direction, dedupKey, messageId, fromAddress, fromName, subject, text, visibleText, createdAt) VALUES (?, 'in', ?, ?, ?, ?, ?, ?, ?, ?)");
    for (let i = 1; i <= distinct; i++) {
      const email = `c${i}@cliente${i % 97}.example`;
      const locale = locales[i % locales.length] as string;
      contact.run(i, email, `Cliente ${i}`, locale, locale === 'pt' ? 'BR' : locale === 'en' ? 'US' : 'MX', iso(now));
      const subject = `Cobro duplicado en la factura ${i}`;
      ticket.run(i, 999 + i, subject, i, iso(now), iso(now), iso(new Date(now.getTime() + 86_400_000)), iso(now));
      const mid = `t${i}@cliente${i % 97}.example`;
      message.run(i, `mid:${mid}`, mid, email, `Cliente ${i}`, subject, 'Hola, me cobraron dos veces la factura.', 'Hola, me cobraron dos veces la factura.', iso(now));
    }
  })();
  db.close();
  const app = await openApp(dataDir, smtpPort);
  const kinds: Record<string, number> = {};
  try {
    for (let start = 1; start <= distinct; start += 500) {
      await inTransaction(
        app.db,
        async (tx) => {
          for (let id = start; id < Math.min(distinct + 1, start + 500); id++) {
            const { notice, auto } = NOTICES[id % NOTICES.length]!;
            const locale = locales[id % locales.length] as keyof typeof ANSWERS;
            const result = await enqueueNotice(tx, app.lifecycle.notices, {
              ticketId: id, notice, idempotencyKey: `bench:${notice}:${id}`, autoSubmitted: auto, now,
              ...(notice === 'answer' ? { body: ANSWERS[locale], actor: 'agent:maria' } : {}),
              ...(notice === 'pending' || notice === 'solved' ? { body: ANSWERS[locale], deadline: new Date(now.getTime() + 5 * 86_400_000), windowHours: closeHours(notice, app.lifecycle.policies) } : {}),
            });
            if (!result.queued) throw new Error(`notice ${notice} for ticket ${id} was not queued`);
            kinds[notice] = (kinds[notice] ?? 0) + 1;
          }
        },
      );
    }
  } finally {
    await app.close();
  }
  const fill = new Database(path);
  try {
    const copy = fill.prepare(`INSERT INTO OutboxMail (idempotencyKey, ticketId, template, fromAddress, toList, ccList, subject, text, html, messageId, headers, attachments,
        status, attempts, nextAttemptAt, createdAt, automatic, primaryTo)
      SELECT idempotencyKey || ':copy' || :k, ticketId, template, fromAddress, json_array('c' || (ticketId + :k * :d) || '@cliente' || ((ticketId + :k * :d) % 97) || '.example'),
        ccList, subject, text, html, CASE WHEN substr(messageId, 1, 1) = '<' THEN '<copy' || :k || '.' || substr(messageId, 2) ELSE 'copy' || :k || '.' || messageId END,
        headers, attachments, 'pending', 0, nextAttemptAt, createdAt, automatic, 'c' || (ticketId + :k * :d) || '@cliente' || ((ticketId + :k * :d) % 97) || '.example'
      FROM OutboxMail WHERE id <= :d ORDER BY id LIMIT :count`);
    fill.transaction(() => {
      for (let k = 1; k * distinct < n; k++) copy.run({ k, d: distinct, count: Math.min(distinct, n - k * distinct) });
    })();
    const rows = (fill.prepare('SELECT count(*) AS n FROM OutboxMail').get() as { n: number }).n;
    if (rows !== n) throw new Error(`the outbox holds ${rows} mails, expected ${n}`);
  } finally {
    fill.close();
  }
  for (const k of Object.keys(kinds)) kinds[k] = Math.round(((kinds[k] as number) * n) / distinct);
  return kinds;
}

/** The same object the gateway's mailer hands to nodemailer (src/outbound/mailer.ts toNodemailer), from a row. */
function nodemailerMessages(dataDir: string): SendMailOptions[] {
  const db = new Database(join(dataDir, 'ventanilla.db'), { readonly: true });
  const rows = db.prepare('SELECT * FROM OutboxMail ORDER BY id').all() as Array<Record<string, string>>;
  db.close();
  const bracket = (id: string) => (id.startsWith('<') ? id : `<${id}>`);
  return rows.map((row) => {
    const headers = JSON.parse(row.headers as string) as OutboxHeaders;
    const cc = JSON.parse(row.ccList as string) as string[];
    return {
      from: row.fromAddress,
      to: JSON.parse(row.toList as string) as string[],
      cc: cc.length ? cc : undefined,
      replyTo: headers.replyTo ?? undefined,
      subject: row.subject,
      text: row.text,
      html: row.html,
      messageId: bracket(row.messageId as string),
      inReplyTo: headers.inReplyTo ? bracket(headers.inReplyTo) : undefined,
      references: headers.references?.length ? headers.references.map(bracket) : undefined,
      headers: headers.extra,
      disableUrlAccess: true,
    };
  });
}

function resetOutbox(dataDir: string): void {
  const db = new Database(join(dataDir, 'ventanilla.db'));
  db.prepare("UPDATE OutboxMail SET status = 'pending', attempts = 0, leasedUntil = NULL, sentAt = NULL, lastError = NULL").run();
  db.close();
}

async function rawSend(port: number, messages: SendMailOptions[]): Promise<number> {
  const transport = nodemailer.createTransport({ pool: true, maxConnections: POOL_SIZE, host: '127.0.0.1', port, secure: false, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000 });
  try {
    const t0 = wallMs();
    await Promise.all(messages.map((m) => transport.sendMail(m)));
    return (wallMs() - t0) / 1000;
  } finally {
    transport.close();
  }
}

export const outboxBenchmark: Benchmark = {
  name: 'outbox',
  aliases: ['outbox-drain', 'drain'],
  describe: 'outbox drain: N queued notices sent to a local SMTP server, vs raw pooled nodemailer',
  async run(): Promise<BenchRow[]> {
    const n = scaled(10_000, 50);
    const sink = await startSink();
    const dataDir = tempDir('outbox');
    let runs: Array<{ rawRate: number; gatewayRate: number; ratio: number }> = [];
    let cutByBudget = false;
    let kinds: Record<string, number> = {};
    let bytes = 0;
    try {
      const q0 = wallMs();
      kinds = await queueNotices(dataDir, sink.port, n);
      note(`outbox: queued ${n} notices in ${((wallMs() - q0) / 1000).toFixed(1)} s: ${JSON.stringify(kinds)}`);
      const messages = nodemailerMessages(dataDir);
      // Uncounted warm-up of nodemailer and the sink in this process, so the first raw run does not pay for the JIT.
      await rawSend(sink.port, messages.slice(0, Math.min(500, n)));
      ({ results: runs, cutByBudget } = await repeatRuns('outbox', RUN_BUDGET_SECONDS, async (r) => {
        const before = await sink.counts();
        const rawSeconds = await rawSend(sink.port, messages);
        const mid = await sink.counts();
        if (mid.mails - before.mails !== n) throw new Error(`raw send delivered ${mid.mails - before.mails} of ${n}`);
        bytes = mid.bytes - before.bytes;
        if (r > 0) resetOutbox(dataDir);
        const app = await openApp(dataDir, sink.port);
        let gatewaySeconds: number;
        try {
          await app.db.outboxMail.count();
          const t0 = wallMs();
          const report = await profiled(`outbox-run${r + 1}`, () => app.drainer().drain());
          gatewaySeconds = (wallMs() - t0) / 1000;
          if (report.sent !== n) throw new Error(`the drainer sent ${report.sent} of ${n}: ${JSON.stringify(report)}`);
        } finally {
          await app.close();
        }
        const after = await sink.counts();
        if (after.mails - mid.mails !== n) throw new Error(`the drainer delivered ${after.mails - mid.mails} of ${n}`);
        const rawRate = n / rawSeconds;
        const gatewayRate = n / gatewaySeconds;
        note(`outbox run ${r + 1}: gateway ${gatewayRate.toFixed(0)} msg/s, raw ${rawRate.toFixed(0)} msg/s`);
        return { rawRate: round(rawRate, 1), gatewayRate: round(gatewayRate, 1), ratio: round(gatewayRate / rawRate, 3) };
      }));
    } finally {
      await sink.stop();
      removeDir(dataDir);
    }
    const gatewayRate = median(runs.map((r) => r.gatewayRate));
    const rawRate = median(runs.map((r) => r.rawRate));
    const ratio = median(runs.map((r) => r.ratio));
    return [
      rateRow({
        benchmark: 'outbox drain', gatewayRate, rawRate, ratio, goalRatio: GOAL_RATIO, runs: runs.length,
        details: { mails: n, notices: kinds, distinctRenders: Math.min(n, DISTINCT), averageBytes: Math.round(bytes / n), poolSize: POOL_SIZE, cutByBudget, runs, figure: 'mails / drain() wall time (in process); baseline: Promise.all of sendMail on a pooled transport; median of runs' },
      }),
    ];
  },
};
