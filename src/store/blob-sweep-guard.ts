import { ErrorCode, VentanillaError } from '../errors.js';

// The sweep removes the old blob files that the database it is given does not name. Given the wrong database (another
// desk's DATABASE_URL, a DATA_DIR mounted from another machine, a database restored without its blobs), that is every
// old file of the store, customers' attachments and raw mails included: a reviewer swept desk A's 50 referenced
// attachments with desk B's database (one mail) and lost all 50. A database with no mail at all was refused before;
// one with a single mail was not.
//
// So the sweep refuses when more than half of the old (past-grace) files would go. Why half: a desk's own garbage
// comes in pairs with files that rows keep naming, so in normal work it is at most as many as those.
// - The encoded copy of a big uuencoded or BinHex part (only a big mail's part is stored as it came): one file per
//   part, beside the decoded file an attachment row names and the big mail's raw copy its message names.
// - A big winmail.dat once its files are taken out: one file per mail, beside the files taken out (each named) and
//   the raw mail (named).
// - The files of a failed or killed transaction, of a batch prepared and never recorded: the mail is read again (IMAP
//   keeps it, an MTA retries on exit 75) and names the same files, or is quarantined, which names its raw copy.
// Nothing deletes rows that name blobs (no ticket purge), so garbage does not outgrow the rest with time, and a first
// sweep of a store never swept before is still at most half garbage. A store that is the wrong one is mostly or wholly
// unnamed (a random desk names almost none of another's files). Between the two, half: no normal store reaches it,
// and a database restored from a backup older than most of the store is refused too, which is right (README:
// restore the database and the blobs together). Counted on the old files only: young ones are not judged, and a
// busy day of new mail must not hide a wrong database. An operator who knows better (rows deleted by hand) looks with
// --dry-run, which reports the refusal without refusing, and passes --force (the CLI only: the nightly job never).

export interface SweepShare {
  /** Blob files past the grace period. */
  old: number;
  /** Of those, the ones no row names: what the sweep would remove. */
  unreferenced: number;
}

/** What is wrong with removing `unreferenced` of `old` files under `root`, or null when it is plausible. */
export function implausibleSweep(root: string, share: SweepShare): string | null {
  const { old, unreferenced } = share;
  if (old === 0 || unreferenced * 2 <= old) return null;
  const referenced = old - unreferenced;
  return `${unreferenced} of the ${old} blob files older than a day in ${root} are named by no row of this database (${referenced} ${referenced === 1 ? 'is' : 'are'}): more than half, which a desk's own leftovers never are. Check that DATA_DIR and DATABASE_URL are this desk's (another desk's database names none of them; one restored from an older backup, not those of the mails since); look with \`ventanilla blobs sweep --dry-run\`, or pass --force to remove them all the same.`;
}

/** The sweep's refusal: thrown before anything was moved or removed. */
export function sweepRefused(root: string, share: SweepShare): VentanillaError | null {
  const why = implausibleSweep(root, share);
  if (why === null) return null;
  return new VentanillaError(ErrorCode.SWEEP_REFUSED, `${why} Nothing was removed.`, { old: share.old, referenced: share.old - share.unreferenced, unreferenced: share.unreferenced });
}
