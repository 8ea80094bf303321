import { randomBytes } from 'node:crypto';
import { utimesSync } from 'node:fs';
import { createTestApp, mail, type TestApp } from './app.js';

// A desk for the blob sweep's tests (store/blob-sweep.ts): blobs set back in time, named or not by its rows.

const HOUR_MS = 60 * 60 * 1000;

/** A test app with one mail recorded: the message attachment rows hang from. */
export async function deskWithOneMail(): Promise<{ app: TestApp; messageId: number }> {
  const app = await createTestApp();
  const result = await app.pipeline.ingest(mail(), { source: 'file', sourceRef: 'first' });
  const message = await app.db.message.findFirstOrThrow({ where: { ticket: { number: result.ticketNumber as number } } });
  return { app, messageId: message.id };
}

/** Random content stored as a blob `hours` old (two days by default: past the sweep's day of grace). */
export async function oldBlob(app: TestApp, hours = 48, bytes = 700): Promise<{ sha256: string; path: string; bytes: number }> {
  const { sha256 } = await app.blobs.put(randomBytes(bytes));
  const then = new Date(Date.now() - hours * HOUR_MS);
  utimesSync(app.blobs.pathOf(sha256), then, then);
  return { sha256, path: app.blobs.pathOf(sha256), bytes };
}

/** A customer's attachment row of the message naming the blob. */
export const nameBlob = (app: TestApp, messageId: number, blob: { sha256: string; bytes: number }) =>
  app.db.attachment.create({ data: { messageId, filename: 'informe.pdf', contentType: 'application/pdf', size: blob.bytes, sha256: blob.sha256 } });
