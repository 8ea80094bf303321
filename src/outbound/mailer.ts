import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { tokenSourceFor, type OAuth2Settings } from '../oauth2-token.js';
import { MimeComposer } from './mime-composer.js';
import { fileMailer } from './file-mailer.js';
import { refusedOf } from './smtp-errors.js';

export interface OutgoingMail {
  from: string;
  to: string[];
  cc: string[];
  replyTo?: string | null;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  inReplyTo?: string | null;
  references?: string[];
  headers: Record<string, string>;
  attachments: Array<{ filename: string; contentType: string; path: string }>;
  /**
   * The recipients still owed the mail, when only some took it before (a 4xx to RCPT TO for the others):
   * the envelope goes to them alone, while the headers still name everyone, as in the first sending.
   */
  envelopeTo?: string[];
}

/** A recipient the server refused at RCPT TO while it took the mail for others (nodemailer's rejectedErrors). */
export interface RefusedRecipient {
  address: string;
  /** 4xx (and 552: smtp-errors.ts): try again later; other 5xx: never (the server's reply code; absent when it gave none). */
  responseCode?: number;
  response: string;
}

export interface SendOptions {
  /**
   * Called once the whole message has been handed to the server except its end (SMTP's final
   * "<CRLF>.<CRLF>"), which is written only after it resolves. The drainer records the mail as sent here:
   * a crash before leaves the server with an unfinished message that it discards (the mail is sent again
   * later); a crash after leaves a mail recorded as sent whose end is already on its way. So a crash never
   * doubles a mail; only a crash in the instant between the commit and the write of the last bytes (a few
   * microseconds per mail) could lose one. Everything before the end has left the process by then (holdEnd).
   */
  confirm?: () => Promise<void>;
  /**
   * Aborted: the mail is given up on where it is, its connection closed (nodemailer's pool), even while the server
   * has yet to answer its end; the send rejects (EABORT). The daemon's stop does so after a grace (drainer.ts).
   */
  signal?: AbortSignal;
}

export interface Mailer {
  readonly kind: 'smtp' | 'file';
  /** Resolves once the server took the mail for at least one recipient; `refused` names those it did not take. */
  send(mail: OutgoingMail, options?: SendOptions): Promise<{ response: string; refused?: RefusedRecipient[] }>;
  /**
   * Finishes or drops what a killed process left half-sent, untouched for `olderThanMs`: a mail `isSent` (its
   * record committed) is delivered, any other dropped (it is sent again). Only the file mailer has such leftovers.
   */
  recover?(isSent: (messageId: string) => boolean, olderThanMs: number): Promise<{ finished: number; dropped: number }>;
  close(): void;
}

const CONFIRM = 'ventanillaConfirm';

/**
 * Resolves once the stream's reader took everything it holds (its buffer empties as the reader reads, and
 * 'data' follows each read); rejects if the stream is destroyed first, so a mail that broke is not recorded.
 * The SMTP connection pipes the message only once the server said 354, and a small message is all in the
 * buffer before that: a 'data' listener added while nothing reads would start the flow itself and throw the
 * message away, so it is added once the flow started ('resume'), or at once if it had (even if paused).
 */
function handedOn(stream: Readable): Promise<void> {
  if (stream.readableLength === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (stream.readableLength > 0) return;
      stream.off('data', check).off('resume', listen).off('close', closed);
      resolve();
    };
    const listen = () => stream.on('data', check);
    const closed = () => reject(new Error('the message stream closed before its end'));
    stream.once('close', closed);
    if (stream.readableFlowing === null) stream.once('resume', listen);
    else listen();
  });
}

/**
 * What the gate gathers before handing it on: a mail is written to the socket in one piece (or pieces this
 * large) instead of one write per MIME part and header block, each a system call (a tenth of the drain's CPU
 * went to them); the bound keeps big attachments from being held whole.
 */
const GATHER_BYTES = 64 * 1024;

/** The streams a readable pipes into (Node keeps them in the readable's state; nothing public lists them). */
function pipesOf(stream: Readable): Readable[] {
  const pipes = (stream as unknown as { _readableState?: { pipes?: unknown } })._readableState?.pipes;
  return Array.isArray(pipes) ? (pipes as Readable[]) : pipes ? [pipes as Readable] : [];
}

/**
 * Resolves once every byte the stream handed on has left this process: through the streams it pipes into
 * (nodemailer's dot-escaping stream) and out of the socket's own queue, into the kernel, which delivers it even if
 * this process is killed. A server that reads slowly leaves bytes queued here: a mail recorded as sent then, and
 * the process killed, would reach the server without its end, and be lost (a bulletin crash test in CI lost three
 * that way). Rejects if one of the streams is destroyed first (the connection broke: the mail is not recorded).
 */
