import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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

export interface Mailer {
  readonly kind: 'smtp' | 'file';
  send(mail: OutgoingMail): Promise<{ response: string }>;
  close(): void;
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
  return {
    kind: 'smtp',
    send: async (mail) => ({ response: String((await transport.sendMail(toNodemailer(mail))).response ?? '') }),
    close: () => transport.close(),
  };
}

/** The demo's mail server: each mail becomes an .eml file under DATA_DIR/outbox. */
function fileMailer(dir: string): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    kind: 'file',
    send: async (mail) => {
      const info = await transport.sendMail(toNodemailer(mail));
      await mkdir(dir, { recursive: true });
      const name = `${Date.now()}-${mail.messageId.replace(/[^A-Za-z0-9.@-]/g, '_')}.eml`;
      const temp = join(dir, `.${name}.tmp`);
      await writeFile(temp, info.message as Buffer);
      await rename(temp, join(dir, name));
      return { response: `written ${name}` };
    },
    close: () => transport.close(),
  };
}

export function createMailer(config: Pick<Config, 'smtp' | 'dataDir'>): Mailer {
  return config.smtp ? smtpMailer(config.smtp) : fileMailer(join(config.dataDir, 'outbox'));
}
