import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { Db } from '../store/database.js';
import { acquireLease, newHolderId, releaseLease } from './lease.js';

export interface JobResult {
  [counter: string]: number;
}

export interface Job {
  name: string;
  /** node-cron expression (seconds field allowed). */
  cron: string;
  run(now: Date): Promise<JobResult>;
  /** Asks a running job to finish early (shutdown). */
  stop?(): void;
}

export type JobRun =
  | { job: string; ran: true; result: JobResult }
  | { job: string; ran: false; reason: 'lease-held' | 'already-running' }
  | { job: string; ran: false; reason: 'failed'; error: unknown };

/**
 * Short, and renewed while the job runs: a daemon whose death cannot be told (a version without liveness locks,
 * or one that could not write beside the database: lease.ts holderIsDead) holds its jobs this long at most. With
 * 10 minutes unrenewed, the daemon that took over sent nothing for up to 10 minutes.
 */
const LEASE_TTL_MS = 60_000;

/**
 * Runs jobs on their cron schedules, each under a database lease so that with two daemons on one database
 * only one runs a job at a time. Every job's effects are idempotent as well, so a lease that expires during
 * a very slow run cannot double them either.
 */
export class Scheduler {
  private tasks: ScheduledTask[] = [];
  /** Jobs running in this process (the database lease cannot tell two runs of the same holder apart). */
  private running = new Set<string>();
  private rerun = new Set<string>();
  private inFlight = new Set<Promise<unknown>>();
  private stopping = false;
  readonly holder: string;

  constructor(
    private readonly jobs: Job[],
    private readonly deps: { db: Db; log: Logger },
  ) {
    this.holder = newHolderId(deps.db, '', deps.log);
  }

  async runJob(job: Job, now: Date): Promise<JobRun> {
    if (this.running.has(job.name)) return { job: job.name, ran: false, reason: 'already-running' };
    this.running.add(job.name);
    const run = this.runLeased(job, now);
    this.inFlight.add(run);
    try {
      return await run;
    } finally {
      this.inFlight.delete(run);
      this.running.delete(job.name);
    }
  }

  /** Runs a job now (e.g. the outbox drain right after new mail was queued); once more after a run in progress. */
  trigger(name: string): void {
    const job = this.jobs.find((j) => j.name === name);
    if (!job || this.stopping) return;
    if (this.running.has(name)) {
      this.rerun.add(name);
      return;
    }
    void this.runJob(job, new Date())
      .catch((error) => this.deps.log.error({ err: error, job: name }, 'job failed'))
      .finally(() => {
        if (this.rerun.delete(name)) this.trigger(name);
      });
  }

  private async runLeased(job: Job, now: Date): Promise<JobRun> {
    if (!(await acquireLease(this.deps.db, job.name, this.holder, LEASE_TTL_MS))) {
      // At each tick of a second daemon on the database (a standby): at debug, to tell it tries and leaves the job.
      this.deps.log.debug({ job: job.name }, 'job left to the process holding its lease');
      return { job: job.name, ran: false, reason: 'lease-held' };
    }
    // A renewal that fails (a busy database) only lets another daemon run the job too: its effects are idempotent.
    const renewal = setInterval(() => void acquireLease(this.deps.db, job.name, this.holder, LEASE_TTL_MS).catch(() => undefined), LEASE_TTL_MS / 3);
    try {
      const result = await job.run(now);
      if (Object.values(result).some((n) => n > 0)) this.deps.log.info({ job: job.name, ...result }, 'job ran');
      return { job: job.name, ran: true, result };
    } finally {
      clearInterval(renewal);
      await releaseLease(this.deps.db, job.name, this.holder, now);
    }
  }

  /**
   * Every job once, in order, as if it were `now` (operators, a system cron instead of the daemon, time-travel
   * tests). A job that fails is a run that says so, and the jobs after it run: a broken digest template held back
   * the outbox drain, which comes last, and so every acknowledgement, until the file was fixed.
   */
  async runOnce(now: Date): Promise<JobRun[]> {
    const runs: JobRun[] = [];
    for (const job of this.jobs) runs.push(await this.runJob(job, now).catch((error: unknown) => ({ job: job.name, ran: false as const, reason: 'failed' as const, error })));
    return runs;
  }

  start(): void {
    for (const job of this.jobs) {
      const task = cron.schedule(
        job.cron,
        async () => {
          try {
            await this.runJob(job, new Date());
          } catch (error) {
            this.deps.log.error({ err: error, job: job.name }, 'job failed; it runs again at its next tick');
          }
        },
        { name: job.name, noOverlap: true },
      );
      this.tasks.push(task);
    }
  }

  /** Stops the schedules, asks running jobs to stop early, and waits for them (a drain puts back what it did not send). */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const task of this.tasks) await task.stop();
    this.tasks = [];
    for (const job of this.jobs) job.stop?.();
    await Promise.allSettled([...this.inFlight]);
  }
}
