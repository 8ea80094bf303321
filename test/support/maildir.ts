import { chmodSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mail } from './app.js';
import type { DovecotServer } from './dovecot.js';

// Mail the IMAP server cannot return: its Maildir file unreadable (mode 0; Dovecot reads mail as nobody), so Dovecot
// closes the connection on each FETCH of it, as it does for a corrupt file.

/** Every file of the user's Maildir (cur/ and new/). */
function maildirFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\/(cur|new)\//.test(path)) out.push(path);
    }
  };
  walk(root);
  return out;
}

/** Appends the mails named, each with its name as Message-ID and subject; those named POISON... unreadable to the server. */
export async function appendWithPoison(dovecot: DovecotServer, names: string[]): Promise<void> {
  await dovecot.appendMany(names.map((name) => mail({ headers: { 'Message-ID': `<${name}@cliente.mx>`, Subject: name } })));
  const files = maildirFiles(join(dovecot.dir, 'mail'));
  for (const name of names.filter((n) => n.startsWith('POISON'))) {
    const victim = files.find((file) => readFileSync(file, 'latin1').includes(`<${name}@cliente.mx>`));
    if (!victim) throw new Error(`the message file of ${name} was not found`);
    chmodSync(victim, 0);
  }
}
