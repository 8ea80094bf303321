import type { App } from '../app.js';
import { runLifecycleTimers, runSlaChecks } from '../lifecycle/jobs.js';
import { runEscalationDigests } from '../lifecycle/escalation-digest.js';
import { runAccessRequestDigests } from '../lifecycle/access-request-digest.js';
import { finishUnfinishedReleases } from '../lifecycle/product-issue-release.js';
import { surveyDeps } from '../surveys/deps.js';
import { runNpsCampaign } from '../surveys/nps-campaign.js';
import { bulletinDeps } from '../bulletins/deps.js';
import { finishSentBulletins, runBulletinSends } from '../bulletins/send.js';
import type { Job, JobResult } from './runner.js';
import { composeDeferredNotices } from '../outbound/deferred-notices.js';
import { sweepBlobs } from '../store/blob-sweep.js';
import { ErrorCode, VentanillaError } from '../errors.js';

export const OUTBOX_DRAIN = 'outbox-drain';
export const NPS_CAMPAIGN = 'nps-campaign';
export const BULLETIN_SEND = 'bulletin-send';
export const BLOB_SWEEP = 'blob-sweep';

/**
 * The scheduled work of the gateway. Each job's effects are idempotent (keys on every notice). `holdSending`: the
 * daemon's InboundFirst (outbound/inbound-first.ts); while it holds, the drain claims nothing. `holdTimers`: while
 * it says so, the lifecycle timers wait (no reminder, no close for lack of an answer): the mailbox may hold the answer.
 * `nightly`: the daemon's nightly upkeep too (the blob sweep), which `scheduler run-once` leaves out: run by a system
 * cron each minute, or by a test's time travel, it would walk the whole blob store each time.
 */
export function gatewayJobs(app: App, options: { holdSending?: () => boolean; holdTimers?: () => boolean; nightly?: boolean } = {}): Job[] {
  // The drain comes last in a tick: its mailer is ready by then (the worker that builds the mails starts with the
  // first mail: mime-composer.ts).
  app.mailer();
  return [
    { name: 'lifecycle-timers', cron: '*/30 * * * * *', run: (now) => (options.holdTimers?.() ? Promise.resolve({ held: 1 }) : runLifecycleTimers(app.db, app.lifecycle, now)) },
    { name: 'sla-checks', cron: '*/30 * * * * *', run: (now) => runSlaChecks(app.db, app.lifecycle, now) },
    // A `product-issue release` killed before it was done: the tickets it had not solved yet (lifecycle/product-issue-release.ts).
    { name: 'product-issue-releases', cron: '*/30 * * * * *', run: (now) => finishUnfinishedReleases(app, now) },
    // The escalations a lead's AUTO_MAIL_LIMIT held back, in one mail once the window has room (after the SLA checks).
    { name: 'escalation-digest', cron: '15 * * * * *', run: (now) => runEscalationDigests(app.db, app.lifecycle, now, app.log) },
    // The access requests owed to organisations' administrators (one per AUTO_MAIL_WINDOW_MINUTES), listed together.
    { name: 'access-request-digest', cron: '45 * * * * *', run: (now) => runAccessRequestDigests(app.db, app.lifecycle, now, app.log) },
    // Hourly: the first run in business hours each day asks up to NPS_DAILY_LIMIT contacts (src/surveys).
    ...(app.config.surveys.npsEnabled ? [{ name: NPS_CAMPAIGN, cron: '0 0 * * * *', run: (now: Date) => runNpsCampaign(app.db, surveyDeps(app), now) }] : []),
    // Bulletins at their send_at, queued into the outbox at BULLETIN_RATE_PER_MINUTE (src/bulletins/send.ts); before the drain.
    { name: BULLETIN_SEND, cron: '*/10 * * * * *', run: (now) => runBulletinSends(bulletinDeps(app), now) },
    // At night, the blob files no row names any more (store/blob-sweep.ts: safe with mail and answers being stored,
    // by this host's writers); BLOB_SWEEP=off where other hosts write in DATA_DIR too.
    ...(options.nightly && app.config.env.BLOB_SWEEP === 'nightly' ? [{ name: BLOB_SWEEP, cron: '0 30 3 * * *', run: () => nightlyBlobSweep(app) }] : []),
    // Sending uses the real clock: retry backoff is about real SMTP servers, whatever --now says.
    // Notices owed during a backlog are rendered into the outbox first, once it is over (outbound/deferred-notices.ts).
    // A bulletin whose last mails this run sent is marked sent by it, not by the next bulletin-send run.
    { name: OUTBOX_DRAIN, cron: '*/5 * * * * *', run: async (now) => {
      const composed = options.holdSending?.() ? 0 : await composeDeferredNotices(app.db, app.lifecycle.notices, app.log, now);
      const report = await app.drainer().drain(undefined, options.holdSending);
      const bulletinsSent = report.sent + report.failed > 0 ? await finishSentBulletins(bulletinDeps(app), now) : 0;
      return { ...(composed > 0 ? { composed } : {}), ...report, ...(bulletinsSent > 0 ? { bulletinsSent } : {}) };
    }, stop: () => app.drainer().stop() },
  ];
}

/**
 * The sweep, each file it removed logged (a customer's file missing one day is then traced to its night). One that
 * refuses (the wrong database: store/blob-sweep-guard.ts) removes nothing, says why with the counts, and fails: the
 * scheduler logs the job failed, and it tries again the next night. Never forced: that is an operator's call.
 */
async function nightlyBlobSweep(app: App): Promise<JobResult> {
  const removed = (sha256: string, bytes: number) => app.log.info({ sha256, bytes }, 'blob removed: no row names it');
  const report = await sweepBlobs(app, { removed }).catch((error: unknown) => {
    if (error instanceof VentanillaError && error.code === ErrorCode.SWEEP_REFUSED) app.log.error({ code: error.code, ...error.details }, `blob sweep refused: ${error.message}`);
    throw error;
  });
  return { removed: report.removed.files, removedBytes: report.removed.bytes, temporary: report.temporary.files, temporaryBytes: report.temporary.bytes, restored: report.restored };
}
