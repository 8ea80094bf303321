import type { Logger } from 'pino';
import { asBuffer, ThreadClient, workerScript } from '../workers/thread-client.js';
import type { OutgoingMail } from './mailer.js';
import { buildMime, type BuiltMail, type Newline } from './mime-build.js';

type Request = { mail: OutgoingMail; newline: Newline };

/**
 * Builds outgoing mails as MIME in a worker thread (compose-worker.ts): nodemailer's build is most of a send's
 * CPU, and a drain sends while ingest or the scheduler records on the main thread. Without the built worker,
 * in this thread: the same bytes either way.
 */
export class MimeComposer {
  private readonly thread: ThreadClient<Request, BuiltMail> | null;

  constructor(log: Pick<Logger, 'error'>) {
    const script = workerScript(import.meta.url, 'compose-worker');
    this.thread = script ? new ThreadClient(script, null, log, 'mail composition') : null;
  }

  async compose(mail: OutgoingMail, newline: Newline): Promise<BuiltMail> {
    if (!this.thread) return buildMime(mail, newline);
    const built = await this.thread.request({ mail, newline });
    return { ...built, raw: asBuffer(built.raw) };
  }

  close(): Promise<void> {
    return this.thread?.close() ?? Promise.resolve();
  }
}
