// The "an article solved it" link of a new ticket's mail (solved-link.ts):
//   GET  /kb/solved?t=<token>  a page that asks, with one button; changes nothing (link scanners open every link)
//   POST /kb/solved?t=<token>  closes the ticket, as the customer asked: its event says so, and its closing mail
//                              confirms it; a ticket solved or closed already is left as it is
// A token that is not genuine or has expired, or names a ticket whose requester is no longer that address, gets
// the error page and changes nothing.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../app.js';
import { isUnresolved } from '../domain/ticket-status.js';
import { localeFromAcceptLanguage, sendPage, thisPageWith } from '../http/page-reply.js';
import { renderPage } from '../http/page-template.js';
import { registerRoutes } from '../http/server.js';
import { applyChange } from '../lifecycle/transitions.js';
import { pickLocale, type Locale } from '../outbound/locale.js';
import { inTransaction } from '../store/database.js';
import { loadTicketState } from '../store/lifecycle-repo.js';
import { sqlOf } from '../store/sql.js';
import { readSolvedToken, SOLVED_PATH } from './solved-link.js';

type Query = { t?: unknown };
interface Found {
  ticketId: number;
  number: number;
  status: string;
  locale: Locale;
  token: string;
}

const COPY: Record<Locale, { ask: string; askText: (n: number) => string; button: string; done: string; doneText: (n: number) => string; already: string; alreadyText: (n: number) => string }> = {
  es: {
    ask: '¿Su consulta quedó resuelta?',
    askText: (n) => `Si el artículo le ayudó y ya no necesita nuestra respuesta, cerraremos el ticket #${n}. Si más adelante lo necesita, responda a cualquiera de nuestros correos.`,
    button: 'Sí, cerrar mi ticket',
    done: 'Ticket cerrado',
    doneText: (n) => `Gracias: cerramos el ticket #${n}. Le enviamos un correo que lo confirma.`,
    already: 'Ticket ya atendido',
    alreadyText: (n) => `El ticket #${n} ya está resuelto o cerrado: no hay nada que hacer.`,
  },
  pt: {
    ask: 'A sua dúvida ficou resolvida?',
    askText: (n) => `Se o artigo ajudou e já não precisa da nossa resposta, fecharemos o ticket #${n}. Se mais tarde precisar, responda a qualquer um dos nossos e-mails.`,
    button: 'Sim, fechar o meu ticket',
    done: 'Ticket fechado',
    doneText: (n) => `Obrigado: fechámos o ticket #${n}. Enviámos-lhe um e-mail que o confirma.`,
    already: 'Ticket já tratado',
    alreadyText: (n) => `O ticket #${n} já está resolvido ou fechado: não há nada a fazer.`,
  },
  en: {
    ask: 'Is your question answered?',
    askText: (n) => `If the article helped and you no longer need our answer, we will close ticket #${n}. Should you need us later, reply to any of our emails.`,
    button: 'Yes, close my ticket',
    done: 'Ticket closed',
    doneText: (n) => `Thank you: ticket #${n} is closed. We have sent you an email confirming it.`,
    already: 'Ticket already handled',
    alreadyText: (n) => `Ticket #${n} is already solved or closed: there is nothing to do.`,
  },
};

async function ticketOf(app: App, request: FastifyRequest<{ Querystring: Query }>): Promise<Found | { why: string }> {
  const token = request.query.t;
  if (typeof token !== 'string' || token === '') return { why: 'no token' };
  const read = readSolvedToken(app.config.secretKey, token, app.now());
  if (!read.ok) return { why: read.reason };
  const row = sqlOf(app.db).get<{ id: number; number: number; status: string; email: string; locale: string | null; country: string | null }>(
    'SELECT t."id", t."number", t."status", c."email", c."locale", c."country" FROM "Ticket" t JOIN "Contact" c ON c."id" = t."requesterId" WHERE t."id" = ?',
    read.payload.t,
  );
  if (!row || !read.payload.requesterIs(row.email)) return { why: 'names no such ticket and requester' };
  return { ticketId: row.id, number: row.number, status: row.status, locale: pickLocale({ locale: row.locale, country: row.country }), token };
}

