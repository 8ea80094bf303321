// What the real Dovecot makes of a mail whose lines end in CR CR LF, handed to it as an MTA hands it over LMTP (bytes
// as they are: nodemailer, the harness's deliver(), makes a bare CR a line end of its own). It stores each such line as
// a CRLF one and serves the mail in CRLF lines, the `\r\r\n` empty line ending the header block: the mail its users'
// clients show. The gateway reads the mail's file (as it came) the same way (cr-cr-lf.ts): one mail, the same fields.
import { connect } from 'node:net';
import { once } from 'node:events';
import { ImapFlow } from 'imapflow';
import { afterEach, describe, expect, it } from 'vitest';
import { parseMail } from '../../src/ingest/parse.js';
import { showTicket } from '../../src/store/ticket-queries.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { dovecotAvailable, startDovecot, type DovecotServer } from '../support/dovecot.js';

let app: TestApp | undefined;
let dovecot: DovecotServer | undefined;
afterEach(async () => {
  await app?.dispose();
  await dovecot?.stop();
  app = undefined;
  dovecot = undefined;
});

/** LMTP by hand, the mail's bytes sent as they are (the mail holds no line starting with a dot). */
async function lmtpDeliver(server: DovecotServer, raw: Buffer): Promise<void> {
  const socket = connect(server.lmtpPort, server.host);
  let answers = '';
  socket.on('data', (data: Buffer) => (answers += data.toString('latin1')));
  const reply = async () => {
    while (!/^\d{3} [^\r\n]*\r\n/m.test(answers)) await once(socket, 'data');
    const [line] = /^\d{3} [^\r\n]*/m.exec(answers) as RegExpExecArray;
    answers = '';
    return line;
  };
  await reply();
  for (const command of ['LHLO test', 'MAIL FROM:<formulario@empresa.mx>', `RCPT TO:<${server.user}>`, 'DATA']) {
    socket.write(`${command}\r\n`);
    await reply();
  }
  socket.write(Buffer.concat([raw, Buffer.from('.\r\n')]));
  expect(await reply()).toMatch(/^250 /);
  socket.end();
}

/** Each mail of the mailbox as Dovecot serves it: its bytes, and its Reply-To and From fields as Dovecot reads them. */
async function served(server: DovecotServer): Promise<Array<{ source: Buffer; fields: string }>> {
  const client = new ImapFlow({ ...server.imapConfig(), logger: false });
  await client.connect();
  try {
    await client.mailboxOpen('INBOX');
    const out: Array<{ source: Buffer; fields: string }> = [];
    for await (const m of client.fetch('1:*', { source: true, headers: ['from', 'reply-to'] })) {
      out.push({ source: m.source as Buffer, fields: (m.headers as Buffer).toString('latin1').trim() });
    }
    return out;
  } finally {
    await client.logout();
  }
}

const crCrLf = (lines: string[]) => Buffer.from(lines.join('\r\r\n'), 'latin1');

describe.skipIf(!dovecotAvailable())('a mail in CR CR LF lines through the real Dovecot', () => {
  it('is served in CRLF lines, and its file and the mailbox\'s copy are one ticket (no Message-ID: its written content)', async () => {
    dovecot = await startDovecot();
    app = await createTestApp({ FORM_SENDERS: 'formulario@empresa.mx' });
    const raw = crCrLf(['From: formulario@empresa.mx', 'To: soporte@example.test', 'Subject: Sin toner', 'Reply-To: Ana Ruiz <ana@cliente.mx>',
      'Date: Mon, 23 Nov 2026 10:00:00 -0600', '', 'Hola,', 'no imprime.', '']);
    await lmtpDeliver(dovecot, raw);
    const [copy] = await served(dovecot);
    expect(copy?.source.toString('latin1')).not.toContain('\r\r\n');
    expect(copy?.fields).toBe('From: formulario@empresa.mx\r\nReply-To: Ana Ruiz <ana@cliente.mx>');

    const file = await app.pipeline.ingest(raw, { source: 'file', sourceRef: 'crcrlf.eml' });
    expect(file.outcome).toBe('created');
    expect(await showTicket(app.db, file.ticketNumber as number)).toMatchObject({ requester: 'ana@cliente.mx', subject: 'Sin toner' });
    const fetched = await app.pipeline.ingest(copy?.source as Buffer, { source: 'imap', sourceRef: 'INBOX' });
    expect(fetched).toMatchObject({ outcome: 'duplicate', ticketNumber: file.ticketNumber });
  }, 30_000);

  it('reads no field below its `\\r\\r\\n` empty line, as Dovecot reads none there', async () => {
    dovecot = await startDovecot();
    const raw = Buffer.from('From: formulario@empresa.mx\r\nSubject: Alta\r\n\r\r\nReply-To: luis@cliente.mx\r\nFrom: luis@cliente.mx\r\n\r\nNombre: Luis\r\n', 'latin1');
    await lmtpDeliver(dovecot, raw);
    const [copy] = await served(dovecot);
    expect(copy?.fields).toBe('From: formulario@empresa.mx');
    const mail = await parseMail(raw);
    expect(mail).toMatchObject({ from: { address: 'formulario@empresa.mx' }, fromCount: 1, replyTo: [] });
    expect(mail.text).toContain('Reply-To: luis@cliente.mx');
  }, 30_000);
});
