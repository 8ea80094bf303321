import type { BulletinConfig } from '../../config.js';
import { parseBulletinCommand } from '../../bulletins/mail-commands.js';
import { decodeList, SERVED_COUNTRIES } from '../../bulletins/countries.js';
import { readUnsubscribeToken, subscriberOfMessageId } from '../../bulletins/links.js';
import { asksSomething, looksLikeReply, writtenSubject } from '../../bulletins/reader-asks.js';
import { requestSubscription, unsubscribeByToken, type SubscriptionDeps } from '../../bulletins/subscription.js';
import { countryFromAddress, guessLanguage } from '../../domain/language.js';
import { aboveSignature } from '../../domain/signature-block.js';
import type { Tx } from '../../store/database.js';
import type { InboundOutcome } from '../../store/inbound-log-repo.js';
import { unsubscribe } from '../../store/subscriber-repo.js';
import type { InboundMail } from '../parse.js';
import { hasAwayNote } from '../classify/vacation.js';
import { fromAnotherHelpdesk, spamVerdict, throughMailingList } from './automatic.js';

export interface BulletinMailSettings extends SubscriptionDeps {
  config: BulletinConfig;
}

/**
 * Why a mail to the bulletin address is no reader's own, or null: machine-written (`automatic`), marked as spam
 * (its From most likely forged), a mailing list's copy, another helpdesk's receipt (X-Loop, Zendesk's headers:
 * "Hemos recibido su solicitud", one per bulletin otherwise), or an away note an inbox rule sent without any mark
 * (Exchange's X-MS-Exchange-Inbox-Rules-Loop, "Estoy fuera de la oficina hasta el 5 de enero"). Not Outlook's
 * X-Auto-Response-Suppress: it writes that on people's mail too, and their "BAJA" or question counts. Away-note
 * wording alone drops only a mail that asks nothing: "Estaré fuera la próxima semana: ¿el aviso se presenta antes
 * del 31?" is a reader's question.
 */
function notTheReaders(mail: InboundMail, automatic: boolean, visibleText: string, written: string, sender: { name: string | null; address: string }): string | null {
  if (automatic) return 'machine-written';
  return spamVerdict(mail) ?? throughMailingList(mail) ?? fromAnotherHelpdesk(mail) ?? (hasAwayNote(visibleText) && !asksSomething(written, sender) ? 'an away note' : null);
}

/** How many of the latest bulletins' titles a reply's subject is compared with: older ones are rarely answered. */
const TITLES_COMPARED = 200;

/**
 * The titles of the bulletins sent lately, in every language they were written in. Read in SQL (json_each on
 * `variants`): parsing every language's markdown in JavaScript cost 450 ms a mail with 500 bulletins sent.
 */
async function bulletinTitles(tx: Tx): Promise<string[]> {
  const rows = await tx.$queryRaw<{ t: string | null }[]>`
    WITH latest AS (SELECT title, variants FROM Bulletin WHERE status IN ('sending', 'sent') ORDER BY sendAt DESC LIMIT ${TITLES_COMPARED})
    SELECT title AS t FROM latest
    UNION SELECT CASE WHEN v.type = 'object' THEN json_extract(v.value, '$.title') END AS t FROM latest, json_each(CASE WHEN json_valid(latest.variants) THEN latest.variants ELSE '{}' END) AS v`;
  return rows.flatMap((r) => (typeof r.t === 'string' ? [r.t] : []));
}

/** Lines a reader's own signature holds are looked for this far down what they wrote. */
const SIGNATURE_SEARCH_CHARS = 2_000;

const NOTHING_ASKED = 'to the bulletin address, no command and nothing asked: ignored';

type Recorded = { outcome: InboundOutcome; ticketNumber: null; detail: string };

/**
 * A command to the bulletin address (BULLETIN_ADDRESS) is never a ticket: "SUSCRIBIR MX AR" / "SUBSCRIBE" asks
 * for a subscription (a confirmation link is mailed: double opt-in), "BAJA" / "UNSUBSCRIBE" (a reply to a
 * bulletin, or List-Unsubscribe's mailto with its token) unsubscribes at once. Null: not to that address, or no
 * command but a request to the desk (a reader's question), which goes on as any mail.
 */
