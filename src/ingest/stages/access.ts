// Who may open tickets (UNKNOWN_SENDER_POLICY) and the commands administrators send by mail. Runs in the
// mail's transaction, after threading: a mail that continues a ticket is never screened here.
//
//   accept  everyone may open tickets (an open mailbox; the default)
//   hold    a sender not authorised gets a ticket held for authorisation (no acknowledgement, no SLA) and
//           the administrator of the organisation owning the sender's domain is asked to authorise them
//   reject  a sender not authorised gets no ticket, and a polite answer on how to get access
//
// Authorised: contacts with authorised=true and administrators, unless the From address failed
// authentication (stages/authenticity.ts), which also refuses an administrator's commands.

import { domainOf } from '../../domain/thread-refs.js';
import { authoriseContact, isEmailAddress, revokeContact } from '../../lifecycle/access-actions.js';
import { accessRecipient as recipient, enqueueAccessMail } from '../../outbound/access-mails.js';
import type { AccessRefusal, AccessTemplateContext } from '../../outbound/templates.js';
import { ACCESS_REQUEST_OWED, ACCESS_REQUESTED, accessContact, ADMIN_ROLE, loggedWithOutcome, organisationOf, oweAccessRequest, type AccessContact, type AccessOrganisation } from '../../store/access-repo.js';
import { addTicketEvent, ticketByNumber } from '../../store/tickets-repo.js';
import type { Tx } from '../../store/database.js';
import type { InboundOutcome } from '../../store/inbound-log-repo.js';
import type { InboundMail } from '../parse.js';
import type { PipelineDeps } from '../pipeline.js';
import type { SenderAuthenticity } from './authenticity.js';
import type { ResolvedThread } from './thread.js';
import { startsHeaderBlock } from '../visible-text/reply-headers.js';
import { refusalsCapped } from './refusal-cap.js';

export type UnknownSenderPolicy = 'accept' | 'hold' | 'reject';

export interface AccessSettings {
  unknownSenderPolicy: UnknownSenderPolicy;
  /** Lower case; see stages/authenticity.ts. */
  trustedAuthservIds: string[];
  /** FORM_SENDERS, lower case: see stages/web-form.ts. */
  formSenders: string[];
  /** REFUSAL_LIMIT: refusals to all senders together per AUTO_MAIL_WINDOW_MINUTES (stages/refusal-cap.ts); absent: none. */
  refusalLimit?: number;
}

export const DEFAULT_ACCESS: AccessSettings = { unknownSenderPolicy: 'accept', trustedAuthservIds: [], formSenders: [] };

/** One refusal to the same sender per day, whatever they send. */
export const ACCESS_DENIED_INTERVAL_MS = 24 * 60 * 60 * 1000;

// ---- Administrators' commands (pure) ----

export interface AdminCommand {
  action: 'authorise' | 'revoke';
  /** Lower case; null when the word after the keyword is not a valid address. */
  email: string | null;
  /** As written, for the confirmation of an invalid one. */
  written: string;
}

const KEYWORDS: Record<string, AdminCommand['action']> = {
  autorizar: 'authorise',
  authorize: 'authorise',
  authorise: 'authorise',
  revocar: 'revoke',
  revogar: 'revoke',
  revoke: 'revoke',
};
/** Where a forwarded mail starts: Gmail's, Apple Mail's, Thunderbird's and Outlook's markers, in es/pt/en. */
const FORWARD_MARKER =
  /^[ \t]*(?:-{2,}[ \t]*(?:forwarded message|mensaje reenviado|mensagem encaminhada|mensagem reencaminhada|original message|mensaje original|mensagem original)[ \t]*-{2,}|(?:begin forwarded message|inicio del mensaje reenviado|in[íi]cio da mensagem reencaminhada)[ \t]*:)/im;

const COMMAND_WORD = /auth?ori[zs]|revo[cgk]/i;
const COMMAND_LINE = /^[ \t]*(autorizar|authori[sz]e|revocar|revogar|revoke)[ \t]*:?[ \t]+(.+?)[ \t]*$/i;

