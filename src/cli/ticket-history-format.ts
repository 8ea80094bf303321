import type { TicketDetailJson } from '../store/ticket-queries.js';
import { deskTime } from '../domain/desk-time.js';

// The "--- history" section of `tickets show`: the ticket's events (TicketEvent rows, written across src/ with
// addTicketEvent) oldest first, one line each: when (on the desk's clock), who, and what happened in words, a status
// change with its from -> to and why. An event of a type not known here still prints, with its raw type and detail.
// A separate section after the messages rather than between them, as Zammad's history is: an answer or a customer's
// mail is both a message and an event, and interleaved each would be said twice.

export type TicketEventJson = TicketDetailJson['events'][number];

/** The events a history shows unless `--full`: the newest, next to the prompt; the earlier ones are counted. */
const HISTORY_SHOWN = 20;

/** Why a ticket was made new rather than joined to one (domain/threading.ts ThreadDecision reasons). */
const NEW_TICKET_REASONS = new Map<string, string>([
  ['no-reference', 'a mail that answers no ticket'],
  ['new-subject', 'an answer to one of our mails under a subject of its own'],
  ['forward-from-stranger', "a forward of a ticket's mail by someone not on that ticket"],
  ['tag-from-stranger', 'a [#n] subject tag from someone not on that ticket'],
  ['tag-from-unauthenticated', 'a [#n] subject tag from a sender whose From is not authenticated'],
  ['ambiguous-references', "references to several tickets, none of them the sender's"],
  ['followup-from-stranger', 'an answer to a finished ticket by someone not on it'],
]);

/** Which window the timer's close ended (domain/lifecycle.ts TimerAction reasons). */
const TIMER_CLOSES = new Map<string, string>([
  ['pending_expired', 'the customer did not answer the pending ticket within its window'],
  ['solved_expired', 'the solution went unanswered for its whole window'],
]);

/** Events said as "label: detail", their detail being already in words (who, why, the server's answer). */
const LABELS = new Map<string, string>([
  ['released', 'released'],
  ['pending_reminder_skipped', 'reminder to the customer skipped'],
  ['window_restarted', "the customer's window started again"],
  ['joined_follow_up', 'held, joined the follow-up'],
  ['held_follow_up_joined', 'a held follow-up joined it'],
  ['access_requested', 'authorisation asked'],
  ['access_request_owed', 'authorisation request owed'],
  ['notice_throttled', 'mail queued for later'],
  ['notice_suppressed', 'mail not sent'],
  ['notice_capped', 'mail capped (AUTO_MAIL_LIMIT)'],
  ['notification_failed', 'mail failed'],
  ['notification_bounced', 'mail bounced'],
  ['notification_delayed', 'mail delayed'],
  ['notification_complaint', 'mail reported as spam'],
  ['automatic_reply', 'automatic reply, kept as a note'],
  ['internal_reply', 'mail kept as an internal note'],
  ['too_large', 'mail too large'],
  ['ccs_withheld', "the mail's To/Cc not copied"],
  ['csat_skipped', 'CSAT survey not sent'],
  ['csat_answered', 'CSAT survey answered'],
  ['csat_changed', 'CSAT answer changed'],
]);

/** " open -> solved" when the event moved the ticket; "" when it did not. */
function moved(e: TicketEventJson): string {
  return e.fromStatus && e.toStatus && e.fromStatus !== e.toStatus ? `, ${e.fromStatus} -> ${e.toStatus}` : '';
}

