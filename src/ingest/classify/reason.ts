/**
 * Hard or soft, in sisimai's sense (the corpus expectations follow it): a bounce is hard only when the
 * address itself is dead: the mailbox does not exist ("user unknown"), the domain does not exist ("host
 * unknown"), the user has moved, or the domain accepts no mail at all (null MX). Every other failure (mailbox
 * full, spam or policy rejection, blocked IP, sender rejected, expired queue time, ...) is soft even when it
 * is permanent: the next mail to that address may well arrive. A transient (4.x.x / 4xx) failure is never
 * hard here, whatever it says (sisimai would call a "450 4.1.1 user unknown" hard; a desk should not drop an
 * address on a temporary answer).
 *
 * The reason is found the way sisimai finds it, in a fixed order: the status code's own meaning where it has
 * one, cross-checked with the diagnostic text, and the SMTP command the error answered: a "user unknown"
 * after DATA is a content filter in disguise ("filtered"), not a missing mailbox.
 */

export type Reason =
  | 'mailboxfull'
  | 'mesgtoobig'
  | 'exceedlimit'
  | 'suspend'
  | 'hasmoved'
  | 'norelaying'
  | 'authfailure'
  | 'userunknown'
  | 'filtered'
  | 'rejected'
  | 'requireptr'
  | 'contenterror'
  | 'hostunknown'
  | 'spamdetected'
  | 'blocked'
  | 'policyviolation'
  | 'networkerror'
  | 'systemerror'
  | 'notaccept'
  | 'expired'
  | 'securityerror'
  | 'mailererror';

const HARD_REASONS = new Set<Reason>(['userunknown', 'hostunknown', 'hasmoved', 'notaccept']);

/** What an enhanced status code means on its own (RFC 3463 and successors, as sisimai reads them). */
const STATUS_NAMES: Record<string, Reason> = {
  '4.1.6': 'hasmoved',
  '4.1.7': 'rejected',
  '4.1.8': 'rejected',
  '4.2.1': 'blocked',
  '4.2.2': 'mailboxfull',
  '4.2.3': 'exceedlimit',
  '4.2.4': 'filtered',
  '4.3.2': 'notaccept',
  '4.4.1': 'expired',
  '4.4.2': 'networkerror',
  '4.4.4': 'networkerror',
  '4.4.6': 'networkerror',
  '4.4.7': 'expired',
  '4.7.1': 'blocked',
  '4.7.25': 'requireptr',
  '4.7.26': 'authfailure',
  '5.1.0': 'userunknown',
  '5.1.1': 'userunknown',
  '5.1.2': 'hostunknown',
  '5.1.3': 'userunknown',
  '5.1.4': 'filtered',
  '5.1.6': 'hasmoved',
  '5.1.7': 'rejected',
  '5.1.8': 'rejected',
  '5.1.10': 'notaccept',
  '5.2.0': 'filtered',
  '5.2.1': 'filtered',
  '5.2.2': 'mailboxfull',
  '5.2.3': 'exceedlimit',
  '5.2.4': 'filtered',
  '5.3.0': 'systemerror',
  '5.3.2': 'notaccept',
  '5.3.4': 'mesgtoobig',
  '5.4.0': 'networkerror',
  '5.4.4': 'hostunknown',
  '5.6.0': 'contenterror',
  '5.7.0': 'securityerror',
  '5.7.1': 'securityerror',
  '5.7.13': 'suspend',
  '5.7.17': 'hasmoved',
  '5.7.18': 'hasmoved',
  '5.7.20': 'authfailure',
  '5.7.21': 'authfailure',
  '5.7.22': 'authfailure',
  '5.7.23': 'authfailure',
  '5.7.24': 'authfailure',
  '5.7.25': 'requireptr',
  '5.7.26': 'authfailure',
  '5.7.27': 'notaccept',
};

/** Status names that the text may overrule (sisimai's "should be retried" set). */
const WEAK_NAMES = new Set<Reason | null>([null, 'systemerror', 'securityerror', 'expired', 'networkerror', 'hostunknown', 'userunknown']);

// Message patterns (lower-cased text). Written after the messages the big mail systems send.
const FULL =
  /mailbox (?:is )?full|mailbox [^.]{0,30}(?:full|quota|exceeded[^.]{0,20} limit)|full mailbox|mail ?box full|over (?:the )?(?:allowed )?quota|quota (?:exceeded|violation)|(?:disk|storage|mailbox|maildir|mail) quota|account is [^.]{0,30} quota|exceeded storage allocation|insufficient (?:disk|system )?(?:space|storage)|not (?:sufficient|enough) (?:disk |storage )?space|enough [^.]{0,20} space|mailfolder is full|no space left on device|too much mail data|user has too many messages|space has been used up|boite du destinataire pleine|recipient'?s? mailbox exceeded the local limit|exceeds allowed size|would exceed maximum allowed storage/;
