import { createServer, type Server, type Socket } from 'node:net';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { mayHaveDelivered } from '../../../src/outbound/smtp-errors.js';
import { freePort } from '../../support/ports.js';

// Whether a failed try may have left the mail with its reader (the outbox row's mayHaveReached): close-undone and
// CSAT withdrawal tell the customer about a mail, or take it back, by it. The server's "no" to MAIL FROM, to every
// RCPT TO, to DATA or to the end of the mail, and a mail that never got a connection, never reached anyone; a
// connection lost once the end of the mail was on its way may have (the answer lost, RFC 1047), and so may an
// error of a shape not known.

/** How the scripted server answers; a reply is a whole SMTP line without CRLF, `drop` closes the connection. */
interface Script {
  greeting?: string | 'silent';
  mail?: string;
  rcpt?: string[];
  data?: string;
  end?: string | 'drop' | 'silent';
}

let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  servers = [];
});

/** An SMTP server on loopback that answers as `script` says (no PIPELINING, no STARTTLS), one reply per line. */
async function scripted(script: Script): Promise<number> {
  const port = await freePort();
  const server = createServer((socket: Socket) => {
    const say = (line: string) => socket.write(`${line}\r\n`);
    let rcpts = 0;
    let inData = false;
    let buffered = '';
    socket.on('error', () => undefined);
    if (script.greeting !== 'silent') say(script.greeting ?? '220 scripted ESMTP');
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (;;) {
        if (inData) {
          const end = buffered.indexOf('\r\n.\r\n');
          if (end < 0) return;
          buffered = buffered.slice(end + 5);
          inData = false;
          if (script.end === 'drop') return void socket.destroy();
          if (script.end !== 'silent') say(script.end ?? '250 2.0.0 queued');
          continue;
        }
        const eol = buffered.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffered.slice(0, eol).toUpperCase();
        buffered = buffered.slice(eol + 2);
        if (line.startsWith('EHLO') || line.startsWith('HELO')) say('250 scripted');
        else if (line.startsWith('MAIL FROM')) say(script.mail ?? '250 2.1.0 ok');
        else if (line.startsWith('RCPT TO')) say(script.rcpt?.[rcpts++] ?? '250 2.1.5 ok');
        else if (line === 'DATA') {
          const reply = script.data ?? '354 go ahead';
          inData = reply.startsWith('354');
          say(reply);
        } else if (line === 'RSET') say('250 2.0.0 reset');
        else if (line === 'QUIT') {
          say('221 bye');
          socket.end();
        } else say('502 5.5.2 not implemented');
      }
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return port;
}

/** The error nodemailer's pool (as mailer.ts uses it) fails the mail with. */
async function failureOf(port: number, to = ['ana@cliente.mx'], timeouts = { greetingTimeout: 5_000, socketTimeout: 5_000 }): Promise<unknown> {
  const transport = nodemailer.createTransport({ pool: true, maxConnections: 1, host: '127.0.0.1', port, secure: false, ignoreTLS: true, connectionTimeout: 5_000, ...timeouts });
  try {
    await transport.sendMail({ from: 'soporte@ventanilla.test', to, subject: 'Ticket #7', text: 'Cerramos su ticket.' });
  } catch (error) {
    return error;
  } finally {
    transport.close();
  }
  throw new Error('the mail was sent');
}

describe('a try the server refused, or that never reached it: no reader can have the mail', () => {
  it('451 to the end of the mail (after DATA\'s body): the server said it did not take it', async () => {
    const error = await failureOf(await scripted({ end: '451 4.7.1 Try again later' }));
    expect(error).toMatchObject({ code: 'EMESSAGE', command: 'DATA', responseCode: 451 });
    expect(mayHaveDelivered(error)).toBe(false);
  });

  it('554 to the end of the mail, 550 to MAIL FROM, 503 to DATA', async () => {
    const cases: Array<[Script, object]> = [
      [{ end: '554 5.7.1 Spam' }, { code: 'EMESSAGE', command: 'DATA', responseCode: 554 }],
      [{ mail: '550 5.7.1 Sender refused' }, { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 550 }],
      [{ data: '503 5.5.1 No valid recipients' }, { code: 'EENVELOPE', command: 'DATA', responseCode: 503 }],
    ];
    for (const [script, shape] of cases) {
      const error = await failureOf(await scripted(script));
      expect(error, JSON.stringify(script)).toMatchObject(shape);
      expect(mayHaveDelivered(error), JSON.stringify(script)).toBe(false);
    }
  });

  it('every RCPT TO refused (451 greylisting and 550 no such user)', async () => {
    const error = await failureOf(await scripted({ rcpt: ['451 4.7.1 Greylisted', '550 5.1.1 No such user'] }), ['ana@cliente.mx', 'luis@cliente.mx']);
    expect(error).toMatchObject({ code: 'EENVELOPE', command: 'RCPT TO' });
    expect(mayHaveDelivered(error)).toBe(false);
  });

  it('no connection: refused, or no greeting in time', async () => {
    const refused = await failureOf(await freePort());
    expect(refused).toMatchObject({ code: 'ESOCKET', originalCode: 'ECONNREFUSED' });
    expect(mayHaveDelivered(refused)).toBe(false);
    const silent = await failureOf(await scripted({ greeting: 'silent' }), undefined, { greetingTimeout: 200, socketTimeout: 5_000 });
    expect(silent).toMatchObject({ code: 'ETIMEDOUT', timeoutType: 'GREETING_TIMEOUT' });
    expect(mayHaveDelivered(silent)).toBe(false);
  });

  it('the shapes nodemailer gives before any mail goes: DNS, TLS, login, its own envelope checks, a message it will not send', () => {
    const before = [
      { code: 'EDNS', originalCode: 'ENOTFOUND', command: 'CONN' },
      { code: 'ETLS', command: 'CONN' },
      { code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535, response: '535 5.7.8 Authentication failed' },
      { code: 'ENOAUTH' },
      { code: 'ECONNECTION', originalCode: 'EHOSTUNREACH', command: 'CONN' },
      { code: 'ETIMEDOUT', timeoutType: 'CONNECT_TIMEOUT', command: 'CONN' },
      { code: 'ETIMEDOUT', timeoutType: 'UPGRADE_TIMEOUT', command: 'CONN' },
      { code: 'ECONNECTION', command: 'EHLO', responseCode: 421, response: '421 4.3.2 Service shutting down' },
      { code: 'EENVELOPE', command: 'API', message: 'No recipients defined' },
      { code: 'EMESSAGE', command: 'MAIL FROM', message: 'Message size larger than allowed 1000' },
      { code: 'ECONNECTION', command: 'API', message: 'Connection is closed' },
      // The server's failure reply read as it closed the connection (421 while the end of the mail awaited one).
      { code: 'ECONNECTION', command: 'CONN', responseCode: 421, response: '421 4.3.0 Closing' },
    ];
    for (const e of before) expect(mayHaveDelivered(Object.assign(new Error('x'), e)), JSON.stringify(e)).toBe(false);
  });
});

describe('a try whose outcome is unknown: the reader may have it', () => {
  it('the connection dropped once the end of the mail was sent, before the server answered', async () => {
    const error = await failureOf(await scripted({ end: 'drop' }));
    expect(error).toMatchObject({ code: 'ECONNECTION', command: 'CONN' });
    expect(error).not.toHaveProperty('responseCode');
    expect(mayHaveDelivered(error)).toBe(true);
  });

  it('the server silent after the end of the mail until the socket timed out', async () => {
    const error = await failureOf(await scripted({ end: 'silent' }), undefined, { greetingTimeout: 5_000, socketTimeout: 300 });
    expect(error).toMatchObject({ code: 'ETIMEDOUT', timeoutType: 'SOCKET_TIMEOUT' });
    expect(mayHaveDelivered(error)).toBe(true);
  });

  it('a socket error, an abort, an unknown or shapeless error, an unexpected reply', () => {
    const unknown = [
      { code: 'ESOCKET', originalCode: 'ECONNRESET', command: 'CONN' },
      { code: 'EABORT' },
      { code: 'EPROTOCOL', command: 'CONN', responseCode: 550, response: '550 Unexpected' },
      { code: 'EWHATEVER', responseCode: 451 },
      { message: 'something broke' },
    ];
    for (const e of unknown) expect(mayHaveDelivered(Object.assign(new Error('x'), e)), JSON.stringify(e)).toBe(true);
    expect(mayHaveDelivered('a string')).toBe(true);
    expect(mayHaveDelivered(null)).toBe(true);
  });
});
