import { describe, expect, it } from 'vitest';
import { imapFailureReason } from '../../../src/ingest/sources/imap-session.js';

// A failed IMAP session's log says why in words: imapflow's message for a refused command is only "Command failed".

describe('imapFailureReason', () => {
  it('names a refused login and the settings to check', () => {
    const refused = Object.assign(new Error('Command failed'), { authenticationFailed: true, responseStatus: 'NO', responseText: 'Authentication failed.', serverResponseCode: 'AUTHENTICATIONFAILED', executedCommand: '2 AUTHENTICATE PLAIN' });
    expect(imapFailureReason(refused, 60)).toBe('the server refused the login ([AUTHENTICATIONFAILED] Authentication failed.): check IMAP_USER and IMAP_PASSWORD');
  });

  it('names another refused command with the server answer', () => {
    const refused = Object.assign(new Error('Command failed'), { responseStatus: 'NO', responseText: 'Mailbox does not exist: Soporte', serverResponseCode: 'NONEXISTENT', executedCommand: '5 SELECT Soporte' });
    expect(imapFailureReason(refused, 60)).toBe('the server refused SELECT: [NONEXISTENT] Mailbox does not exist: Soporte');
  });

  it('says what an unanswered command means, and the setting that decides how long it waits', () => {
    const silent = Object.assign(new Error('Socket timeout'), { code: 'ETIMEOUT' });
    expect(imapFailureReason(silent, 45)).toBe('no answer from the server for 45 s (IMAP_TIMEOUT_SECONDS): the connection was lost on the way, or the server hangs');
  });

  it('names IMAP_SECURE and IMAP_PORT when TLS meets a plain port, instead of OpenSSL\'s text', () => {
    // The shape Node gives with IMAP_SECURE=true (the default) and IMAP_PORT=143.
    const plain = Object.assign(new Error('80DCC9BD3A7F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER', library: 'SSL routines' });
    expect(imapFailureReason(plain, 60)).toBe('the server does not speak TLS on IMAP_PORT from the start: set IMAP_SECURE=false for a plain port such as 143 (STARTTLS when offered), or IMAP_PORT to its TLS port (993)');
  });

  it('names IMAP_SECURE when a plain connection gets no greeting (a TLS port such as 993), not when a TLS one gets none', () => {
    const silent = Object.assign(new Error('Failed to receive greeting from server in required time. Maybe should use TLS?'), { code: 'GREETING_TIMEOUT' });
    expect(imapFailureReason(silent, 60, false, false)).toBe('no greeting from the server: IMAP_PORT may be a TLS port (993): set IMAP_SECURE=true, or IMAP_PORT to the plain port (143)');
    const tlsSilent = Object.assign(new Error('Failed to receive greeting from server in required time'), { code: 'GREETING_TIMEOUT' });
    expect(imapFailureReason(tlsSilent, 60, false, true)).toBe('Failed to receive greeting from server in required time');
  });

  it('names what the server said when it closed the connection on a command (imapflow: "Connection not available")', () => {
    const cut = (reason: unknown) => Object.assign(new Error('Connection not available'), { code: 'NoConnection', reason });
    expect(imapFailureReason(cut('Server shutting down.'), 60)).toBe('the server closed the connection: Server shutting down.');
    // Closed without a BYE: nothing more to say.
    expect(imapFailureReason(cut(undefined), 60)).toBe('Connection not available');
  });

  it('keeps the message of any other failure', () => {
    expect(imapFailureReason(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 60)).toBe('connect ECONNREFUSED 127.0.0.1:1');
    expect(imapFailureReason('gone', 60)).toBe('gone');
  });
});
