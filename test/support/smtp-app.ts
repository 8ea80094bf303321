import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { createTestApp, type TestApp } from './app.js';
import { startSmtpPeer, type SmtpPeer } from './smtp.js';

/**
 * One real SMTP peer for the file, a fresh app sending to it for each test (vitest hooks registered here):
 * the peer's mails are cleared between tests.
 */
export function smtpAppPerTest(env: Record<string, string> = {}): { smtp: () => SmtpPeer; app: () => TestApp } {
  let smtp: SmtpPeer | undefined;
  let app: TestApp | undefined;
  beforeAll(async () => {
    smtp = await startSmtpPeer();
  });
  afterAll(async () => smtp?.stop());
  beforeEach(async () => {
    (smtp as SmtpPeer).received.length = 0;
    app = await createTestApp({ ...(smtp as SmtpPeer).env(), ...env });
  });
  afterEach(async () => app?.dispose());
  return { smtp: () => smtp as SmtpPeer, app: () => app as TestApp };
}
