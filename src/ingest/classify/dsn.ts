/**
 * RFC 3464 (and RFC 6533) delivery status fields: the machine-readable part of a standard bounce.
 *
 * The fields are read from a message/delivery-status part, or from the body text where mailparser merges
 * such a part (and where some agents write the same fields without a MIME report at all).
 */
import { addressIn, collapse, MAX_DIAGNOSTIC_CHARS, normaliseStatus, toLines } from './text.js';

export type DsnAction = 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded' | null;

export interface DsnRecipient {
  finalRecipient: string | null;
  originalRecipient: string | null;
  action: DsnAction;
  status: string | null;
  /** The Diagnostic-Code text without its "smtp;" type. */
  diagnostic: string | null;
  /** The Diagnostic-Code type, lower-cased: "smtp", "x-unix" (a local delivery program failed), ... */
  diagnosticType: string | null;
}

const PER_RECIPIENT = new Set([
  'final-recipient',
  'original-recipient',
  'x-actual-recipient',
  'action',
  'status',
  'diagnostic-code',
  'remote-mta',
  'last-attempt-date',
  'will-retry-until',
  'x-display-name',
]);
/** A field line as DSNs write it; names outside PER_RECIPIENT (Reporting-MTA, Arrival-Date...) end a group. */
const FIELD = /^([A-Za-z][A-Za-z0-9-]{1,40})[ \t]*:[ \t]*(.*)$/;

function recipientOf(value: string | undefined): string | null {
  if (!value) return null;
  // "rfc822; a@b" or "RFC822;<a@b>" or a bare address; other address types (x400, unknown) only if they hold one.
  const bare = value.replace(/^\s*[\w-]+\s*;/, '').trim().replace(/^<(.*)>$/, '$1').trim();
  // A field holds one address: take it whole when it is one, even with a quoted or dotty local part.
  if (/^(?:"[^"\r\n]{1,64}"|[^\s@<>"(),;:]{1,64})@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/.test(bare)) return bare.toLowerCase();
  return addressIn(bare);
}

function actionOf(value: string | undefined): DsnAction {
  const action = value?.trim().toLowerCase().split(/[\s(;]/, 1)[0] ?? '';
  if (action === 'deliverable') return 'delivered';
  return action === 'failed' || action === 'delayed' || action === 'delivered' || action === 'relayed' || action === 'expanded' ? action : null;
}

function diagnosticOf(value: string | undefined): string | null {
  if (!value) return null;
  const text = collapse(value.replace(/^\s*(?:smtp|x-[\w-]+|[\w-]{2,20})\s*;\s*/i, ''));
  return text ? text.slice(0, MAX_DIAGNOSTIC_CHARS) : null;
}

/** The per-recipient field groups of every DSN-shaped block in the text, in order. */
export function parseDsnFields(text: string): DsnRecipient[] {
  const groups: Array<Map<string, string>> = [];
  let fields: Map<string, string> | null = null;
  let lastName: string | null = null;
  const close = () => {
    if (fields && (fields.has('final-recipient') || fields.has('original-recipient'))) groups.push(fields);
    fields = null;
    lastName = null;
  };
  for (const line of toLines(text)) {
    if (line.trim() === '') {
      // A blank line ends a recipient group once it has its recipient and one more field.
      if (fields && (fields as Map<string, string>).size >= 2) close();
      lastName = null;
      continue;
    }
    if (/^[ \t]/.test(line) && fields && lastName) {
      const open: Map<string, string> = fields;
      open.set(lastName, `${open.get(lastName) ?? ''} ${line.trim()}`);
      continue;
    }
    const m = FIELD.exec(line);
    const name = m ? (m[1] as string).toLowerCase() : '';
    if (!m || !PER_RECIPIENT.has(name)) {
      lastName = null;
      continue;
    }
    const current: Map<string, string> | null = fields;
    // A second Final-Recipient, Original-Recipient or Action starts the next recipient even without a blank
    // line; so does an Original-Recipient after a complete Final-Recipient group (Postfix writes Final first).
    if (
      current &&
      (((name === 'final-recipient' || name === 'original-recipient' || name === 'action') && current.has(name)) ||
        (name === 'original-recipient' && current.has('final-recipient') && (current.has('action') || current.has('status'))))
    ) {
      close();
    }
    fields ??= new Map();
    fields.set(name, (m[2] as string).trim());
    lastName = name;
  }
  close();
  return groups.map((f) => ({
    finalRecipient: recipientOf(f.get('final-recipient')) ?? recipientOf(f.get('x-actual-recipient')),
    originalRecipient: recipientOf(f.get('original-recipient')),
    action: actionOf(f.get('action')),
    status: normaliseStatus(f.get('status')),
    diagnostic: diagnosticOf(f.get('diagnostic-code')),
    diagnosticType: /^\s*([\w-]{2,20})\s*;/.exec(f.get('diagnostic-code') ?? '')?.[1]?.toLowerCase() ?? null,
  }));
}

/** A DSN group that reports a failure (or a delay), as opposed to a success notice. */
export function isFailure(r: DsnRecipient): boolean {
  if (r.status?.startsWith('2')) return false;
  if (r.action === 'failed' || r.action === 'delayed') return true;
  if (r.action !== null) return false;
  return (r.status !== null && !r.status.startsWith('2')) || r.diagnostic !== null;
}
