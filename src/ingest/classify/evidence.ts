/**
 * Was this mail written by a mail system rather than by a person? And does it say that a delivery failed?
 * Both are needed before a body is read as a bounce: a person who writes "undeliverable" in a subject, or
 * forwards a bounce to the desk asking for help, must stay a normal mail.
 */
import { isDaemonAddress } from './text.js';
import type { MailView } from './view.js';

export interface MachineEvidence {
  /**
   * The marks of a delivery agent's own notice: null envelope sender, MAILER-DAEMON/postmaster as sender,
   * X-Failed-Recipients, a multipart/report delivery-status, "Mail Delivery System" as the From name.
   */
  daemon: boolean;
  /** Daemon, or otherwise machine-written: Auto-Submitted, a no-reply/system From, no From at all. */
  any: boolean;
}

const SYSTEM_NAME =
  /mail delivery|delivery (?:status|subsystem|notification)|mailer[- ]?daemon|post ?master|mail administrator|mail system|mail ?delivery ?system|microsoft outlook|microsoft exchange|internet mail delivery|mail ?router|mail transport|delivery failure|returned mail|mail service/i;
const SYSTEM_LOCAL = /^(?:no-?reply|noreply|do-?not-?reply|sysadmin|administrator|admin|mail|mailer|mailadmin|root|smtp|mta|nobody|microsoftexchange[0-9a-f]*|bounce[\w.-]*|mail-?error|errors?|notify|notification|delivery[\w.-]*)$/i;

export function machineEvidence(view: MailView): MachineEvidence {
  const returnPath = view.returnPath;
  const from = view.fromAddress ?? '';
  const autoSubmitted = view.first('auto-submitted');
  const daemon =
    (returnPath !== null && /^\s*(?:<\s*>)?\s*$/.test(returnPath)) ||
    (returnPath !== null && /mailer-?daemon|postmaster/i.test(returnPath)) ||
    view.first('x-failed-recipients') !== null ||
    view.reportType === 'delivery-status' ||
    (from !== '' && isDaemonAddress(from)) ||
    /mailer-?daemon|mail delivery (?:sub)?system|^\s*<\s*>\s*$/i.test(view.fromRaw);
  const local = from.slice(0, from.lastIndexOf('@'));
  const any =
    daemon ||
    (autoSubmitted !== null && !/^\s*no\b/i.test(autoSubmitted)) ||
    SYSTEM_NAME.test(view.fromRaw) ||
    SYSTEM_LOCAL.test(local) ||
    view.fromRaw.trim() === '';
  return { daemon, any };
}

export const BOUNCE_SUBJECT =
  /undeliver|undelivered|not delivered|non[- ]?delivery|nondeliverable|delivery (?:status notification|failure|failed|has failed|problem|notification|report|error)|(?:mail|message) delivery (?:failed|failure|error)|returned mail|returned to sender|return(?:ed)? message|failure notice|delivery failure|failed delivery|could not (?:be )?deliver|unable to deliver|error sending|error delivering|there was an error|mail (?:system )?error|rejected|bounce|warning: could not send|cannot send message|mail failure|permanent (?:error|failure)|unzustellbar|nicht zugestellt|non recapitabile|no entregado|non remis|non distribu|échec de (?:la )?(?:remise|distribution)|не доставлено|メールを配信できません|配信できません|送信できません|エラー|不達|failure|failed/i;

export const BOUNCE_PHRASE =
  /could ?n[o']?t be delivered|undeliver|not (?:be )?delivered|delivery (?:has )?failed|delivery to the following recipients? failed|failed permanently|permanent (?:fatal )?errors?|fatal errors?|(?:unable|not able|wasn't able|was not able|could not|couldn't|failed) to deliver|error (?:while )?delivering|trouble delivering|returned to sender|following (?:address|recipient)(?:es|s|\(es\)|\(s\))? (?:failed|had)|delivery (?:problems|errors|failure|status notification)|mail delivery (?:failed|system|software)|transcript of session|user unknown|unknown user|no such user|mailbox (?:unavailable|full|is full)|message (?:was )?rejected|rejected your message|did not reach|could not reach|has not been delivered|been unable to deliver|non-?delivery|returned mail|failure notice|qmail-send|delivery to .{1,80} failed|could not send|error occurred while trying to deliver|message could not be sent|recipient(?:s)? (?:failed|rejected)|送信でき|配信でき|届きません|送信に失敗|宛先不明|不達|エラー|не доставлено|не может быть доставлено|unzustellbar|nicht zugestellt|non recapitabile|no se ha podido entregar|n'a pas pu être|impossible de remettre/i;
