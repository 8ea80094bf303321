import { serveRequests } from '../workers/serve.js';
import { ownBytes } from '../workers/thread-client.js';
import { buildMime, type Newline } from './mime-build.js';
import type { OutgoingMail } from './mailer.js';

// The compose worker's thread: builds outgoing mails as MIME (mime-build.ts) while the main thread records
// and sends. Attachments are read here, from the blob store's files.

serveRequests(
  async ({ mail, newline }: { mail: OutgoingMail; newline: Newline }) => {
    const built = await buildMime(mail, newline);
    // Its own memory, handed back whole (a small Buffer shares a pool with others).
    return { ...built, raw: ownBytes(built.raw) };
  },
  (built) => [built.raw.buffer],
);
