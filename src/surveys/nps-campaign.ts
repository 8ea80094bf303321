// The yearly NPS campaign (DOMAIN.md rule 8): each contact with a ticket in the last NPS_INTERVAL_MONTHS and
// not asked in as long is asked once, at most NPS_DAILY_LIMIT a day (the campaign spreads over days), during
// business hours, skipping addresses that must not get surveys (suppression.ts).

import { DateTime } from 'luxon';
import type { JobResult } from '../scheduler/runner.js';
import { inTransaction, type Db } from '../store/database.js';
import { npsAskedSince, npsCandidates } from '../store/survey-repo.js';
import type { SurveyDeps } from './deps.js';
import { enqueueSurveyMail } from './survey-mail.js';

const BATCH = 200;

export async function runNpsCampaign(db: Db, deps: SurveyDeps, now: Date): Promise<JobResult> {
  const { settings, notices } = deps;
  if (!settings.npsEnabled || !notices.calendar.isOpenAt(now)) return {};
  const local = DateTime.fromJSDate(now, { zone: notices.calendar.config.timeZone });
  const day = local.toISODate() ?? '';
  let room = settings.npsDailyLimit - (await npsAskedSince(db, local.startOf('day').toJSDate()));
  const since = local.minus({ months: settings.npsIntervalMonths }).toJSDate();
  const counts: JobResult = {};
  let afterId = 0;
  while (room > 0) {
    const batch = await npsCandidates(db, { activeSince: since, askedSince: since, afterId, limit: BATCH });
    if (batch.length === 0) break;
    // One transaction per batch (a commit costs more than a survey mail); the keys make a rerun harmless.
    const outcomes = await inTransaction(db, async (tx) => {
      const done: Array<{ id: number; outcome: string; queued: boolean }> = [];
      let left = room;
      for (const contact of batch) {
        if (left <= 0) break;
        const result = await enqueueSurveyMail(tx, deps, { kind: 'nps', surveyKey: `nps:${contact.id}:${day}`, contact, ticketId: contact.latestTicketId, agent: null, now });
        done.push({ id: contact.id, outcome: result.queued ? 'asked' : result.why, queued: result.queued });
        if (result.queued) left--;
      }
      return done;
    });
    for (const { id, outcome, queued } of outcomes) {
      afterId = id;
      counts[outcome] = (counts[outcome] ?? 0) + 1;
      if (queued) room--;
    }
    if (outcomes.length < batch.length) break;
  }
  return counts;
}
