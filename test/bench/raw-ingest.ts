import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { simpleParser } from 'mailparser';

/**
 * The ingest benchmark's raw capability: connect, FETCH 1:* (BODY.PEEK[]) read-only, parse each source with
 * mailparser, no database. Fails unless it parsed `expected` mails. `range`: the messages, by sequence number.
 */
export async function fetchAndParseAll(options: ImapFlowOptions, expected: number, range = '1:*'): Promise<void> {
  const client = new ImapFlow({ ...options, logger: false, disableAutoIdle: true });
  await client.connect();
  let parsed = 0;
  try {
    await client.mailboxOpen('INBOX', { readOnly: true });
    for await (const message of client.fetch(range, { uid: true, source: true })) {
      if (!message.source) throw new Error(`no source for UID ${message.uid}`);
      await simpleParser(message.source);
      parsed++;
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
  if (parsed !== expected) throw new Error(`raw fetch parsed ${parsed} mails, expected ${expected}`);
}
