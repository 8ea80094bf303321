import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { mail } from '../support/app.js';
import { cliBuilt } from '../support/cli.js';
import { daemonLogLines, imapDaemonEnv, startDaemon, waitFor } from '../support/daemon.js';
import { dovecotAvailable, startDovecot } from '../support/dovecot.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

const OPEN = 'IMAP mailbox open';
const FAILED = 'IMAP session failed; reconnecting';

// A connection can die without closing: a NAT or firewall forgets an idle flow, a server hangs. Nothing arrives,
// and what is written is not answered; TCP notices only after many minutes. The daemon must notice within
// IMAP_TIMEOUT_SECONDS of an unanswered command, and must not mistake a quiet but healthy IDLE for one.
describe.skipIf(!dovecotAvailable() || !cliBuilt)('an IMAP connection that goes silent', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /**
   * A daemon reading `messageIds` (already in the mailbox) through a proxy that freezes on `pattern`, `times`
   * connections. What is counted is sessions, not time: reconnections wait 1 s, then 2 s (IMAP_RECONNECT_MAX_SECONDS),
   * rather than doubling to a minute.
   */
  async function daemonBehindFreezingProxy(messageIds: string[], pattern: RegExp, times: number) {
    const dovecot = await startDovecot();
    cleanups.push(() => dovecot.stop());
    for (const id of messageIds) await dovecot.append(mail({ headers: { 'Message-ID': `<${id}>` } }));
    const proxy = await startTcpProxy({ host: dovecot.host, port: dovecot.imapPort });
    cleanups.push(() => proxy.close());
    proxy.freezeWhenClientSends(pattern, times);
    const dataDir = mkdtempSync(join(tmpdir(), 'ventanilla-silent-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const daemon = startDaemon(imapDaemonEnv({ ...dovecot, host: proxy.host, imapPort: proxy.port }, dataDir, { IMAP_TIMEOUT_SECONDS: '2', IMAP_RECONNECT_MAX_SECONDS: '2' }));
    cleanups.push(() => daemon.kill());
    const lines = () => daemonLogLines(daemon);
    const database = async () => {
      const db = await openDatabase(join(dataDir, 'ventanilla.db'));
      cleanups.push(() => db.$disconnect());
      return db;
    };
    return { dovecot, proxy, lines, database };
  }

  it('is given up after IMAP_TIMEOUT_SECONDS without an answer; the next connection ingests what came meanwhile', async () => {
    const dovecot = await startDovecot();
    cleanups.push(() => dovecot.stop());
    const proxy = await startTcpProxy({ host: dovecot.host, port: dovecot.imapPort });
    cleanups.push(() => proxy.close());
    const dataDir = mkdtempSync(join(tmpdir(), 'ventanilla-silent-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    // Polling every 5 minutes: only the timeout can find the dead connection within the test.
    const env = imapDaemonEnv({ ...dovecot, host: proxy.host, imapPort: proxy.port }, dataDir, { IMAP_POLL_SECONDS: '300', IMAP_TIMEOUT_SECONDS: '2' });
    const daemon = startDaemon(env);
    cleanups.push(() => daemon.kill());
    const count = (msg: string) => daemonLogLines(daemon).filter((l) => l.msg === msg).length;
    await waitFor(() => count(OPEN) === 1, 'the first session');
    const db = await openDatabase(join(dataDir, 'ventanilla.db'));
    cleanups.push(() => db.$disconnect());
    const outcomeOf = (messageId: string, timeoutMs = 10_000) =>
      waitFor(async () => (await db.inboundLog.findFirst({ where: { messageId } })) ?? null, `the outcome of ${messageId}`, timeoutMs);
    const deliver = (messageId: string) => dovecot.append(mail({ headers: { 'Message-ID': `<${messageId}>` } }));

    await deliver('before@cliente.mx');
    expect((await outcomeOf('before@cliente.mx')).outcome).toBe('created');
    // Quiet for three timeouts: the server answers the daemon's probes, so the session stays.
    await new Promise((r) => setTimeout(r, 6_500));
    expect([count(FAILED), count(OPEN), proxy.connections()]).toEqual([0, 1, 1]);

    proxy.freeze();
    const frozenAt = Date.now();
    await deliver('while-silent@cliente.mx');
    expect((await outcomeOf('while-silent@cliente.mx', 20_000)).outcome).toBe('created');
    // A probe unanswered for 2 s, another 2 s, the 1 s backoff, the login: well within 15 s.
    expect(Date.now() - frozenAt).toBeLessThan(15_000);
    const failure = daemonLogLines(daemon).find((l) => l.msg === FAILED) as { reason?: string } | undefined;
    expect(failure?.reason).toBe('no answer from the server for 2 s (IMAP_TIMEOUT_SECONDS): the connection was lost on the way, or the server hangs');
    expect([count(OPEN), proxy.connections()]).toEqual([2, 2]);
    expect(await db.inboundLog.count()).toBe(2);
    expect(daemon.child.exitCode).toBeNull();
  }, 60_000);

  // Four sessions failing at one cursor set the next message aside (imap-unreadable.ts): a message Dovecot cannot
  // read closes the connection on each FETCH of it. A FETCH that goes unanswered says nothing of the message.
  it('a FETCH unanswered session after session does not set the message aside as unreadable', async () => {
    const { proxy, lines, database } = await daemonBehindFreezingProxy(['patient@cliente.mx'], /\bFETCH\b/, 4);
    // Four sessions of 2 s each, with backoffs of 1, 2, 2 and 2 s between them: the fifth at ~15 s.
    await waitFor(() => lines().some((l) => l.msg === 'mail processed'), 'the mail to be processed', 40_000);
    const db = await database();
    const rows = await db.inboundLog.findMany({ select: { messageId: true, outcome: true } });
    expect(rows).toEqual([{ messageId: 'patient@cliente.mx', outcome: 'created' }]);
    const failures = lines().filter((l) => l.msg === FAILED);
    expect(failures.map((l) => l.reason)).toEqual(Array(4).fill('no answer from the server for 2 s (IMAP_TIMEOUT_SECONDS): the connection was lost on the way, or the server hangs'));
    // Three silent sessions make the fourth read one message at a time; it takes one more to set one aside.
    expect(lines().filter((l) => /set aside/.test(l.msg))).toEqual([]);
    expect(proxy.connections()).toBe(5);
  }, 60_000);

  // A server that hangs on one message for good (its FETCH never answered) held the mailbox behind it for ever:
  // a silent connection did not count toward setting a message aside at all.
  it('a message whose FETCH the server never answers is set aside after six sessions; the mail after it becomes a ticket', async () => {
    // Any FETCH of UID 1's body, alone or in a range, goes unanswered; listings and UID 2's body pass.
    const { lines, database } = await daemonBehindFreezingProxy(['hangs@cliente.mx', 'after@cliente.mx'], /UID FETCH 1[:\s,][^\r\n]*BODY\.PEEK\[/, 100);
    // Six sessions of 2 s each, with backoffs of 1, 2, 2, 2, 2 and 2 s: the seventh at ~23 s.
    await waitFor(() => lines().some((l) => l.msg === 'mail processed'), 'the mail after it to be processed', 60_000);
    const db = await database();
    const rows = await db.inboundLog.findMany({ orderBy: { id: 'asc' }, select: { messageId: true, outcome: true, sourceRef: true, detail: true } });
    expect(rows.map((r) => [r.messageId, r.outcome, r.sourceRef?.replace(/UIDVALIDITY=\d+/, 'UIDVALIDITY=v')])).toEqual([
      [null, 'quarantined', 'INBOX;UIDVALIDITY=v;UID=1'],
      ['after@cliente.mx', 'created', 'INBOX;UIDVALIDITY=v;UID=2'],
    ]);
    expect(rows[0]?.detail).toMatch(/the server left the FETCH of it, alone, unanswered \(IMAP_TIMEOUT_SECONDS\) session after session/);
    // Each wait before the next session as IMAP_RECONNECT_MAX_SECONDS caps it: doubling from 1 s, never above 2 s.
    expect(lines().filter((l) => l.msg === FAILED).map((l) => l.retryInMs)).toEqual([1000, 2000, 2000, 2000, 2000, 2000]);
    const setAside = lines().find((l) => /set aside/.test(l.msg)) as { uid?: number; why?: string } | undefined;
    expect([setAside?.uid, setAside?.why]).toEqual([1, 'each FETCH of it went unanswered']);
  }, 80_000);

  // Only a FETCH of new mail counts toward setting a message aside. A MOVE of recorded mail left unanswered (here,
  // and in the sweep that opens the next sessions) counted at the cursor: three such sessions made the sessions
  // careful, three more set the mail after it aside, never read. And a MOVE the server never answers ended every
  // session in that sweep, before any new mail was read: the mailbox stopped for good.
  it('a MOVE the server never answers is put off after two sessions; the mail after it becomes a ticket, none set aside', async () => {
    const { dovecot, proxy, lines, database } = await daemonBehindFreezingProxy(['moved@cliente.mx'], /\bUID MOVE\b/, 1000);
    await waitFor(() => lines().some((l) => l.msg === 'mail processed'), 'the first mail to be processed');
    await dovecot.append(mail({ headers: { 'Message-ID': '<next@cliente.mx>' } }));
    // Two sessions of 2 s each whose MOVE hangs, with backoffs of 1 and 2 s: the third at ~7 s.
    await waitFor(() => lines().filter((l) => l.msg === 'mail processed').length === 2 || null, 'the next mail to be processed', 30_000, 200);
    expect(lines().filter((l) => /one message at a time|set aside/.test(l.msg))).toEqual([]);
    // No FETCH of new mail failed: the log names no cursor.
    const failures = lines().filter((l) => l.msg === FAILED) as Array<{ afterUid?: string | null }>;
    expect(failures.map((l) => l.afterUid)).toEqual([null, null]);
    const putOff = lines().filter((l) => /put off/.test(l.msg)) as Array<{ waitMinutes?: number }>;
    expect(putOff.map((l) => l.waitMinutes)).toEqual([15]);
    const db = await database();
    const rows = await db.inboundLog.findMany({ orderBy: { id: 'asc' }, select: { messageId: true, outcome: true } });
    expect(rows).toEqual([
      { messageId: 'moved@cliente.mx', outcome: 'created' },
      { messageId: 'next@cliente.mx', outcome: 'created' },
    ]);
    // Both stay in the inbox, recorded (the cursor is past them), for the sweep after the wait.
    expect((await dovecot.list('INBOX')).length).toBe(2);
    expect(proxy.connections()).toBe(3);
  }, 50_000);
});
