import { describe, expect, it } from 'vitest';
import { smtpTransportOptions } from '../../../src/outbound/mailer.js';

const smtp = { host: 'smtp.example.test', port: 587, secure: false, rejectUnauthorized: true, requireTLS: true, poolSize: 5 };

// How long the transport waits, checked here rather than waited out: outbound-smtp.test.ts shows with a server that
// holds its answer a few seconds that the answer is waited for and the mail sent once; that the wait is the one RFC
// 5321 asks would take a test of more than a minute.
describe('the SMTP transport', () => {
  it('waits 10 minutes for the answer to the end of a mail (RFC 5321 4.5.3.2.6), not the minute a relay may spend scanning it', () => {
    expect(smtpTransportOptions(smtp).socketTimeout).toBe(10 * 60_000);
  });
});
