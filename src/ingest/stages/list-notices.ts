import type { InboundMail } from '../parse.js';

// A mailing-list server's own mail (a command's reply, "you are not a member", a loop alert), as opposed to a
// member's post it distributes. A post is a person's mail: it opens a ticket, unanswered (automatic.ts,
// throughMailingList). The server's own notice is a machine's about a list: it answers no ticket and opens none.

const first = (mail: Pick<InboundMail, 'headers'>, name: string) => mail.headers.get(name)?.[0]?.trim() ?? null;

/**
 * fml (the Japanese list manager, fml 4 and fml 8) marks everything it sends with X-MLServer or X-ML-Name / X-ML-Info,
 * and numbers each post it distributes (X-Mail-Count in fml 4, X-ML-Count in fml 8).
 */
const FML_MARKS = ['x-ml-name', 'x-ml-info'];
const FML_COUNTS = ['x-mail-count', 'x-ml-count'];
/** The Message-ID fml writes on its own mail ("<200504292334.FMLAAB0001.neko@example.org>"); a post keeps its author's. */
const FML_MESSAGE_ID = /^<?\d{12,14}\.FML[A-Za-z0-9]+\./;
/** fml's command and administration addresses (the list's "-ctl" and "-admin", "fmlserv"): no one posts from them. */
const FML_ROBOT_LOCAL = /(?:-ctl|-admin)$|^fmlserv$/i;

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

/** Why the mail is a mailing-list server's own notice (fml's, so far), or null. */
export function listServerNotice(mail: Pick<InboundMail, 'headers' | 'from'>): string | null {
  const fml = fmlNotice(mail);
  return fml ? `a mailing-list server's own notice (${fml})` : null;
}
