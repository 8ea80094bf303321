import type { Db, Tx } from './database.js';

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
  const current = await readCursor(tx, account, mailbox);
  if (current && current.uidValidity === uidValidity && current.lastUid >= uid) return;
  await tx.mailboxCursor.upsert({
    where: { account_mailbox: { account, mailbox } },
    create: { account, mailbox, uidValidity, lastUid: uid },
    update: { uidValidity, lastUid: uid },
  });
}

/** A new UIDVALIDITY means every UID on the server is new: start over; duplicates are caught by Message-ID. */
export async function resetCursor(tx: Tx, account: string, mailbox: string, uidValidity: bigint): Promise<void> {
  await tx.mailboxCursor.upsert({
    where: { account_mailbox: { account, mailbox } },
    create: { account, mailbox, uidValidity, lastUid: 0n },
    update: { uidValidity, lastUid: 0n },
  });
}
