import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ImapFlow } from 'imapflow';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.js';
import { mail } from '../support/app.js';
import { cliBuilt } from '../support/cli.js';
import { imapDaemonEnv, startDaemon, waitFor, type Daemon } from '../support/daemon.js';
import { freePort } from '../support/ports.js';
import { dovecotAvailable, startDovecot, type DovecotOptions, type DovecotServer } from '../support/dovecot.js';

const SECRET = 'imap-connection-secret-0123456789';
const OPEN = 'IMAP mailbox open';
const FAILED = 'IMAP session failed; reconnecting';

// Dovecot 2.3's default post-login capability list, minus IDLE.
const WITHOUT_IDLE =
  'IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT ' +
  'MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ' +
  'ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY LITERAL+ NOTIFY SPECIAL-USE';

function opensslAvailable(): boolean {
  // Debian's dovecot-core depends on openssl, so wherever Dovecot is installed this is normally true.
  const found = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
  if (!found) console.warn('openssl not found: skipping the IMAP TLS tests (install openssl to run them)');
  return found;
}

/** The daemon's log lines (pino JSON on stderr), all of them: daemon.log() keeps only the last 100-200 kB. */
function logLines(daemon: Daemon): Array<{ msg?: string; time?: number; retryInMs?: number; reason?: string; err?: { code?: string; message?: string } }> {
  const lines: ReturnType<typeof logLines> = [];
  createInterface({ input: daemon.child.stderr! }).on('line', (line) => {
    try {
      const { msg, time, retryInMs, reason, err } = JSON.parse(line);
      lines.push({ msg, time, retryInMs, reason, err: err && { code: err.code, message: err.message } });
    } catch {
      /* not JSON */
    }
  });
  return lines;
}

type Target = Pick<DovecotServer, 'host' | 'imapPort' | 'user' | 'password'>;

