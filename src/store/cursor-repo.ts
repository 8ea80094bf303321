import type { Db, Tx } from './database.js';
import { sqlOf } from './sql.js';

export interface Cursor {
  uidValidity: bigint;
  lastUid: bigint;
}

export async function readCursor(db: Db | Tx, account: string, mailbox: string): Promise<Cursor | null> {
  const row = await db.mailboxCursor.findUnique({ where: { account_mailbox: { account, mailbox } } });
  return row ? { uidValidity: row.uidValidity, lastUid: row.lastUid } : null;
}

/** Moves the cursor forward only: a message processed out of order can never move it back. */
export async function advanceCursor(tx: Tx, account: string, mailbox: string, uidValidity: bigint, uid: bigint): Promise<void> {
  // Direct SQL (store/sql.ts): once per IMAP mail. UIDs and UIDVALIDITY are 32-bit, safe as numbers.
  const sql = sqlOf(tx);
  const current = sql.get<{ uidValidity: number; lastUid: number }>('SELECT "uidValidity", "lastUid" FROM "MailboxCursor" WHERE "account" = ? AND "mailbox" = ?', account, mailbox);
  if (current && BigInt(current.uidValidity) === uidValidity && BigInt(current.lastUid) >= uid) return;
  sql.run(
    `INSERT INTO "MailboxCursor" ("account", "mailbox", "uidValidity", "lastUid", "updatedAt") VALUES (?, ?, ?, ?, ?)
     ON CONFLICT ("account", "mailbox") DO UPDATE SET "uidValidity" = excluded."uidValidity", "lastUid" = excluded."lastUid", "updatedAt" = excluded."updatedAt"`,
    account, mailbox, uidValidity, uid, new Date(),
  );
}

/** A new UIDVALIDITY means every UID on the server is new: start over; duplicates are caught by Message-ID. */
export async function resetCursor(tx: Tx, account: string, mailbox: string, uidValidity: bigint): Promise<void> {
  await tx.mailboxCursor.upsert({
    where: { account_mailbox: { account, mailbox } },
    create: { account, mailbox, uidValidity, lastUid: 0n },
    update: { uidValidity, lastUid: 0n },
  });
}
