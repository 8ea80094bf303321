import { ErrorCode, VentanillaError } from '../errors.js';
import { expectedFiles, mailsRecorded } from './blob-references.js';
import type { Db } from './database.js';

// The sweep removes the old blob files that the database it is given does not name. Given the wrong database (another
// desk's DATABASE_URL, a DATA_DIR mounted from another machine), that is every old file of the store, customers'
// attachments and raw mails included: a reviewer swept desk A's 50 referenced attachments with desk B's database (one
// mail) and lost all 50.
//
// The share of the store that would go says nothing of that: a desk's own garbage has no bound against what rows
// name. An attachment above 128 KiB is stored as a file while the mail is analysed, before its outcome is known, and
// the outcomes that write no message (a sender refused by UNKNOWN_SENDER_POLICY=reject, an administrator's command, a
// survey reply, a bulletin command, an auto-reply to no ticket, an answer to a digest) leave it named by nothing, while
// their raw mails (up to 4 MiB) are in the database, naming no file. Three spam mails with a PDF each were "3 of 3
// named by no row": a ratio refused that desk every night, and its garbage grew without end.
//
// So the store's identity is checked from the database's side: the files it expects (blob-references.ts
// expectedFiles: references whose bytes it does not hold, of rows older than the grace, so that no writer is between
// its put and its commit) must be in this store. Another desk's database expects its own customers' files, which are
// not here; this desk's, or a backup of it restored, expects files that are (a backup's are older than the store's
// newest files, all kept since: nothing but a sweep removes a named file). More than half of the newest 2,000 missing:
// not this store's database, refused. (A store whose files were lost, deleted by hand or restored from an older
// backup than the database, is refused too: what the operator must look at first.)
//
// When the database expects no file at all (every mail small enough to be kept in it, or all too young), it cannot
// tell this way. A desk's database that expects none is common (small mails only), and its store's old files may all
// be leftovers of mails that wrote no message; but such a desk has recorded those mails (the inbound log has a row for
// every one), and the leftovers come one per mail at most, from mail it has seen. The wrong database there is a new or
// near-empty one (a DATABASE_URL left to its default beside a DATA_DIR from elsewhere, a database made anew): it names
// none of the store's old files and records next to no mail. So refused then only when it names none of them and
// records fewer than 10 mails; a new desk whose first few mails were all refused spam is refused too, until 10 have
// come (--force, looked at with --dry-run, takes it past). Counted on the old files only: young ones are not judged.
// An operator who knows better looks with --dry-run, which reports the refusal without refusing, and passes --force
// (the CLI only: the nightly job never).

/** How many of the files the database expects are checked: its newest, enough to tell, cheap to look up. */
export const EXPECTED_CHECKED = 2000;
/** A database that expects no file, names none of the store's, and records fewer mails than this is not its own. */
export const FEW_MAILS = 10;

export interface StoreIdentity {
  /** Blob files past the grace period. */
  old: number;
  /** Of those, the ones no row names: what the sweep would remove. */
  unreferenced: number;
  /** Files the database expects in the store (of rows past the grace), its newest, at most EXPECTED_CHECKED. */
  expected: number;
  /** Of those, the ones not in the store. */
  missing: number;
  /** Mails the database records, counted up to FEW_MAILS. */
  mails: number;
}

/** What the database expects of the store, before `before` (the grace's cutoff): `present` says whether a file is there. */
export function filesExpected(db: Db, before: Date, present: (sha256: string) => boolean): Pick<StoreIdentity, 'expected' | 'missing' | 'mails'> {
  const expected = expectedFiles(db, before, EXPECTED_CHECKED);
  const missing = expected.filter((sha256) => !present(sha256)).length;
  return { expected: expected.length, missing, mails: mailsRecorded(db, FEW_MAILS) };
}

const CHECK = 'Check that DATA_DIR and DATABASE_URL are this desk\'s; look with `ventanilla blobs sweep --dry-run`, or pass --force to remove them all the same.';

/** What is wrong with sweeping the store under `root` with this database, or null when it is its own. */
export function implausibleSweep(root: string, id: StoreIdentity): string | null {
  const { old, unreferenced, expected, missing, mails } = id;
  if (unreferenced === 0) return null;
  const going = `${unreferenced} of the ${old} blob files older than a day in ${root} are named by no row of it and would be removed`;
  if (expected > 0) {
    if (missing * 2 <= expected) return null;
    return `${missing} of the ${expected} files this database expects in ${root} (its newest attachments and raw mails kept as files, older than a day) are not there: more than half, so this database is not this store's (another desk's, or the files were lost). ${going}. ${CHECK}`;
  }
  if (unreferenced < old || mails >= FEW_MAILS) return null;
  const recorded = mails === 0 ? 'no mail' : `${mails} ${mails === 1 ? 'mail' : 'mails'}`;
  return `this database records ${recorded}, expects no file in ${root} and names none of its ${old} blob files older than a day: a new or near-empty database beside an old store, another desk's or one made anew. ${going}. ${CHECK}`;
}

/** The sweep's refusal: thrown before anything was moved or removed. */
export function sweepRefused(root: string, id: StoreIdentity): VentanillaError | null {
  const why = implausibleSweep(root, id);
  if (why === null) return null;
  return new VentanillaError(ErrorCode.SWEEP_REFUSED, `${why} Nothing was removed.`, { ...id, referenced: id.old - id.unreferenced });
}
