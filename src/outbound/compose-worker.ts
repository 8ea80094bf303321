import { writeFileSync } from 'node:fs';
import { serveRequests } from '../workers/serve.js';
import { ownBytes } from '../workers/thread-client.js';
import { buildMime } from './mime-build.js';
import type { ComposeRequest } from './mime-composer.js';

// The compose worker's thread: builds outgoing mails as MIME (mime-build.ts) while the main thread records
// and sends. Attachments are read here, from the blob store's files; the file mailer's files are written here.

serveRequests(
  async ({ mail, newline, file }: ComposeRequest) => {
    const built = await buildMime(mail, newline);
    if (file) {
      writeFileSync(file, built.raw);
      return { ...built, raw: new Uint8Array(0) };
    }
    // Its own memory, handed back whole (a small Buffer shares a pool with others).
    return { ...built, raw: ownBytes(built.raw) };
  },
  { transferOf: (built) => [built.raw.buffer] },
);
