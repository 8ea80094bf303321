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
  /**
   * RCPT TO replies by address (lower case), e.g. 451 greylisting, 550 no such user, 552 too many recipients or
   * a full mailbox; others are accepted.
   */
  refuseRecipients: Map<string, 451 | 550 | 552>;
  /** The text of a refusal of refuseRecipients, by address, instead of the code's usual one ("No such user" for 550). */
  recipientReplies: Map<string, string>;
  /** While set, RCPT TO is answered only once it resolves (a server slow in the dialogue): the sender waits there. */
  rcptGate: Promise<void> | null;
  /** RCPT TO commands waiting for the gate now. */
  rcptWaiting: number;
  /** The sessions waiting at the gate when it opens are dropped, unanswered (an idle dialogue timed out by the server or a NAT). */
  dropAtGate: boolean;
  /** The next N mails: the whole message is read, then the connection is dropped without a reply to the final dot. */
  dropAfterDot: number;
  /**
   * The next N mails: the connection is dropped at the first bytes of the message, long before its end (a server
   * that crashed, or a link that broke, mid-transfer); a message bigger than the socket buffers is still being written.
   */
  dropMidData: number;
  /** The mails whose connection was dropped mid-message (dropMidData), and the bytes of each the server had read. */
  droppedMidData: number[];
  /** How long the server takes to answer the final dot (a relay that scans the mail first); 0: at once. */
  answerDotAfterMs: number;
  /** Mails read whole whose answer the server is holding back now (answerDotAfterMs). */
  answering: number;
  /** Mails whose answer the server held back, in all (a hold still running from an earlier test counts in `answering`). */
  held: number;
  /** The mails read whole before the connection was dropped (dropAfterDot): the sender could not know they arrived. */
  droppedAfterDot: Buffer[];
  /** Called with each accepted mail, after it is in `received` (e.g. to deliver it on, or to answer it). */
  onMail: ((mail: ReceivedMail) => void) | null;
  down(): Promise<void>;
  up(): Promise<void>;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  env(): Record<string, string>;
  stop(): Promise<void>;
}

/** A header as the SMTP server got it: its lines, folding kept (the first field of that name). */
export function rawHeaderLines(m: Pick<ReceivedMail, 'raw'>, name: string): string[] {
  const head = m.raw.subarray(0, m.raw.indexOf('\r\n\r\n')).toString('latin1');
  const lines = head.split('\r\n');
  const start = lines.findIndex((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  let end = start + 1;
  while (end < lines.length && /^[ \t]/.test(lines[end] as string)) end++;
  return lines.slice(start, end);
}

function headerOf(parsed: ParsedMail, name: string): string | undefined {
  const line = parsed.headerLines.find((h) => h.key === name.toLowerCase())?.line;
  return line?.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
}

/**
 * A real SMTP server in the test process (the `smtp-server` package), as nodemailer's own tests do. Its
 * bundled certificate expired, so STARTTLS is disabled; auth is optional, unless `auth` names the one login
 * it takes (read at each login: a test may change it): its password, or with `accessToken` (SASL XOAUTH2) the
 * token it takes now.
 */
export async function startSmtpPeer(options: { auth?: { user: string; pass: string; accessToken?: () => string | null } } = {}): Promise<SmtpPeer> {
  const port = await freePort();
  const peer: SmtpPeer = {
    port,
    received: [],
    failWith: null,
    refuseRecipients: new Map(),
    recipientReplies: new Map(),
    rcptGate: null,
    rcptWaiting: 0,
    dropAtGate: false,
    dropAfterDot: 0,
    dropMidData: 0,
    droppedMidData: [],
    answerDotAfterMs: 0,
    answering: 0,
    held: 0,
    droppedAfterDot: [],
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
      disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !options.auth,
      allowInsecureAuth: true,
      logger: false,
      size: 50 * 1024 * 1024,
      // down() drops the connections a client keeps open (a pool) within a second, as a server that stops does;
      // smtp-server's default waits 30 s for them to end.
      closeTimeout: 1_000,
      ...(options.auth?.accessToken ? { authMethods: ['PLAIN', 'LOGIN', 'XOAUTH2'] } : {}),
      onAuth(auth, _session, callback) {
        if (auth.method === 'XOAUTH2') {
          const good = auth.username === options.auth?.user && auth.accessToken !== undefined && auth.accessToken === options.auth?.accessToken?.();
          // As Gmail and Microsoft 365 answer a bad token: a 334 challenge with the error, then 535.
          return good ? callback(null, { user: auth.username }) : callback(null, { data: { status: '401', schemes: 'bearer', scope: 'https://mail.google.com/' } });
        }
        if (auth.username === options.auth?.user && auth.password === options.auth?.pass) return callback(null, { user: auth.username });
        callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      async onRcptTo(address, session, callback) {
        if (peer.rcptGate) {
          peer.rcptWaiting++;
          await peer.rcptGate;
          peer.rcptWaiting--;
          const connections = (server as unknown as { connections: Set<{ id: string; _socket: { destroy(): void } }> }).connections;
          if (peer.dropAtGate) return [...connections].find((c) => c.id === session.id)?._socket.destroy();
        }
        const code = peer.refuseRecipients.get(address.address.toLowerCase());
        if (!code) return callback();
        const text = peer.recipientReplies.get(address.address.toLowerCase()) ?? { 451: 'Greylisted, try again later', 550: 'No such user', 552: 'Too many recipients' }[code];
        callback(Object.assign(new Error(text), { responseCode: code }));
      },
      onData(stream, session, callback) {
        const socketOf = () => (server as unknown as { connections: Set<{ id: string; _socket: { destroy(): void } }> }).connections;
        if (peer.dropMidData > 0) {
          peer.dropMidData--;
          // The first chunk, not the end: what the server read of the message then is kept, the rest never read.
          return void stream.once('data', (first: Buffer) => {
            peer.droppedMidData.push(first.length);
            [...socketOf()].find((c) => c.id === session.id)?._socket.destroy();
          });
        }
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', async () => {
          if (peer.failWith) {
            const error = new Error(peer.failWith === 451 ? 'Try again later' : 'Mailbox unavailable') as Error & { responseCode: number };
            error.responseCode = peer.failWith;
            return callback(error);
          }
          if (peer.dropAfterDot > 0) {
            peer.dropAfterDot--;
            // The whole message arrived, but its sender never hears so: the reply is lost with the connection.
            peer.droppedAfterDot.push(Buffer.concat(chunks));
            return [...socketOf()].find((c) => c.id === session.id)?._socket.destroy();
          }
          if (peer.answerDotAfterMs > 0) {
            peer.answering++;
            peer.held++;
            await new Promise((resolve) => setTimeout(resolve, peer.answerDotAfterMs));
            peer.answering--;
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
