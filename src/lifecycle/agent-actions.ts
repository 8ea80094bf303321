import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { AGENT_SET_STATUSES, describeTransitionError, isTransitionError, noticeForStatus, planStatusChange, type NoticeName } from '../domain/lifecycle.js';
import type { TicketStatus } from '../domain/ticket-status.js';
import { ErrorCode, VentanillaError } from '../errors.js';
import { fileReadReason } from '../file-read-reason.js';
import { safeFilename } from '../ingest/attachment-names.js';
import { HELD_FORGED } from '../store/access-repo.js';
import type { BlobStore } from '../store/blobs.js';
import { inTransaction, type Db, type Tx } from '../store/database.js';
import { loadTicketState, type TicketState } from '../store/lifecycle-repo.js';
import { addMessage } from '../store/tickets-repo.js';
import { replyOperationKey, sameCommandRecordedAt, setOperationKey } from './agent-operation.js';
import { applyChange, type LifecycleDeps } from './transitions.js';

export interface ActionContext {
  db: Db;
  blobs: BlobStore;
  lifecycle: LifecycleDeps;
}

async function ticketOrFail(ctx: ActionContext, number: number): Promise<TicketState> {
  const ticket = await loadTicketState(ctx.db, { number });
  if (!ticket) throw new VentanillaError(ErrorCode.TICKET_NOT_FOUND, `Ticket #${number} does not exist; see \`ventanilla tickets list\`.`);
  return ticket;
}

/**
 * A ticket held for its sender's authorisation: its sender is not mailed and it does not move before then, but
 * for closing it (spam) without a word. Throws for anything else; true when the ticket is held.
 */
async function checkHeld(ctx: ActionContext, ticket: TicketState, action: { mails: boolean; to?: TicketStatus }): Promise<boolean> {
  const forged = { where: { type: 'held_for_authorisation', detail: HELD_FORGED }, select: { id: true }, take: 1 };
  const row = await ctx.db.ticket.findUnique({ where: { id: ticket.id }, select: { heldForAuthorisation: true, requester: { select: { email: true } }, events: forged } });
  if (!row?.heldForAuthorisation) return false;
  if (action.mails || action.to !== 'closed') {
    const who = row.requester.email;
    // Held as forged, no authorisation releases it: sending the desk to authorise an authorised customer went nowhere.
    const why =
      row.events.length > 0
        ? `is held: its From address was not believed (\`ventanilla inbound\` says why), so no authorisation of ${who} releases it: its sender is not mailed and it can only be closed, without a mail.`
        : `is held until ${who} is authorised (\`ventanilla contacts authorise ${who}\`): before then its sender is not mailed and it can only be closed, without a mail.`;
    throw new VentanillaError(ErrorCode.TRANSITION_REFUSED, `Ticket #${ticket.number} ${why} An internal note is possible.`);
  }
  return true;
}

/** --issue names what an on-hold ticket waits for: with any other status it would be recorded nowhere useful. */
function checkIssue(to: TicketStatus | undefined, issueRef: string | null | undefined): void {
  if (issueRef && to !== 'on_hold') throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, '--issue goes with --status on_hold (the product issue the ticket waits for).');
}

/**
 * New is where a ticket starts, not a status an agent gives: refused here, whoever calls (the CLI's --status checks
 * it too, for its own message). Asked of a new ticket, it was answered "already new", as if it stood untouched.
 */
function checkSettable(to: TicketStatus): void {
  if (to === 'new') throw new VentanillaError(ErrorCode.TRANSITION_REFUSED, `A ticket starts new and is never set back to it; allowed: ${AGENT_SET_STATUSES.join(', ')}.`);
}

function checkedTarget(ticket: TicketState, to: TicketStatus | undefined, issueRef?: string | null): { to: TicketStatus; notice: NoticeName | null } {
  if (!to || to === ticket.status) {
    if (ticket.status === 'closed') throw new VentanillaError(ErrorCode.TRANSITION_REFUSED, describeTransitionError({ code: 'CLOSED_IS_FINAL' }));
    // The same status given again: a new question (pending) or a corrected solution (solved). Its mail states
    // the deadline from now, and the customer's window starts again (transitions.ts).
    return { to: ticket.status, notice: to === 'pending' || to === 'solved' ? to : null };
  }
  const plan = planStatusChange(ticket.status, to, issueRef);
  if (isTransitionError(plan)) throw new VentanillaError(ErrorCode.TRANSITION_REFUSED, describeTransitionError(plan));
  return { to, notice: plan.notice };
}

