import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { inTransaction, type Db } from '../../store/database.js';
import { enqueueOperatorAlert, type Alert, type AlertDeps } from '../../outbound/operator-alerts.js';

type ImapSettings = NonNullable<Config['imap']>;

/**
 * What the Acknowledger (imap-acknowledge.ts) tells of the processed folder: a MOVE refused (the folder there), the
 * folder the server will not create (once a spell: each session's CREATE, each poll's MOVE, said it again, and the
 * administrators never heard of it), and the folder made at last.
 */
export interface ProcessedFolderReports {
  moveRefused(reason: string): void;
  folderMissing(reason: string): void;
  folderMade(): void;
}

/** The server will not create IMAP_PROCESSED_MAILBOX: recorded mail piles up in the watched folder, flagged. */
export function processedFolderMissingAlert(o: { mailbox: string; processedMailbox: string; reason: string }, at: Date): Alert {
  return {
    kind: 'processed_folder_missing',
    headline: 'the processed folder cannot be created',
    what: `The IMAP server will not create the folder ${o.processedMailbox} (IMAP_PROCESSED_MAILBOX), where recorded mail is moved: ${o.reason}.`,
    doing:
      `mail is read and answered as usual; once recorded it stays in ${o.mailbox}, flagged $VentanillaProcessed, and is moved as soon as the folder can be made ` +
      '(tried again every 15 minutes, and at each start). Set IMAP_PROCESSED_MAILBOX to a name the server allows (a `.` or `/` as its folders are separated) ' +
      'and start the daemon again, or create the folder on the server.',
    commands: ['ventanilla inbound --limit 5'],
    next: 'No other alert of this kind is sent while the daemon runs and the folder stays missing (and never two within AUTO_MAIL_WINDOW_MINUTES).',
    at,
  };
}

/** The log lines, and the one alert to ALERT_ADDRESS when the folder cannot be made. */
export function processedFolderReports(s: ImapSettings, deps: { db: Db; log: Logger; alerts?: AlertDeps }): ProcessedFolderReports {
  const { log } = deps;
  return {
    moveRefused: (reason) => log.warn({ reason }, 'IMAP move refused; the mails stay flagged in the mailbox until a later drain moves them'),
    folderMissing: (reason) => {
      log.warn({ reason }, 'IMAP processed folder missing: recorded mails stay flagged in the mailbox until it can be made, tried again every 15 minutes (check IMAP_PROCESSED_MAILBOX)');
      const alert = processedFolderMissingAlert({ mailbox: s.mailbox, processedMailbox: s.processedMailbox, reason }, new Date());
      // The mail goes on being read: a failed write of the alert is logged, not the session's end.
      inTransaction(deps.db, (tx) => enqueueOperatorAlert(tx, deps.alerts, alert)).catch((error: unknown) => log.warn({ err: error, kind: alert.kind }, 'the alert to the administrators could not be written'));
    },
    folderMade: () => log.info('IMAP processed folder made: the recorded mails left flagged in the mailbox are moved there'),
  };
}
