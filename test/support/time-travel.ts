import type { IngestResult } from '../../src/ingest/pipeline.js';
import { replyToTicket, setTicketStatus } from '../../src/lifecycle/agent-actions.js';
import type { TicketStatus } from '../../src/domain/ticket-status.js';
import { gatewayJobs } from '../../src/scheduler/jobs.js';
import { Scheduler, type JobResult } from '../../src/scheduler/runner.js';
import { showTicket, type TicketDetailJson } from '../../src/store/ticket-queries.js';
import { createTestApp, mail, type TestApp } from './app.js';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { startSmtpPeer, type ReceivedMail, type SmtpPeer } from './smtp.js';

// Time travel for the lifecycle and SLA tests: one app whose clock is a variable, a scheduler driven with
// explicit instants (never sleeps), and the mail that reached a real SMTP peer, taken in order.

export const ESCALATION_CONTACTS = '1:lead@example.test,2:manager@example.test';

/** What a user sees of a delivered mail. */
export interface SeenMail {
  to: string[];
  subject: string;
  autoSubmitted: string | undefined;
  lang: string | undefined;
  text: string;
  messageId: string;
}

export function seen(m: ReceivedMail): SeenMail {
  return {
    to: [...m.envelopeTo].sort(),
    subject: m.parsed.subject ?? '',
    autoSubmitted: m.header('auto-submitted'),
    lang: /<html[^>]*\blang="([a-z-]+)"/i.exec(String(m.parsed.html))?.[1],
    text: m.parsed.text ?? '',
    messageId: m.parsed.messageId ?? '',
  };
}

export interface TimeTravel {
  app: TestApp;
  now(): Date;
  /**
   * The customer's mail is read at `iso` (the pipeline's clock is the app's); `arrivedAt`: it reached the mailbox
   * earlier (IMAP INTERNALDATE), as the IMAP source says of a mail read late; `readBefore`: when the mailbox had last
   * been read (default: as the mail arrived, so it waited unread from then).
   */
  ingest(iso: string, raw: Buffer, arrivedAt?: string, readBefore?: string): Promise<IngestResult>;
  /** The customer answers a mail they received (In-Reply-To, References, "Re:" subject). */
  answer(iso: string, to: SeenMail, body: string, from?: string): Promise<IngestResult>;
  /** An agent's public answer at `iso`, optionally moving the ticket. */
  agentReply(iso: string, number: number, body: string, status?: TicketStatus, issueRef?: string): Promise<void>;
  agentSet(iso: string, number: number, status: TicketStatus, issueRef?: string): Promise<void>;
  /** `runOnce(now)` of the real scheduler jobs, then delivery of what is due at that instant. */
  tick(iso: string): Promise<{ timers: JobResult; sla: JobResult }>;
  /** Delivers what is queued (at the simulated now). */
  flush(): Promise<void>;
  /** Mail delivered since the last take, in delivery order. */
  take(): SeenMail[];
  ticket(number: number): Promise<TicketDetailJson>;
  dispose(): Promise<void>;
}

export async function startTimeTravel(smtp: SmtpPeer, start: string, env: Record<string, string> = {}): Promise<TimeTravel> {
  let clock = new Date(start);
  const move = (iso: string): Date => (clock = new Date(iso));
  const app = await createTestApp({ ...smtp.env(), SUPPORT_NAME: 'Soporte Ventanilla', ESCALATION_CONTACTS, ...env }, () => clock);
  const scheduler = new Scheduler(gatewayJobs(app), app);
  // The scheduler's own outbox-drain job sends with the wall clock, and a notice queued at a simulated instant
  // later than the wall clock is not due for it (see the it.fails test in scheduler-time-travel-sla-cli):
  // deliver what is due at the simulated instant, so these tests do not depend on today's date.
  const flush = async () => void (await app.drainer().drain(() => clock));
  const tt: TimeTravel = {
    app,
    now: () => clock,
    ingest: async (iso, raw, arrivedAt, readBefore) => {
      move(iso);
      const source = arrivedAt === undefined ? { source: 'file' as const } : { source: 'imap' as const, arrivedAt: new Date(arrivedAt), readBefore: new Date(readBefore ?? arrivedAt) };
      const result = await app.pipeline.ingest(raw, { ...source, sourceRef: 'time-travel' });
      await flush();
      return result;
    },
    answer: (iso, to, body, from) =>
      tt.ingest(iso, mail({ headers: { 'In-Reply-To': to.messageId, References: to.messageId, Subject: `Re: ${to.subject}`, ...(from ? { From: from } : {}) }, body })),
    agentReply: async (iso, number, body, status, issueRef) => {
      move(iso);
      await replyToTicket(app, { number, body, status, issueRef, actor: 'agent:maria', now: clock });
      await flush();
    },
    agentSet: async (iso, number, status, issueRef) => {
      move(iso);
      await setTicketStatus(app, { number, status, issueRef, actor: 'agent:maria', now: clock });
      await flush();
    },
    tick: async (iso) => {
      move(iso);
      const runs = await scheduler.runOnce(clock);
      // runOnce goes on past a failed job (the CLI's report); a test's tick fails with it.
      for (const run of runs) if (!run.ran && run.reason === 'failed') throw run.error;
      await flush();
      const result = (name: string): JobResult => {
        const run = runs.find((r) => r.job === name);
        if (!run?.ran) throw new Error(`job ${name} did not run: ${JSON.stringify(run)}`);
        return run.result;
      };
      return { timers: result('lifecycle-timers'), sla: result('sla-checks') };
    },
    flush,
    take: () => smtp.received.splice(0).map(seen),
    ticket: async (number) => {
      const t = await showTicket(app.db, number);
      if (!t) throw new Error(`no ticket #${number}`);
      return t;
    },
    dispose: () => app.dispose(),
  };
  return tt;
}

/**
 * The hooks of a time-travel test file: one SMTP peer for the file, emptied before each test; `start` makes the
 * test's app, disposed after it.
 */
export function timeTravelSuite(): { readonly smtp: SmtpPeer; start(start: string, env?: Record<string, string>): Promise<TimeTravel> } {
  let smtp: SmtpPeer;
  let current: TimeTravel | null = null;
  beforeAll(async () => {
    smtp = await startSmtpPeer();
  });
  afterAll(async () => smtp.stop());
  beforeEach(() => {
    smtp.received.length = 0;
    smtp.failWith = null;
  });
  afterEach(async () => {
    await current?.dispose();
    current = null;
  });
  return {
    get smtp() {
      return smtp;
    },
    start: async (start, env) => (current = await startTimeTravel(smtp, start, env)),
  };
}
