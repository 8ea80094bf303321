import { deskTime } from '../domain/desk-time.js';
import { createSignedMessageId, domainOf } from '../domain/thread-refs.js';
import { mailsOfTemplateSince } from '../store/access-repo.js';
import type { Tx } from '../store/database.js';
import { insertOutboxMail, outboxKeyExists } from '../store/outbox-repo.js';
import { supportFrom, type NoticeDeps } from './notices.js';

// ALERT_ADDRESS: the desk's administrators have no address of their own here, so trouble that needs a person (the
// refusal cap holding refusals back, a mail quarantined, a message the IMAP server cannot return, a mailbox that
// cannot be read at all: ingest/sources/imap-outage.ts; a processed folder missing or refusing our mail:
// ingest/sources/imap-processed-folder.ts) reached them only
// as a log line. Each is now also one short mail to them, in English as the CLI and the log are, written to the
// outbox in the transaction that records what it reports. At most one of a kind per AUTO_MAIL_WINDOW_MINUTES: a
// flood of bad mail must not become a flood of alerts. No ticket: no survey, no acknowledgement, no AUTO_MAIL_LIMIT
// (its own window caps it; counted, it took the room of an administrator's escalations).

export type AlertKind = 'refusals_capped' | 'mail_quarantined' | 'mail_set_aside' | 'mailbox_unreadable' | 'mailbox_readable_again' | 'processed_folder_missing' | 'processed_folder_refused';

export type AlertDeps = Pick<NoticeDeps, 'alertAddresses' | 'automaticCap' | 'secret' | 'supportAddress' | 'supportName' | 'calendar'>;

export interface Alert {
  kind: AlertKind;
  /** The subject's end: what happened, in a few words. */
  headline: string;
  /** What happened, a sentence or two, without the time (the alert gives it). */
  what: string;
  /** What the gateway does about it meanwhile. */
  doing: string;
  /** The exact commands that show more, one a line. */
  commands: string[];
  /** When the next alert of the kind may come, when not simply after the window (the mailbox alerts: one an outage). */
  next?: string;
  /** Headers of the mail beyond the usual ones: what a restart reads back from the outbox (the mailbox alerts). */
  headers?: Record<string, string>;
  at: Date;
}

/**
 * Writes `alert` to the outbox for ALERT_ADDRESS, in the caller's transaction; false when none is written: no
 * ALERT_ADDRESS, or one of this kind already in the window (by its time, and by its key: one per kind per window).
 */
export async function enqueueOperatorAlert(tx: Tx, deps: AlertDeps | undefined, alert: Alert): Promise<boolean> {
  const to = deps?.alertAddresses ?? [];
  if (!deps || to.length === 0) return false;
  const template = `alert_${alert.kind}`;
  const { windowMs } = deps.automaticCap;
  const idempotencyKey = `${template}:${Math.floor(alert.at.getTime() / windowMs)}`;
  if ((await mailsOfTemplateSince(tx, template, new Date(alert.at.getTime() - windowMs))) > 0 || (await outboxKeyExists(tx, idempotencyKey))) return false;
  await insertOutboxMail(tx, {
    idempotencyKey,
    ticketId: null,
    template,
    fromAddress: supportFrom(deps),
    to,
    cc: [],
    subject: `Ventanilla alert (${deps.supportAddress}): ${alert.headline}`,
    text: alertText(deps, alert),
    // Plain text only: read by an operator, often in a terminal.
    html: '',
    // Signed for "ticket 0", as access mails are: a bounce of it is known as ours, an answer to it joins no ticket.
    messageId: createSignedMessageId(deps.secret, 0, domainOf(deps.supportAddress)),
    headers: { inReplyTo: null, references: [], replyTo: null, extra: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All', 'X-Loop': deps.supportAddress, ...alert.headers } },
    attachments: [],
    automatic: false,
    now: alert.at,
  });
  return true;
}

function alertText(deps: AlertDeps, alert: Alert): string {
  const minutes = Math.round(deps.automaticCap.windowMs / 60_000);
  return [
    alert.what,
    `When: ${deskTime(alert.at, deps.calendar.config.timeZone)}.`,
    '',
    `What the gateway does: ${alert.doing}`,
    '',
    'More:',
    ...alert.commands.map((command) => `  ${command}`),
    '',
    alert.next ?? `No other alert of this kind is sent for ${minutes} minutes (AUTO_MAIL_WINDOW_MINUTES), however many follow; the first command above lists them all.`,
    '',
    `-- Ventanilla at ${deps.supportAddress}, to ALERT_ADDRESS`,
    '',
  ].join('\n');
}