/**
 * "AUTORIZAR ana@empresa.mx" / "REVOCAR ana@empresa.mx" lines (also AUTHORIZE, REVOKE, REVOGAR; several
 * addresses per line allowed). A line counts only when all that follows the keyword is addresses: a
 * sentence that starts with "Autorizar" is not a command. Quoted lines ("> AUTORIZAR ...") never count, nor do
 * lines of a forwarded mail: an administrator forwarding our access request to ask about it is not authorising.
 */
export function parseAdminCommands(visibleText: string): AdminCommand[] {
  // Every reply to a ticket is asked (stages below): most have no command word at all, and need no line split.
  if (!COMMAND_WORD.test(visibleText)) return [];
  const commands: AdminCommand[] = [];
  const lines = visibleText.split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    // A forward is kept in the visible text: its marker line, or (Outlook) only the header block it starts with.
    if (FORWARD_MARKER.test(line) || startsHeaderBlock(lines, i)) break;
    const match = COMMAND_LINE.exec(line);
    if (!match) continue;
    const action = KEYWORDS[(match[1] as string).toLowerCase()] as AdminCommand['action'];
    // Mail clients turn addresses into links: "ana@x.mx<mailto:ana@x.mx>", "ana@x.mx [mailto:ana@x.mx]".
    const rest = (match[2] as string).replace(/[<[(]mailto:[^>\])]*[>\])]/gi, ' ').replace(/mailto:/gi, '');
    const tokens = rest.split(/[\s,;]+/).map((t) => t.replace(/^[<"'(]+|[>"').]+$/g, '')).filter(Boolean);
    if (tokens.length === 0 || !tokens.every((t) => t.includes('@'))) continue;
    for (const token of tokens) {
      const email = token.toLowerCase();
      commands.push({ action, email: isEmailAddress(email) ? email : null, written: token });
    }
  }
  return commands;
}

// ---- Screening ----

export interface AccessInput {
  mail: InboundMail;
  sender: { address: string; name: string | null };
  thread: ResolvedThread;
  visibleText: string;
  authenticity: SenderAuthenticity;
  /** Machine-written mail (RFC 3834): never answered by us, and no administrator's commands in it. */
  automatic: boolean;
  /** A person's mail that asks for no automatic answer (X-Auto-Response-Suppress, a mailing list). */
  noAutoReply?: boolean;
  /** The spam filter's verdict (stages/automatic.ts spamVerdict), when it says spam. */
  spam?: string | null;
  dedupKey: string;
  now: Date;
}

export type AccessDecision =
  | { kind: 'done'; recorded: { outcome: InboundOutcome; ticketNumber: null; detail: string | null } }
  | { kind: 'proceed'; hold: false; note: string | null }
  | { kind: 'proceed'; hold: true | 'forged'; note: string; afterHold: (ticketNumber: number) => Promise<string | null> };

export function accessSettings(deps: Pick<PipelineDeps, 'access'>): AccessSettings {
  return deps.access ?? DEFAULT_ACCESS;
}

/** Decides whether the mail may go on to open a ticket (maybe held), or is done here (a command, a refusal). */
export async function screenAccess(tx: Tx, deps: PipelineDeps, input: AccessInput): Promise<AccessDecision> {
  const forged = input.authenticity.trusted ? null : `the From address failed authentication (${input.authenticity.reason})`;
  // A mail to an open ticket joins it (its people take part already); one to a closed ticket opens a follow-up,
  // a new ticket, which its sender may open only as they may open any other. Command lines are looked at in
  // either case: an administrator may well answer about a held ticket with its [#n] in the subject.
  const joins = input.thread.kind === 'existing' && input.thread.ticket?.status !== 'closed';
  const commands = input.automatic ? [] : parseAdminCommands(input.visibleText);
  if (joins && commands.length === 0) return { kind: 'proceed', hold: false, note: forged };
  const settings = accessSettings(deps);
  const done = (outcome: InboundOutcome, detail: string | null): AccessDecision => ({ kind: 'done', recorded: { outcome, ticketNumber: null, detail } });
  // A command or a refusal leaves no message behind: its log row is how a second delivery is recognised.
  if (await loggedWithOutcome(tx, input.dedupKey, ['admin_command', 'rejected'])) return done('duplicate', null);
  const contact = await accessContact(tx, input.sender.address);
  if (!contact) throw new Error(`no contact for ${input.sender.address}`);
  const isAdmin = contact.role === ADMIN_ROLE;
  const trusted = input.authenticity.trusted;

  if (isAdmin && commands.length > 0) {
    // Commands change who gets service: when a trusted server reported on the mail, they need its evidence for
    // the From address's own domain, not merely no proof of forgery (stages/authenticity.ts).
    const unproven = input.authenticity.checked && input.authenticity.verdict !== 'pass' ? `nothing ties the mail to ${domainOf(input.sender.address)} (${input.authenticity.reason})` : null;
    if (!trusted || unproven) {
      const detail = `administrator commands refused: ${forged ?? unproven}`;
      deps.log.warn({ from: input.sender.address, authenticity: input.authenticity.reason }, 'forged administrator command refused');
      return done('rejected', detail);
    }
    return done('admin_command', await runAdminCommands(tx, deps, contact, commands, input));
  }
  if (joins) return { kind: 'proceed', hold: false, note: forged };

  const authorised = settings.unknownSenderPolicy === 'accept' || (trusted && (contact.authorised || isAdmin));
  if (authorised) return { kind: 'proceed', hold: false, note: forged };
  // A From not believed is no sender's to authorise: "not authorised" sent the desk to authorise an authorised customer.
  const why = forged ? `From not believed: ${forged}` : 'sender not authorised';

  const organisation = await organisationOf(tx, contact);
  if (settings.unknownSenderPolicy === 'hold' && organisation && organisation.admins.length > 0) {
    return {
      kind: 'proceed',
      hold: forged ? 'forged' : true,
      note: `${why}: held for authorisation`,
      afterHold: (ticketNumber) => askAdministrators(tx, deps, organisation, contact, input, ticketNumber),
    };
  }
  const policy = settings.unknownSenderPolicy === 'hold' ? `hold, but ${organisation ? `${organisation.name} has no administrator` : 'no known organisation'}` : 'reject';
  if (!trusted || input.automatic || input.noAutoReply) return done('rejected', `${why} (${policy}); no answer sent`);
  const capped = await refusalsCapped(tx, deps, settings.refusalLimit, input.now);
  if (capped) return done('rejected', `${why} (${policy}); no answer sent (${capped})`);
  const sent = await enqueueAccessMail(tx, deps.lifecycle.notices, {
    template: 'access_denied',
    to: [recipient(contact)],
    idempotencyKey: `access_denied:${input.dedupKey}`,
    autoSubmitted: 'auto-replied',
    now: input.now,
    inReplyTo: input.mail.messageId,
    context: { subject: input.mail.subject },
    oncePerMs: ACCESS_DENIED_INTERVAL_MS,
  });
  return done('rejected', `${why} (${policy}); ${sent.queued ? 'access_denied sent' : `no answer sent (${sent.why})`}`);
}

async function askAdministrators(tx: Tx, deps: PipelineDeps, org: AccessOrganisation, contact: AccessContact, input: AccessInput, ticketNumber: number): Promise<string | null> {
  // A forged From: asking the administrator about someone who did not write would mislead them.
  if (!input.authenticity.trusted) return 'administrator not asked (From not authenticated)';
  // Spam: its From is most likely forged too, and the administrators would be asked about someone who did not write.
  if (input.spam) return `administrator not asked (marked as spam: ${input.spam})`;
  const day = input.now.toISOString().slice(0, 10);
  const notices = deps.lifecycle.notices;
  const sent = await enqueueAccessMail(tx, notices, {
    template: 'access_request',
    to: org.admins.map(recipient),
    // One request per person per day, however many mails they send meanwhile.
    idempotencyKey: `access_request:${contact.id}:${day}`,
    autoSubmitted: 'auto-generated',
    now: input.now,
    context: { organisation: org.name, domains: org.domains.join(', '), requester: { email: contact.email, name: contact.name ?? input.sender.name }, ticketNumber, subject: input.mail.subject },
    // One request to the administrators per AUTO_MAIL_WINDOW_MINUTES: the senders who write meanwhile wait for the
    // next, which lists them all. A mail each used up the administrators' AUTO_MAIL_LIMIT (a flood of unknown
    // senders left their own mail unanswered), and the senders past it were never asked about at all.
    oncePerMs: notices.automaticCap.windowMs,
  });
  const owed = !sent.queued && (sent.why === 'recently_sent' || sent.why === 'capped');
  const ticketId = (await ticketByNumber(tx, ticketNumber))?.id as number;
  if (sent.queued || owed) await addTicketEvent(tx, { ticketId, type: owed ? ACCESS_REQUEST_OWED : ACCESS_REQUESTED, actor: 'system', detail: org.name, at: input.now });
  if (owed) oweAccessRequest(tx, ticketId, input.now);
  if (sent.queued) return `access_request sent to ${sent.to.join(', ')}`;
  return owed ? `access_request owed (${sent.why}): listed in the next one to ${org.name}'s administrators` : `access_request not sent (${sent.why})`;
}

async function runAdminCommands(tx: Tx, deps: PipelineDeps, admin: AccessContact, commands: AdminCommand[], input: AccessInput): Promise<string> {
  const org = await organisationOf(tx, admin);
  const domains = org?.domains ?? [];
  const done: NonNullable<AccessTemplateContext['done']> = [];
  const refused: NonNullable<AccessTemplateContext['refused']> = [];
  const refuse = (c: AdminCommand, reason: AccessRefusal) => refused.push({ action: c.action, email: c.email ?? c.written, reason });
  const seen = new Set<string>();
  for (const command of commands) {
    const key = `${command.action}:${command.email ?? command.written}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (command.email === null) refuse(command, 'invalid_address');
    else if (!domains.includes(domainOf(command.email))) refuse(command, 'other_domain');
    else if (command.action === 'authorise') {
      const r = await authoriseContact(tx, deps.lifecycle, { email: command.email, actor: admin.email, now: input.now });
      done.push({ action: 'authorise', email: r.email, ...(r.already ? { already: true } : {}), ...(r.released.length ? { released: r.released.map((n) => `#${n}`).join(', ') } : {}) });
    } else if ((await accessContact(tx, command.email))?.role === ADMIN_ROLE) refuse(command, 'administrator');
    else {
      const r = await revokeContact(tx, { email: command.email, actor: admin.email, now: input.now });
      done.push({ action: 'revoke', email: r.email, ...(r.already ? { already: true } : {}) });
    }
  }
  const sent = await enqueueAccessMail(tx, deps.lifecycle.notices, {
    template: 'access_confirmation',
    to: [recipient(admin)],
    idempotencyKey: `access_confirmation:${input.dedupKey}`,
    autoSubmitted: 'auto-replied',
    now: input.now,
    inReplyTo: input.mail.messageId,
    context: { organisation: org?.name ?? admin.email, domains: domains.join(', '), done, refused },
  });
  const summary = [
    ...done.map((d) => `${d.action === 'authorise' ? 'authorised' : 'revoked'} ${d.email}${d.already ? ' (no change)' : ''}${d.released ? ` released ${d.released}` : ''}`),
    ...refused.map((r) => `refused ${r.action} ${r.email} (${r.reason})`),
  ];
  return `${summary.join('; ')}; ${sent.queued ? 'access_confirmation sent' : `no confirmation sent (${sent.why})`}`;
}