async function leftTheProcess(stream: Readable): Promise<void> {
  const hops: Readable[] = [];
  for (let next = pipesOf(stream); next.length > 0; next = next.flatMap(pipesOf)) hops.push(...next);
  // What a hop still holds: bytes not yet written on (the socket: not yet in the kernel), and for a stream that
  // pipes on, bytes it produced that the next one has not taken (a socket's readable side is the server's answers).
  const queued = (hop: Readable) => ((hop as unknown as { writableLength?: number }).writableLength ?? 0) + (pipesOf(hop).length > 0 ? hop.readableLength : 0);
  for (;;) {
    if (hops.some((hop) => hop.destroyed)) throw new Error('the connection closed before the message was sent');
    if (hops.every((hop) => queued(hop) === 0)) return;
    // Rare (a server slower than the socket's buffers): the socket's queue empties as the kernel takes it.
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Passes the message through; its end waits for confirm(). Errors of the input reach the output. */
export function holdEnd(input: Readable, confirm: () => Promise<void>): Readable {
  let held: Buffer[] = [];
  let heldBytes = 0;
  const release = (gate: Transform) => {
    gate.push(held.length === 1 ? held[0] : Buffer.concat(held, heldBytes));
    held = [];
    heldBytes = 0;
  };
  const gate = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      held.push(chunk);
      heldBytes += chunk.length;
      if (heldBytes >= GATHER_BYTES) release(this);
      callback();
    },
    flush(callback) {
      if (heldBytes > 0) release(this);
      handedOn(this)
        .then(() => leftTheProcess(this))
        .then(confirm)
        .then(() => callback(), (error: Error) => callback(error));
    },
  });
  input.once('error', (error) => gate.destroy(error));
  return input.pipe(gate);
}

/**
 * SASL XOAUTH2 with the IMAP app's tokens (oauth2-token.ts): nodemailer asks for one when it logs in, again once
 * it expires, and with `renew` when the server refused it.
 */
function oauth2Auth(user: string, settings: OAuth2Settings) {
  const tokens = tokenSourceFor(user, settings);
  return {
    type: 'OAuth2' as const,
    user,
    provisionCallback: (_user: string, renew: boolean, done: (error: Error | null, token?: string, expires?: number) => void) => {
      if (renew) tokens.forget();
      tokens.tokenUntil().then(({ token, until }) => done(null, token, until), (error: Error) => done(error));
    },
  };
}

/**
 * nodemailer's pooled transport. Loaded with the first mail sent: most commands send none (an MTA's `ingest -`
 * queues its acknowledgement), and nodemailer is ~0.45 MB of the bundle, ~50 ms of each start-up.
 */
async function pooledTransport(smtp: NonNullable<Config['smtp']>): Promise<Transporter> {
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport(smtpTransportOptions(smtp));
  // A plugin at nodemailer's "stream" step holds the message's end until the caller's confirm() resolved.
  transport.use('stream', (mail, done) => {
    const confirm = (mail.data as Record<string, unknown>)[CONFIRM] as SendOptions['confirm'];
    if (confirm) mail.message.processFunc((input) => holdEnd(input, confirm));
    done();
  });
  return transport;
}

/** nodemailer's options for SMTP_*: apart from pooledTransport, so that their waits are checked without waiting (smtp-transport.test.ts). */
export function smtpTransportOptions(smtp: NonNullable<Config['smtp']>) {
  return {
    pool: true as const,
    maxConnections: smtp.poolSize,
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    // With a login on a plain port: STARTTLS or no session, so a server that does not offer it (or someone
    // between us that strips the offer) never sees the password in clear (a failed session is an ETLS error).
    requireTLS: smtp.requireTLS,
    auth: smtp.oauth2 && smtp.user ? oauth2Auth(smtp.user, smtp.oauth2) : smtp.user ? { user: smtp.user, pass: smtp.password ?? '' } : undefined,
    tls: { rejectUnauthorized: smtp.rejectUnauthorized },
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    // RFC 5321 4.5.3.2.6: 10 minutes for the answer to the final dot, while the server delivers (or scans) the
    // mail. A mail given up on sooner is sent again though the server took it: with 60 s, a relay that scanned
    // a mail for a minute delivered it once per retry, for the 5 days of OUTBOX_RETRY_HOURS.
    socketTimeout: 10 * 60_000,
  };
}

/** Pooled SMTP: a few long-lived connections, reused for every mail (nodemailer's pool). */
function smtpMailer(smtp: NonNullable<Config['smtp']>, composer: MimeComposer): Mailer {
  let transport: Promise<Transporter> | null = null;
  return {
    kind: 'smtp',
    send: async (mail, options) => {
      const [{ raw, envelope }, pool] = await Promise.all([composer.compose(mail, 'windows'), (transport ??= pooledTransport(smtp))]);
      const data = { envelope: mail.envelopeTo ? { ...envelope, to: mail.envelopeTo } : envelope, raw, signal: options?.signal, ...(options?.confirm ? { [CONFIRM]: options.confirm } : {}) };
      const info = await pool.sendMail(data);
      return { response: String(info.response ?? ''), refused: refusedOf(info) };
    },
    close: () => {
      void transport?.then((pool) => pool.close());
      void composer.close();
    },
  };
}

/** With `composeWorker`, the MIME of each mail is built in a worker thread (mime-composer.ts). */
export function createMailer(config: Pick<Config, 'smtp' | 'dataDir'>, log: Pick<Logger, 'error' | 'warn'>, options: { composeWorker: boolean }): Mailer {
  const composer = new MimeComposer(log, options.composeWorker);
  return config.smtp ? smtpMailer(config.smtp, composer) : fileMailer(join(config.dataDir, 'outbox'), composer);
}