// The error page of this link, in its own words: the surveys' (which it showed) told a customer who wanted a
// ticket closed that "the time to answer this survey is over" and to write "if you do not want surveys".
const REFUSED: Record<Locale, { invalidTitle: string; invalidText: string; expiredTitle: string; expiredText: string; nothingChanged: string; contact: string }> = {
  es: {
    invalidTitle: 'Este enlace no es válido',
    invalidText: 'El enlace para cerrar el ticket está incompleto o fue modificado.',
    expiredTitle: 'Este enlace ha caducado',
    expiredText: 'El enlace para cerrar el ticket caducó.',
    nothingChanged: 'El ticket sigue como estaba.',
    contact: 'Si su consulta quedó resuelta, responda a nuestro correo y díganoslo, o escríbanos a',
  },
  pt: {
    invalidTitle: 'Esta ligação não é válida',
    invalidText: 'A ligação para fechar o ticket está incompleta ou foi alterada.',
    expiredTitle: 'Esta ligação expirou',
    expiredText: 'A ligação para fechar o ticket expirou.',
    nothingChanged: 'O ticket continua como estava.',
    contact: 'Se a sua dúvida ficou resolvida, responda ao nosso e-mail e diga-nos, ou escreva-nos para',
  },
  en: {
    invalidTitle: 'This link is not valid',
    invalidText: 'The link to close the ticket is incomplete or was changed.',
    expiredTitle: 'This link has expired',
    expiredText: 'The link to close the ticket has expired.',
    nothingChanged: 'The ticket is as it was.',
    contact: 'If your question is answered, reply to our email and tell us, or write to',
  },
};

function refuse(app: App, request: FastifyRequest, reply: FastifyReply, why: string): FastifyReply {
  app.log.warn({ reason: why, ip: request.ip }, 'knowledge-base solved link refused: nothing changed');
  const locale = localeFromAcceptLanguage(request.headers['accept-language']);
  const c = REFUSED[locale];
  const [heading, text] = why === 'expired' ? [c.expiredTitle, c.expiredText] : [c.invalidTitle, c.invalidText];
  return sendPage(reply, 400, renderPage('error', { locale, brand: app.config.supportName, heading, text, nothingStored: c.nothingChanged, contact: c.contact, support: app.config.supportAddress }));
}

function page(app: App, reply: FastifyReply, found: Found, state: 'ask' | 'done' | 'already'): FastifyReply {
  const c = COPY[found.locale];
  const [heading, text] = state === 'ask' ? [c.ask, c.askText(found.number)] : state === 'done' ? [c.done, c.doneText(found.number)] : [c.already, c.alreadyText(found.number)];
  return sendPage(reply, 200, renderPage('kb-solved', { locale: found.locale, brand: app.config.supportName, number: found.number, heading, text, button: state === 'ask' ? c.button : null, action: thisPageWith(found.token) }));
}

registerRoutes((server, app: App) => {
  server.get<{ Querystring: Query }>(SOLVED_PATH, async (request, reply) => {
    const found = await ticketOf(app, request);
    if ('why' in found) return refuse(app, request, reply, found.why);
    return page(app, reply, found, isUnresolved(found.status) ? 'ask' : 'already');
  });

  server.post<{ Querystring: Query }>(SOLVED_PATH, async (request, reply) => {
    const found = await ticketOf(app, request);
    if ('why' in found) return refuse(app, request, reply, found.why);
    const now = app.now();
    const closed = await inTransaction(app.db, async (tx) => {
      // Read in the transaction: an agent may have solved it, or a tick closed it, since the page was shown.
      const ticket = await loadTicketState(tx, { id: found.ticketId });
      if (!ticket || !isUnresolved(ticket.status)) return false;
      await applyChange(tx, app.lifecycle, ticket, {
        to: 'closed',
        now,
        actor: 'customer',
        event: 'closed_by_customer',
        detail: 'a knowledge-base article solved it (the link in the mail that opened the ticket)',
        notice: { notice: 'closed', idempotencyKey: `kb_solved:${ticket.id}`, autoSubmitted: 'auto-generated' },
      });
      return true;
    });
    if (closed) app.log.info({ ticket: found.number }, 'ticket closed by its customer: a knowledge-base article solved it');
    return page(app, reply, found, closed ? 'done' : 'already');
  });
});
