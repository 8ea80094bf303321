// Who may open tickets: organisations with their domains and administrator, and the contacts the
// administrator authorises or revokes (DOMAIN.md "Company administrators", PRIMER ACCESO). Used by the CLI
// and by administrators' commands by mail; everything runs in the caller's transaction.

import { isFreeMailDomain } from '../domain/free-mail.js';
import { domainOf } from '../domain/thread-refs.js';
import { ErrorCode, VentanillaError } from '../errors.js';
import {
  ADMIN_ROLE,
  createOrganisation,
  domainOwners,
  findOrCreateContact,
  heldTicketsOf,
  linkContactsOfDomains,
  organisationOf,
  organisationSettings,
  accessContact,
  setAuthorisation,
  setHeld,
} from '../store/access-repo.js';
import type { Tx } from '../store/database.js';
import { addTicketEvent } from '../store/tickets-repo.js';
import { runningTicketsOfOrganisation } from '../store/lifecycle-repo.js';
import { settleJoinedFollowUp } from './held-follow-up-join.js';
import { owedAtRelease } from './held-too-large.js';
import { retimeSla, startTicket, type LifecycleDeps } from './transitions.js';

const ADDRESS = /^[^\s@<>()",;:]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;
const DOMAIN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;
export const SLA_PLANS = ['standard', 'prime'] as const;

export function isEmailAddress(value: string): boolean {
  return value.length <= 254 && ADDRESS.test(value);
}

/** A command's argument that should be an address: a typo is bad input, not "no such contact" (exit 1, not 3). */
export function refuseNonAddress(value: string): void {
  if (!isEmailAddress(value.trim().toLowerCase())) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `"${value}" is not an email address`);
}

function address(value: string): string {
  refuseNonAddress(value);
  return value.trim().toLowerCase();
}

/**
 * The sender is authorised now: its tickets held for that (UNKNOWN_SENDER_POLICY=hold) start like any new
 * ticket: the SLA clock runs from now and the customer gets the acknowledgement.
 */
export async function releaseHeldTickets(tx: Tx, deps: LifecycleDeps, contactId: number, actor: string, now: Date): Promise<number[]> {
  const held = await heldTicketsOf(tx, contactId);
  for (const ticket of held) {
    await setHeld(tx, ticket.id, false);
    await addTicketEvent(tx, { ticketId: ticket.id, type: 'released', actor, detail: 'the sender was authorised', at: now });
    // One that joined a colleague's follow-up of the same closed ticket gives it its mail: no second follow-up.
    if (ticket.status !== 'closed' && (await settleJoinedFollowUp(tx, ticket, actor, now))) continue;
    // An agent may have answered it meanwhile: then it has its clock and its mail already.
    // A follow-up gets the mail a follow-up gets when it is not held (it names the closed ticket).
    const usual = ticket.followUpOfId === null ? { notice: 'acknowledgement' as const, idempotencyKey: `ack:${ticket.id}` } : { notice: 'follow_up_created' as const, idempotencyKey: `follow_up:${ticket.id}` };
    // A too-large mail gets the too_large notice it was owed (or nothing: spam, a machine's), not an acknowledgement.
    const owed = ticket.status === 'new' ? await owedAtRelease(tx, ticket.id) : null;
    const notice = owed === 'nothing' ? null : (owed ?? usual);
    if (ticket.status === 'new') await startTicket(tx, deps, ticket.id, now, notice);
  }
  return held.map((t) => t.number);
}

export interface AuthoriseResult {
  email: string;
  created: boolean;
  /** Nothing changed: already authorised (or administrator). */
  already: boolean;
  released: number[];
}

/** Authorises a contact (creating it when it never wrote), optionally as its organisation's administrator. */
export async function authoriseContact(
  tx: Tx,
  deps: LifecycleDeps,
  input: { email: string; actor: string; now: Date; admin?: boolean },
): Promise<AuthoriseResult> {
  const email = address(input.email);
  const { contact, created } = await findOrCreateContact(tx, email);
  const isAdmin = contact.role === ADMIN_ROLE;
  let organisationId: number | undefined;
  if (input.admin && !isAdmin) {
    const org = await organisationOf(tx, contact);
    if (!org) {
      throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `No organisation owns the domain ${domainOf(email)}; add it first: ventanilla organisations add <name> --domain ${domainOf(email)}`);
    }
    organisationId = org.id;
  }
  const already = input.admin ? isAdmin : contact.authorised || isAdmin;
  if (!already) {
    await setAuthorisation(tx, contact.id, { authorised: true, by: input.actor, at: input.now, ...(input.admin ? { role: ADMIN_ROLE, organisationId } : {}) });
  }
  const released = await releaseHeldTickets(tx, deps, contact.id, input.actor, input.now);
  return { email, created, already, released };
}

export interface RevokeResult {
  email: string;
  /** Nothing changed: unknown, or not authorised. */
  already: boolean;
  /** No contact has the address (the CLI says so: a typo revokes nobody). */
  unknown?: boolean;
  /** The contact was an administrator (and is one no more). */
  wasAdmin: boolean;
}

