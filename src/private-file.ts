import { statSync } from 'node:fs';

// A credential kept in a file (a service account's key, a refresh token) opens mailboxes: a file the owner's group
// or every user of the machine may read is told to the admin, with the fix.

/** Who besides its owner may read `file`, and its mode in octal; undefined when no one may, or when it is gone. */
export function readableBeyondOwner(file: string): { who: string; mode: string } | undefined {
  let mode: number;
  try {
    mode = statSync(file).mode & 0o777;
  } catch {
    // Gone since it was read (replaced by an admin's move, rotated by another process): the next read says more.
    return undefined;
  }
  if ((mode & 0o044) === 0) return undefined;
  return { who: mode & 0o004 ? 'every user of this machine' : "the file's group", mode: mode.toString(8) };
}
