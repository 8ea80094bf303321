import { randomBytes } from 'node:crypto';
import { readdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createTestApp, mail, SURVEYS_OFF, type TestApp } from './app.js';

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

/** Every row and every blob file of the desk set `hours` back: a desk as a sweep finds it days later. */
export async function ageDesk(app: TestApp, hours = 48): Promise<void> {
  const then = new Date(Date.now() - hours * HOUR_MS);
  await app.db.message.updateMany({ data: { createdAt: then } });
  await app.db.inboundLog.updateMany({ data: { receivedAt: then } });
  await app.db.quarantinedMail.updateMany({ data: { createdAt: then } });
  await app.db.outboxMail.updateMany({ data: { createdAt: then } });
  for (const entry of readdirSync(app.blobs.root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) utimesSync(join(entry.parentPath, entry.name), then, then);
  }
}

/** Another app on the same DATA_DIR and database, with other settings (UNKNOWN_SENDER_POLICY...). */
export async function sameDesk(app: TestApp, env: Record<string, string>): Promise<App> {
  const config = loadConfig({ DATA_DIR: app.dataDir, SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'test-secret-key-0123456789', ...SURVEYS_OFF, ...env }, { dotenv: false });
  return createApp({ config, log: pino({ level: 'silent' }) });
}
