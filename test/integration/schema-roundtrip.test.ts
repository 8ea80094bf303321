// Part (a) of the schema check (part (b), the structural comparison, is schema-structure.test.ts): every
// model of prisma/schema.prisma round-trips through the generated client over the hand-written SQL, with
// every scalar field set to a non-default value; every relation is read through `include`; every unique
// key rejects a duplicate with P2002; every foreign key does what its onDelete says.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prisma } from '../../src/generated/prisma/client.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { effectiveOnDelete, parseSchema, type ReferentialAction } from '../support/prisma-schema.js';

const schema = parseSchema();
let dir: string;
let db: Db;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-roundtrip-'));
  db = await openDatabase(join(dir, 'roundtrip.sqlite'));
});

afterAll(async () => {
  await db?.$disconnect();
  rmSync(dir, { recursive: true, force: true });
});

// Distinct, millisecond-precise instants (never "now", so never equal to a @default(now()) value).
let tick = 0;
const at = (): Date => new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 0) + ++tick * 86_400_123);
let seq = 0;
const uniq = (prefix: string): string => `${prefix}-${++seq}`;

const covered = { includes: new Set<string>(), uniques: new Set<string>(), onDelete: new Set<string>() };

function model(name: string) {
  const m = schema.models.get(name);
  if (!m) throw new Error(`model ${name} is not in schema.prisma`);
  return m;
}

/** Fails unless data sets every scalar field of the model to a non-null, non-default value. */
function assertEveryField(name: string, data: Record<string, unknown>): void {
  for (const field of model(name).scalars) {
    expect(Object.hasOwn(data, field.name), `${name}.${field.name} is not set by its round-trip case`).toBe(true);
    const value = data[field.name];
    expect(value, `${name}.${field.name} must be set to a non-null value`).not.toBeNull();
    const literal = field.default?.replace(/^"(.*)"$/, '$1');
    if (literal !== undefined && !literal.endsWith(')')) {
      expect(String(value), `${name}.${field.name} must differ from its @default(${field.default})`).not.toBe(literal);
    }
  }
}

async function roundTrip<T>(name: string, data: Record<string, unknown>, create: () => Promise<T>, read: () => Promise<T | null>): Promise<void> {
  assertEveryField(name, data);
  expect(await create(), `${name}: create() result`).toEqual(data);
  expect(await read(), `${name}: read back`).toEqual(data);
}

function included(name: string, ...relations: string[]): void {
  for (const r of relations) covered.includes.add(`${name}.${r}`);
}

async function expectDuplicateRejected(name: string, key: string[], attempt: () => Promise<unknown>): Promise<void> {
  await expect(attempt(), `${name}(${key.join(', ')}): a duplicate must fail with P2002`).rejects.toMatchObject({ code: 'P2002' });
  covered.uniques.add(`${name}(${key.join(',')})`);
}

/** Records that the case exercises relation `name.relation` deleting with `action`, which must be the schema's. */
function onDelete(name: string, relation: string, action: ReferentialAction): void {
  const m = model(name);
  const rel = m.relations.find((r) => r.name === relation);
  expect(rel, `${name}.${relation} is not a relation`).toBeDefined();
  expect(effectiveOnDelete(m, rel!), `${name}.${relation}: onDelete in schema.prisma`).toBe(action);
  covered.onDelete.add(`${name}.${relation}`);
}

async function newOrganisation() {
  return db.organisation.create({ data: { name: uniq('org') } });
}
async function newContact(organisationId?: number) {
  return db.contact.create({ data: { email: `${uniq('c')}@example.test`, organisationId } });
}
async function newTicket(requesterId?: number) {
  const requester = requesterId ?? (await newContact()).id;
  return db.ticket.create({ data: { number: 900_000 + ++seq, subject: uniq('s'), requesterId: requester } });
}
async function newBulletin() {
  return db.bulletin.create({ data: { title: uniq('b'), countries: ',MX,', variants: '{}', sendAt: at() } });
}
async function newSubscriber() {
  return db.subscriber.create({ data: { email: `${uniq('s')}@example.test`, countries: ',MX,' } });
}
async function newMessage(ticketId: number) {
  return db.message.create({ data: { ticketId, direction: 'in', dedupKey: uniq('mid:'), fromAddress: 'a@example.test', subject: 'x' } });
}