/** What the event did, in words; `detail` is the event's detail with its times on the desk's clock. */
function whatHappened(e: TicketEventJson, detail: string | null): string {
  const note = detail ? ` (${detail})` : '';
  // The reasons of a mail taken back begin "not sent: " (ack-throttle.ts, held-acknowledgements.ts, close-undone.ts).
  const notSent = detail?.replace(/^(\w+: )?not sent: /, '$1') ?? null;
  switch (e.type) {
    case 'created':
      if (detail && /^follow-up of #\d+$/.test(detail)) return `new ticket, ${detail}`;
      return `new ticket${detail ? `: ${NEW_TICKET_REASONS.get(detail) ?? detail}` : ''}`;
    case 'agent_reply':
      return `answer to the customer${moved(e)}`;
    case 'internal_note':
      return `internal note${moved(e)}`;
    case 'status_changed':
      return `status set${moved(e)}${note}`;
    case 'customer_answered':
      return `the customer's answer${moved(e)}${note}`;
    case 'reopened':
      return `reopened by the customer's answer${moved(e)}${note}`;
    case 'comment':
      return `mail on the ticket${moved(e)}${note}`;
    case 'auto_closed':
      return `closed by the timer${moved(e)}${detail ? ` (${TIMER_CLOSES.get(detail) ?? detail})` : ''}`;
    case 'closed_by_customer':
      return `closed by the customer${moved(e)}${note}`;
    case 'product_issue_released':
      return `product issue${detail ? ` ${detail}` : ''} released${moved(e)}`;
    case 'thanks':
      return detail ?? 'a reply that only thanks';
    case 'follow_up_created':
      return `followed up by ${detail ?? 'a new ticket'}`;
    case 'held_for_authorisation':
      return `held until its sender is authorised${note}`;
    case 'sla_warning':
    case 'sla_breach':
      // "first_response target 2 h; level 1 -> lead@example.test" (lifecycle/jobs.ts escalate).
      return `${e.type === 'sla_warning' ? 'SLA warning' : 'SLA breached'}${detail ? `: ${detail.replace(/^first_response /, 'first response ')}` : ''}`;
    case 'pending_reminder':
      return `reminder to the customer${note}`;
    case 'notice_dropped':
      return `mail dropped, not sent${notSent ? `: ${notSent}` : ''}`;
    case 'notice_cancelled':
      return `mail taken back, not sent${notSent ? `: ${notSent}` : ''}`;
    case 'message_id_reused':
      return detail ?? 'a Message-ID reused';
    case 'csat_sent':
      return `CSAT survey sent${detail ? ` ${detail}` : ''}`;
    case 'csat_withdrawn':
      return `CSAT survey withdrawn${notSent ? `: ${notSent}` : ''}`;
    default:
      // An event said as "what: its detail" (the detail is already in words), or one not known here: its raw type.
      return `${LABELS.get(e.type) ?? e.type}${moved(e)}${detail ? `: ${detail}` : ''}`;
  }
}

const ACTOR_WIDTH_CAP = 32;

/** An ISO 8601 UTC instant within a detail ("due 2026-11-23T18:00:00.000Z"), read on the desk's clock. */
const ISO_INSTANT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z\b/g;

/**
 * The section's lines: the newest HISTORY_SHOWN events (all with `full`), oldest first, after the count of the earlier
 * ones and how to see them. None when the ticket has no event.
 */
export function historyLines(events: TicketEventJson[], ticket: number, timeZone: string, full: boolean): string[] {
  if (events.length === 0) return [];
  // Recorded in the order they happened, but for a `scheduler run-once --now` in the past: by their time (ties as recorded).
  const inTime = [...events].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const hidden = full ? 0 : Math.max(0, inTime.length - HISTORY_SHOWN);
  const shown = inTime.slice(hidden);
  // Actors in a column, so the events read down the page; one far longer than the rest does not push them all.
  const width = Math.min(ACTOR_WIDTH_CAP, Math.max(...shown.map((e) => e.actor.length)));
  const lines = ['--- history'];
  if (hidden > 0) lines.push(`  [${hidden} earlier event${hidden === 1 ? '' : 's'} hidden: \`ventanilla tickets show ${ticket} --full\` shows them all]`);
  for (const e of shown) {
    const detail = e.detail?.replace(ISO_INSTANT, (iso) => deskTime(iso, timeZone)) ?? null;
    lines.push(`${deskTime(e.at, timeZone)}  ${e.actor.padEnd(width)}  ${whatHappened(e, detail)}`);
  }
  return lines;
}
