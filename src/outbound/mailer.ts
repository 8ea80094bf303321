import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import type { Config } from '../config.js';

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
}

export interface SendOptions {
  /**
   * Called once the whole message has been handed to the server except its end (SMTP's final
   * "<CRLF>.<CRLF>"), which is written only after it resolves. The drainer records the mail as sent here:
   * a crash before leaves the server with an unfinished message that it discards (the mail is sent again
   * later); a crash after leaves a mail recorded as sent whose end is already on its way. So a crash never
   * doubles a mail; only a crash in the instant between the commit and the write of the last bytes (a few
   * microseconds per mail) could lose one.
   */
  confirm?: () => Promise<void>;
}

export interface Mailer {
  readonly kind: 'smtp' | 'file';
  send(mail: OutgoingMail, options?: SendOptions): Promise<{ response: string }>;
  close(): void;
}

const CONFIRM = 'ventanillaConfirm';

/** Waits (briefly) until the stream handed everything it holds to its reader. */
async function drained(stream: Transform): Promise<void> {
  for (let i = 0; stream.readableLength > 0 && i < 60_000; i++) await new Promise((r) => setTimeout(r, 1));
}

/** Passes the message through; its end waits for confirm(). Errors of the input reach the output. */
function holdEnd(input: Readable, confirm: () => Promise<void>): Readable {
  const gate = new Transform({
    transform: (chunk: Buffer, _encoding, callback) => callback(null, chunk),
    flush(callback) {
      drained(this).then(confirm).then(() => callback(), (error: Error) => callback(error));
    },
  });
  input.once('error', (error) => gate.destroy(error));
  return input.pipe(gate);
}

const bracket = (id: string) => (id.startsWith('<') ? id : `<${id}>`);

function toNodemailer(mail: OutgoingMail) {
  return {
    from: mail.from,
    to: mail.to,
    cc: mail.cc.length ? mail.cc : undefined,
    replyTo: mail.replyTo ?? undefined,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId: bracket(mail.messageId),
    inReplyTo: mail.inReplyTo ? bracket(mail.inReplyTo) : undefined,
    references: mail.references?.length ? mail.references.map(bracket) : undefined,
    headers: mail.headers,
    attachments: mail.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, path: a.path })),
    // Never let nodemailer fetch remote content named in a mail.
    disableUrlAccess: true,
  };
}

/** Pooled SMTP: a few long-lived connections, reused for every mail (nodemailer's pool). */
function smtpMailer(smtp: NonNullable<Config['smtp']>): Mailer {
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: smtp.poolSize,
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    auth: smtp.user ? { user: smtp.user, pass: smtp.password ?? '' } : undefined,
    tls: { rejectUnauthorized: smtp.rejectUnauthorized },
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  });
  // A plugin at nodemailer's "stream" step holds the message's end until the caller's confirm() resolved.
  transport.use('stream', (mail, done) => {
    const confirm = (mail.data as Record<string, unknown>)[CONFIRM] as SendOptions['confirm'];
    if (confirm) mail.message.processFunc((input) => holdEnd(input, confirm));
    done();
  });
  return {
    kind: 'smtp',
    send: async (mail, options) => {
      const data = { ...toNodemailer(mail), ...(options?.confirm ? { [CONFIRM]: options.confirm } : {}) };
      return { response: String((await transport.sendMail(data)).response ?? '') };
    },
    close: () => transport.close(),
  };
}

/** The demo's mail server: each mail becomes an .eml file under DATA_DIR/outbox. */
function fileMailer(dir: string): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    kind: 'file',
    send: async (mail, options) => {
      const info = await transport.sendMail(toNodemailer(mail));
      await mkdir(dir, { recursive: true });
      const name = `${Date.now()}-${mail.messageId.replace(/[^A-Za-z0-9.@-]/g, '_')}.eml`;
      const temp = join(dir, `.${name}.tmp`);
      await writeFile(temp, info.message as Buffer);
      // The rename is this mailer's "end of message": recorded as sent first, like SMTP's final dot.
      await options?.confirm?.();
      await rename(temp, join(dir, name));
      return { response: `written ${name}` };
    },
    close: () => transport.close(),
  };
}

export function createMailer(config: Pick<Config, 'smtp' | 'dataDir'>): Mailer {
  return config.smtp ? smtpMailer(config.smtp) : fileMailer(join(config.dataDir, 'outbox'));
}
