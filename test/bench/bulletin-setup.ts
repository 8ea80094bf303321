import Database from '../../src/store/sqlite-driver.js';
import type { SendMailOptions } from 'nodemailer';
import { fillBody } from '../../src/outbound/shared-body.js';
import { migrateDatabase } from '../../src/store/migrator.js';
import type { OutboxHeaders } from '../../src/store/outbox-repo.js';

// Pieces of the bulletin benchmark (bulletin.ts): the counting SMTP sink as its own process (smtp-sink.js,
// as the outbox benchmark runs it), subscribers written straight into SQLite (the import is not what is
// measured), and the exact messages the gateway sent, rebuilt from its outbox for the raw nodemailer baseline.


/**
 * n subscribers of Mexico and Argentina (a few of both, some reading Portuguese or English), plus a tenth as
 * many of other countries that the bulletin must not reach.
 */
export function insertSubscribers(dbPath: string, n: number): void {
  migrateDatabase(dbPath);
  const db = new Database(dbPath);
  const now = new Date().toISOString();
  const insert = db.prepare("INSERT INTO Subscriber (email, locale, countries, topics, status, source, confirmedAt, createdAt, updatedAt) VALUES (?, ?, ?, '', 'active', 'csv', ?, ?, ?)");
  const countries = [',MX,', ',AR,', ',AR,MX,', ',MX,'];
  const locales = ['es', 'es', 'es', 'pt', 'en'];
  db.transaction(() => {
    for (let i = 0; i < n; i++) insert.run(`lector${i}@cliente${i % 211}.example`, locales[i % locales.length], countries[i % countries.length], now, now, now);
    for (let i = 0; i < Math.ceil(n / 10); i++) insert.run(`otro${i}@otro${i % 31}.example`, 'es', i % 2 ? ',CO,' : ',PT,', now, now, now);
  })();
  db.close();
}

/** The mails of one bulletin as the gateway's mailer hands them to nodemailer (mailer.ts toNodemailer), in id order. */
export function* bulletinMessages(dbPath: string, bulletinId: number): Generator<SendMailOptions> {
  const db = new Database(dbPath, { readonly: true });
  try {
    const bodies = new Map<number, { text: string; html: string }>();
    for (const b of db.prepare('SELECT id, text, html FROM OutboxBody').all() as Array<{ id: number; text: string; html: string }>) bodies.set(b.id, b);
    const rows = db
      .prepare('SELECT o.* FROM OutboxMail o JOIN BulletinDelivery d ON d.outboxMailId = o.id WHERE d.bulletinId = ? ORDER BY o.id')
      .iterate(bulletinId) as IterableIterator<Record<string, string | number>>;
    for (const row of rows) {
      const headers = JSON.parse(row.headers as string) as OutboxHeaders;
      const fill = JSON.parse(row.fill as string) as Record<string, string>;
      const body = bodies.get(row.bodyId as number) as { text: string; html: string };
      yield {
        from: row.fromAddress as string,
        to: JSON.parse(row.toList as string) as string[],
        subject: row.subject as string,
        text: fillBody(body.text, fill, false),
        html: fillBody(body.html, fill, true),
        messageId: `<${row.messageId as string}>`,
        headers: headers.extra,
        disableUrlAccess: true,
      };
    }
  } finally {
    db.close();
  }
}
