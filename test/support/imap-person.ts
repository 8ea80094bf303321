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

/** Dovecot's capability list (imap_capability), so that a test can take some away and be a server without them. */
const DOVECOT_CAPABILITIES =
  'IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT ' +
  'MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ' +
  'ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY LITERAL+ MOVE NOTIFY';

/** Dovecot's capabilities less `missing` (e.g. MOVE: a server without RFC 6851; UIDPLUS: one without UID EXPUNGE). */
export function dovecotCapabilitiesWithout(...missing: string[]): string {
  return DOVECOT_CAPABILITIES.split(' ').filter((c) => !missing.includes(c)).join(' ');
}
