import type { IngestResult } from '../pipeline.js';

/** What the daemon (app.ts) hears from an ImapSource (imap.ts) as it works through the mailbox. */
export interface ImapSourceEvents {
  onResult?: (r: IngestResult & { uid: number }) => void;
  /**
   * A drain found more than one batch to record: a backlog (outbound/inbound-first.ts). Called once the first
   * batch is with the preparation worker, so what the caller does then (the daemon builds its HTTP server) does
   * not hold that batch back.
   */
  onBacklog?: () => void;
  /** The mailbox has nothing left to process and the session starts waiting for news (after every drain). */
  onCaughtUp?: () => void;
}
