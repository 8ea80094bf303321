/**
 * RFC 5965 Abuse Reporting Format: a feedback-loop complaint ("this is spam") about a mail we sent.
 *
 * Recognised by a top-level multipart/report; report-type=feedback-report or a message/feedback-report part.
 * The complaining recipients are the Original-Rcpt-To fields, else the To of the reported message.
 * Apple Mail's one-click "unsubscribe" notice is reported as an opt-out complaint from its sender, and
 * Microsoft's JMRP reports (Outlook.com, Hotmail) as abuse complaints.
 */
import { originalRecipients } from './heuristics.js';
import { addressIn, findAddresses, toLines } from './text.js';
import type { MailView } from './view.js';

export interface Complaint {
  recipients: string[];
  feedbackType: string | null;
}

function feedbackFields(text: string): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  for (const line of toLines(text)) {
    const m = /^([A-Za-z][A-Za-z0-9-]{1,40})[ \t]*:[ \t]*(.*)$/.exec(line);
    if (!m) continue;
    const name = (m[1] as string).toLowerCase();
    fields.set(name, [...(fields.get(name) ?? []), (m[2] as string).trim()]);
  }
  return fields;
}

/** The Feedback-Type-bearing fields: the feedback-report part, or the body when the part was merged into it. */
function reportFields(view: MailView): Map<string, string[]> | null {
  // RFC 5965 reports are multipart/report; a feedback-report part inside something else may be a forward.
  if (view.reportType !== 'feedback-report') return null;
  for (const part of view.feedbackParts) {
    const fields = feedbackFields(part);
    if (fields.has('feedback-type')) return fields;
  }
  const inBody = feedbackFields(view.body);
  if (inBody.has('feedback-type')) return inBody;
  return view.feedbackParts[0] !== undefined ? feedbackFields(view.feedbackParts[0]) : new Map();
}

/** The "To:" lines mailparser renders for an inline message/rfc822 part (the reported message). */
function renderedOriginalTo(view: MailView): string[] {
  const out: string[] = [];
  for (const line of toLines(view.body)) {
    const m = /^To:\s*(.+)$/i.exec(line);
    if (!m) continue;
    for (const f of findAddresses(m[1] as string, 20)) if (!out.includes(f.address)) out.push(f.address);
  }
  return out;
}

/** Microsoft's JMRP (Outlook.com, Hotmail): not ARF, but the reported mail forwarded inline by this sender. */
const JMRP_SENDER = /^staff@hotmail\.com$/i;
const JMRP_SUBJECT = /^\s*complaint about message from\b/i;

const APPLE_UNSUBSCRIBE = /^\s*Apple Mail sent this (?:e-?mail|message) to unsubscribe\b/i;

export function detectComplaint(view: MailView): Complaint | null {
  const fields = reportFields(view);
  if (fields) {
    const feedbackType = fields.get('feedback-type')?.[0]?.toLowerCase().split(/[\s;]/, 1)[0] || null;
    const recipients: string[] = [];
    for (const name of ['original-rcpt-to', 'removal-recipient']) {
      for (const value of fields.get(name) ?? []) {
        const address = addressIn(value);
        if (address && !recipients.includes(address)) recipients.push(address);
      }
    }
    if (recipients.length === 0) {
      for (const headers of view.originals) {
        for (const address of originalRecipients(headers, new Set(), new Set())) if (!recipients.includes(address)) recipients.push(address);
        if (recipients.length > 0) break;
      }
    }
    if (recipients.length === 0) recipients.push(...renderedOriginalTo(view));
    return { recipients, feedbackType };
  }
  if (JMRP_SENDER.test(view.fromAddress ?? '') && JMRP_SUBJECT.test(view.subject)) {
    const recipients: string[] = [];
    for (const headers of view.originals) for (const value of headers.get('x-hmxmroriginalrecipient') ?? []) recipients.push(...findAddresses(value, 5).map((f) => f.address));
    return { recipients: recipients.length > 0 ? recipients : renderedOriginalTo(view), feedbackType: 'abuse' };
  }
  const autoSubmitted = view.first('auto-submitted') ?? '';
  if (/^auto-/i.test(autoSubmitted) && APPLE_UNSUBSCRIBE.test(view.body) && view.fromAddress) {
    return { recipients: [view.fromAddress], feedbackType: 'opt-out' };
  }
  return null;
}
