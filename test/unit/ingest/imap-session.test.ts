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

  it('keeps the message of any other failure', () => {
    expect(imapFailureReason(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 60)).toBe('connect ECONNREFUSED 127.0.0.1:1');
    expect(imapFailureReason('gone', 60)).toBe('gone');
  });
});
