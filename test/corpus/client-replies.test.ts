/**
 * Replies from the mail clients of the talon corpus (../shared/corpus/talon: Gmail, Android, Apple Mail, iPhone,
 * Thunderbird, Sparrow, Outlook, Hotmail, Yahoo, AOL and Comcast webmail) to the acknowledgement a customer got,
 * each with the threading headers its client writes: most keep In-Reply-To and References, Yahoo only
 * In-Reply-To, webmail that strips In-Reply-To only References, and Outlook at its worst only Thread-Index.
 * The client's own body (MIME structure, charset, quoting) goes through the whole pipeline; each reply must
 * be a comment on its ticket, with or without the signed plus-address in Reply-To.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { corpusRoot } from '../support/corpus.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';

const repliesDir = path.join(corpusRoot, 'talon', 'tests', 'fixtures', 'standard_replies');
const haveTalon = fs.existsSync(repliesDir);

type Threading = 'both' | 'in-reply-to only' | 'references only' | 'thread-index only';
const CLIENTS: Record<string, Threading> = {
  'gmail.eml': 'both',
  'android.eml': 'both',
  'apple_mail.eml': 'both',
  'apple_mail_2.eml': 'both',
  'iphone.eml': 'both',
  'thunderbird.eml': 'both',
  'sparrow.eml': 'both',
  'hotmail.eml': 'both',
  'yahoo.eml': 'in-reply-to only',
  'aol.eml': 'references only',
  'comcast.eml': 'references only',
  'outlook.eml': 'thread-index only',
};

/** The client's MIME headers and body, with its own From/To/Subject/threading headers left out. */
function clientBody(raw: Buffer): string {
  const text = raw.toString('latin1');
  const end = /\r?\n\r?\n/.exec(text);
  const head = text.slice(0, end?.index).split(/\r?\n(?![ \t])/);
  const mime = head.filter((field) => /^(content-type|content-transfer-encoding|mime-version):/i.test(field));
  return `${mime.join('\r\n')}\r\n\r\n${text.slice((end?.index ?? 0) + (end?.[0].length ?? 0))}`;
}

let app: TestApp;
afterEach(async () => app.dispose());

/** One customer per client: the automatic-mail cap would stop the acknowledgements to a single address. */
async function acknowledgementOfNewTicket(customer: string) {
  const opened = await app.pipeline.ingest(mail({ headers: { From: customer, Subject: 'Test' } }), { source: 'file', sourceRef: 'opening' });
  const ack = await app.db.outboxMail.findFirstOrThrow({ where: { template: 'acknowledgement', ticket: { number: opened.ticketNumber as number } } });
  const headers = JSON.parse(ack.headers) as { replyTo: string; inReplyTo: string | null; references: string[] };
  return { number: opened.ticketNumber as number, subject: ack.subject, messageId: ack.messageId, ...headers };
}

describe.skipIf(!haveTalon)(`a reply from each client of the talon corpus joins its ticket (${haveTalon ? 'present' : `absent: ${repliesDir}`})`, () => {
  for (const plus of [true, false]) {
    it(`Reply-To ${plus ? 'the signed plus-address' : 'the support address (REPLY_TO_PLUS_ADDRESS=false)'}`, async () => {
      app = await createTestApp(plus ? {} : { REPLY_TO_PLUS_ADDRESS: 'false' });
      const outcomes: Record<string, unknown> = {};
      const expected: Record<string, unknown> = {};
      for (const [file, threading] of Object.entries(CLIENTS)) {
        const customer = `ana.${file.replace(/\W/g, '-')}@cliente.mx`;
        const ack = await acknowledgementOfNewTicket(customer);
        const refs = [...ack.references, ack.messageId].map((id) => `<${id}>`).join(' ');
        const headers = [
          `From: Ana Pérez <${customer}>`,
          `To: ${ack.replyTo}`,
          `Subject: RE: ${ack.subject}`,
          `Message-ID: <reply.${file}.${plus}@cliente.mx>`,
          'Date: Mon, 23 Nov 2026 10:00:00 -0600',
          ...(threading === 'both' || threading === 'in-reply-to only' ? [`In-Reply-To: <${ack.messageId}>`] : []),
          ...(threading === 'both' || threading === 'references only' ? [`References: ${refs}`] : []),
          ...(threading === 'thread-index only' ? ['Thread-Index: AQHbXyZ1c2VydGhyZWFkaW5kZXg=', 'Thread-Topic: Test'] : []),
        ];
        const raw = Buffer.concat([Buffer.from(`${headers.join('\r\n')}\r\n`), Buffer.from(clientBody(fs.readFileSync(path.join(repliesDir, file))), 'latin1')]);
        const result = await app.pipeline.ingest(raw, { source: 'file', sourceRef: file });
        outcomes[file] = { outcome: result.outcome, ticketNumber: result.ticketNumber };
        expected[file] = { outcome: 'comment', ticketNumber: ack.number };
      }
      expect(outcomes).toEqual(expected);
    });
  }
});
