import { writeFileSync } from 'node:fs';
import { serveRequests } from '../workers/serve.js';
import type { FileWrite } from './mime-composer.js';

// The file writer's thread: writes the file mailer's mails built in the main thread, each with blocking calls
// (mime-composer.ts says why). It loads nothing else, so it starts in a few milliseconds.

serveRequests(async ({ file, raw }: FileWrite) => {
  writeFileSync(file, raw);
});
