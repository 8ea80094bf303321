import type { NotSentToJson } from '../store/message-delivery.js';
import type { MessageJson, TicketDetailJson } from '../store/ticket-queries.js';
import { deskTime } from '../domain/desk-time.js';
import { plainWithSymbols } from '../ingest/visible-text/plain-symbols.js';
import { historyLines } from './ticket-history-format.js';

// `tickets show` as text: each message as its reader reads it. An inbound mail shows what its sender wrote (its
// visible text: quoted history and signature cut, src/ingest/visible-text), and says when more was cut, since the
// cut is a guess: `--full` shows each message's whole stored text. A mail of the desk's that never left says so, and
// so does each recipient it was not sent to. The ticket's events follow the messages (ticket-history-format.ts).

/** `now`: what a suppression is compared with (still in force, or over), as the rest of the CLI does on the wall clock. */
export function formatTicket(t: TicketDetailJson, timeZone: string, full: boolean, now: Date = new Date()): string {
  const lines = [
    `#${t.number} ${t.subject}`,
    `status ${t.status}${t.held ? ' (held until its sender is authorised: `ventanilla contacts authorise`)' : ''} · priority ${t.priority} (impact ${t.impact}, urgency ${t.urgency})`,
    `requester ${t.requester}${t.ccs.length ? ` · cc ${t.ccs.join(', ')}` : ''}`,
    `created ${deskTime(t.createdAt, timeZone)}${t.followUpOf ? ` · follow-up of #${t.followUpOf}` : ''}${t.followUps.length ? ` · followed up by ${t.followUps.map((n) => `#${n}`).join(', ')}` : ''}`,
  ];
  for (const m of t.messages) {
    lines.push('', `--- ${messageHeading(m, timeZone, now)} · ${deskTime(m.date ?? m.createdAt, timeZone)}${deliveryMark(m, timeZone)}`);
    const shown = full || !m.visibleText ? wholeText(m) : m.visibleText;
    lines.push(shown.replace(/\n+$/, ''));
    const hidden = full ? null : hiddenNote(m, t.number);
    if (hidden) lines.push(hidden);
    for (const a of m.attachments) lines.push(`  [attachment] ${a.filename} (${a.contentType}, ${a.size} bytes)`);
  }
  const history = historyLines(t.events, t.number, timeZone, full);
  if (history.length > 0) lines.push('', ...history);
  return lines.join('\n') + '\n';
}

/**
 * Who a message came from or went to; a note is said to be one, with its author (it is mailed to nobody). A recipient
 * the mail was not sent to is marked, and the copies are then listed too: who got it is no longer who it names.
 */
function messageHeading(m: MessageJson, timeZone: string, now: Date): string {
  if (m.internal) return `internal note by ${m.from}`;
  if (m.direction === 'in') return `from ${m.from}`;
  const notSent = new Map((m.delivery?.notSentTo ?? []).map((r) => [r.address.toLowerCase(), r]));
  const named = (address: string) => {
    const left = notSent.get(address.toLowerCase());
    return left ? `${address} (${notSentNote(left, timeZone, now)})` : address;
  };
  const copies = notSent.size > 0 && m.cc.length > 0 ? ` · cc ${m.cc.map(named).join(', ')}` : '';
  return `to ${m.to.map(named).join(', ')}${copies}`;
}

/** Why a recipient did not get the mail: its address bounced, and since when (and until when) it is suppressed. */
function notSentNote(r: NotSentToJson, timeZone: string, now: Date): string {
  if (!r.suppressedAt) return 'not sent: left out of the queued mail, the address bounced';
  const since = deskTime(r.suppressedAt, timeZone);
  if (r.liftedAt) return `not sent: the address bounced, suppressed ${since}, lifted ${deskTime(r.liftedAt, timeZone)}`;
  if (r.suppressedUntil && Date.parse(r.suppressedUntil) > now.getTime()) return `not sent: the address bounces, suppressed since ${since}`;
  return `not sent: the address bounced, suppressed ${since}${r.suppressedUntil ? ` until ${deskTime(r.suppressedUntil, timeZone)}` : ''}`;
}

const lineCount = (text: string) => text.replace(/\s+$/, '').split('\n').length;

/**
 * For an inbound mail whose visible text is not all of it: how many lines were cut and how to read them. Not for
 * the desk's own mails, whose visible text is the agent's words and whose whole text is the template around them.
 */
function hiddenNote(m: MessageJson, ticket: number): string | null {
  const whole = wholeText(m);
  if (m.direction !== 'in' || !m.visibleText || m.visibleText.trim() === whole.trim()) return null;
  const cut = lineCount(whole) - lineCount(m.visibleText);
  const what = cut > 0 ? `${cut} more line${cut === 1 ? '' : 's'} hidden` : 'the whole text differs';
  return `  [${what} (quoted history, signature): \`ventanilla tickets show ${ticket} --full\` shows the whole text]`;
}

/**
 * A message's whole text as its reader sees it: a customer's Outlook mail with the symbols its HTML part shows, as
 * its visible text has them ("gracias ☺", not the stored text/plain part's "gracias J": plain-symbols.ts).
 */
function wholeText(m: MessageJson): string {
  return m.direction === 'in' ? plainWithSymbols(m.text, m.html) : m.text;
}

/** " (cancelled, never sent: why)" for a mail of the desk's the customer did not get (or not yet); "" when sent. */
function deliveryMark(m: MessageJson, timeZone: string): string {
  const d = m.delivery;
  if (!d) return '';
  // The reasons a mail is taken back begin "not sent: ..." (outbound/ack-throttle.ts, lifecycle/close-undone.ts).
  const why = d.detail ? `: ${d.detail.replace(/^not sent: /, '')}` : '';
  switch (d.status) {
    case 'sent': {
      // The heading's time is when it was written; one held back (ACK_LIMIT, a backlog, retries) left later.
      const late = d.sentAt && Date.parse(d.sentAt) - Date.parse(m.createdAt) >= 60_000 ? ` ${deskTime(d.sentAt, timeZone)}` : '';
      return d.detail || late ? ` (sent${late}${why})` : '';
    }
    case 'pending':
    case 'sending':
      return ` (queued, not sent yet${why})`;
    case 'failed':
    case 'cancelled':
      return ` (${d.status}, ${d.mayHaveReached ? 'a try may have reached the recipient' : 'never sent'}${why})`;
    default:
      return ` (${d.status}${why})`;
  }
}
