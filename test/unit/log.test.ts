import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { errorForLog } from '../../src/log.js';

describe('errors in the log', () => {
  // Node's check of the server's name puts the whole peer certificate on its error: its raw bytes and key went into
  // every "IMAP session failed" line (~5 KB) of a mailbox whose certificate names another host.
  it('a TLS error keeps what names the certificate, not its bytes', () => {
    const cert = { subject: { CN: 'imap.example.com' }, subjectaltname: 'DNS:imap.example.com', issuer: { CN: 'Example CA' }, valid_to: 'Jan  1 00:00:00 2030 GMT', fingerprint256: 'AB:CD', raw: Buffer.alloc(4000, 1), pubkey: Buffer.alloc(300, 2) };
    const error = checkServerIdentity('mail.example.org', cert as unknown as PeerCertificate) as Error;
    const logged = errorForLog(error) as Record<string, unknown>;
    expect(logged).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID', host: 'mail.example.org' });
    expect(logged.cert).toEqual({ subject: 'imap.example.com', altNames: 'DNS:imap.example.com', issuer: 'Example CA', validTo: 'Jan  1 00:00:00 2030 GMT', fingerprint256: 'AB:CD' });
    expect(JSON.stringify(logged).length).toBeLessThan(2000);
    expect(errorForLog(new Error('plain'))).toMatchObject({ message: 'plain', type: 'Error' });
  });
});