describe.skipIf(!dovecotAvailable() || !cliBuilt)('the daemon and its IMAP connection', () => {
  // Everything a test starts registers its teardown here; afterEach runs them newest first.
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function dovecotWith(opts: DovecotOptions = {}): Promise<DovecotServer> {
    const dovecot = await startDovecot(opts);
    cleanups.push(() => dovecot.stop());
    return dovecot;
  }

  function tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  /** Starts `ventanilla start` on the mailbox and opens its database once it has migrated it. */
  async function gateway(dovecot: Target, env: Record<string, string> = {}) {
    const dataDir = tempDir('ventanilla-imapconn-');
    const daemon = startDaemon(imapDaemonEnv(dovecot, dataDir, { SECRET_KEY: SECRET, ...env }));
    cleanups.push(() => daemon.kill());
    const lines = logLines(daemon);
    const count = (msg: string) => lines.filter((l) => l.msg === msg).length;
    await waitFor(() => daemon.log().includes('ventanilla started') || daemon.child.exitCode !== null, 'the daemon to start');
    if (daemon.child.exitCode !== null) throw new Error(`the daemon exited early:\n${daemon.log()}`);
    const db: Db = await openDatabase(join(dataDir, 'ventanilla.db'));
    cleanups.push(() => db.$disconnect());
    const outcomeOf = (messageId: string, timeoutMs = 10_000) =>
      waitFor(async () => (await db.inboundLog.findFirst({ where: { messageId } })) ?? null, `the outcome of ${messageId}`, timeoutMs);
    return { daemon, db, outcomeOf, count, lines };
  }

  const deliver = (dovecot: DovecotServer, messageId: string) => dovecot.append(mail({ headers: { 'Message-ID': `<${messageId}>` } }));

  /** Waits until a first mail has been ingested and moved, and the daemon is back to waiting (IDLE). */
  async function idleAfterFirstMail(dovecot: DovecotServer, outcomeOf: (id: string) => Promise<{ outcome: string }>) {
    await deliver(dovecot, 'warm-up@cliente.mx');
    expect((await outcomeOf('warm-up@cliente.mx')).outcome).toBe('created');
    await waitFor(async () => (await dovecot.list('INBOX')).length === 0, 'the warm-up mail to leave the inbox');
    await new Promise((r) => setTimeout(r, 300));
  }

  describe('reconnecting', () => {
    it('after Dovecot restarts on the same ports, the daemon says so, reconnects and ingests again', async () => {
      const dovecot = await dovecotWith();
      const { daemon, outcomeOf, count, lines } = await gateway(dovecot);
      await waitFor(() => count(OPEN) === 1, 'the first session');
      await idleAfterFirstMail(dovecot, outcomeOf);

      await dovecot.restart();
      // Appended (most likely) while the daemon waits out its 1 s backoff: the new session's first sweep finds it.
      await deliver(dovecot, 'during-backoff@cliente.mx');
      await waitFor(() => count(OPEN) === 2, 'a second session after the restart', 15_000);
      // The connection lost while idle is logged, with the server's word for it and the wait before the retry
      // (then maybe failed attempts while Dovecot starts again).
      const [lost] = lines.filter((l) => l.msg === FAILED);
      expect([lost?.reason, lost?.retryInMs]).toEqual(['the server closed the connection: Server shutting down.', 1000]);
      expect((await outcomeOf('during-backoff@cliente.mx')).outcome).toBe('created');
      // Appended once the new session idles: IDLE push works on the new connection.
      await deliver(dovecot, 'after-reconnect@cliente.mx');
      expect((await outcomeOf('after-reconnect@cliente.mx', 5_000)).outcome).toBe('created');
      expect(daemon.child.exitCode).toBeNull();
    });

    it('after Dovecot is down for ~3 s, the daemon retries with backoff and ingests once it is back', async () => {
      const dovecot = await dovecotWith();
      const { daemon, outcomeOf, count, lines } = await gateway(dovecot);
      await waitFor(() => count(OPEN) === 1, 'the first session');
      await idleAfterFirstMail(dovecot, outcomeOf);

      const restarted = dovecot.restart({ downMs: 3_000 });
      cleanups.push(() => restarted.catch(() => undefined)); // settle it before dovecot.stop() if we fail early
      // While it is down, reconnection attempts are refused and logged, and the daemon keeps running.
      await waitFor(() => lines.some((l) => l.msg === FAILED && l.err?.code === 'ECONNREFUSED'), 'a refused reconnection attempt', 5_000);
      await restarted;
      await deliver(dovecot, 'after-outage@cliente.mx');
      // Backoff 1 s, 2 s, 4 s: the attempt after the outage comes at most ~7 s after the drop.
      expect((await outcomeOf('after-outage@cliente.mx', 20_000)).outcome).toBe('created');
      expect(count(OPEN)).toBe(2);
      expect(daemon.child.exitCode).toBeNull();
    });

    it('while the server is unreachable, retries wait the announced backoff (1 s, 2 s, ...) instead of spinning', async () => {
      const closed: Target = { host: '127.0.0.1', imapPort: await freePort(), user: 'nobody@example.test', password: 'x' };
      const { daemon, lines, count } = await gateway(closed);
      await new Promise((r) => setTimeout(r, 3_500));
      const failures = lines.filter((l) => l.msg === FAILED);
      const summary = `${failures.length} attempts in 3.5 s; first: ${JSON.stringify(failures.slice(0, 4))}`;
      expect(failures[0]?.err?.code, summary).toBe('ECONNREFUSED');
      // Attempts at ~0 s, ~1 s, ~3 s (then 7 s, 15 s, ...): three, maybe four on a slow machine.
      expect(failures.length, summary).toBeGreaterThanOrEqual(2);
      expect(failures.length, summary).toBeLessThanOrEqual(4);
      for (let i = 1; i < failures.length; i++) {
        const waited = failures[i]!.time! - failures[i - 1]!.time!;
        expect(waited, summary).toBeGreaterThanOrEqual(failures[i - 1]!.retryInMs! - 100);
      }
      expect(count(OPEN)).toBe(0);
      expect(daemon.child.exitCode).toBeNull();
      // The HTTP server waits for the mailbox to be read at start-up, but not for one that cannot be: 2 s at most,
      // then its build (slow on a loaded machine), far short of the 10 s a backlog being recorded may hold it.
      const listening = lines.find((l) => l.msg === 'HTTP server listening');
      expect(listening?.time).toBeDefined();
      expect((listening?.time as number) - (failures[0]?.time as number)).toBeLessThan(6_000);
    });
  });

  // The mailbox is opened while the database opens (imap-session.ts): a server that answers but refuses the
  // login is an ordinary failed session, retried with backoff, the rest of the daemon up meanwhile.
  it('with a refused password, says so, retries with backoff, ingests nothing and keeps serving HTTP', async () => {
    const dovecot = await dovecotWith();
    await deliver(dovecot, 'refused@cliente.mx');
    const wrong: Target = { host: dovecot.host, imapPort: dovecot.imapPort, user: dovecot.user, password: 'not-the-password' };
    const { daemon, db, lines, count } = await gateway(wrong);
    await waitFor(() => count(FAILED) >= 2, 'two refused logins', 10_000);
    const failures = lines.filter((l) => l.msg === FAILED);
    expect(failures[0]?.reason).toBe('the server refused the login ([AUTHENTICATIONFAILED] Authentication failed.): check IMAP_USER and IMAP_PASSWORD');
    expect((failures[1]?.time as number) - (failures[0]?.time as number)).toBeGreaterThanOrEqual((failures[0]?.retryInMs as number) - 100);
    expect(count(OPEN)).toBe(0);
    expect(count('HTTP server listening')).toBe(1);
    expect(await db.inboundLog.count()).toBe(0);
    expect((await dovecot.list('INBOX')).map((m) => m.messageId)).toEqual(['<refused@cliente.mx>']);
    expect(daemon.child.exitCode).toBeNull();
  });

  describe('a server without IDLE', () => {
    it('does not advertise IDLE, and with IMAP_POLL_SECONDS=1 a mail becomes a ticket within ~3 s', async () => {
      const dovecot = await dovecotWith({ imapCapability: WITHOUT_IDLE });
      const client = new ImapFlow({ ...dovecot.imapConfig(), logger: false, disableAutoIdle: true });
      await client.connect();
      try {
        expect(client.capabilities.has('IMAP4rev1')).toBe(true);
        expect(client.capabilities.has('IDLE')).toBe(false);
      } finally {
        await client.logout().catch(() => client.close());
      }

      const { daemon, outcomeOf, count } = await gateway(dovecot, { IMAP_POLL_SECONDS: '1' });
      await waitFor(() => count(OPEN) === 1, 'the session');
      expect(daemon.log()).toMatch(/"idle":false/);
      // Let the daemon settle into its wait, so the mail can only be found by polling.
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      await deliver(dovecot, 'polled@cliente.mx');
      expect((await outcomeOf('polled@cliente.mx', 5_000)).outcome).toBe('created');
      expect(Date.now() - started).toBeLessThan(3_000);
    });
  });

  describe.skipIf(!opensslAvailable())('implicit TLS with a self-signed certificate', () => {
    async function tlsDovecot(): Promise<DovecotServer> {
      const dir = tempDir('ventanilla-cert-');
      const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
      const made = spawnSync(
        'openssl',
        ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
        { encoding: 'utf8' },
      );
      if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`);
      const dovecot = await dovecotWith({ tls: { cert, key } });
      expect(dovecot.imapsPort).toBeGreaterThan(0);
      return dovecot;
    }

    const tlsEnv = (dovecot: DovecotServer, extra: Record<string, string> = {}) => ({
      IMAP_PORT: String(dovecot.imapsPort),
      IMAP_SECURE: 'true',
      ...extra,
    });

    it('by default the daemon refuses the certificate, says why, and ingests nothing', async () => {
      const dovecot = await tlsDovecot();
      await deliver(dovecot, 'untrusted@cliente.mx');
      const { daemon, db, count, lines } = await gateway(dovecot, tlsEnv(dovecot));
      await waitFor(() => count(FAILED) >= 2, 'two refused connection attempts', 10_000);
      const failure = lines.find((l) => l.msg === FAILED);
      expect(failure?.err?.message).toMatch(/self[- ]signed certificate/i);
      expect(failure?.reason).toMatch(/self[- ]signed certificate/i);
      expect(daemon.log()).not.toContain(OPEN);
      expect(await db.inboundLog.count()).toBe(0);
      expect((await dovecot.list('INBOX')).map((m) => m.messageId)).toEqual(['<untrusted@cliente.mx>']);
      expect(daemon.child.exitCode).toBeNull();
    });

    it('with IMAP_TLS_REJECT_UNAUTHORIZED=false it connects over TLS and ingests', async () => {
      const dovecot = await tlsDovecot();
      await deliver(dovecot, 'tls-before@cliente.mx');
      const { daemon, outcomeOf, count } = await gateway(dovecot, tlsEnv(dovecot, { IMAP_TLS_REJECT_UNAUTHORIZED: 'false' }));
      expect((await outcomeOf('tls-before@cliente.mx')).outcome).toBe('created');
      await waitFor(() => count(OPEN) === 1, 'the TLS session');
      await deliver(dovecot, 'tls-pushed@cliente.mx');
      expect((await outcomeOf('tls-pushed@cliente.mx', 5_000)).outcome).toBe('created');
      expect(daemon.log()).not.toContain(FAILED);
    });
  });
});
