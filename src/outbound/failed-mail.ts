import { randomUUID } from 'node:crypto';
import type { BlobStore } from '../store/blobs.js';
import type { Tx } from '../store/database.js';
import type { ClaimedMail } from '../store/outbox-claims.js';
import { markFailed, type TryLeft } from '../store/outbox-repo.js';
import { parseColumn } from './outgoing-mail.js';
import { addMessage, addTicketEvent } from '../store/tickets-repo.js';

// A mail that failed for good: the outbox row says why (`outbox list --failed`), and so does its ticket, as a
// bounce of its notice does (ingest/stages/bounce.ts): an internal note the agents read in `tickets show`, and
// an event. A 5xx at sending is the same news as a bounce that comes back later: the customer did not get it.

/**
 * The attachments of a mail whose files are gone from DATA_DIR/blobs (deleted by hand, a restore without them),
 * described for its lastError; null when all are there. Such a mail can never be sent: no retry brings a file
 * back. An agent's attachments are always blob files (lifecycle/agent-actions.ts stores them with blobs.put),
 * never AttachmentContent rows.
 */
export function missingAttachments(row: Pick<ClaimedMail, 'id' | 'attachments'>, blobs: BlobStore): string | null {
  const listed = parseColumn<Array<{ filename: string; sha256: string }>>(row.attachments);
  const missing = listed.filter((a) => !blobs.has(a.sha256));
  if (missing.length === 0) return null;
  const named = missing.map((a) => `${a.filename} (sha256 ${a.sha256}, ${blobs.pathOf(a.sha256)})`).join(', ');
  return `attachment missing: ${named}; put the file back and run \`ventanilla outbox retry ${row.id}\`, or answer again without it`;
}

/**
 * Marks the mail failed and, for a ticket's mail, tells its ticket whom it did not reach and why. `left`: what its
 * last try left on the row besides (outbox-repo.ts markFailed: a reader it may have reached all the same...).
 */
export async function recordFailedMail(tx: Tx, row: Pick<ClaimedMail, 'id' | 'ticketId' | 'toList' | 'ccList' | 'subject'>, reason: string, at: Date, left: TryLeft = {}): Promise<void> {
  await markFailed(tx, row.id, reason, at, left);
  if (row.ticketId === null) return;
  const to = [...parseColumn<string[]>(row.toList), ...parseColumn<string[]>(row.ccList)].join(', ');
  const detail = `not sent to ${to}: ${reason}`.slice(0, 2000);
  await addMessage(tx, {
    ticketId: row.ticketId, direction: 'out', internal: true, dedupKey: `send-failed:${row.id}:${randomUUID()}`, messageId: null, inReplyTo: null, references: [],
    fromAddress: 'system', fromName: null, to: [], cc: [], subject: row.subject, sentAt: null, text: detail, visibleText: detail, html: null, rawSha256: null, createdAt: at, attachments: [],
  });
  await addTicketEvent(tx, { ticketId: row.ticketId, type: 'notification_failed', actor: 'system', detail, at });
}
