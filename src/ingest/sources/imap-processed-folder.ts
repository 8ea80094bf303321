import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { inTransaction, type Db } from '../../store/database.js';
import { enqueueOperatorAlert, type Alert, type AlertDeps } from '../../outbound/operator-alerts.js';

type ImapSettings = NonNullable<Config['imap']>;

/**
 * What the Acknowledger (imap-acknowledge.ts) tells of the processed folder, each once a spell (each session's
 * CREATE, each poll's MOVE, said it again, and the administrators never heard of it): the folder there refusing
 * the MOVE, and taking mail again; the folder the server will not create, and made at last.
 */
export interface ProcessedFolderReports {
  moveRefused(reason: string): void;
  moveTaken(): void;
  folderMissing(reason: string): void;
  folderMade(): void;
  /** Gone when mail was moved (someone deleted it), made again at once: the log alone. */
  folderMadeAgain(): void;
}

/** What each alert of the folder says the gateway does meanwhile, before what a person can change. */
const flaggedMeanwhile = (mailbox: string) => `mail is read and answered as usual; once recorded it stays in ${mailbox}, flagged $VentanillaProcessed, and is moved`;

/** The server will not create IMAP_PROCESSED_MAILBOX: recorded mail piles up in the watched folder, flagged. */
export function processedFolderMissingAlert(o: { mailbox: string; processedMailbox: string; reason: string }, at: Date): Alert {
  return {
    kind: 'processed_folder_missing',
    headline: 'the processed folder cannot be created',
    what: `The IMAP server will not create the folder ${o.processedMailbox} (IMAP_PROCESSED_MAILBOX), where recorded mail is moved: ${o.reason}.`,
    doing:
      `${flaggedMeanwhile(o.mailbox)} as soon as the folder can be made ` +
      '(tried again every 15 minutes, and at each start). Set IMAP_PROCESSED_MAILBOX to a name the server allows (a `.` or `/` as its folders are separated) ' +
      'and start the daemon again, or create the folder on the server.',
    commands: ['ventanilla inbound --limit 5'],
    next: 'No other alert of this kind is sent while the daemon runs and the folder stays missing (and never two within AUTO_MAIL_WINDOW_MINUTES).',
    at,
  };
}

/**
 * IMAP_PROCESSED_MAILBOX is there but refuses our mail (the IMAP user may not add to it, or not delete from the
 * watched folder, the account is over quota, the folder is read-only): recorded mail piles up in the watched
 * folder, flagged, a warning at each drain.
 */
export function processedFolderRefusedAlert(o: { mailbox: string; processedMailbox: string; reason: string }, at: Date): Alert {
  return {
    kind: 'processed_folder_refused',
    headline: 'the processed folder refuses mail',
    what: `The IMAP server refuses to move recorded mail into the folder ${o.processedMailbox} (IMAP_PROCESSED_MAILBOX): ${o.reason}.`,
    doing:
      `${flaggedMeanwhile(o.mailbox)} as soon as the folder takes it (tried again at each poll). Give IMAP_USER the right to add mail to ` +
      // A MOVE takes the mail out of the watched folder too: a server refuses it in the same words without that right.
      `${o.processedMailbox} (the IMAP ACL right 'i') and the right to delete mail from ${o.mailbox} (the IMAP ACL rights 't' and 'e'), ` +
      'free room if the account is over quota, or set IMAP_PROCESSED_MAILBOX to a folder it may fill and start the daemon again.',
    commands: ['ventanilla inbound --limit 5'],
    next: 'No other alert of this kind is sent while the daemon runs and the folder keeps refusing; one comes again if it takes mail and later refuses it (never two within AUTO_MAIL_WINDOW_MINUTES).',
    at,
  };
}

/** The log lines, and one alert to ALERT_ADDRESS a spell when the folder cannot be made or refuses the mail. */
export function processedFolderReports(s: ImapSettings, deps: { db: Db; log: Logger; alerts?: AlertDeps }): ProcessedFolderReports {
  const { log } = deps;
  const folder = { mailbox: s.mailbox, processedMailbox: s.processedMailbox };
  const tell = (alert: Alert) =>
    // The mail goes on being read: a failed write of the alert is logged, not the session's end.
    inTransaction(deps.db, (tx) => enqueueOperatorAlert(tx, deps.alerts, alert)).catch((error: unknown) => log.warn({ err: error, kind: alert.kind }, 'the alert to the administrators could not be written'));
  return {
    moveRefused: (reason) => {
      log.warn({ reason }, 'IMAP move refused: recorded mails stay flagged in the mailbox, moved by the first drain the folder takes them at (told once until then; check the rights on IMAP_PROCESSED_MAILBOX, the quota)');
      void tell(processedFolderRefusedAlert({ ...folder, reason }, new Date()));
    },
    moveTaken: () => log.info('IMAP processed folder takes mail again: the recorded mails left flagged in the mailbox are moved there'),
    folderMissing: (reason) => {
      log.warn({ reason }, 'IMAP processed folder missing: recorded mails stay flagged in the mailbox until it can be made, tried again every 15 minutes (check IMAP_PROCESSED_MAILBOX)');
      void tell(processedFolderMissingAlert({ ...folder, reason }, new Date()));
    },
    folderMade: () => log.info('IMAP processed folder made: the recorded mails left flagged in the mailbox are moved there'),
    folderMadeAgain: () => log.warn({ folder: s.processedMailbox }, 'IMAP processed folder was gone (deleted?) and is made again: the recorded mails are moved there'),
  };
}