/** Withdraws a contact's authorisation (an administrator also stops being one). */
export async function revokeContact(tx: Tx, input: { email: string; actor: string; now: Date }): Promise<RevokeResult> {
  const email = address(input.email);
  const contact = await accessContact(tx, email);
  if (!contact) return { email, already: true, unknown: true, wasAdmin: false };
  const wasAdmin = contact.role === ADMIN_ROLE;
  if (!contact.authorised && !wasAdmin) return { email, already: true, wasAdmin };
  await setAuthorisation(tx, contact.id, { authorised: false, by: input.actor, at: input.now, ...(wasAdmin ? { role: 'customer' } : {}) });
  return { email, already: false, wasAdmin };
}

export interface NewOrganisation {
  name: string;
  domains: string[];
  country?: string | null;
  plan?: string;
  admin?: string | null;
  /** Takes a free mail provider's domain all the same (the operator insists). */
  allowFreeMail?: boolean;
  actor: string;
  now: Date;
}

/**
 * A customer company: its email domains, SLA plan, and (optionally) its administrator contact. One of that name with
 * the same values is left as it is (`unchanged`: a setup script run again); with other values it is refused.
 */
export async function addOrganisation(tx: Tx, deps: LifecycleDeps, input: NewOrganisation): Promise<{ id: number; linked: number; admin: AuthoriseResult | null; unchanged: boolean }> {
  const name = input.name.trim();
  if (!name) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, 'The organisation needs a name');
  const domains = [...new Set(input.domains.map((d) => d.trim().toLowerCase().replace(/^@/, '')))];
  if (domains.length === 0) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, 'Give the organisation at least one email domain: --domain empresa.mx');
  const bad = domains.filter((d) => !DOMAIN.test(d));
  if (bad.length) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `Not a domain name: ${bad.join(', ')}`);
  // Every user of such a provider would be the company's colleague: able to join its tickets by their "[#n]".
  const free = input.allowFreeMail ? [] : domains.filter(isFreeMailDomain);
  if (free.length) {
    throw new VentanillaError(
      ErrorCode.INPUT_UNREADABLE,
      `${free.join(', ')} is a free mail provider's domain: every one of its users would count as the organisation's colleague, able to join its tickets. Leave it out (authorise the company's people who write from it one by one: contacts authorise) or, if the company owns it, add --allow-free-mail-domain`,
    );
  }
  const plan = input.plan ?? 'standard';
  if (!(SLA_PLANS as readonly string[]).includes(plan)) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `--plan must be one of ${SLA_PLANS.join(', ')} (got "${plan}")`);
  const country = input.country?.trim().toUpperCase() || null;
  if (country !== null && !isCountryCode(country)) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `--country must be an ISO 3166 code such as MX (got "${input.country}")`);
  const admin = input.admin ? address(input.admin) : null;
  if (admin && !domains.includes(domainOf(admin))) {
    throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `The administrator ${admin} must have an address in one of the organisation's domains (${domains.join(', ')})`);
  }
  const existing = await organisationSettings(tx, name);
  if (existing) {
    const other = otherValues(existing, { domains, country, plan, admin });
    if (other.length) {
      throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `An organisation named "${name}" already exists with other values: ${other.join(', ')}; nothing changed (see \`ventanilla organisations list\`; an administrator is made with \`contacts authorise --admin\`)`);
    }
    return { id: existing.id, linked: 0, admin: null, unchanged: true };
  }
  const taken = await domainOwners(tx, domains);
  if (taken.length) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `Domain already belongs to another organisation: ${taken.map((t) => `${t.domain} (${t.organisation})`).join(', ')}`);
  const id = await createOrganisation(tx, { name, country, slaPlan: plan, domains, at: input.now });
  const linked = await linkContactsOfDomains(tx, id, domains);
  // The linked contacts' running tickets were timed on the standard plan: from now on they keep to this one.
  if (linked > 0 && plan !== 'standard') await retimeSla(tx, deps, await runningTicketsOfOrganisation(tx, id), input.now);
  const adminResult = admin ? await authoriseContact(tx, deps, { email: admin, actor: input.actor, now: input.now, admin: true }) : null;
  return { id, linked, admin: adminResult, unchanged: false };
}

/** How an organisation differs from what an add of the same name gives: its administrators only if one is given. */
function otherValues(
  existing: { country: string | null; plan: string; domains: string[]; admins: string[] },
  given: { domains: string[]; country: string | null; plan: string; admin: string | null },
): string[] {
  const domains = [...given.domains].sort();
  return [
    ...(domains.join() !== existing.domains.join() ? [`domains ${existing.domains.join(', ')} (given: ${domains.join(', ')})`] : []),
    ...(given.country !== existing.country ? [`country ${existing.country ?? 'none'} (given: ${given.country ?? 'none'})`] : []),
    ...(given.plan !== existing.plan ? [`plan ${existing.plan} (given: ${given.plan})`] : []),
    ...(given.admin && !existing.admins.includes(given.admin) ? [`administrators ${existing.admins.join(', ') || 'none'} (given: ${given.admin})`] : []),
  ];
}

/** Names every assigned ISO 3166 code ("MX"), none for one that is not ("XX", which the two-letter check let in). */
const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

function isCountryCode(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && code !== 'ZZ' && regionNames.of(code) !== undefined;
}
