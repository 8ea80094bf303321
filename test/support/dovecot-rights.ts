import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DovecotServer } from './dovecot.js';

/**
 * What the mailbox's owner (the test user) may do in `folder` of a Dovecot started with `acl: true`: RFC 4314's
 * letters (`lr`: see and read it, not add mail to it), or null for every right (the ACL file removed); INBOX's
 * file is the Maildir's own. Dovecot reads the file again at each command: a test takes a right away and gives it
 * back while a session works.
 */
export function setFolderRights(dovecot: DovecotServer, folder: string, rights: string | null): void {
  const [local, domain = ''] = dovecot.user.split('@');
  // Maildir++: a folder is ".<name>" under the Maildir (ASCII names only), INBOX the Maildir itself.
  const dir = join(dovecot.dir, 'mail', domain, local!, 'Maildir', folder === 'INBOX' ? '' : `.${folder}`);
  if (!existsSync(dir)) throw new Error(`no Maildir folder for ${folder} at ${dir}`);
  const file = join(dir, 'dovecot-acl');
  if (rights === null) rmSync(file, { force: true });
  else writeFileSync(file, `owner ${rights}\n`);
}