const TOOBIG = /message (?:is )?too (?:big|large)|message size exceeds|exceeds? (?:the )?(?:maximum )?(?:message )?size|size limit|message length exceeds|too large for/;
const SUSPEND =
  /is currently suspended|temporary locked|temporarily locked|archived recipient|boite du destinataire archivee|account that you tried to reach is (?:disabled|inactive)|has been suspended|inactive account|invalid\/inactive user|is a deactivated mailbox|user is terminated|mailbox currently suspended|mailbox disabled|mailbox is frozen|mailbox unavailable or access denied|temporarily inactive|recipient suspend|account has been (?:disabled|discontinued|temporarily suspended)|this address no longer accepts mail|mailbox is disabled|user or domain is disabled|user suspended|account is locked/;
const MOVED = /has been replaced by|recipient no longer on server|has moved|moved away|no forwarding address/;
const NORELAY = /relay(?:ing)? (?:access )?(?:denied|not permitted|prohibited|not allowed)|not (?:permitted|allowed) to relay|unable to relay|relay not permitted|we do not relay|relaying (?:is )?(?:denied|disallowed)|not a gateway|that domain isn't in my list of allowed rcpthosts|no relaying/;
const AUTH = /\bspf\b|\bdkim\b|\bdmarc\b|sender policy framework|authentication checks? failed|unauthenticated email|domainkeys/;
const USER =
  /user (?:unknown|not found|not known|not exist|does ?n[o']?t exist|not active)|unknown (?:user|recipient|mailbox|local ?part|e-?mail address|address)|no such (?:user|mailbox|recipient|person|address)|address does not exist|address unknown|(?:recipient|mailbox|account) (?:does not|doesn't|not) exist|mailbox (?:invalid|not found|not present|unavailable|is unavailable|is inactive)|mailbox unavaiable|invalid (?:recipient|mailbox|address)|is not a (?:valid|known) (?:user|recipient|mailbox)|not a valid (?:recipient|user|mailbox)|recipient (?:not found|unknown|is not local|not ok|is not accepted|not exist)|bad (?:destination )?(?:mailbox|recipient)|bad address|no mailbox|no account by that name|there is no one at this address|is not an active address|not a local address|name is not recognized|recipient address rejected: (?:user unknown|invalid user|unknown user|userunknown|access denied|invalid-recipient)|address rejected\.|can't accept user|destination addresses were unknown|email address (?:does not exist|could not be found)|the email account that you tried to reach does not exist|this recipient is (?:in my badrecipientto|not in my validrcptto)|badrcptto|user doesn't have an? \S+ account|this user doesn't have|non-?existent user|user missing home directory|invalid or unknown virtual user|utilisateur inconnu|no existe (?:dicha persona|ese usuario)|nessun utente simile|invalid final delivery userid|recipientnotfound|recipient not found|inactive email address|unknown email address|does not have an account here|rcpt <[^>]*> does not exist|user \S+ (?:was not found|does not exist)|account \S+ does not exist|weil die adresse nicht gefunden/;
const FILTER =
  /account is protected by|bounced address|has restricted sms e-mail|is not accepting any mail|message filtered|message rejected due to user rules|not found recipient account|refuse to receive mail|only accepting mail from specific|refused due to recipient preferences|user refuses to receive|user reject|you have been blocked by the recipient/;
const PTR = /reverse dns|\bptr\b|rdns|no reverse|hostname (?:does not|doesn't) match|cannot find your hostname/;
const CONTENT = /header error|content error|media error|mime|malformed|invalid header/;
const REJECTED_NOT = /5\.1\.0 address rejected|recipient address rejected|sender ip address rejected/;
const REJECTED =
  /address rejected|administrative prohibition|batv|bogus mail from|domain of sender address|invalid sender|sender (?:address |email address )?(?:rejected|was rejected|verify failed|not pre-approved|domain is empty|is spammer|is in my black list)|sender address has been blacklisted|unroutable sender address|null sender is not allowed|empty envelope senders|this server does not accept mail from|your email address has been blacklisted|mail from not owned|you are not allowed to post to this mailing list|does not exist e2110|mx records for |returned mail not accepted here/;
const HOST =
  /domain does not exist|domain is not reachable|domain must exist|host or domain name not found|host unknown|host unreachable|mail domain mentioned in email address is unknown|name or service not known|no such domain|unknown domain name|the account or domain may not exist|unknown host|unroutable address|unrouteable address|host \S+ not found|553 \S+ does not exist/;
const NETWORK = /name service error|malformed or unexpected name server reply|host not found, try again|dns lookup failure|temporary (?:dns )?failure|network (?:is )?unreachable|connection (?:timed out|refused|reset)|could not connect|no route to host|mail (?:for|loop)|too many hops|hop count exceeded|loops back to myself|timeout/;
const SPAM = /\bspam\b|junk mail|bulk e?mail|unsolicited|blacklisted|blocklist|\brbl\b|spamhaus|listed (?:at|in|on)/;
const BLOCKED = /\bblocked\b|access denied|banned|your ip|client host|not allowed|reputation|refused|rejected by|poor reputation|rate limit|too many|open relay/;
const POLICY = /\bpolicy\b|prohibited|not authorized|unauthorized|forbidden|delivery not authorized/;
const NULLMX = /does not accept mail|host\/domain does not accept mail|mail receiving disabled|name server: \.: host not found|no mx record found for domain=|no route for current request|smtp protocol returned a permanent error|null ?mx|indicated no smtp service|no mx found for domain/;
const VIRUS = /virus/;
const SYSTEM = /system error|internal (?:system )?error|mailer error|local configuration error|server error|on hold/;
const EXPIRED = /expired|retry time|delivery (?:time|period)|could not be delivered for|has not been delivered|giving up|gave up|too long|message could not be delivered for/;

/**
 * Messages that name a missing mailbox whatever the SMTP command was (the agents that write them reject at
 * RCPT): Exchange 2003, IMail, Domino, InterScan, Yahoo, Office 365, Outlook.com, and "<user@host>: User
 * unknown" as KDDI and others write it.
 */
const USER_EXPLICIT =
  /recipient name is not recognized|^\s*unknown user:|invalid final delivery userid|not listed in (?:the )?(?:domino directory|public name & address book)|no valid recipients for this mm|\(and other recipients in the same domain\)|delivery error: dd this user doesn't have|returned unknown recipient or mailbox unavailable -> 550 (?!:)|\b550 requested action not taken: mailbox unavailable|destinataire invalide|address couldn't be found|address wasn(?:'|’)?t found at|recipientnotfound|recipient not found by smtp address lookup|<[^<>\s]+@[^<>\s]+>:? user unknown/;
/** "550 : User unknown" with the address left empty: a reception filter (KDDI's famous one), not a missing mailbox. */
const FILTER_DISGUISED = /\b550:? :\s*user unknown/;

export type SmtpCommand = 'CONN' | 'HELO' | 'EHLO' | 'STARTTLS' | 'AUTH' | 'MAIL' | 'RCPT' | 'DATA' | null;

const COMMAND_ORDER: Array<[Exclude<SmtpCommand, null>, RegExp]> = [
  ['HELO', /(?<![A-Za-z0-9@.])HELO(?![A-Za-z0-9@.])/],
  ['EHLO', /(?<![A-Za-z0-9@.])EHLO(?![A-Za-z0-9@.])/],
  ['STARTTLS', /(?<![A-Za-z0-9@.])STARTTLS(?![A-Za-z0-9@.])/],
  ['AUTH', /(?<![A-Za-z0-9@.])AUTH (?:PLAIN|LOGIN|CRAM-|DIGEST-)/],
  ['MAIL', /(?<![A-Za-z0-9@.])MAIL F|\bafter MAIL FROM|in reply to MAIL FROM/i],
  ['RCPT', /(?<![A-Za-z0-9@.])RCPT(?![A-Za-z0-9@.])|\bafter RCPT TO|in reply to RCPT TO|RCPT[_ ]TO/i],
  ['DATA', /(?<![A-Za-z0-9@.])DATA(?![A-Za-z0-9@.])|after end of data|end of data/i],
];

/** The SMTP command the remote server was answering, as the notice states it (the latest one named). */
export function smtpCommand(text: string): SmtpCommand {
  let found: SmtpCommand = null;
  for (const [command, pattern] of COMMAND_ORDER) if (pattern.test(text)) found = command;
  return found;
}

export interface ReasonInput {
  status: string | null;
  replyCode: string | null;
  /** The diagnostic: the DSN Diagnostic-Code, else the notice lines about the recipient. */
  text: string;
  /** Where the SMTP command is looked for: the diagnostic and the notice lines around it. */
  commandText: string;
  /** The DSN says a local delivery program failed (Diagnostic-Code: x-unix; ...). */
  localMailer?: boolean;
}

export function reasonOf({ status, replyCode, text: raw, commandText, localMailer = false }: ReasonInput): Reason | null {
  const text = raw.toLowerCase();
  const name = status ? (STATUS_NAMES[status] ?? null) : null;
  const command = smtpCommand(commandText);
  if (localMailer) return 'mailererror';
  const beforeData = command === 'CONN' || command === 'HELO' || command === 'EHLO' || command === 'MAIL' || command === 'RCPT';

  if (name === 'mailboxfull' || FULL.test(text)) return 'mailboxfull';
  if (name === 'mesgtoobig' || TOOBIG.test(text)) return 'mesgtoobig';
  if (name === 'exceedlimit') return 'exceedlimit';
  if (replyCode === '525' || SUSPEND.test(text)) return 'suspend';
  if (MOVED.test(text)) return 'hasmoved';
  if (NORELAY.test(text)) return 'norelaying';
  if (name === 'authfailure' || AUTH.test(text)) return 'authfailure';
  if (name === 'userunknown') {
    if ((BLOCKED.test(text) || SPAM.test(text)) && !USER.test(text)) return 'blocked';
    if (command !== 'RCPT' && !REJECTED_NOT.test(text) && REJECTED.test(text)) return 'rejected';
    if (NULLMX.test(text)) return 'notaccept';
    return 'userunknown';
  }
  if (FILTER_DISGUISED.test(text)) return 'filtered';
  if (name !== 'filtered' && USER_EXPLICIT.test(text)) return 'userunknown';
  if (command === 'RCPT' && USER.test(text)) return 'userunknown';
  if (name === 'hasmoved' || name === 'notaccept') return name;
  if (name === 'filtered' || (!beforeData && (FILTER.test(text) || USER.test(text)))) return 'filtered';
  if (name === 'requireptr' || PTR.test(text)) return 'requireptr';
  if (name === 'contenterror' || CONTENT.test(text)) return 'contenterror';
  if (name === 'rejected') return 'rejected';
  if (!REJECTED_NOT.test(text) && REJECTED.test(text) && (command === 'MAIL' || command === 'DATA' || WEAK_NAMES.has(name))) return 'rejected';
  if (name === 'hostunknown' && !NETWORK.test(text)) return 'hostunknown';
  if (HOST.test(text)) return 'hostunknown';
  if (SPAM.test(text)) return 'spamdetected';
  if (BLOCKED.test(text)) return 'blocked';

  if (WEAK_NAMES.has(name)) {
    if (VIRUS.test(text)) return 'securityerror';
    if (POLICY.test(text)) return 'policyviolation';
    if (SYSTEM.test(text)) return 'systemerror';
    if (NETWORK.test(text)) return 'networkerror';
    if (NULLMX.test(text) || replyCode === '521' || replyCode === '556') return 'notaccept';
    if (EXPIRED.test(text)) return 'expired';
  }
  return name;
}

/** Permanent (5) or transient (4) from the status, else the reply code, else null. */
export function failureClass(status: string | null, replyCode: string | null): '4' | '5' | null {
  const cls = status?.charAt(0) ?? replyCode?.charAt(0) ?? null;
  return cls === '4' || cls === '5' ? cls : null;
}

export function isHard(permanent: boolean, reason: Reason | null): boolean {
  return permanent && reason !== null && HARD_REASONS.has(reason);
}

/**
 * The status to believe when a DSN's Status field and the code inside its diagnostic disagree (after
 * sisimai's rules): the one whose class matches the reply code; a specific code over a generic "X.0.0" or
 * "X.Y.0"; the message's code over the field's when the field is a catch-all (4.4.7, 4.7.0, 5.3.x, X.5.x).
 */
export function preferStatus(field: string | null, inMessage: string | null, replyCode: string | null): string | null {
  if (!field) return inMessage;
  if (!inMessage || field === inMessage) return field;
  const reply = replyCode?.charAt(0);
  if (reply && field.charAt(0) !== inMessage.charAt(0)) {
    if (reply === field.charAt(0)) return field;
    if (reply === inMessage.charAt(0)) return inMessage;
  }
  const zero = (s: string) => /\.0(?:\.|$)/.test(s);
  const allZero = (s: string) => /^\d\.0\.0$/.test(s);
  if (allZero(field)) return allZero(inMessage) ? field : inMessage;
  if (zero(field) && !zero(inMessage)) return inMessage;
  if (allZero(inMessage)) return field;
  if (field === '4.4.7' || field === '4.7.0' || field.startsWith('5.3.') || /^\d\.5\.[1245]$/.test(field)) return inMessage;
  if (field === '5.1.1') return zero(inMessage) || inMessage.startsWith('5.5.') ? field : inMessage;
  if (field === '5.1.3' && inMessage.startsWith('5.7.')) return inMessage;
  return field;
}
