import { sizeOverLimit } from '../outbound/locale.js';
import type { Tx } from '../store/database.js';

// A mail too large to parse whose ticket is held for authorisation (ingest/stages/too-large.ts) owes its sender, once
// authorised, the too_large notice (asking to send it smaller), or nothing when the mail was spam or a machine's:
// not the acknowledgement a held new mail gets, as if it had been read. What is owed is written in the hold event's
// detail when the mail is held (the ticket keeps no other record of the screening), and read back at the release.

const OWED = /; at release: too_large (\d+) > (\d+), raw ([0-9a-f]+)$/;
const SILENT = '; at release: no mail';

/** The hold event's detail: why it is held, then what its release owes. */
export function heldTooLargeDetail(input: { size: number; limit: number; sha256: string; silent: string | null }): string {
  const why = 'a mail too large to parse from a sender not authorised';
  return input.silent ? `${why}${SILENT} (${input.silent.slice(0, 200)})` : `${why}; at release: too_large ${input.size} > ${input.limit}, raw ${input.sha256}`;
}

type Owed = { notice: 'too_large'; idempotencyKey: string; body: ReturnType<typeof sizeOverLimit> } | 'nothing' | null;

/** What the release of a held ticket owes when it holds a too-large mail; null: it is not one (the usual notice). */
export async function owedAtRelease(tx: Tx, ticketId: number): Promise<Owed> {
  const held = await tx.ticketEvent.findFirst({ where: { ticketId, type: 'held_for_authorisation' }, orderBy: { id: 'desc' }, select: { detail: true } });
  const detail = held?.detail ?? '';
  if (detail.includes(SILENT)) return 'nothing';
  const owed = OWED.exec(detail);
  if (!owed) return null;
  return { notice: 'too_large', idempotencyKey: `too_large:${owed[3]}`, body: sizeOverLimit(Number(owed[1]), Number(owed[2])) };
}
