import { createServer, type Server, type Socket } from 'node:net';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { describeSmtpError, isServerProblem, mayHaveDelivered } from '../../../src/outbound/smtp-errors.js';
import { freePort } from '../../support/ports.js';

// TLS that fails as the connection opens is the server's setup, not the mail's: SMTP_SECURE=true against a plain
// port (587, 25) or a certificate not trusted on port 465. Taken for the mail's own failure, each mail of the outbox
// was tried in turn at every drain, each try counted (OUTBOX_MAX_ATTEMPTS=1 marked a customer's answer failed at
// once), and the log said "mail not sent; will retry" with OpenSSL's text instead of the settings to check.

let servers: Server[] = [];
let sockets: Socket[] = [];
afterEach(async () => {
  // The client gives up on TLS without closing its socket: close() would wait for it.
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  servers = [];
  sockets = [];
});

/** A plain SMTP server (greets in clear at once), as on port 587. */
async function plainServer(): Promise<number> {
  const port = await freePort();
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.write('220 plain ESMTP\r\n');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return port;
}

async function failureOf(port: number): Promise<unknown> {
  const transport = nodemailer.createTransport({ pool: true, maxConnections: 1, host: '127.0.0.1', port, secure: true, connectionTimeout: 5_000, greetingTimeout: 5_000, socketTimeout: 5_000 });
  try {
    await transport.sendMail({ from: 'soporte@ventanilla.test', to: ['ana@cliente.mx'], subject: 'Ticket #7', text: 'Cerramos su ticket.' });
  } catch (error) {
    return error;
  } finally {
    transport.close();
  }
  throw new Error('the mail was sent');
}

describe('TLS that fails as the connection opens', () => {
  it('SMTP_SECURE=true against a plain port: the server, not the mail; said in one line naming the settings', async () => {
    const error = await failureOf(await plainServer());
    expect(error).toMatchObject({ code: 'ESOCKET', originalCode: 'ERR_SSL_WRONG_VERSION_NUMBER', command: 'CONN' });
    expect(isServerProblem(error)).toBe(true);
    expect(mayHaveDelivered(error)).toBe(false);
    const said = describeSmtpError(error);
    expect(said).not.toContain('\n');
    expect(said).toMatch(/SMTP_SECURE=false/);
    expect(said).toMatch(/SMTP_PORT/);
  });

  it("a certificate not trusted (nodemailer's shape with a self-signed one on port 465): the server's", () => {
    const untrusted = Object.assign(new Error('self-signed certificate'), { code: 'ESOCKET', originalCode: 'DEPTH_ZERO_SELF_SIGNED_CERT', command: 'CONN' });
    expect(isServerProblem(untrusted)).toBe(true);
    expect(mayHaveDelivered(untrusted)).toBe(false);
    expect(describeSmtpError(untrusted)).toBe('ESOCKET DEPTH_ZERO_SELF_SIGNED_CERT self-signed certificate');
  });

  // nodemailer names every socket error ESOCKET with command CONN, whenever it comes: a TLS record broken while a
  // mail is written (a middlebox inspecting TLS) is that mail's try, which may have reached the server.
  it('a TLS error once the session is up stays the mail\'s own failure, which may have been delivered', () => {
    const broken = Object.assign(new Error('decryption failed or bad record mac'), { code: 'ESOCKET', originalCode: 'ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC', command: 'CONN' });
    expect(isServerProblem(broken)).toBe(false);
    expect(mayHaveDelivered(broken)).toBe(true);
  });

  it('a connection reset mid-session stays the mail\'s own failure', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ESOCKET', originalCode: 'ECONNRESET', command: 'CONN' });
    expect(isServerProblem(reset)).toBe(false);
  });
});
