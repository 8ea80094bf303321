// Backscatter: a spam run that forges a new From address in each mail, and carries no spam verdict (stages/
// automatic.ts), passes every per-address limit (one refusal per sender a day, AUTO_MAIL_LIMIT per address), so
// 10,000 forged senders were 10,000 refusals to innocent addresses, and the desk's mail server on blocklists.
// REFUSAL_LIMIT caps the refusals to all senders together per AUTO_MAIL_WINDOW_MINUTES; past it a refusal is
// recorded (outcome `rejected`, the reason in its detail) but not sent, and the administrators are told once per
// window: in the log, and by mail with ALERT_ADDRESS (outbound/operator-alerts.ts).

import { loggedSinceWith, mailsOfTemplateSince } from '../../store/access-repo.js';
import type { Tx } from '../../store/database.js';
import type { PipelineDeps } from '../pipeline.js';
import { enqueueOperatorAlert } from '../../outbound/operator-alerts.js';

/** In the detail of every refused mail not answered for the cap: how the first of a window is found. */
export const REFUSALS_CAPPED = 'refusals capped';

/** Why no refusal may be sent now (the cap, REFUSAL_LIMIT, is full), or null when one may; no limit: none. */
export async function refusalsCapped(tx: Tx, deps: Pick<PipelineDeps, 'lifecycle' | 'log'>, limit: number | undefined, now: Date): Promise<string | null> {
  if (limit === undefined) return null;
  const windowMs = deps.lifecycle.notices.automaticCap.windowMs;
  const since = new Date(now.getTime() - windowMs);
  if ((await mailsOfTemplateSince(tx, 'access_denied', since)) < limit) return null;
  const windowMinutes = Math.round(windowMs / 60_000);
  const why = `${REFUSALS_CAPPED}: REFUSAL_LIMIT ${limit} per AUTO_MAIL_WINDOW_MINUTES ${windowMinutes}`;
  // Before this mail's own row is written: the first capped refusal of the window is the one that tells.
  if (!(await loggedSinceWith(tx, 'rejected', REFUSALS_CAPPED, since))) {
    deps.log.warn(
      { code: 'REFUSALS_CAPPED', limit, windowMinutes },
      `${why}: a run of mail from senders not authorised (most likely forged From addresses); the refused mails are recorded but not answered until the window has room (ventanilla inbound --outcome rejected)`,
    );
    await enqueueOperatorAlert(tx, deps.lifecycle.notices, {
      kind: 'refusals_capped',
      headline: 'refusals capped',
      what: `The refusal cap was reached (${why}): a run of mail from senders not authorised, most likely a spam run forging a new From address in each mail.`,
      doing: 'each refused mail is still recorded (outcome rejected) but not answered until the window has room, so forged senders get no backscatter; a refusal held back is not sent later. Other mail is handled as usual.',
      commands: ['ventanilla inbound --outcome rejected'],
      at: now,
    });
  }
  return why;
}
