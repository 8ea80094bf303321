import type { BulletinConfig } from '../../config.js';
import { parseBulletinCommand } from '../../bulletins/mail-commands.js';
import { SERVED_COUNTRIES } from '../../bulletins/countries.js';
import { readUnsubscribeToken, subscriberOfMessageId } from '../../bulletins/links.js';
import { requestSubscription, unsubscribeByToken, type SubscriptionDeps } from '../../bulletins/subscription.js';
import { countryFromAddress, guessLanguage } from '../../domain/language.js';
import { isOnlyCourtesy, isOnlyThanks } from '../../domain/thanks.js';
import type { Tx } from '../../store/database.js';
import type { InboundOutcome } from '../../store/inbound-log-repo.js';
import { unsubscribe } from '../../store/subscriber-repo.js';
import type { InboundMail } from '../parse.js';
import { spamVerdict } from './automatic.js';

export interface BulletinMailSettings extends SubscriptionDeps {
  config: BulletinConfig;
}

/** What a reader thanks a bulletin for ("Gracias por la información", "Obrigado pelo boletim", "Thanks for the update"). */
const THE_BULLETIN = /(?<!\p{L})(?:informaci[oó]n|info|informa[cç][aã]o|information|bolet[ií]n|boletim|bulletin|newsletter|noticias?|not[ií]cias?|news|avisos?|actualizaci[oó]n|atualiza[cç][aã]o|update)(?!\p{L})/giu;

/** How a reader acknowledges a bulletin: "Enterado", "Recibido", "De acuerdo", "Recebido", "Ciente", "Noted". */
const ACKNOWLEDGED = /(?<!\p{L})(?:enterad[oa]s?|recibid[oa]s?|de acuerdo|recebid[oa]s?|ciente|noted|received)(?!\p{L})/giu;

/** A reply to a bulletin that asks nothing: thanks, an acknowledgement, courtesy, an emoji, or nothing written. */
function nothingToAnswer(visibleText: string, sender: { name: string | null; address: string }): boolean {
  const rest = visibleText.replace(THE_BULLETIN, ' ').replace(ACKNOWLEDGED, ' ');
  return !/[\p{L}\p{N}]/u.test(rest) || isOnlyThanks(rest, sender) || isOnlyCourtesy(rest, sender);
}

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
  // A machine's mail, or one the spam filter marked (its From most likely forged: a confirmation would go to an
  // innocent address). Not a person's mail that only asks for no automatic answer: Outlook writes
  // X-Auto-Response-Suppress on people's mail too, and the reader's "BAJA" was ignored, the bulletins still sent.
  const machine = (input.automatic || spamVerdict(input.mail) !== null) && !fromMailto;
  if (input.toSupport && (!command || machine || !input.trusted)) return null;
  if (machine) return done('auto_reply', 'to the bulletin address: machine-written, ignored');
  if (!input.trusted) return done('rejected', 'to the bulletin address from a sender that failed authentication: ignored');
  if (!command) {
    // A reader's question ("¿Esto aplica a personas físicas?", a reply to a bulletin) is for a person: a request to
    // the desk, as with the support address in copy. It was recorded and ignored, the reader left waiting. Only
    // thanks, or nothing written, is left in the log.
    if (nothingToAnswer(input.visibleText, input.sender)) return done('bulletin_command', 'to the bulletin address, only thanks, courtesy or nothing written: ignored');
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
  return done('bulletin_command', `subscribe ${countries.join(' ')}${notUnderstood}: ${result.queued ? 'confirmation link sent' : `no confirmation sent (${result.why})`}`);
}

/** The subscriber whose bulletin a mail answers: the newest of our bulletin Message-IDs it refers to. */
function repliedSubscriber(secret: string, mail: InboundMail): number | null {
  for (const id of [mail.inReplyTo, ...mail.references.toReversed()]) {
    const subscriber = id ? subscriberOfMessageId(secret, id) : null;
    if (subscriber !== null) return subscriber;
  }
  return null;
}