const cases: Record<Prisma.ModelName, () => Promise<void>> = {
  async Organisation() {
    const data = { id: 7001, name: 'Acme S.A.', country: 'MX', slaPlan: 'gold', createdAt: at() };
    await roundTrip('Organisation', data, () => db.organisation.create({ data }), () => db.organisation.findUnique({ where: { id: data.id } }));
    await db.organisationDomain.create({ data: { domain: 'acme.example', organisationId: data.id } });
    const contact = await newContact(data.id);
    const full = await db.organisation.findUniqueOrThrow({ where: { id: data.id }, include: { domains: true, contacts: true } });
    expect(full.domains).toEqual([{ domain: 'acme.example', organisationId: data.id }]);
    expect(full.contacts).toEqual([contact]);
    included('Organisation', 'domains', 'contacts');
  },

  async OrganisationDomain() {
    const org = await newOrganisation();
    const data = { domain: 'cliente.example', organisationId: org.id };
    await roundTrip('OrganisationDomain', data, () => db.organisationDomain.create({ data }), () => db.organisationDomain.findUnique({ where: { domain: data.domain } }));
    const withOrg = await db.organisationDomain.findUniqueOrThrow({ where: { domain: data.domain }, include: { organisation: true } });
    expect(withOrg.organisation).toEqual(org);
    included('OrganisationDomain', 'organisation');
    await expectDuplicateRejected('OrganisationDomain', ['domain'], () => db.organisationDomain.create({ data }));
    onDelete('OrganisationDomain', 'organisation', 'Cascade');
    await db.organisation.delete({ where: { id: org.id } });
    expect(await db.organisationDomain.findUnique({ where: { domain: data.domain } }), 'domain deleted with its organisation').toBeNull();
  },

  async Contact() {
    const org = await newOrganisation();
    const data = { id: 7101, email: 'ana@cliente.example', name: 'Ana Pérez', locale: 'es-MX', localeGuessed: true, country: 'MX', role: 'agent', authorised: true, authorisedAt: at(), authorisedBy: 'admin@cliente.example', surveysOptedOutAt: at(), organisationId: org.id, createdAt: at() };
    await roundTrip('Contact', data, () => db.contact.create({ data }), () => db.contact.findUnique({ where: { id: data.id } }));
    const ticket = await newTicket(data.id);
    const full = await db.contact.findUniqueOrThrow({ where: { id: data.id }, include: { organisation: true, tickets: true } });
    expect(full.organisation).toEqual(org);
    expect(full.tickets).toEqual([ticket]);
    included('Contact', 'organisation', 'tickets');
    await expectDuplicateRejected('Contact', ['email'], () => db.contact.create({ data: { email: data.email } }));
    onDelete('Contact', 'organisation', 'SetNull');
    await db.organisation.delete({ where: { id: org.id } });
    expect(await db.contact.findUnique({ where: { id: data.id } }), 'contact kept, organisation cleared').toEqual({ ...data, organisationId: null });
  },

  async Ticket() {
    const requester = await newContact();
    const parent = await newTicket(requester.id);
    const data = {
      id: 7201, number: 424_242, subject: 'No puedo entrar', status: 'open', impact: 'high', urgency: 'low', priority: 'urgent',
      requesterId: requester.id, followUpOfId: parent.id, createdAt: at(), updatedAt: at(), solvedAt: at(), closedAt: at(),
      productIssueRef: 'BUG-77', statusChangedAt: at(), pendingSince: at(), reminderSentAt: at(), timerDueAt: at(), firstRespondedAt: at(),
      firstResponseDueAt: at(), resolutionDueAt: at(), slaElapsedHours: 12.375, slaRunningSince: at(), slaWarnedFor: 'resolution',
      escalationLevel: 2, slaNextCheckAt: at(), heldForAuthorisation: true, openedByMachine: uniq('Auto-Submitted: auto-generated'),
    };
    await roundTrip('Ticket', data, () => db.ticket.create({ data }), () => db.ticket.findUnique({ where: { id: data.id } }));
    const cc = await db.ticketCc.create({ data: { ticketId: data.id, email: 'jefe@cliente.example' } });
    const message = await newMessage(data.id);
    const event = await db.ticketEvent.create({ data: { ticketId: data.id, type: 'created', actor: 'system' } });
    const mail = await db.outboxMail.create({ data: { idempotencyKey: uniq('key'), ticketId: data.id, template: 'answer', fromAddress: 's@x', toList: '[]', subject: 's', text: 't', html: 'h', messageId: uniq('mid') } });
    const full = await db.ticket.findUniqueOrThrow({
      where: { id: data.id },
      include: { requester: true, followUpOf: true, followUps: true, ccs: true, messages: true, events: true, outbox: true },
    });
    expect(full).toEqual({ ...data, requester, followUpOf: parent, followUps: [], ccs: [cc], messages: [message], events: [event], outbox: [mail] });
    const parentFull = await db.ticket.findUniqueOrThrow({ where: { id: parent.id }, include: { followUps: true } });
    expect(parentFull.followUps.map((t) => t.id)).toEqual([data.id]);
    included('Ticket', 'requester', 'followUpOf', 'followUps', 'ccs', 'messages', 'events', 'outbox');
    await expectDuplicateRejected('Ticket', ['number'], () => db.ticket.create({ data: { number: data.number, subject: 'dup', requesterId: requester.id } }));

    onDelete('Ticket', 'requester', 'Restrict');
    await expect(db.contact.delete({ where: { id: requester.id } }), 'deleting a requester with tickets').rejects.toMatchObject({ code: 'P2003' });
    expect(await db.contact.findUnique({ where: { id: requester.id } })).toEqual(requester);

    onDelete('Ticket', 'followUpOf', 'SetNull');
    await db.ticket.delete({ where: { id: parent.id } });
    expect(await db.ticket.findUnique({ where: { id: data.id } }), 'follow-up kept, link cleared').toEqual({ ...data, followUpOfId: null });
  },

  async TicketCc() {
    const ticket = await newTicket();
    const data = { ticketId: ticket.id, email: 'cc@cliente.example' };
    const where = { ticketId_email: data };
    await roundTrip('TicketCc', data, () => db.ticketCc.create({ data }), () => db.ticketCc.findUnique({ where }));
    expect((await db.ticketCc.findUniqueOrThrow({ where, include: { ticket: true } })).ticket).toEqual(ticket);
    included('TicketCc', 'ticket');
    await expectDuplicateRejected('TicketCc', ['ticketId', 'email'], () => db.ticketCc.create({ data }));
    onDelete('TicketCc', 'ticket', 'Cascade');
    await db.ticket.delete({ where: { id: ticket.id } });
    expect(await db.ticketCc.findUnique({ where })).toBeNull();
  },

  async TicketEvent() {
    const ticket = await newTicket();
    const data = { id: 7301, ticketId: ticket.id, type: 'status', fromStatus: 'new', toStatus: 'open', actor: 'agent:ana', detail: '{"via":"mail"}', createdAt: at(), operationKey: 'reply:5e1f' };
    await roundTrip('TicketEvent', data, () => db.ticketEvent.create({ data }), () => db.ticketEvent.findUnique({ where: { id: data.id } }));
    expect((await db.ticketEvent.findUniqueOrThrow({ where: { id: data.id }, include: { ticket: true } })).ticket).toEqual(ticket);
    included('TicketEvent', 'ticket');
    onDelete('TicketEvent', 'ticket', 'Cascade');
    await db.ticket.delete({ where: { id: ticket.id } });
    expect(await db.ticketEvent.findUnique({ where: { id: data.id } })).toBeNull();
  },

  async DeferredNotice() {
    const ticket = await newTicket();
    const data = { id: 7351, ticketId: ticket.id, idempotencyKey: `ack:${ticket.id}`, request: '{"notice":"acknowledgement","now":"2026-11-30T06:00:00.000Z"}', createdAt: at() };
    await roundTrip('DeferredNotice', data, () => db.deferredNotice.create({ data }), () => db.deferredNotice.findUnique({ where: { id: data.id } }));
    expect((await db.deferredNotice.findUniqueOrThrow({ where: { id: data.id }, include: { ticket: true } })).ticket).toEqual(ticket);
    included('DeferredNotice', 'ticket');
    expect((await db.ticket.findUniqueOrThrow({ where: { id: ticket.id }, include: { deferredNotices: true } })).deferredNotices).toEqual([data]);
    included('Ticket', 'deferredNotices');
    onDelete('DeferredNotice', 'ticket', 'Cascade');
    await db.ticket.delete({ where: { id: ticket.id } });
    expect(await db.deferredNotice.findUnique({ where: { id: data.id } }), 'an owed notice goes with its ticket').toBeNull();
  },

  async HeldEscalation() {
    const ticket = await newTicket();
    const data = { id: 7361, recipients: '["lead@example.test","jefa@example.test"]', ticketId: ticket.id, level: 2, kind: 'breach', dueAt: at(), heldAt: at() };
    await roundTrip('HeldEscalation', data, () => db.heldEscalation.create({ data }), () => db.heldEscalation.findUnique({ where: { id: data.id } }));
    expect((await db.heldEscalation.findUniqueOrThrow({ where: { id: data.id }, include: { ticket: true } })).ticket).toEqual(ticket);
    included('HeldEscalation', 'ticket');
    expect((await db.ticket.findUniqueOrThrow({ where: { id: ticket.id }, include: { heldEscalations: true } })).heldEscalations).toEqual([data]);
    included('Ticket', 'heldEscalations');
    onDelete('HeldEscalation', 'ticket', 'Cascade');
    await db.ticket.delete({ where: { id: ticket.id } });
    expect(await db.heldEscalation.findUnique({ where: { id: data.id } }), 'a held escalation goes with its ticket').toBeNull();
  },

  async AccessRequestOwed() {
    const ticket = await newTicket();
    const data = { ticketId: ticket.id, owedAt: at() };
    await roundTrip('AccessRequestOwed', data, () => db.accessRequestOwed.create({ data }), () => db.accessRequestOwed.findUnique({ where: { ticketId: ticket.id } }));
    expect((await db.accessRequestOwed.findUniqueOrThrow({ where: { ticketId: ticket.id }, include: { ticket: true } })).ticket).toEqual(ticket);
    included('AccessRequestOwed', 'ticket');
    expect((await db.ticket.findUniqueOrThrow({ where: { id: ticket.id }, include: { accessRequestOwed: true } })).accessRequestOwed).toEqual(data);
    included('Ticket', 'accessRequestOwed');
    await expectDuplicateRejected('AccessRequestOwed', ['ticketId'], () => db.accessRequestOwed.create({ data }));
    onDelete('AccessRequestOwed', 'ticket', 'Cascade');
    await db.ticket.delete({ where: { id: ticket.id } });
    expect(await db.accessRequestOwed.findUnique({ where: { ticketId: ticket.id } }), 'what is owed goes with its ticket').toBeNull();
  },

  async ProductIssueRelease() {
    const data = { id: 7371, issueRef: 'BUG-7', actor: 'agent:dev', releasedAt: at(), finishedAt: at() };
    await roundTrip('ProductIssueRelease', data, () => db.productIssueRelease.create({ data }), () => db.productIssueRelease.findUnique({ where: { id: data.id } }));
    const ticket = await newTicket();
    const part = await db.productIssueReleaseTicket.create({ data: { releaseId: data.id, ticketId: ticket.id } });
    expect((await db.productIssueRelease.findUniqueOrThrow({ where: { id: data.id }, include: { tickets: true } })).tickets).toEqual([part]);
    included('ProductIssueRelease', 'tickets');
  },

  async ProductIssueReleaseTicket() {
    const release = await db.productIssueRelease.create({ data: { issueRef: 'BUG-8', actor: 'agent:dev', releasedAt: at() } });
    const ticket = await newTicket();
    const data = { releaseId: release.id, ticketId: ticket.id, outcome: 'solved', doneAt: at() };
    const where = { releaseId_ticketId: { releaseId: release.id, ticketId: ticket.id } };
    await roundTrip('ProductIssueReleaseTicket', data, () => db.productIssueReleaseTicket.create({ data }), () => db.productIssueReleaseTicket.findUnique({ where }));
    const full = await db.productIssueReleaseTicket.findUniqueOrThrow({ where, include: { release: true, ticket: true } });
    expect(full.release).toEqual(release);
    expect(full.ticket).toEqual(ticket);
    included('ProductIssueReleaseTicket', 'release', 'ticket');
    expect((await db.ticket.findUniqueOrThrow({ where: { id: ticket.id }, include: { releases: true } })).releases).toEqual([data]);
    included('Ticket', 'releases');
    await expectDuplicateRejected('ProductIssueReleaseTicket', ['releaseId', 'ticketId'], () => db.productIssueReleaseTicket.create({ data }));
    onDelete('ProductIssueReleaseTicket', 'ticket', 'Cascade');
    await db.ticket.delete({ where: { id: ticket.id } });
    expect(await db.productIssueReleaseTicket.findUnique({ where }), 'a ticket deleted leaves no part of a release').toBeNull();
    const other = await db.productIssueReleaseTicket.create({ data: { releaseId: release.id, ticketId: (await newTicket()).id } });
    onDelete('ProductIssueReleaseTicket', 'release', 'Cascade');
    await db.productIssueRelease.delete({ where: { id: release.id } });
    expect(await db.productIssueReleaseTicket.findUnique({ where: { releaseId_ticketId: { releaseId: other.releaseId, ticketId: other.ticketId } } })).toBeNull();
  },

  async Message() {
    const ticket = await newTicket();
    const data = {
      id: 7401, ticketId: ticket.id, direction: 'in', internal: true, dedupKey: 'mid:<abc@cliente.example>', messageId: '<abc@cliente.example>',
      inReplyTo: '<prev@example.test>', references: '<root@example.test> <prev@example.test>', fromAddress: 'ana@cliente.example', fromName: 'Ana',
      toList: '["soporte@example.test"]', ccList: '["jefe@cliente.example"]', subject: 'Re: ayuda', sentAt: at(), text: 'Hola\n> cita',
      visibleText: 'Hola', html: '<p>Hola</p>', rawSha256: 'a'.repeat(64), createdAt: at(),
    };
    await roundTrip('Message', data, () => db.message.create({ data }), () => db.message.findUnique({ where: { id: data.id } }));
    const attachment = await db.attachment.create({ data: { messageId: data.id, filename: 'a.txt', contentType: 'text/plain', size: 1, sha256: 'b'.repeat(64) } });
    const full = await db.message.findUniqueOrThrow({ where: { id: data.id }, include: { ticket: true, attachments: true } });
    expect(full.ticket).toEqual(ticket);
    expect(full.attachments).toEqual([attachment]);
    included('Message', 'ticket', 'attachments');
    await expectDuplicateRejected('Message', ['dedupKey'], () =>
      db.message.create({ data: { ticketId: ticket.id, direction: 'out', dedupKey: data.dedupKey, fromAddress: 'b@example.test', subject: 'dup' } }),
    );
    onDelete('Message', 'ticket', 'Cascade');
    await db.ticket.delete({ where: { id: ticket.id } });
    expect(await db.message.findUnique({ where: { id: data.id } })).toBeNull();
    expect(await db.attachment.findUnique({ where: { id: attachment.id } }), 'attachments go with their message').toBeNull();
  },

  async Attachment() {
    const message = await newMessage((await newTicket()).id);
    const data = { id: 7501, messageId: message.id, filename: 'factura.pdf', contentType: 'application/pdf', size: 123_456_789, sha256: 'c'.repeat(64), contentId: '<img1@cliente>', inline: true };
    await roundTrip('Attachment', data, () => db.attachment.create({ data }), () => db.attachment.findUnique({ where: { id: data.id } }));
    expect((await db.attachment.findUniqueOrThrow({ where: { id: data.id }, include: { message: true } })).message).toEqual(message);
    included('Attachment', 'message');
    onDelete('Attachment', 'message', 'Cascade');
    await db.message.delete({ where: { id: message.id } });
    expect(await db.attachment.findUnique({ where: { id: data.id } })).toBeNull();
  },

  async MailboxCursor() {
    // Above 2^53: a BigInt that went through a JS number on the way would come back changed.
    const data = { id: 7601, account: 'soporte@example.test', mailbox: 'INBOX', uidValidity: 9_007_199_254_740_993n, lastUid: 4_294_967_297n, updatedAt: at() };
    await roundTrip('MailboxCursor', data, () => db.mailboxCursor.create({ data }), () => db.mailboxCursor.findUnique({ where: { id: data.id } }));
    expect(await db.mailboxCursor.findUnique({ where: { account_mailbox: { account: data.account, mailbox: data.mailbox } } })).toEqual(data);
    await expectDuplicateRejected('MailboxCursor', ['account', 'mailbox'], () =>
      db.mailboxCursor.create({ data: { account: data.account, mailbox: data.mailbox, uidValidity: 1n } }),
    );
  },

  async InboundLog() {
    const data = {
      id: 7701, receivedAt: at(), source: 'imap', sourceRef: 'INBOX/17', dedupKey: 'mid:<x@y>', messageId: '<x@y>', fromAddress: 'x@y.example',
      subject: 'Hola', size: 2048, rawSha256: 'd'.repeat(64), outcome: 'created', ticketNumber: 1234, detail: 'ok', contentFingerprint: 'f'.repeat(64),
    };
    await roundTrip('InboundLog', data, () => db.inboundLog.create({ data }), () => db.inboundLog.findUnique({ where: { id: data.id } }));
  },

  async QuarantinedMail() {
    const data = {
      id: 7801, rawSha256: 'e'.repeat(64), size: 99, source: 'maildir', sourceRef: 'new/123.eml', errorCode: 'PARSE_FAILED', error: 'bad MIME',
      createdAt: at(), arrivedAt: at(), replayedAt: at(), replayOutcome: 'created',
    };
    await roundTrip('QuarantinedMail', data, () => db.quarantinedMail.create({ data }), () => db.quarantinedMail.findUnique({ where: { id: data.id } }));
  },

  async OutboxMail() {
    const ticket = await newTicket();
    const body = await db.outboxBody.create({ data: { key: uniq('bulletin:'), text: 'Hola %%vt.email%%', html: '<p>Hola</p>' } });
    const data = {
      id: 7901, idempotencyKey: 'ack:1', ticketId: ticket.id, template: 'acknowledgement', fromAddress: 'soporte@example.test',
      toList: '["ana@cliente.example"]', ccList: '["jefe@cliente.example"]', subject: '[#1] Recibido', text: 'Hola', html: '<p>Hola</p>',
      messageId: 'vt.1.abc@example.test', headers: '{"Auto-Submitted":"auto-replied"}', attachments: '[{"filename":"a.pdf"}]', status: 'sent',
      attempts: 3, mayHaveReached: true, nextAttemptAt: at(), leasedUntil: at(), lastError: '421 try later', sentAt: at(), primaryTookAt: at(), createdAt: at(), retryFrom: at(),
      automatic: true, primaryTo: 'ana@cliente.example', bodyId: body.id, fill: '{"email":"ana@cliente.example"}', leaseHolder: 'drain:host-1:4242:abc123',
    };
    await roundTrip('OutboxMail', data, () => db.outboxMail.create({ data }), () => db.outboxMail.findUnique({ where: { id: data.id } }));
    const delivery = await db.bulletinDelivery.create({ data: { bulletinId: (await newBulletin()).id, subscriberId: (await newSubscriber()).id, email: 'ana@cliente.example', locale: 'es', outboxMailId: data.id } });
    const full = await db.outboxMail.findUniqueOrThrow({ where: { id: data.id }, include: { ticket: true, body: true, bulletinDelivery: true } });
    expect(full.ticket).toEqual(ticket);
    expect(full.body).toEqual(body);
    expect(full.bulletinDelivery).toEqual(delivery);
    included('OutboxMail', 'ticket', 'body', 'bulletinDelivery');
    onDelete('OutboxMail', 'body', 'Restrict');
    await expect(db.outboxBody.delete({ where: { id: body.id } }), 'deleting a body that mails use').rejects.toMatchObject({ code: 'P2003' });
    const other = { template: 'x', fromAddress: 'a', toList: '[]', subject: 's', text: 't', html: 'h' };
    await expectDuplicateRejected('OutboxMail', ['idempotencyKey'], () => db.outboxMail.create({ data: { ...other, idempotencyKey: data.idempotencyKey, messageId: uniq('m') } }));
    await expectDuplicateRejected('OutboxMail', ['messageId'], () => db.outboxMail.create({ data: { ...other, idempotencyKey: uniq('k'), messageId: data.messageId } }));
    onDelete('OutboxMail', 'ticket', 'SetNull');
    await db.ticket.delete({ where: { id: ticket.id } });
    expect(await db.outboxMail.findUnique({ where: { id: data.id } }), 'the record of what was sent is kept').toEqual({ ...data, ticketId: null });
  },

  async OutboxBody() {
    const data = { id: 8001, key: 'bulletin:1:pt', text: 'Olá %%vt.email%%', html: '<p>Olá</p>', createdAt: at() };
    await roundTrip('OutboxBody', data, () => db.outboxBody.create({ data }), () => db.outboxBody.findUnique({ where: { id: data.id } }));
    const mail = await db.outboxMail.create({ data: { idempotencyKey: uniq('key'), template: 'bulletin', fromAddress: 'b@x', toList: '[]', subject: 's', text: '', html: '', messageId: uniq('mid'), bodyId: data.id } });
    expect((await db.outboxBody.findUniqueOrThrow({ where: { id: data.id }, include: { mails: true } })).mails).toEqual([mail]);
    included('OutboxBody', 'mails');
    await expectDuplicateRejected('OutboxBody', ['key'], () => db.outboxBody.create({ data: { key: data.key, text: '', html: '' } }));
  },

  async Subscriber() {
    const data = {
      id: 8101, email: 'lector@cliente.example', name: 'Lucía Gómez', locale: 'pt-PT', countries: ',AR,MX,', topics: ',iva,', status: 'unsubscribed',
      source: 'mail', confirmedAt: at(), unsubscribedAt: at(), unsubscribeReason: 'one_click', createdAt: at(), updatedAt: at(),
    };
    await roundTrip('Subscriber', data, () => db.subscriber.create({ data }), () => db.subscriber.findUnique({ where: { id: data.id } }));
    const delivery = await db.bulletinDelivery.create({ data: { bulletinId: (await newBulletin()).id, subscriberId: data.id, email: data.email, locale: 'pt' } });
    expect((await db.subscriber.findUniqueOrThrow({ where: { id: data.id }, include: { deliveries: true } })).deliveries).toEqual([delivery]);
    included('Subscriber', 'deliveries');
    await expectDuplicateRejected('Subscriber', ['email'], () => db.subscriber.create({ data: { email: data.email, countries: ',MX,' } }));
  },

  async Bulletin() {
    const data = {
      id: 8201, title: 'Reforma del IVA 2027', countries: ',AR,MX,', topics: ',iva,', variants: '{"es":{"title":"t","markdown":"m"}}', defaultLocale: 'pt',
      sourceFile: '/srv/boletines/iva.md', sendAt: at(), status: 'sent', audience: 1000, nextSlotAt: at(), startedAt: at(), finishedAt: at(), cancelledAt: at(),
      createdAt: at(),
    };
    await roundTrip('Bulletin', data, () => db.bulletin.create({ data }), () => db.bulletin.findUnique({ where: { id: data.id } }));
    const delivery = await db.bulletinDelivery.create({ data: { bulletinId: data.id, subscriberId: (await newSubscriber()).id, email: 'x@cliente.example', locale: 'es' } });
    expect((await db.bulletin.findUniqueOrThrow({ where: { id: data.id }, include: { deliveries: true } })).deliveries).toEqual([delivery]);
    included('Bulletin', 'deliveries');
  },

  async BulletinDelivery() {
    const bulletin = await newBulletin();
    const subscriber = await newSubscriber();
    const mail = await db.outboxMail.create({ data: { idempotencyKey: uniq('key'), template: 'bulletin', fromAddress: 'b@x', toList: '[]', subject: 's', text: '', html: '', messageId: uniq('mid') } });
    const data = { id: 8301, bulletinId: bulletin.id, subscriberId: subscriber.id, email: 'lector2@cliente.example', locale: 'en', status: 'skipped', detail: 'suppressed', outboxMailId: mail.id, createdAt: at() };
    const where = { id: data.id };
    await roundTrip('BulletinDelivery', data, () => db.bulletinDelivery.create({ data }), () => db.bulletinDelivery.findUnique({ where }));
    const full = await db.bulletinDelivery.findUniqueOrThrow({ where, include: { bulletin: true, subscriber: true, outboxMail: true } });
    expect([full.bulletin, full.subscriber, full.outboxMail]).toEqual([bulletin, subscriber, mail]);
    included('BulletinDelivery', 'bulletin', 'subscriber', 'outboxMail');
    await expectDuplicateRejected('BulletinDelivery', ['bulletinId', 'subscriberId'], () => db.bulletinDelivery.create({ data: { bulletinId: bulletin.id, subscriberId: subscriber.id, email: 'y@x', locale: 'es' } }));
    const second = await newBulletin();
    await expectDuplicateRejected('BulletinDelivery', ['outboxMailId'], () => db.bulletinDelivery.create({ data: { bulletinId: second.id, subscriberId: subscriber.id, email: 'y@x', locale: 'es', outboxMailId: mail.id } }));
    onDelete('BulletinDelivery', 'outboxMail', 'SetNull');
    await db.outboxMail.delete({ where: { id: mail.id } });
    expect(await db.bulletinDelivery.findUnique({ where }), 'delivery kept, mail link cleared').toEqual({ ...data, outboxMailId: null });
    onDelete('BulletinDelivery', 'subscriber', 'Cascade');
    await db.subscriber.delete({ where: { id: subscriber.id } });
    expect(await db.bulletinDelivery.findUnique({ where }), 'deliveries go with their subscriber').toBeNull();
    const other = await db.bulletinDelivery.create({ data: { bulletinId: bulletin.id, subscriberId: (await newSubscriber()).id, email: 'z@x', locale: 'es' } });
    onDelete('BulletinDelivery', 'bulletin', 'Cascade');
    await db.bulletin.delete({ where: { id: bulletin.id } });
    expect(await db.bulletinDelivery.findUnique({ where: { id: other.id } }), 'deliveries go with their bulletin').toBeNull();
  },

  async Suppression() {
    const data = {
      email: 'rebota@cliente.example', softBounces: 2, lastBounceAt: at(), lastStatus: '5.1.1', reason: 'hard_bounce', detail: '550 5.1.1 user unknown',
      suppressedAt: at(), suppressedUntil: at(), liftedAt: at(), liftedBy: 'agent:ana',
    };
    await roundTrip('Suppression', data, () => db.suppression.create({ data }), () => db.suppression.findUnique({ where: { email: data.email } }));
    await expectDuplicateRejected('Suppression', ['email'], () => db.suppression.create({ data: { email: data.email } }));
  },

  async RawMail() {
    // Bytes beyond ASCII and a NUL: the column must keep them exactly.
    const content = Uint8Array.from([0x46, 0x72, 0x6f, 0x6d, 0x3a, 0x20, 0xc3, 0xb1, 0x00, 0xff, 0x0d, 0x0a]);
    const data = { sha256: 'a'.repeat(64), size: content.length, content, storedAt: at() };
    await roundTrip('RawMail', data, () => db.rawMail.create({ data }), () => db.rawMail.findUnique({ where: { sha256: data.sha256 } }));
    await expectDuplicateRejected('RawMail', ['sha256'], () => db.rawMail.create({ data: { ...data, storedAt: at() } }));
  },

  async AttachmentContent() {
    const content = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0x0d, 0x0a]);
    const data = { sha256: 'c'.repeat(64), size: content.length, content, storedAt: at() };
    await roundTrip('AttachmentContent', data, () => db.attachmentContent.create({ data }), () => db.attachmentContent.findUnique({ where: { sha256: data.sha256 } }));
    await expectDuplicateRejected('AttachmentContent', ['sha256'], () => db.attachmentContent.create({ data: { ...data, storedAt: at() } }));
  },

  async JobLease() {
    const data = { name: 'outbox-drain', holder: 'host-1:4242', leasedUntil: at(), lastRunAt: at(), lastNow: at() };
    await roundTrip('JobLease', data, () => db.jobLease.create({ data }), () => db.jobLease.findUnique({ where: { name: data.name } }));
    await expectDuplicateRejected('JobLease', ['name'], () => db.jobLease.create({ data: { name: data.name, holder: 'h2', leasedUntil: at() } }));
  },

  async SurveyRequest() {
    const org = await newOrganisation();
    const contact = await newContact(org.id);
    const ticket = await newTicket(contact.id);
    const data = {
      id: 8001, kind: 'csat', surveyKey: `csat:${ticket.id}`, contactId: contact.id, ticketId: ticket.id, organisationId: org.id, country: 'MX',
      agent: 'agent:maria', scale: '1-5', locale: 'pt', messageId: 'vt.1.abc.def@example.test', sentAt: at(), expiresAt: at(),
      rating: 'good', score: 5, comment: 'Muy amables', answeredAt: at(),
    };
    await roundTrip('SurveyRequest', data, () => db.surveyRequest.create({ data }), () => db.surveyRequest.findUnique({ where: { id: data.id } }));
    const answer = await db.surveyAnswer.create({ data: { requestId: data.id, channel: 'web' } });
    const full = await db.surveyRequest.findUniqueOrThrow({ where: { id: data.id }, include: { contact: true, ticket: true, organisation: true, answers: true } });
    expect(full).toEqual({ ...data, contact, ticket, organisation: org, answers: [answer] });
    included('SurveyRequest', 'contact', 'ticket', 'organisation', 'answers');
    for (const [name, owner] of [['Contact', db.contact.findUniqueOrThrow({ where: { id: contact.id }, include: { surveyRequests: true } })], ['Ticket', db.ticket.findUniqueOrThrow({ where: { id: ticket.id }, include: { surveyRequests: true } })], ['Organisation', db.organisation.findUniqueOrThrow({ where: { id: org.id }, include: { surveyRequests: true } })]] as const) {
      expect((await owner).surveyRequests.map((r) => r.id), `${name}.surveyRequests`).toEqual([data.id]);
      included(name, 'surveyRequests');
    }
    const other = { kind: 'nps', contactId: contact.id, scale: '0-10', locale: 'es', sentAt: at(), expiresAt: at() };
    await expectDuplicateRejected('SurveyRequest', ['surveyKey'], () => db.surveyRequest.create({ data: { ...other, surveyKey: data.surveyKey, messageId: uniq('m') } }));
    await expectDuplicateRejected('SurveyRequest', ['messageId'], () => db.surveyRequest.create({ data: { ...other, surveyKey: uniq('k'), messageId: data.messageId } }));
    onDelete('SurveyRequest', 'ticket', 'SetNull');
    await db.ticket.delete({ where: { id: ticket.id } });
    onDelete('SurveyRequest', 'organisation', 'SetNull');
    await db.organisation.delete({ where: { id: org.id } });
    expect(await db.surveyRequest.findUnique({ where: { id: data.id } }), 'the answer is kept for the reports').toEqual({ ...data, ticketId: null, organisationId: null });
    onDelete('SurveyRequest', 'contact', 'Cascade');
    await db.contact.delete({ where: { id: contact.id } });
    expect(await db.surveyRequest.findUnique({ where: { id: data.id } })).toBeNull();
    expect(await db.surveyAnswer.findUnique({ where: { id: answer.id } }), 'answers go with their survey').toBeNull();
  },

  async SurveyAnswer() {
    const contact = await newContact();
    const request = await db.surveyRequest.create({ data: { kind: 'nps', surveyKey: uniq('nps'), contactId: contact.id, scale: '0-10', locale: 'en', messageId: uniq('mid'), sentAt: at(), expiresAt: at() } });
    const data = { id: 8101, requestId: request.id, rating: 'bad', score: 3, comment: 'Slow', channel: 'mail', dedupKey: 'mid:<r@x>', createdAt: at() };
    await roundTrip('SurveyAnswer', data, () => db.surveyAnswer.create({ data }), () => db.surveyAnswer.findUnique({ where: { id: data.id } }));
    expect((await db.surveyAnswer.findUniqueOrThrow({ where: { id: data.id }, include: { request: true } })).request).toEqual(request);
    included('SurveyAnswer', 'request');
    await expectDuplicateRejected('SurveyAnswer', ['dedupKey'], () => db.surveyAnswer.create({ data: { requestId: request.id, channel: 'mail', dedupKey: data.dedupKey } }));
    onDelete('SurveyAnswer', 'request', 'Cascade');
    await db.surveyRequest.delete({ where: { id: request.id } });
    expect(await db.surveyAnswer.findUnique({ where: { id: data.id } })).toBeNull();
  },
};