export async function screenBulletinMail(
  tx: Tx,
  settings: BulletinMailSettings | undefined,
  input: {
    mail: InboundMail;
    sender: { address: string; name: string | null };
    visibleText: string;
    trusted: boolean;
    automatic: boolean;
    /** The mail names the support address too, in To or Cc. */
    toSupport: boolean;
    dedupKey: string;
    now: Date;
  },
): Promise<Recorded | null> {
  if (!settings || !input.mail.recipients.includes(settings.config.address)) return null;
  const done = (outcome: InboundOutcome, detail: string): Recorded => ({ outcome, ticketNumber: null, detail });
  // List-Unsubscribe's mailto ("unsubscribe <token>" as the subject) may be sent by a machine, a mail client's or an
  // unsubscribe service's, marked Auto-Submitted or Precedence: bulk: its signed token alone names the subscriber.
  const mailto = parseBulletinCommand(input.mail.subject, '');
  const fromMailto = mailto?.kind === 'unsubscribe' && mailto.token !== null && readUnsubscribeToken(settings.links.secret, mailto.token, input.now) !== null;
  const inReplyTo = input.mail.inReplyTo !== null || input.mail.references.length > 0;
  const command = parseBulletinCommand(input.mail.subject, input.visibleText, { inReplyTo });
  // Written to the desk as well ("To: soporte@, boletin@", a question about a bulletin with the desk added): a request
  // for support, as it would be without the bulletin address, unless it is a command a trusted person gave.
  // What the reader wrote, above their own signature ("Ana Pérez / ¿Sabías que puedes facturar en línea?").
  const written = aboveSignature(input.visibleText, input.sender, SIGNATURE_SEARCH_CHARS);
  const notReaders = fromMailto ? null : notTheReaders(input.mail, input.automatic, input.visibleText, written, input.sender);
  if (input.toSupport && (!command || notReaders || !input.trusted)) return null;
  if (notReaders) return done('auto_reply', `to the bulletin address: ${notReaders}, ignored`);
  if (!input.trusted) return done('rejected', 'to the bulletin address from a sender that failed authentication: ignored');
  if (!command) {
    // A bulletin goes to thousands: a reply is for a person (a ticket, screened as any new mail) only when the
    // reader asks or requests something, in what they wrote (not the quoted bulletin) or in the subject (not the
    // bulletin's title). Thanks, an acknowledgement, a courtesy or nothing written is left in the log.
    // The titles are read only when they could matter: nothing asked in the body, a subject that asks, a reply.
    if (asksSomething(written, input.sender)) return null;
    const reply = inReplyTo || looksLikeReply(input.mail.subject);
    if (!asksSomething(writtenSubject(input.mail.subject, [], { reply }))) return done('bulletin_command', NOTHING_ASKED);
    if (reply && !asksSomething(writtenSubject(input.mail.subject, await bulletinTitles(tx), { reply }))) return done('bulletin_command', NOTHING_ASKED);
    return null;
  }
  if (command.kind === 'unsubscribe') {
    const payload = command.token ? readUnsubscribeToken(settings.links.secret, command.token, input.now) : null;
    if (payload) {
      const { subscriber, changed } = await unsubscribeByToken(tx, payload, 'mail', input.now);
      return done('bulletin_command', `unsubscribe (List-Unsubscribe mailto): ${subscriber?.email ?? `subscriber ${payload.s}`} ${changed ? 'unsubscribed' : 'was not subscribed'}`);
    }
    const changed = await unsubscribe(tx, { email: input.sender.address }, 'mail', input.now);
    // A sender who is not subscribed may answer a bulletin that reached them through an alias or a forward:
    // the bulletin's signed Message-ID, in In-Reply-To or References, names whom it went to.
    const replied = changed ? null : repliedSubscriber(settings.links.secret, input.mail);
    if (replied !== null) {
      const { subscriber, changed: left } = await unsubscribeByToken(tx, { s: replied }, 'mail', input.now);
      return done('bulletin_command', `unsubscribe (reply to a bulletin): ${subscriber?.email ?? `subscriber ${replied}`} ${left ? 'unsubscribed' : 'was not subscribed'}`);
    }
    return done('bulletin_command', `unsubscribe: ${input.sender.address} ${changed ? 'unsubscribed' : 'was not subscribed'}`);
  }
  // No country named: the one of the address's domain (.mx -> MX), else every country served. Words not
  // understood do not leave the request unanswered: the confirmation names what was understood, what was
  // not, and how to name countries.
  const guessed = countryFromAddress(input.sender.address);
  const countries = command.countries.length ? command.countries : guessed ? [guessed] : [...SERVED_COUNTRIES].sort();
  const result = await requestSubscription(tx, settings, {
    email: input.sender.address,
    name: input.sender.name,
    locale: guessLanguage(input.visibleText),
    countries,
    hint: { guessed: command.countries.length === 0, unknown: command.unknown },
    idempotencyKey: `bulletin_confirm:${input.dedupKey}`,
    inReplyTo: input.mail.messageId,
    now: input.now,
  });
  const notUnderstood = command.unknown.length ? ` (not a country served: ${command.unknown.join(', ')})` : '';
  const confirming = result.reply === 'confirmation';
  const outcome = result.queued ? (confirming ? 'confirmation link sent' : 'already subscribed, told so') : `no ${confirming ? 'confirmation' : 'reply'} sent (${result.why})`;
  // A reader we know naming no country is answered about the countries she follows or asked, not the guess for a new reader.
  const named = command.countries.length === 0 && result.subscriber.status !== 'unsubscribed' ? decodeList(result.subscriber.countries) : countries;
  return done('bulletin_command', `subscribe ${named.join(' ')}${notUnderstood}: ${outcome}`);
}

/** The subscriber whose bulletin a mail answers: the newest of our bulletin Message-IDs it refers to. */
function repliedSubscriber(secret: string, mail: InboundMail): number | null {
  for (const id of [mail.inReplyTo, ...mail.references.toReversed()]) {
    const subscriber = id ? subscriberOfMessageId(secret, id) : null;
    if (subscriber !== null) return subscriber;
  }
  return null;
}
