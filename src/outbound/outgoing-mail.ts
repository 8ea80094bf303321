import type { BlobStore } from '../store/blobs.js';
import type { ClaimedMail } from '../store/outbox-claims.js';
import type { OutboxHeaders } from '../store/outbox-repo.js';
import type { OutgoingMail } from './mailer.js';
import { fillBody, type SharedBodies } from './shared-body.js';

/** The mail the mailer sends, from the outbox row the drainer claimed. */
export function outgoingMailOf(row: ClaimedMail, bodies: SharedBodies, blobs: BlobStore): OutgoingMail {
  const headers = parseColumn<OutboxHeaders>(row.headers);
  const attachments = parseColumn<Array<{ filename: string; contentType: string; sha256: string }>>(row.attachments);
  return {
    from: row.fromAddress,
    to: parseColumn<string[]>(row.toList),
    cc: parseColumn<string[]>(row.ccList),
    replyTo: headers.replyTo,
    subject: row.subject,
    ...contentOf(row, bodies),
    messageId: row.messageId,
    inReplyTo: headers.inReplyTo,
    references: headers.references,
    headers: headers.extra,
    envelopeTo: headers.envelopeTo,
    attachments: attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, path: blobs.pathOf(a.sha256) })),
  };
}

function contentOf(row: ClaimedMail, bodies: SharedBodies): { text: string; html: string } {
  if (row.bodyId === null) return { text: row.text, html: row.html };
  const body = bodies.get(row.bodyId);
  const fill = parseColumn<Record<string, string>>(row.fill);
  return { text: fillBody(body.text, fill, false), html: fillBody(body.html, fill, true) };
}

/** JSON columns; the empty list and object (most cc lists and attachments) without the parser. */
export function parseColumn<T>(json: string): T {
  if (json === '[]') return [] as T;
  if (json === '{}') return {} as T;
  return JSON.parse(json) as T;
}
