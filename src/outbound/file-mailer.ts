import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Mailer } from './mailer.js';
import type { MimeComposer } from './mime-composer.js';

/**
 * The file mailer writes each mail under a private name in one of these folders, in turn, then renames it into
 * the outbox. Creating a file is most of the cost of writing one on these machines (up to 1.1 ms of kernel time,
 * by the minute; a rename ~0.02 ms), and creations in the outbox folder itself, next to the renames into it,
 * queue for that folder: the 1M scheduler tick's drain (570 mails) took 0.83 s that way and 0.72 s with four
 * staging folders (medians of 24 alternating runs).
 */
const STAGING_FOLDERS = 4;

/** The demo's mail server: each mail becomes an .eml file under DATA_DIR/outbox. */
export function fileMailer(dir: string, composer: MimeComposer): Mailer {
  const staging = Array.from({ length: STAGING_FOLDERS }, (_, i) => join(dir, '.staging', String(i)));
  // Created once per mailer (a scheduler tick writes hundreds of mails; mkdir each time showed in its profile),
  // the outbox with them.
  let folders: Promise<unknown> | null = null;
  return {
    kind: 'file',
    send: async (mail, options) => {
      folders ??= Promise.all(staging.map((folder) => mkdir(folder, { recursive: true }))).catch((error: unknown) => {
        folders = null;
        throw error;
      });
      await folders;
      const id = mail.messageId.replace(/[^A-Za-z0-9.@-]/g, '_');
      const name = `${Date.now()}-${id}.eml`;
      // One staged name per mail, whatever the try: a killed try's file is overwritten by the next, not left
      // beside it for recoverStaged to deliver once the mail is recorded as sent (that delivered it twice).
      const temp = join(staging[folderOf(id)] as string, `${id}.eml.tmp`);
      try {
        await composer.composeToFile(mail, 'unix', temp);
        // The rename is this mailer's "end of message": recorded as sent first, like SMTP's final dot.
        await options?.confirm?.();
      } catch (error) {
        // Not recorded as sent: the outbox will send it again, so the unfinished file goes.
        await rm(temp, { force: true }).catch(() => undefined);
        throw error;
      }
      await rename(temp, join(dir, name));
      return { response: `written ${name}` };
    },
    recover: (isSent, olderThanMs) => recoverStaged(dir, staging, isSent, olderThanMs),
    close: () => void composer.close(),
  };
}

/** The staging folder of a mail, the same for each of its tries; spread evenly over the folders. */
function folderOf(id: string): number {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) >>> 0;
  return hash % STAGING_FOLDERS;
}

/** Enough of a staged mail to hold its header block, where its Message-ID is. */
const HEAD_BYTES = 64 * 1024;

/**
 * A process killed between recording a mail as sent and renaming its file into the outbox leaves the file here,
 * staged: the mail would be lost. One killed before the record leaves a file of a mail that will be sent again.
 * Files untouched for `olderThanMs` (no live send takes that long) are finished or dropped accordingly.
 */
async function recoverStaged(dir: string, staging: string[], isSent: (messageId: string) => boolean, olderThanMs: number): Promise<{ finished: number; dropped: number }> {
  const result = { finished: 0, dropped: 0 };
  const before = Date.now() - olderThanMs;
  for (const folder of staging) {
    const names = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    for (const name of names.filter((n) => n.endsWith('.eml.tmp'))) {
      const path = join(folder, name);
      const { mtimeMs } = await stat(path);
      if (mtimeMs > before) continue;
      if (isSent(messageIdIn(await readHead(path)) ?? '')) {
        await rename(path, join(dir, deliveredName(name, mtimeMs)));
        result.finished++;
      } else {
        await rm(path, { force: true });
        result.dropped++;
      }
    }
  }
  return result;
}

/** The outbox name of a staged file: written at its mtime (files staged by versions before have that prefix). */
function deliveredName(staged: string, mtimeMs: number): string {
  const name = staged.slice(0, -'.tmp'.length);
  return /^\d+-/.test(name) ? name : `${Math.floor(mtimeMs)}-${name}`;
}

async function readHead(path: string): Promise<string> {
  const file = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(HEAD_BYTES), 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead).toString('latin1');
  } finally {
    await file.close();
  }
}

/**
 * The Message-ID of the header block, without its angle brackets; null when it has none. Unfolded first:
 * nodemailer folds a long one onto the next line ("Message-ID:\n <vt...@a-long-support-domain>"), and a mail
 * recorded as sent whose id went unread was dropped here, never to be sent again.
 */
function messageIdIn(mail: string): string | null {
  const head = (mail.split(/\r?\n\r?\n/, 1)[0] ?? '').replace(/\r?\n[ \t]+/g, ' ');
  return /^Message-ID:[ \t]*<([^>\r\n]+)>/im.exec(head)?.[1] ?? null;
}
