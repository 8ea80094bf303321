/**
 * Hard or soft: sisimai's notion, which the corpus expectations follow. A bounce is hard only when it is
 * permanent (5.x.x / 5xx) AND says the address itself is dead: the mailbox does not exist ("user unknown"),
 * the domain does not exist ("host unknown"), the user has moved, or the domain accepts no mail at all
 * (null MX, 521/556). Every other failure (mailbox full, spam or policy rejection, blocked IP, rate limit,
 * expired queue time, ...) is soft even when it is permanent: the address may work for the next mail.
 *
 * The reason is read from the diagnostic text first (a "5.1.1" that says "mailbox full" is a full mailbox),
 * then from the status code.
 */

export type Reason =
  | 'mailboxfull'
  | 'mesgtoobig'
  | 'suspend'
  | 'hasmoved'
  | 'norelaying'
  | 'authfailure'
  | 'userunknown'
  | 'rejected'
  | 'hostunknown'
  | 'spamdetected'
  | 'blocked'
  | 'policy'
  | 'notaccept'
  | 'expired'
  | 'networkerror';

const HARD_REASONS = new Set<Reason>(['userunknown', 'hostunknown', 'hasmoved', 'notaccept']);

/** Checked in this order: the first that matches the diagnostic wins. */
const TEXT_REASONS: Array<[Reason, RegExp]> = [
  [
    'mailboxfull',
    /mailbox (?:is )?full|mailbox (?:size )?(?:limit )?exceeded|over ?quota|quota (?:exceeded|exceed|full)|exceeded (?:storage|the quota|quota)|(?:disk|storage|mail) quota|insufficient (?:system )?storage|mailfolder is full|user is over|account is full|not enough (?:space|storage)|mailbox has exceeded|is over (?:the )?(?:allowed )?quota|full mailbox|mail box full|maildir over quota|too much mail data|\bquota\b/i,
  ],
  ['mesgtoobig', /message (?:is )?too (?:big|large)|message size exceeds|exceeds (?:the )?(?:maximum )?(?:message )?size|size limit|message length exceeds|too large for/i],
  [
    'suspend',
    /(?:account|mailbox|user|address) (?:has been |is )?(?:temporarily )?(?:disabled|suspended|inactive|deactivated|locked|frozen|expired)|(?:disabled|suspended|inactive|deactivated|expired) (?:account|mailbox|recipient|user)|mailbox unavailable or access denied|recipient suspend|boite du destinataire archivee|mailbox currently suspended|account is unavailable|is not accepting mail|has been suspended/i,
  ],
  ['hasmoved', /\bhas (?:been )?moved\b|address (?:has )?changed|no longer (?:at|with) this|moved (?:to|away)|user has moved/i],
  ['norelaying', /relay(?:ing)? (?:access )?(?:denied|not permitted|prohibited|not allowed)|not (?:permitted|allowed) to relay|unable to relay|relay not permitted|we do not relay|no relaying|relaying (?:is )?(?:denied|disallowed)|not a gateway|rcpthosts/i],
  ['authfailure', /\bspf\b|\bdkim\b|\bdmarc\b|sender policy framework|authentication (?:failed|required|failure)|unauthenticated email/i],
  [
    'userunknown',
    /user (?:unknown|not found|not known|not exist|does ?n[o']?t exist)|unknown (?:user|recipient|mailbox|local ?part|e-?mail address|address)|no such (?:user|mailbox|recipient|person|address|local user)|(?:recipient|mailbox|address|user|account|e-?mail address)(?: name)? (?:does not|doesn't|does ?n[o']t|not) exist|(?:address|mailbox|recipient)(?: address)? (?:not found|unknown|invalid|rejected: (?:user unknown|invalid user|unknown user|userunknown|access denied))|invalid (?:recipient|mailbox|address|user)|recipient (?:not found|unknown|is not local|rejected|not ok|address rejected(?!:))|not a (?:valid|known) (?:user|recipient|mailbox)|is not a known user|bad (?:destination )?(?:mailbox|recipient|address)|mailbox (?:is )?unavailable|mailbox not (?:present|available)|no mailbox|no account by that name|there is no one at this address|name is not recognized|recipient name is not recognized|addressee unknown|not listed in (?:the )?(?:directory|domino directory|public name & address book)|unknown or illegal alias|badrcptto|validrcptto|nonexistent (?:user|mailbox)|non-existent (?:user|mailbox|recipient)|does not have an? \S+ account|doesn't have an? \S+ account|email address (?:could not be found|was not found|wasn't found|does not exist)|the email account that you tried to reach does not exist|address not present|resolver\.adr\.recipnotfound|recipientnotfound|undeliverable address|utilisateur inconnu|destinatario inexistente|usuario desconocido|sconosciuto|unbekannt|存在しない|宛先不明|no valid recipients|this address no longer accepts mail|address rejected|mailbox does not exist|user doesn't exist|user does not exist|not our customer|no longer (?:valid|available|in use|active)|deleted|not a local address|recipient address rejected|unrouteable address|disabled/i,
  ],
  ['rejected', /sender (?:address )?(?:rejected|denied|blocked|verify failed|domain)|domain of sender|sender verification|envelope sender|mail from .* rejected|from address|your address has been|sender is (?:not|in)|invalid sender/i],
  [
    'hostunknown',
    /host (?:unknown|not found|or domain name not found|unreachable)|unknown (?:host|domain)|domain (?:does not|doesn't) exist|domain must exist|no such domain|domain (?:not found|unknown|is not reachable|name not found)|name or service not known|unroutable|mail domain mentioned in email address is unknown|nxdomain|recipient domain|no mx (?:record|host)|dns (?:error|lookup failed)|name server|could not be resolved/i,
  ],
  ['spamdetected', /\bspam\b|junk mail|bulk e?mail|unsolicited|content (?:filter|rejected)|message (?:content )?rejected|blacklist|blocklist|\brbl\b|spamhaus|listed (?:at|in|on)/i],
  ['blocked', /\bblocked\b|access denied|denied by policy|not allowed|banned|reputation|your ip|client host|connection refused|refused to accept|rejected by|is not permitted|poor reputation|rate limit|too many|try again later/i],
  ['policy', /\bpolicy\b|prohibited|not authorized|unauthorized|forbidden/i],
  [
    'notaccept',
    /does not accept mail|host does not accept|mail receiving disabled|no route for current request|null ?mx|does not receive mail|not accept(?:ing)? (?:any )?(?:e-?)?mail/i,
  ],
  ['expired', /expired|timed? ?out|too long|retry time|delivery (?:time|period)|could not (?:be )?deliver(?:ed)? (?:for|within)|has not been delivered|giving up|gave up|queue/i],
];

/** The reason an enhanced status code names on its own (RFC 3463), when it names one. */
function statusReason(status: string | null): Reason | null {
  if (!status) return null;
  const [, subject, detail] = status.split('.');
  const code = `${subject}.${detail}`;
  switch (code) {
    case '1.1':
    case '1.0':
    case '1.3':
    case '1.10':
      return 'userunknown';
    case '1.2':
      return 'hostunknown';
    case '1.6':
      return 'hasmoved';
    case '1.8':
    case '1.7':
      return 'rejected';
    case '2.2':
    case '2.0':
      return 'mailboxfull';
    case '2.1':
      return 'suspend';
    case '4.4':
      return 'hostunknown';
    case '3.4':
      return 'mesgtoobig';
    default:
      return null;
  }
}

export function reasonOf(status: string | null, replyCode: string | null, diagnostic: string | null): Reason | null {
  const text = diagnostic ?? '';
  for (const [reason, pattern] of TEXT_REASONS) if (pattern.test(text)) return reason;
  if (replyCode === '521' || replyCode === '556') return 'notaccept';
  return statusReason(status);
}

/** Permanent (5) or transient (4) from the status, else the reply code, else null. */
export function failureClass(status: string | null, replyCode: string | null): '4' | '5' | null {
  const cls = status?.charAt(0) ?? replyCode?.charAt(0) ?? null;
  return cls === '4' || cls === '5' ? cls : null;
}

export function isHard(permanent: boolean, reason: Reason | null): boolean {
  return permanent && reason !== null && HARD_REASONS.has(reason);
}
