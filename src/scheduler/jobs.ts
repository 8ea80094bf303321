import type { App } from '../app.js';
import { runLifecycleTimers, runSlaChecks } from '../lifecycle/jobs.js';
import type { Job } from './runner.js';

export const OUTBOX_DRAIN = 'outbox-drain';

/** The scheduled work of the gateway. Each job's effects are idempotent (keys on every notice). */
export function gatewayJobs(app: App): Job[] {
  return [
    { name: 'lifecycle-timers', cron: '*/30 * * * * *', run: (now) => runLifecycleTimers(app.db, app.lifecycle, now) },
    { name: 'sla-checks', cron: '*/30 * * * * *', run: (now) => runSlaChecks(app.db, app.lifecycle, now) },
    // Sending uses the real clock: retry backoff is about real SMTP servers, whatever --now says.
    { name: OUTBOX_DRAIN, cron: '*/5 * * * * *', run: async () => ({ ...(await app.drainer().drain()) }), stop: () => app.drainer().stop() },
  ];
}
