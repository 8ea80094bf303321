import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openSession } from '../../src/ingest/sources/imap-session.js';
import { dovecotAvailable, startDovecot } from '../support/dovecot.js';

// RFC 2177: a server may log off a client whose IDLE has run for 30 minutes, so a client re-issues IDLE at least
// every 29. The session idles between polls; a long IMAP_POLL_SECONDS must not make its IDLE longer than that.

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.skipIf(!dovecotAvailable())('IDLE on a real Dovecot', () => {
  it('is re-issued within 29 minutes, whatever IMAP_POLL_SECONDS says', async () => {
    const dovecot = await startDovecot();
    cleanups.push(() => dovecot.stop());
    const config = loadConfig(
      { DATA_DIR: '/nonexistent', SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'idle-test-secret-0123456789', IMAP_HOST: dovecot.host, IMAP_PORT: String(dovecot.imapPort), IMAP_SECURE: 'false', IMAP_USER: dovecot.user, IMAP_PASSWORD: dovecot.password, IMAP_POLL_SECONDS: '3600' },
      { dotenv: false },
    );
    const { client, opened } = openSession(config.imap!);
    cleanups.push(() => client.logout().catch(() => client.close()));
    await opened;
    // What the client writes to the server, line by line.
    const written: string[] = [];
    const socket = (client as unknown as { socket: { write: (chunk: unknown, ...rest: unknown[]) => boolean } }).socket;
    const write = socket.write.bind(socket);
    socket.write = (chunk: unknown, ...rest: unknown[]) => (written.push(String(chunk).trim()), write(chunk, ...rest));
    // Only the timers are faked: the socket still talks to Dovecot in real time.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.waitUntil(() => written.some((l) => / IDLE$/.test(l)), { timeout: 2_000, interval: 20 });
    const idles = () => written.filter((l) => / IDLE$/.test(l)).length;
    expect(idles()).toBe(1);
    await vi.advanceTimersByTimeAsync(29 * 60_000);
    await vi.waitUntil(() => idles() >= 2, { timeout: 2_000, interval: 20 }).catch(() => undefined);
    expect(written.filter((l) => l === 'DONE')).toHaveLength(1);
    expect(idles()).toBe(2);
  });
});
