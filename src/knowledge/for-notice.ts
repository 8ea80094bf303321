import type { Locale } from '../outbound/locale.js';
import type { Tx } from '../store/database.js';
import { sqlOf } from '../store/sql.js';
import { KnowledgeFolder } from './folder.js';
import { SOLVED_PATH, solvedToken } from './solved-link.js';

/** What the notices need of the knowledge base: the articles, and the address of the page of one. */
export interface KnowledgeDeps {
  folder: KnowledgeFolder;
  /** PUBLIC_URL/kb/<slug>: the gateway's own page of an article without a `url`. */
  pageUrl: (slug: string) => string;
  /** PUBLIC_URL/kb/solved?t=<token>: where the customer says an article solved it. */
  solvedUrl: (token: string) => string;
}

/**
 * The articles a new ticket's mail is sent (DOMAIN.md rule 10), from its subject and the customer's own words in
 * its first mail (the visible text: no quoted history, no signature); undefined when none match.
 */
export function articlesForTicket(tx: Tx, knowledge: KnowledgeDeps | undefined, ticketId: number, subject: string, locale: Locale): Array<{ title: string; url: string }> | undefined {
  const base = knowledge?.folder.current();
  if (!knowledge || !base || base.size === 0) return undefined;
  const first = sqlOf(tx).get<{ visibleText: string }>(`SELECT "visibleText" FROM "Message" WHERE "ticketId" = ? AND "direction" = 'in' ORDER BY "id" LIMIT 1`, ticketId);
  const found = base.suggest(`${subject}\n${first?.visibleText ?? ''}`, locale);
  return found.length === 0 ? undefined : found.map(({ article }) => ({ title: article.title, url: article.url ?? knowledge.pageUrl(article.slug) }));
}

/**
 * The articles a ticket's opening mail suggests, and the link where the customer says one solved it. Whoever holds
 * the link can close the ticket, so a mail copied to others (the ticket's Cc: a colleague, an outside accountant)
 * lists the articles without it: only the customer who wrote closes their ticket by a click.
 */
export function articlesAndLink(tx: Tx, knowledge: KnowledgeDeps | undefined, secret: string, ticket: { id: number; subject: string; requester: { email: string }; ccs: string[] }, now: Date, locale: Locale): { articles?: Array<{ title: string; url: string }>; solvedUrl?: string } {
  const articles = articlesForTicket(tx, knowledge, ticket.id, ticket.subject, locale);
  if (!articles || !knowledge) return {};
  if (ticket.ccs.length > 0) return { articles };
  return { articles, solvedUrl: knowledge.solvedUrl(solvedToken(secret, ticket.id, ticket.requester.email, now)) };
}

/** The articles of `dir`, each file that cannot be read named in the log (the others still serve). */
export function loadKnowledge(dir: string, baseUrl: () => string, warn: (problem: string) => void): KnowledgeDeps {
  // baseUrl read at each link: with HTTP_PORT 0 the port is known only once the server listens (public-url.ts).
  return { folder: new KnowledgeFolder(dir, warn), pageUrl: (slug) => `${baseUrl()}/kb/${slug}`, solvedUrl: (token) => `${baseUrl()}${SOLVED_PATH}?t=${token}` };
}
