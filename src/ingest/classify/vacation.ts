/**
 * Vacation / out-of-office auto-replies (RFC 3834 and the de-facto markers of the big mail systems).
 * Only asked once a mail is known not to be a bounce or a complaint: bounces carry Auto-Submitted too.
 */
import { withoutGatewayTags } from '../../domain/thread-refs.js';
import type { MailView } from './view.js';

/**
 * Subjects that only responders write: their words, then the colon before the subject they answer ("Automatic
 * reply: Consulta", "Respuesta automática: Consulta"), or nothing after them. Without that colon they are a
 * person's words: a software desk's customers write about their product's automatic replies ("Respuesta
 * automática de facturas no se envía"), and such a mail was taken for an out-of-office note and opened no ticket.
 * "Out of office hours support number?" is a question for the same reason.
 */
const AUTO_REPLY_SUBJECT = new RegExp(
  '^\\s*(?:(?:' +
    [
      'auto(?:matic|matische)?[ -]?(?:reply|response|responder|antwort|answer)',
      'autoreply',
      'out of (?:the )?office(?: auto ?reply)?',
      'abwesenheitsnotiz',
      'automatische antwort',
      'respuesta autom[aá]tica',
      'r[ée]ponse automatique',
      'risposta automatica',
      'resposta autom[aá]tica',
      'automatisch antwoord',
      'automaattinen vastaus',
      'autosvar',
      'automatyczna odpowied[zź]',
      'odpowied[zź] automatyczna',
      'автоматический ответ',
    ].join('|') +
    ')\\s*(?:[:：]|$)|(?:auto|ooo)\\s*[:：]|自動応答|自动回复)',
  'i',
);

/** Body openings of out-of-office notes, for subjects that do not say so. */
const AWAY_BODY =
  /\b(?:i am|i'm|i will be|we are) (?:currently )?(?:out of (?:the )?office|away|on (?:vacation|holiday|leave|annual leave|parental leave)|traveling|travelling|out of town)|\bout of (?:the )?office\b|\bwill be back on\b|\breturning (?:to the office )?on\b|\blimited access to (?:e-?mail|my email)\b|\bestoy fuera de la oficina\b|\b(?:estoy|estar[ée]|me encuentro) (?:de vacaciones|ausente|fuera)\b|\b(?:regreso|regresar[ée]|volver[ée]) (?:el|a la oficina)\b|\b(?:estou|estarei|encontro-me|me encontro) (?:de f[ée]rias|ausente|fora do escrit[óo]rio)\b|\bacesso limitado ao e-?mail\b|\bje suis absent|\bich bin (?:bis|vom|ab|derzeit|zurzeit) .{0,40}abwesend/i;

/** The first lines of the body read like an out-of-office note. */
export const hasAwayNote = (body: string | undefined): boolean => AWAY_BODY.test((body ?? '').slice(0, 2_000));

/** The subject is one only an auto-responder writes, also behind a gateway's "[EXTERNAL]" (a desk's own gateway tags every mail from outside). */
export const isAutoReplySubject = (subject: string): boolean => AUTO_REPLY_SUBJECT.test(withoutGatewayTags(subject));

/** An X-Autoreply-style header's value that says yes: "no", "false" or "0" is no mark (some mailers write it on every mail). */
export const marksAutoReply = (value: string | null): boolean => value !== null && !/^\s*(?:no|false|0)\b/i.test(value);

export function isVacation(view: MailView): boolean {
  const autoSubmitted = (view.first('auto-submitted') ?? '').toLowerCase();
  if (/^auto-replied\b/.test(autoSubmitted)) return true;
  for (const name of ['x-autoreply', 'x-autorespond', 'x-autoresponder', 'x-autoreply-from', 'x-mail-autoreply']) {
    if (marksAutoReply(view.first(name))) return true;
  }
  if (/vacation|autoreply/i.test(view.first('x-apple-action') ?? '')) return true;
  if (/^\s*auto[_-]?reply\s*$/i.test(view.first('precedence') ?? '')) return true;
  if (isAutoReplySubject(view.subject)) return true;
  // Exchange marks its own auto-replies so that they are not answered, and sends them from the null sender (or
  // by an inbox rule): with an out-of-office text that is enough. Outlook puts the mark on people's mail too, and
  // a person writes "I'm out of the office tomorrow" in a request: the mark alone made it an auto-reply, lost.
  const suppress = view.first('x-auto-response-suppress') ?? '';
  const sentByExchange = /^<\s*>$/.test(view.first('return-path') ?? '') || view.first('x-ms-exchange-inbox-rules-loop') !== null;
  if (/\b(?:all|oof|autoreply)\b/i.test(suppress) && sentByExchange && hasAwayNote(view.body)) return true;
  return false;
}