describe('every model round-trips through the Prisma client over the migrated SQL', () => {
  it('has a case for every model of schema.prisma and of the generated client', () => {
    const fromSchema = [...schema.models.keys()].sort();
    const fromClient = Object.values(Prisma.ModelName).sort();
    expect(fromClient, 'generated client is stale: run `npm run generate`').toEqual(fromSchema);
    const missing = fromSchema.filter((m) => !Object.hasOwn(cases, m));
    expect(missing, `models without a round-trip case in ${import.meta.url}: ${missing.join(', ')}`).toEqual([]);
  });

  it.each(Object.keys(cases).sort())('%s', async (name) => {
    await cases[name as Prisma.ModelName]();
  });

  it('exercised every relation, unique key and foreign key of the schema', () => {
    const models = [...schema.models.values()];
    const relations = models.flatMap((m) => m.relations.map((r) => `${m.name}.${r.name}`)).sort();
    const fks = models.flatMap((m) => m.relations.filter((r) => r.fields?.length).map((r) => `${m.name}.${r.name}`)).sort();
    const uniqueKeys = models
      .flatMap((m) => {
        const pkIsGenerated = m.primaryKey.length === 1 && m.scalars.find((s) => s.name === m.primaryKey[0])?.default === 'autoincrement()';
        return [...(pkIsGenerated ? [] : [m.primaryKey]), ...m.uniques].map((k) => `${m.name}(${k.join(',')})`);
      })
      .sort();
    expect([...covered.includes].sort(), 'relations never read through include').toEqual(relations);
    expect([...covered.uniques].sort(), 'unique keys never tested for P2002').toEqual(uniqueKeys);
    expect([...covered.onDelete].sort(), 'foreign keys whose onDelete was never exercised').toEqual(fks);
  });
});
