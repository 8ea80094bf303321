/**
 * Amazon SES event notifications delivered by SNS e-mail subscriptions: a JSON document (possibly wrapped in
 * an SNS envelope, with the event as an escaped string in "Message") instead of a DSN. SNS folds long lines
 * with "!" + newline + space, which is undone before reading. Read with patterns rather than JSON.parse: the
 * body is often cut or folded into invalid JSON.
 */
import { addressIn, bounded, collapse, MAX_DIAGNOSTIC_CHARS, normaliseStatus } from './text.js';
import type { MailView } from './view.js';

export interface SesRecipient {
  address: string;
  status: string | null;
  diagnostic: string | null;
}

export type SesEvent =
  | { type: 'bounce'; permanent: boolean; delayed: boolean; recipients: SesRecipient[]; originalMessageId: string | null }
  | { type: 'complaint'; recipients: string[]; feedbackType: string | null; originalMessageId: string | null }
  | { type: 'delivery' };

const MAX_RECIPIENTS = 50;

function unfold(body: string): string {
  return bounded(body)
    .replace(/!\r?\n /g, '')
    .replace(/\\"/g, '"')
    .replace(/\\\//g, '/');
}

/** The JSON objects of one array field ("bouncedRecipients":[{...},{...}]), as raw text. */
function arrayObjects(json: string, field: string): string[] {
  const start = json.indexOf(`"${field}"`);
  if (start < 0) return [];
  const open = json.indexOf('[', start);
  const close = json.indexOf(']', open);
  if (open < 0 || close < 0 || open - start > 40) return [];
  return json.slice(open + 1, close).split(/\}\s*,\s*\{/).slice(0, MAX_RECIPIENTS);
}

const stringField = (json: string, field: string): string | null => new RegExp(`"${field}"\\s*:\\s*"([^"]{0,2000})"`).exec(json)?.[1] ?? null;

function originalId(json: string): string | null {
  const m = /"name"\s*:\s*"Message-I[Dd]"\s*,\s*"value"\s*:\s*"<?([^"<>]{1,900})>?"/.exec(json);
  return m?.[1] ?? null;
}

export function detectSesEvent(view: MailView): SesEvent | null {
  const from = view.fromAddress ?? '';
  if (!/@(?:[\w-]+\.)*(?:amazonaws\.com|amazonses\.com)$/.test(from)) return null;
  if (!/"notificationType"\s*:|\\"notificationType\\"\s*:|"eventType"\s*:/.test(view.body)) return null;
  const json = unfold(view.body);
  const type = stringField(json, 'notificationType') ?? stringField(json, 'eventType');
  // DeliveryDelay (event publishing only): SES is still retrying, a warning rather than a bounce (delay.ts).
  if (type === 'Bounce' || type === 'DeliveryDelay') {
    const delayed = type === 'DeliveryDelay';
    const recipients: SesRecipient[] = [];
    for (const object of arrayObjects(json, delayed ? 'delayedRecipients' : 'bouncedRecipients')) {
      const address = addressIn(stringField(object, 'emailAddress'));
      if (!address) continue;
      const diagnostic = stringField(object, 'diagnosticCode');
      recipients.push({
        address,
        status: normaliseStatus(stringField(object, 'status')),
        diagnostic: diagnostic ? collapse(diagnostic.replace(/^\s*smtp\s*;\s*/i, '')).slice(0, MAX_DIAGNOSTIC_CHARS) : null,
      });
    }
    return { type: 'bounce', permanent: stringField(json, 'bounceType') === 'Permanent', delayed, recipients, originalMessageId: originalId(json) };
  }
  if (type === 'Complaint') {
    const recipients: string[] = [];
    for (const object of arrayObjects(json, 'complainedRecipients')) {
      const address = addressIn(stringField(object, 'emailAddress'));
      if (address && !recipients.includes(address)) recipients.push(address);
    }
    return { type: 'complaint', recipients, feedbackType: stringField(json, 'complaintFeedbackType'), originalMessageId: originalId(json) };
  }
  if (type === 'Delivery') return { type: 'delivery' };
  return null;
}
