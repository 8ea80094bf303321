import type { Alert } from '../outbound/operator-alerts.js';

// What the administrators are told (ALERT_ADDRESS) of mail set aside for a person: one the pipeline could not
// process (pipeline.ts), one the IMAP server cannot return (sources/imap-unreadable.ts).

/** A mail the pipeline could not process, kept in the quarantine. */
export function quarantinedAlert(mail: { code: string; from: string | null; subject: string | null; sha256: string }, at: Date): Alert {
  const named = [mail.from ? `from ${mail.from}` : 'with no sender read', mail.subject ? `subject "${mail.subject}"` : null].filter(Boolean).join(', ');
  return {
    kind: 'mail_quarantined',
    headline: 'a mail was quarantined',
    what: `A mail could not be processed (${mail.code}) and was quarantined: ${named}; SHA-256 ${mail.sha256}.`,
    doing: 'the mail is kept raw with its error and opened no ticket; nobody was answered. It stays in the quarantine until `ventanilla replay` processes it again (once the cause is fixed). Other mail is handled as usual.',
    commands: ['ventanilla quarantine', `ventanilla raw-mail ${mail.sha256}`, 'ventanilla replay'],
    at,
  };
}

/** A message the IMAP server cannot return, set aside in its mailbox. */
export function setAsideAlert(message: { mailbox: string; uid: number; how: string; keyword: string }, at: Date): Alert {
  return {
    kind: 'mail_set_aside',
    headline: 'a message the IMAP server cannot return was set aside',
    what: `The IMAP server could not return message UID ${message.uid} of ${message.mailbox}: ${message.how}. It was set aside (inbound outcome quarantined).`,
    doing: `the message is left in ${message.mailbox} with the keyword ${message.keyword}, unread, and the gateway goes on with the mail after it. A person must look at it on the mail server (its file may be unreadable or damaged); once it can be read, save it as a file and run \`ventanilla ingest <file>\`.`,
    commands: ['ventanilla inbound --outcome quarantined'],
    at,
  };
}
