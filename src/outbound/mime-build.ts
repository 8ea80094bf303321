import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { type CompiledNode, writeCompiled } from './mime-write.js';
import type { OutgoingMail } from './mailer.js';
import { subjectForMime } from './subject-fold.js';

// An outgoing mail as MIME bytes, built by nodemailer (its MailComposer, then mime-write.ts or its stream
// transport): done in the compose worker (compose-worker.ts), so the sending thread only writes bytes.

/** Line ends: CRLF for SMTP, LF for the .eml files of the demo's file mailer. */
export type Newline = 'windows' | 'unix';

export interface BuiltMail {
  raw: Buffer;
  /** The SMTP envelope nodemailer derives from the headers (sender; every To and Cc). */
  envelope: { from: string; to: string[] };
}

const bracket = (id: string) => (id.startsWith('<') ? id : `<${id}>`);

export function toNodemailer(mail: OutgoingMail) {
  const subject = subjectForMime(mail.subject);
  return {
    from: mail.from,
    to: mail.to,
    cc: mail.cc.length ? mail.cc : undefined,
    replyTo: mail.replyTo ?? undefined,
    subject: 'subject' in subject ? subject.subject : undefined,
    text: mail.text,
    html: mail.html,
    messageId: bracket(mail.messageId),
    inReplyTo: mail.inReplyTo ? bracket(mail.inReplyTo) : undefined,
    references: mail.references?.length ? mail.references.map(bracket) : undefined,
    headers: 'header' in subject ? { ...mail.headers, Subject: subject.header } : mail.headers,
    attachments: mail.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, path: a.path })),
    // Never let nodemailer fetch remote content named in a mail.
    disableUrlAccess: true,
    // The random part of the multipart boundaries. Left to nodemailer, every MIME part asks the kernel for random
    // bytes (crypto.randomBytes), 30 µs a call here, which showed in the drain's profile; randomUUID draws from a
    // cached pool. 122 random bits per mail.
    baseBoundary: randomUUID().replace(/-/g, ''),
  };
}

const transports = new Map<Newline, ReturnType<typeof nodemailer.createTransport>>();

export async function buildMime(mail: OutgoingMail, newline: Newline): Promise<BuiltMail> {
  // The usual case (text, HTML, headers) in one synchronous pass (mime-write.ts); attachments read from files,
  // and anything else that pass does not know, through nodemailer's stream transport (which compiles anew).
  if (mail.attachments.length > 0) return streamMime(mail, newline);
  const root = new MailComposer(toNodemailer(mail)).compile();
  const raw = writeCompiled(root as unknown as CompiledNode, newline);
  if (raw) {
    const envelope = root.getEnvelope();
    return { raw, envelope: { from: envelope.from || '', to: envelope.to } };
  }
  return streamMime(mail, newline);
}

/** nodemailer's own way: its stream transport, into a Buffer. */
export async function streamMime(mail: OutgoingMail, newline: Newline): Promise<BuiltMail> {
  let transport = transports.get(newline);
  if (!transport) transports.set(newline, (transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline })));
  const info = await transport.sendMail(toNodemailer(mail));
  const envelope = info.envelope as { from: string | false; to: string[] };
  return { raw: info.message as Buffer, envelope: { from: envelope.from || '', to: envelope.to } };
}
