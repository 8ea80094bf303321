import type { InboundMail } from '../parse.js';

// RFC 3834 and the de-facto headers of the big mail systems: mail written by a machine must never get a
// machine's answer (that is how two helpdesks end up mailing each other forever).

export type AutomaticKind = 'auto-replied' | 'auto-generated' | 'bulk' | 'mailer-daemon';

export interface AutomaticVerdict {
  kind: AutomaticKind;
  /** The evidence, for the log and the ticket note. */
  reason: string;
}

const first = (mail: InboundMail, name: string) => mail.headers.get(name)?.[0]?.trim() ?? null;

// Out-of-office subjects in the languages of the desk's customers and the usual mail systems.
const AUTO_REPLY_SUBJECT =
  /^\s*(auto(matic)?[ -]?(reply|response|antwort)|automatische antwort|respuesta autom[aá]tica|resposta autom[aá]tica|r[ée]ponse automatique|risposta automatica|out of (the )?office|fuera de (la )?oficina|ausente|ausencia|f[ée]rias|abwesend|vacation|on vacation|estoy de vacaciones)\b/i;

export function classifyAutomatic(mail: InboundMail): AutomaticVerdict | null {
  const autoSubmitted = first(mail, 'auto-submitted');
  if (autoSubmitted && !/^no\b/i.test(autoSubmitted)) {
    return { kind: /auto-replied/i.test(autoSubmitted) ? 'auto-replied' : 'auto-generated', reason: `Auto-Submitted: ${autoSubmitted}` };
  }
  for (const name of ['x-autoreply', 'x-autorespond', 'x-autoresponder']) {
    const value = first(mail, name);
    if (value !== null) return { kind: 'auto-replied', reason: `${name}: ${value}` };
  }
  if (/vacation|autoreply/i.test(first(mail, 'x-apple-action') ?? '')) return { kind: 'auto-replied', reason: 'X-Apple-Action: VACATION' };
  const precedence = first(mail, 'precedence');
  if (precedence && /^(bulk|junk|list)$/i.test(precedence)) return { kind: 'bulk', reason: `Precedence: ${precedence}` };
  // Senders that set this ask not to be auto-answered: Exchange sets it on its own automatic replies.
  const suppress = first(mail, 'x-auto-response-suppress');
  if (suppress && /all|oof|autoreply/i.test(suppress)) return { kind: 'auto-generated', reason: `X-Auto-Response-Suppress: ${suppress}` };
  const returnPath = first(mail, 'return-path');
  if (returnPath !== null && /^<\s*>$/.test(returnPath)) return { kind: 'mailer-daemon', reason: 'Return-Path: <>' };
  const from = mail.from?.address ?? first(mail, 'from') ?? '';
  if (/^(mailer-daemon|postmaster)\b/i.test(from.replace(/^.*</, ''))) return { kind: 'mailer-daemon', reason: `From: ${from}` };
  if (first(mail, 'list-id') !== null || first(mail, 'list-unsubscribe') !== null) return { kind: 'bulk', reason: 'List-Id / List-Unsubscribe' };
  if (AUTO_REPLY_SUBJECT.test(mail.subject)) return { kind: 'auto-replied', reason: `Subject: ${mail.subject.slice(0, 80)}` };
  return null;
}
