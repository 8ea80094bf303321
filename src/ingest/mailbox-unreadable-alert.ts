import { deskTime } from '../domain/desk-time.js';
import type { Alert } from '../outbound/operator-alerts.js';

// What the administrators are told (ALERT_ADDRESS) when the daemon cannot read its mailbox at all (the IMAP password
// changed, an OAuth2 grant revoked, the server down or unreachable, TLS refused), and when it reads it again
// (sources/imap-outage.ts). Customers' mail waits on the server meanwhile, unanswered.

export interface MailboxOutage {
  /** IMAP_MAILBOX. */
  mailbox: string;
  host: string;
  port: number;
  secure: boolean;
  user: string;
  oauth2: boolean;
  /** When the mailbox was last read (caught up, or a mail recorded), or when the gateway started. */
  since: Date;
  /** Whether it was ever read since the gateway started (`since` is then the start). */
  everRead: boolean;
  /** Failed attempts since then. */
  failures: number;
  /** The last failure as the log says it (imapFailureReason). */
  reason: string;
}

const account = (o: Pick<MailboxOutage, 'user' | 'host' | 'port'>) => `${o.user}@${o.host}:${o.port}`;

/**
 * Both alerts name their mailbox in a header (several desks on one database, or one ALERT_ADDRESS: a filter tells
 * them apart), as its lease and cursor do, and since when it went unread in another (the "read again" the same as
 * its alert). A restart reads them back from the outbox (sources/imap-outage.ts), to send the "read again" that an
 * alert before it is owed.
 */
export const MAILBOX_HEADER = 'X-Ventanilla-Mailbox';
export const UNREAD_SINCE_HEADER = 'X-Ventanilla-Unread-Since';
export const mailboxKey = (o: Pick<MailboxOutage, 'mailbox' | 'user' | 'host' | 'port'>) => `${account(o)}/${o.mailbox}`;
/** The lease a drain of the mailbox takes (sources/imap.ts): when it was last released, the mailbox was last opened. */
export const mailboxLeaseName = (o: Pick<MailboxOutage, 'mailbox' | 'user' | 'host' | 'port'>) => `mailbox:${mailboxKey(o)}`;

/** The mailbox has gone unread for longer than the lifecycle timers' hold (imap-outage.ts) and the last attempt failed. */
export function mailboxUnreadableAlert(o: MailboxOutage, timeZone: string, at: Date): Alert {
  const since = `${o.everRead ? 'it was last read at' : 'the gateway started at'} ${deskTime(o.since, timeZone)}`;
  const minutes = Math.max(1, Math.round((at.getTime() - o.since.getTime()) / 60_000));
  // The same login from this machine, outside the gateway: curl asks for the password (not for an OAuth2 token).
  const login = o.oauth2 ? [] : [`curl --user '${o.user}' '${o.secure ? 'imaps' : 'imap'}://${o.host}:${o.port}/${encodeURIComponent(o.mailbox)}'`];
  return {
    kind: 'mailbox_unreadable',
    headline: 'the mailbox cannot be read',
    what:
      `The gateway could not read the mailbox ${o.mailbox} of ${account(o)} since ${since} (about ${minutes} min, ${o.failures} failed attempts): ` +
      `mail to the desk waits on the server, and nobody is answered. The last error: ${o.reason}.`,
    doing:
      'it tries again every minute (sooner at first) and reads the waiting mail as soon as it can, oldest first; nothing is lost. Meanwhile ' +
      'reminders and closes for lack of an answer are held (the answer may be waiting in the mailbox); the outbox is sent as usual. ' +
      'The configuration is read at the start: a changed IMAP_PASSWORD (or other IMAP_ setting) needs the daemon (`ventanilla start`) started again. ' +
      'Each attempt is logged as "IMAP session failed; reconnecting" with its reason; another mail says when the mailbox is read again.',
    commands: [...login, 'ventanilla inbound --limit 5'],
    next: 'No other alert of this kind is sent until the mailbox has been read again, however long that takes (and never two within AUTO_MAIL_WINDOW_MINUTES).',
    headers: { [MAILBOX_HEADER]: mailboxKey(o), [UNREAD_SINCE_HEADER]: o.since.toISOString() },
    at,
  };
}

/** The mailbox is read again after a mailboxUnreadableAlert. */
export function mailboxReadableAgainAlert(o: Pick<MailboxOutage, 'mailbox' | 'host' | 'port' | 'user'> & { unreadSince: Date }, timeZone: string, at: Date): Alert {
  return {
    kind: 'mailbox_readable_again',
    headline: 'the mailbox is read again',
    what: `The gateway reads the mailbox ${o.mailbox} of ${account(o)} again: it had not been read since ${deskTime(o.unreadSince, timeZone)}. The mail that waited has been recorded.`,
    doing: 'mail is answered as usual, and the reminders and closes held meanwhile run again.',
    commands: ['ventanilla inbound'],
    next: 'At most one of these per AUTO_MAIL_WINDOW_MINUTES.',
    headers: { [MAILBOX_HEADER]: mailboxKey(o), [UNREAD_SINCE_HEADER]: o.unreadSince.toISOString() },
    at,
  };
}
