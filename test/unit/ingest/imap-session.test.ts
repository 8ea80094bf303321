import { describe, expect, it } from 'vitest';
import { imapFailureReason } from '../../../src/ingest/sources/imap-session.js';

// A failed IMAP session's log says why in words: imapflow's message for a refused command is only "Command failed".

describe('imapFailureReason', () => {
  it('names a refused login and the settings to check', () => {
    const refused = Object.assign(new Error('Command failed'), { authenticationFailed: true, responseStatus: 'NO', responseText: 'Authentication failed.', serverResponseCode: 'AUTHENTICATIONFAILED', executedCommand: '2 AUTHENTICATE PLAIN' });
    expect(imapFailureReason(refused)).toBe('the server refused the login ([AUTHENTICATIONFAILED] Authentication failed.): check IMAP_USER and IMAP_PASSWORD');
  });

  it('names another refused command with the server answer', () => {
    const refused = Object.assign(new Error('Command failed'), { responseStatus: 'NO', responseText: 'Mailbox does not exist: Soporte', serverResponseCode: 'NONEXISTENT', executedCommand: '5 SELECT Soporte' });
    expect(imapFailureReason(refused)).toBe('the server refused SELECT: [NONEXISTENT] Mailbox does not exist: Soporte');
  });

  it('keeps the message of any other failure', () => {
    expect(imapFailureReason(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe('connect ECONNREFUSED 127.0.0.1:1');
    expect(imapFailureReason('gone')).toBe('gone');
  });
});