interface AttachmentFile {
  path: string;
  filename: string;
  content: Buffer;
}

async function readAttachments(paths: string[]): Promise<AttachmentFile[]> {
  const files = [];
  for (const path of paths) {
    const content = await readFile(path).catch((error: unknown) => {
      throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `Cannot read the attachment ${path}: ${fileReadReason(error)}`);
    });
    files.push({ path, filename: safeFilename(basename(path), 'attachment'), content });
  }
  return files;
}

async function storeAttachments(ctx: ActionContext, files: AttachmentFile[]) {
  const stored = [];
  for (const file of files) {
    const { sha256, size } = await ctx.blobs.put(file.content);
    stored.push({ filename: file.filename, contentType: contentTypeOf(file.path), sha256, size });
  }
  return stored;
}

function contentTypeOf(path: string): string {
  const ext = path.toLowerCase().split('.').pop() ?? '';
  const known: Record<string, string> = { pdf: 'application/pdf', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', txt: 'text/plain', csv: 'text/csv', xml: 'application/xml', zip: 'application/zip', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' };
  return known[ext] ?? 'application/octet-stream';
}

/**
 * The notice of an agent's answer: the status's own when it states something the answer does not (a deadline, a
 * product issue, the solution's window); the answer itself when the ticket just goes (on) to open, since the
 * answer names the status and is the news.
 */
const answerNotice = (statusNotice: NoticeName | null): NoticeName => (statusNotice === null || statusNotice === 'in_progress' ? 'answer' : statusNotice);

/**
 * A public answer to a new ticket opens it: "new" is a ticket support has not looked at yet (DOMAIN.md), and the
 * answer's mail states the status ("Estado actual del ticket: Nuevo" under support's own words read as unread).
 */
function publicAnswerMovesTo(ticket: TicketState, input: { internal?: boolean }): TicketStatus | undefined {
  return !input.internal && ticket.status === 'new' ? 'open' : undefined;
}

export interface ReplyInput {
  number: number;
  body: string;
  status?: TicketStatus;
  issueRef?: string | null;
  internal?: boolean;
  attachmentPaths?: string[];
  actor: string;
  now: Date;
  /** The same words again on purpose: without it, the same answer recorded within a day is not recorded twice. */
  again?: boolean;
}

export interface ReplyResult {
  number: number;
  status: TicketStatus;
  mailed: boolean;
  notMailed?: string;
  /** The same answer was recorded then (the command run again after a kill): nothing was recorded now. */
  recordedBefore?: Date;
}

/**
 * An agent's answer: public (mailed to the requester and CCs, with the notice of the new status if it
 * changes) or an internal note (never mailed). The first public answer meets the first-response target.
 * The same answer run again (agent-operation.ts) records nothing: what it queued is sent by the caller's drain.
 */
