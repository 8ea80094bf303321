import type { InboundMail } from '../parse.js';

// A mailing-list server's own mail (a command's reply, "you are not a member", a loop alert, a moderation notice, a
// subscription to confirm), as opposed to a member's post it distributes. A post is a person's mail: it opens a
// ticket, unanswered (automatic.ts, throughMailingList). The server's own notice is a machine's about a list: it answers no ticket and opens none.

const first = (mail: Pick<InboundMail, 'headers'>, name: string) => mail.headers.get(name)?.[0]?.trim() ?? null;

/**
 * fml (the Japanese list manager, fml 4 and fml 8) marks everything it sends with X-MLServer or X-ML-Name / X-ML-Info,
 * and numbers each post it distributes (X-Mail-Count in fml 4, X-ML-Count in fml 8).
 */
const FML_MARKS = ['x-ml-name', 'x-ml-info'];
const FML_COUNTS = ['x-mail-count', 'x-ml-count'];
/** The Message-ID fml writes on its own mail ("<200504292334.FMLAAB0001.neko@example.org>"); a post keeps its author's. */
const FML_MESSAGE_ID = /^<?\d{12,14}\.FML[A-Za-z0-9]+\./;
/**
 * fml's command addresses (the list's "-ctl", "fmlserv"): no one posts from them. Not its "-admin": a person's
 * address may end so ("sistemas-admin@"), and fml's own mail from it has no post number anyway.
 */
const FML_ROBOT_LOCAL = /-ctl$|^fmlserv$/i;

/** Why the mail is fml's own notice rather than a post it distributed, or null. */
function fmlNotice(mail: Pick<InboundMail, 'headers' | 'from'>): string | null {
  const server = first(mail, 'x-mlserver');
  const marked = (server !== null && /\bfml\b/i.test(server)) || FML_MARKS.some((name) => first(mail, name) !== null);
  if (!marked) return null;
  const messageId = first(mail, 'message-id') ?? '';
  if (FML_MESSAGE_ID.test(messageId)) return `fml's own Message-ID ${messageId.slice(0, 80)}`;
  const from = mail.from?.address ?? '';
  const local = from.slice(0, from.lastIndexOf('@'));
  if (FML_ROBOT_LOCAL.test(local)) return `From: ${from}, fml's command address`;
  if (!FML_COUNTS.some((name) => first(mail, name) !== null)) return `${server ? 'X-MLServer' : 'X-ML-Name'} without a post's number (X-Mail-Count)`;
  return null;
}

/**
 * The list software's own robots, named alike on every server (Mailman's site list, majordomo, LISTSERV, Sympa...).
 * Bare names are also mailboxes people write from (a mailroom's "mailman@", an administrator's "listserv@" or
 * "majordomo@"): each counts as the robot only with a list's or a machine's sign, or its server's own words (robotSign).
 */
const SERVER_ROBOT_LOCAL = /^(?:mailman(?:-owner|-bounces|-request)?|majordomo|listserv|sympa(?:-request|-owner)?|listproc|ecartis)$/i;
/**
 * A list's own robot: Mailman's <list>-owner, -bounces (+ a VERP tail), -request, -confirm (+ a token), -join,
 * -leave, -subscribe, -unsubscribe; majordomo's owner-<list>. Only on the list's own address (listAddresses): a person
 * "product-owner@" posting through a list keeps his mail.
 */
const LIST_ROBOT = /^(?:(.+)-(?:owner|bounces|request|confirm|join|leave|subscribe|unsubscribe)(?:\+.*)?|owner-(.+))$/i;

/** The list's own address as the server writes it on its mail (X-BeenThere, List-Post, List-Id's "<list>.<host>"). */
function isListAddress(mail: Pick<InboundMail, 'headers'>, list: string, domain: string): boolean {
  const address = `${list}@${domain}`.toLowerCase();
  const beenThere = first(mail, 'x-beenthere')?.toLowerCase() ?? '';
  const post = /<mailto:([^>?]+)/i.exec(first(mail, 'list-post') ?? '')?.[1]?.toLowerCase() ?? '';
  const id = /<([^>]+)>/.exec(first(mail, 'list-id') ?? '')?.[1]?.toLowerCase() ?? first(mail, 'list-id')?.toLowerCase() ?? '';
  return beenThere === address || post === address || id === `${list}.${domain}`.toLowerCase();
}

/** A list software's own header: RFC 2369's List-*, Mailman's, ListProc's, Ecartis's. */
const LIST_SOFTWARE_HEADER = /^(?:list-.+|x-beenthere|x-mailman-version|x-listprocessor-version|x-ecartis-version)$/;
/**
 * What majordomo and LISTSERV write on a command's reply, which carries no list's or machine's header: majordomo's
 * Subject ("Majordomo results: ..."), LISTSERV's display name ("L-Soft list server at LISTS.CLIENTE.MX (16.0)").
 * A person writing from such a mailbox writes neither.
 */
const MAJORDOMO_SUBJECT = /^majordomo results\b/i;
const LISTSERV_NAME = /^"?L-Soft list server\b/i;

/**
 * A list's header or a machine's (Auto-Submitted, Precedence: bulk, list, junk), or the server's own words: what a
 * bare robot name needs to be the server's robot. Not X-Auto-Response-Suppress: Outlook writes it on people's mail.
 */
function robotSign(mail: Pick<InboundMail, 'headers'>): boolean {
  for (const name of mail.headers.keys()) if (LIST_SOFTWARE_HEADER.test(name)) return true;
  const submitted = first(mail, 'auto-submitted');
  if ((submitted !== null && !/^no\b/i.test(submitted)) || /^(?:bulk|list|junk)$/i.test(first(mail, 'precedence') ?? '')) return true;
  return MAJORDOMO_SUBJECT.test(first(mail, 'subject') ?? '') || LISTSERV_NAME.test(first(mail, 'from') ?? '');
}

/** Why the mail is a Mailman, majordomo, LISTSERV or Sympa notice (a moderation notice, a confirmation request...). */
function serverNotice(mail: Pick<InboundMail, 'headers' | 'from'>): string | null {
  // Mailman writes it on its own notices only, never on a post it distributes.
  if (/^yes$/i.test(first(mail, 'x-list-administrivia') ?? '')) return 'X-List-Administrivia: yes';
  const from = mail.from?.address ?? '';
  const at = from.lastIndexOf('@');
  const local = from.slice(0, at);
  if (SERVER_ROBOT_LOCAL.test(local) && robotSign(mail)) return `From: ${from}, a list server's robot`;
  const robot = LIST_ROBOT.exec(local);
  const list = robot?.[1] ?? robot?.[2];
  // Sender: <list>-bounces is on every post Mailman distributes: only the From tells who wrote.
  if (list && isListAddress(mail, list, from.slice(at + 1))) return `From: ${from}, the robot of the list ${list}`;
  return null;
}

/** Why the mail is a mailing-list server's own notice (fml's, Mailman's, majordomo's...), or null. */
export function listServerNotice(mail: Pick<InboundMail, 'headers' | 'from'>): string | null {
  const notice = fmlNotice(mail) ?? serverNotice(mail);
  return notice ? `a mailing-list server's own notice (${notice})` : null;
}
