import { ImapFlow } from 'imapflow';
import type { DovecotServer } from './dovecot.js';

/**
 * Two sessions on the mailbox, both with INBOX selected: the gateway's (`ours`) and a person's mail client
 * (`person`), whose changes `ours` is told of only with the answer to its next command. Both are logged out by
 * the cleanups pushed on `cleanups`.
 */
export async function ourSessionAndAPerson(dovecot: DovecotServer, cleanups: Array<() => unknown>): Promise<{ ours: ImapFlow; person: ImapFlow }> {
  const ours = new ImapFlow({ ...dovecot.imapConfig(), logger: false });
  const person = new ImapFlow({ ...dovecot.imapConfig(), logger: false });
  await ours.connect();
  await person.connect();
  cleanups.push(() => ours.logout(), () => person.logout());
  await ours.mailboxOpen('INBOX');
  await person.mailboxOpen('INBOX');
  return { ours, person };
}