export async function replyToTicket(ctx: ActionContext, input: ReplyInput): Promise<ReplyResult> {
  if (!input.body.trim()) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, 'The answer is empty: write it in the --body-file.');
  // A closing mail does not carry an answer, and new is where tickets start: neither goes with a reply.
  if (input.status === 'closed' || input.status === 'new') {
    throw new VentanillaError(ErrorCode.TRANSITION_REFUSED, `A reply moves a ticket to pending, solved, on_hold or open, not ${input.status}${input.status === 'closed' ? ': reply, then `ventanilla tickets set N --status closed`' : ''}.`);
  }
  checkIssue(input.status, input.issueRef);
  const before = await ticketOrFail(ctx, input.number);
  const files = await readAttachments(input.attachmentPaths ?? []);
  const operationKey = replyOperationKey({ ...input, ticketId: before.id, attachments: files });
  // Before the checks: the ticket may have moved since the answer was recorded (a timer closed it).
  const recordedBefore = (handle: Db | Tx) => (input.again ? null : sameCommandRecordedAt(handle, before.id, operationKey, input.now));
  const earlier = recordedBefore(ctx.db);
  if (earlier) return { number: input.number, status: before.status, mailed: !input.internal, recordedBefore: earlier };
  if (!input.internal || input.status) await checkHeld(ctx, before, { mails: !input.internal, to: input.status });
  checkedTarget(before, input.status, input.issueRef);
  const attachments = await storeAttachments(ctx, files);
  const actionId = randomUUID();
  return inTransaction(ctx.db, async (tx): Promise<ReplyResult> => {
    const ticket = (await loadTicketState(tx, { id: before.id })) as TicketState;
    // Again in the transaction, which holds the write lock: the same command run twice at once records it once.
    const earlier = recordedBefore(tx);
    if (earlier) return { number: input.number, status: ticket.status, mailed: !input.internal, recordedBefore: earlier };
    // Checked again on the ticket as it is now: a tick may have closed it (closed is final), or the customer's
    // mail reopened it, since it was read (the attachments can take a while).
    const target = checkedTarget(ticket, input.status ?? publicAnswerMovesTo(ticket, input), input.issueRef);
    if (input.internal) {
      await addMessage(tx, {
        ticketId: ticket.id, direction: 'out', internal: true, dedupKey: `note:${actionId}`, messageId: null, inReplyTo: null, references: [],
        fromAddress: input.actor, fromName: input.actor, to: [], cc: [], subject: 'Nota interna', sentAt: null, text: input.body,
        visibleText: input.body, html: null, rawSha256: null, createdAt: input.now, attachments: attachments.map((a) => ({ ...a, contentId: null, inline: false })),
      });
    }
    const notice = await applyChange(tx, ctx.lifecycle, ticket, {
      to: target.to,
      now: input.now,
      actor: input.actor,
      event: input.internal ? 'internal_note' : 'agent_reply',
      issueRef: input.issueRef,
      respondedNow: !input.internal,
      operationKey,
      notice: input.internal
        ? undefined
        : { notice: answerNotice(target.notice), idempotencyKey: `reply:${actionId}`, autoSubmitted: null, body: input.body, issueRef: input.issueRef ?? undefined, attachments, actor: input.actor },
    });
    // A requester whose address bounced (suppressed) gets no mail: the agent must hear it now, not find it later
    // (the colleagues in copy may have got it: `mailed` says whether anyone did).
    if (notice?.why) return { number: input.number, status: target.to, mailed: notice.queued, notMailed: notice.why };
    return { number: input.number, status: target.to, mailed: !input.internal };
  });
}

/**
 * `tickets set`: a status change by an agent, with the customer's notice when there is one. The same command run
 * again (agent-operation.ts) changes nothing and says when it was done (`recordedBefore`); the caller's drain sends
 * what it queued.
 */
export async function setTicketStatus(ctx: ActionContext, input: { number: number; status: TicketStatus; issueRef?: string | null; actor: string; now: Date }): Promise<{ number: number; from: TicketStatus; to: TicketStatus; already: boolean; recordedBefore?: Date }> {
  checkSettable(input.status);
  checkIssue(input.status, input.issueRef);
  const before = await ticketOrFail(ctx, input.number);
  const operationKey = setOperationKey({ ticketId: before.id, actor: input.actor, status: input.status, issueRef: input.issueRef });
  const held = await checkHeld(ctx, before, { mails: false, to: input.status });
  return inTransaction(ctx.db, async (tx) => {
    // Read and checked in the transaction: a tick may close the ticket, or a customer's mail reopen it, at any time.
    const ticket = (await loadTicketState(tx, { id: before.id })) as TicketState;
    // Already so (the same command run again after a kill, a script run twice, a closed ticket closed again):
    // nothing changes and nobody is mailed; the same agent's own earlier command is named with its time. On hold
    // for another issue is a change, and refused as before.
    const sameIssue = input.status !== 'on_hold' || !input.issueRef || input.issueRef === ticket.productIssueRef;
    if (input.status === ticket.status && sameIssue) {
      const earlier = sameCommandRecordedAt(tx, ticket.id, operationKey, input.now);
      return { number: input.number, from: ticket.status, to: ticket.status, already: true, ...(earlier ? { recordedBefore: earlier } : {}) };
    }
    const target = checkedTarget(ticket, input.status, input.issueRef);
    if (target.to === ticket.status) throw new VentanillaError(ErrorCode.TRANSITION_REFUSED, `Ticket #${input.number} is already ${ticket.status}${ticket.productIssueRef ? ` for ${ticket.productIssueRef}` : ''}.`);
    const notice = held ? null : (target.notice ?? noticeForStatus(target.to));
    await applyChange(tx, ctx.lifecycle, ticket, {
      to: target.to,
      now: input.now,
      actor: input.actor,
      event: 'status_changed',
      issueRef: input.issueRef,
      detail: input.issueRef ? `issue ${input.issueRef}` : null,
      operationKey,
      notice: notice ? { notice, idempotencyKey: `status:${ticket.id}:${target.to}:${input.now.toISOString()}:${randomUUID()}`, autoSubmitted: null, issueRef: input.issueRef ?? undefined } : undefined,
    });
    return { number: input.number, from: ticket.status, to: target.to, already: false };
  });
}
