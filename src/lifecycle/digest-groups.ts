import type { Logger } from 'pino';

// A digest run mails several groups (a recipient list's held escalations, an organisation's owed access requests),
// each in its own transaction. One whose mail could not be rendered or queued (a template edit gone wrong for one
// language or one kind of data, a bad row) threw out of the run, and every group after it waited too, run after run.

/** A group of a digest run: how the log and the job's failure name it, and what it is sent with. */
export interface DigestGroup<T> {
  name: string;
  items: T;
}

/**
 * Sends each group on its own: a group that fails is logged (which one, and why) and its transaction undone, so it
 * owes what it owed at the next run; the groups after it are still sent, and those sent are not sent again. Once
 * every group was tried, throws if any failed, naming each, so that the job is reported failed (run-once exits 1).
 */
export async function sendEachGroup<T>(digest: 'escalation digest' | 'access-request digest', groups: Array<DigestGroup<T>>, send: (items: T) => Promise<void>, log?: Pick<Logger, 'error'>): Promise<void> {
  const failed: Array<{ name: string; error: unknown }> = [];
  for (const group of groups) {
    try {
      await send(group.items);
    } catch (error) {
      log?.error({ err: error, group: group.name }, `${digest} for ${group.name} not queued; owed again at the next run`);
      failed.push({ name: group.name, error });
    }
  }
  if (failed.length === 0) return;
  // One line (run-once shows a failure's first line): each group with the first line of its reason.
  const reasons = failed.map((f) => `${f.name} (${(f.error instanceof Error ? f.error.message : String(f.error)).split('\n')[0]})`);
  throw new Error(`${failed.length} of ${groups.length} ${digest}s not queued, owed again at the next run: ${reasons.join('; ')}`, { cause: failed[0]?.error });
}
