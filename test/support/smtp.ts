import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './ports.js';

export interface ReceivedMail {
  raw: Buffer;
  parsed: ParsedMail;
  envelopeTo: string[];
  /** Header lookup by lower-case name, raw value (unfolded). */
  header(name: string): string | undefined;
}

export interface SmtpPeer {
  port: number;
  received: ReceivedMail[];
  /** Reply 451 (temporary) or 550 (permanent) to the next DATA commands; null: accept. */
  failWith: 451 | 550 | null;
  /** Called with each accepted mail, after it is in `received` (e.g. to deliver it on, or to answer it). */
  onMail: ((mail: ReceivedMail) => void) | null;
  down(): Promise<void>;
  up(): Promise<void>;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  env(): Record<string, string>;
  stop(): Promise<void>;
}

function headerOf(parsed: ParsedMail, name: string): string | undefined {
  const line = parsed.headerLines.find((h) => h.key === name.toLowerCase())?.line;
  return line?.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
}

/**
 * A real SMTP server in the test process (the `smtp-server` package), as nodemailer's own tests do. Its
 * bundled certificate expired, so STARTTLS is disabled; auth is optional.
 */
export async function startSmtpPeer(): Promise<SmtpPeer> {
  const port = await freePort();
  const peer: SmtpPeer = {
    port,
    received: [],
    failWith: null,
    onMail: null,
    down: async () => {
      await new Promise<void>((resolve) => server?.close(() => resolve()));
      server = null;
    },
    up: async () => {
      server = create();
      // A client killed mid-transfer (crash tests) resets its connection: expected, not a test failure.
      server.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') console.error('SMTP peer error', error);
      });
      await new Promise<void>((resolve, reject) => {
        server?.once('error', reject);
        server?.listen(port, '127.0.0.1', () => resolve());
      });
    },
    waitFor: async (count, timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs;
      while (peer.received.length < count) {
        if (Date.now() > deadline) throw new Error(`SMTP peer got ${peer.received.length} mails, expected ${count}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return peer.received;
    },
    env: () => ({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port), SMTP_SECURE: 'false' }),
    stop: () => peer.down(),
  };
  const create = () =>
    new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      authOptional: true,
      logger: false,
      size: 50 * 1024 * 1024,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', async () => {
          if (peer.failWith) {
            const error = new Error(peer.failWith === 451 ? 'Try again later' : 'Mailbox unavailable') as Error & { responseCode: number };
            error.responseCode = peer.failWith;
            return callback(error);
          }
          const raw = Buffer.concat(chunks);
          const parsed = await simpleParser(raw);
          const received: ReceivedMail = { raw, parsed, envelopeTo: session.envelope.rcptTo.map((r) => r.address), header: (name) => headerOf(parsed, name) };
          peer.received.push(received);
          callback();
          peer.onMail?.(received);
        });
      },
    });
  let server: SMTPServer | null = null;
  await peer.up();
  return peer;
}
