import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ImapFlow, type SearchObject } from 'imapflow';
import { createTransport } from 'nodemailer';
import { freePort } from './ports.js';

const DOVECOT = '/usr/sbin/dovecot';
const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

/** False lets a developer without Dovecot skip these tests; in CI a missing Dovecot is an install bug and fails loudly. */
export function dovecotAvailable(): boolean {
  const found = existsSync(DOVECOT);
  if (!found && process.env.CI === 'true') throw new Error(`${DOVECOT} is missing: .ci/run must install dovecot-imapd`);
  return found;
}

export interface DovecotUser {
  user: string;
  password: string;
}

export interface DovecotOptions {
  users?: DovecotUser[];
  /** Replaces the IMAP CAPABILITY list (Dovecot's `imap_capability`), e.g. one without IDLE. */
  imapCapability?: string;
  /** PEM files: enables TLS (`ssl = yes`) and adds an implicit-TLS (imaps) listener. */
  tls?: { cert: string; key: string };
  /**
   * OAuth2 logins too (SASL XOAUTH2, OAUTHBEARER): each token is checked by POSTing it to this introspection
   * endpoint (RFC 7662), which answers {"active": true, "username": ...} for a good one.
   */
  oauth2IntrospectionUrl?: string;
  /**
   * The ACL plugin: a folder's rights come from the `dovecot-acl` file in its Maildir folder (dovecot-rights.ts),
   * read again at every command (cache_secs=0), so a test can take a right away and give it back while we work.
   */
  acl?: boolean;
}

function oauth2Config(dir: string, opts: DovecotOptions): { mechanisms: string; passdb: string } {
  if (!opts.oauth2IntrospectionUrl) return { mechanisms: '', passdb: '' };
  writeFileSync(
    join(dir, 'oauth2.conf.ext'),
    `introspection_mode = post\nintrospection_url = ${opts.oauth2IntrospectionUrl}\nusername_attribute = username\nactive_attribute = active\nactive_value = true\n`,
  );
  return { mechanisms: ' xoauth2 oauthbearer', passdb: `passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = ${dir}/oauth2.conf.ext\n}\n` };
}

export interface DovecotServer {
  host: string;
  imapPort: number;
  lmtpPort: number;
  /** The imaps (implicit TLS) port; only when started with `tls`. */
  imapsPort?: number;
  /** The first configured user; append/list/uidValidity act as this user unless another is named. */
  user: string;
  password: string;
  dir: string;
  /** Cleartext IMAP; with `tls` also `doSTARTTLS: false`, so the harness never meets the test certificate. */
  imapConfig(user?: string): { host: string; port: number; secure: false; doSTARTTLS?: false; auth: { user: string; pass: string } };
  append(raw: string | Buffer, mailbox?: string, user?: string): Promise<void>;
  /** Delivers a mail over LMTP, as an MTA hands it to Dovecot: Dovecot adds its trace fields (Return-Path, Delivered-To, Received). */
  deliver(raw: string | Buffer, envelope: { from: string; to: string }): Promise<void>;
  appendMany(raws: Array<string | Buffer>, mailbox?: string, user?: string): Promise<void>;
  list(mailbox: string, user?: string): Promise<Array<{ uid: number; flags: string[]; messageId: string | null }>>;
  /**
   * How many mails the mailbox holds (IMAP STATUS), or how many match `search` (e.g. `{ unKeyword: ... }`):
   * cheap enough to poll while a daemon works.
   */
  count(mailbox: string, search?: SearchObject, user?: string): Promise<number>;
  uidValidity(mailbox: string): Promise<bigint>;
  resetUidValidity(mailbox?: string): Promise<void>;
  /** Stops Dovecot (connections drop), waits `downMs`, starts it again on the same ports with the same mail. */
  restart(opts?: { downMs?: number }): Promise<void>;
  /**
   * restart() in two halves, for a test that keeps the server down until something it can observe has happened
   * (rather than for a fixed time): down() stops it, up() starts it again on the same ports with the same mail.
   */
  down(): Promise<void>;
  up(): Promise<void>;
  stop(): Promise<void>;
}

/** One running `dovecot -F` master plus the watchdog that kills it if this process dies. */
interface Running {
  child: ChildProcess;
  watchdog: ChildProcess;
  exited: Promise<void>;
  done: boolean;
}

// Everything still running, so the exit hook can kill it synchronously (an uncaught error or a
// test that forgot stop() must not leave a Dovecot holding ports in the next run).
const live = new Map<string, Running>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const [dir, run] of live) {
      killGroup(run.child.pid, 'SIGKILL');
      killGroup(run.watchdog.pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** Signals a whole process group (we spawn detached, so pid === pgid); ESRCH means already gone. */
function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  try {
    if (pid !== undefined) process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

// Mail processes must not run as uid 0 ("userdb returned 0 as uid"), so as root we hand mail to
// nobody:nogroup. As a normal user Dovecot cannot switch users, so everything runs as ourselves.
function mailOwner(): { uid: number; gid: number; extra: string } {
  if (process.getuid?.() === 0) {
    const id = (flag: string, name: string) => Number(execFileSync('id', [flag, name]).toString().trim());
    return { uid: id('-u', 'nobody'), gid: id('-g', 'nobody'), extra: '' };
  }
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const [name, group] = ['-un', '-gn'].map((flag) => execFileSync('id', [flag]).toString().trim());
  const extra = `default_internal_user = ${name}\ndefault_internal_group = ${group}\ndefault_login_user = ${name}\n`;
  return { uid, gid, extra };
}

interface Ports {
  imap: number;
  lmtp: number;
  imaps?: number;
}

function tlsConfig(opts: DovecotOptions): string {
  if (!opts.tls) return 'ssl = no\n';
  return `ssl = yes\nssl_cert = <${opts.tls.cert}\nssl_key = <${opts.tls.key}\n`;
}

function config(dir: string, ports: Ports, owner: ReturnType<typeof mailOwner>, opts: DovecotOptions): string {
  const { imap: imapPort, lmtp: lmtpPort, imaps } = ports;
  const imapsListener = imaps ? `  inet_listener imaps {\n    port = ${imaps}\n    ssl = yes\n  }\n` : '';
  const capability = opts.imapCapability ? `  imap_capability = ${opts.imapCapability}\n` : '';
  const oauth2 = oauth2Config(dir, opts);
  const acl = opts.acl ? 'mail_plugins = $mail_plugins acl\nplugin {\n  acl = vfile::cache_secs=0\n}\n' : '';
  return `instance_name = ventanilla-test-${imapPort}
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap lmtp
listen = ${HOST}
${tlsConfig(opts)}disable_plaintext_auth = no
auth_mechanisms = plain login${oauth2.mechanisms}
auth_failure_delay = 0
${owner.extra}${oauth2.passdb}passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users
}
userdb {
  driver = static
  args = uid=${owner.uid} gid=${owner.gid} home=${dir}/mail/%d/%n
}
namespace inbox {
  inbox = yes
}
mail_location = maildir:~/Maildir
mail_fsync = never
${acl}# the default of 10 per user and IP is easy to hit with parallel test clients
protocol imap {
  mail_max_userip_connections = 1000
${capability}}
# no chroot: a non-root Dovecot cannot chroot, and tests gain nothing from it
service imap-login {
  chroot =
  inet_listener imap {
    port = ${imapPort}
  }
${imapsListener}}
service lmtp {
  inet_listener lmtp {
    address = ${HOST}
    port = ${lmtpPort}
  }
}
# without this, failed logins are slowed down by 2-15 s
service anvil {
  chroot =
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
`;
}

function logTail(dir: string, lines = 25): string {
  const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '');
  return (read('stderr.log') + read('dovecot.log')).trimEnd().split('\n').slice(-lines).join('\n');
}

/** True once the port answers with a greeting starting with `prefix` ("* OK" / "220"). */
function greets(port: number, prefix: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    let buffer = '';
    const done = (ok: boolean) => (socket.destroy(), resolve(ok));
    socket.setTimeout(1_000, () => done(false));
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      if (buffer.includes('\n')) done(buffer.startsWith(prefix));
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}

async function launch(dir: string, imapPort: number, lmtpPort: number): Promise<Running> {
  // A stale base_dir (sockets, master.pid) from a previous run makes Dovecot refuse to start.
  await rm(join(dir, 'run'), { recursive: true, force: true });
  // stderr goes to a file, not a pipe: the master keeps it open forever, and early errors
  // (config syntax) are only printed there, before log_path is in effect.
  const errFd = openSync(join(dir, 'stderr.log'), 'w');
  const child = spawn(DOVECOT, ['-F', '-c', join(dir, 'dovecot.conf')], {
    stdio: ['ignore', errFd, errFd],
    detached: true, // own process group, so stop() and the watchdog can kill the helpers too
  });
  closeSync(errFd);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve()); // spawn failure: there is nothing to wait for
  });
  // If this Node process dies hard (SIGKILL, OOM), no exit hook runs; the watchdog sees EOF on
  // its stdin and kills the Dovecot group and removes the temp dir.
  const watchdog = spawn(
    'sh',
    ['-c', 'cat >/dev/null; kill -s TERM -- -"$1"; sleep 2; kill -s KILL -- -"$1"; rm -rf -- "$2"', 'dovecot-watchdog', String(child.pid ?? 0), dir],
    { stdio: ['pipe', 'ignore', 'ignore'], detached: true },
  );
  // Neither child may keep a test worker alive; the exit hook cleans up instead.
  child.unref();
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  const run: Running = { child, watchdog, exited, done: false };
  void exited.then(() => (run.done = true));
  live.set(dir, run);

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (run.done) {
      await terminate(dir, run);
      throw new Error(`dovecot exited during startup (code ${child.exitCode}):\n${logTail(dir)}`);
    }
    // LMTP is probed too: its process is spawned per connection and must also be ready.
    if ((await greets(imapPort, '* OK')) && (await greets(lmtpPort, '220'))) return run;
    if (Date.now() > deadline) {
      await terminate(dir, run);
      throw new Error(`dovecot not ready after ${READY_TIMEOUT_MS} ms:\n${logTail(dir)}`);
    }
    await sleep(25);
  }
}

/** SIGTERM the group, escalate to SIGKILL, end the watchdog. */
async function terminate(dir: string, run: Running): Promise<void> {
  if (!run.done) {
    // The whole group, not just the master: a lone master waits ~1.1 s for its children,
    // the group exits in ~20 ms. Nothing is lost; mail is on disk before APPEND/LMTP say OK.
    killGroup(run.child.pid, 'SIGTERM');
    const timer = sleep(STOP_TIMEOUT_MS).then(() => 'timeout' as const);
    if ((await Promise.race([run.exited, timer])) === 'timeout') {
      killGroup(run.child.pid, 'SIGKILL');
      await run.exited;
    }
  }
  killGroup(run.child.pid, 'SIGKILL'); // stragglers of the group, if any
  // Kill the shell before closing its stdin, or it would run its own kill/rm on EOF.
  killGroup(run.watchdog.pid, 'SIGKILL');
  run.watchdog.stdin?.destroy();
  live.delete(dir);
}

type ImapConfig = ReturnType<DovecotServer['imapConfig']>;

async function withClient<T>(cfg: ImapConfig, fn: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow({ ...cfg, logger: false, disableAutoIdle: true });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

const isInbox = (mailbox: string) => mailbox.toUpperCase() === 'INBOX';

async function ensureMailbox(client: ImapFlow, mailbox: string): Promise<void> {
  if (!isInbox(mailbox)) await client.mailboxCreate(mailbox); // ALREADYEXISTS is not an error
}

const mailboxExists = async (client: ImapFlow, mailbox: string) =>
  isInbox(mailbox) || (await client.list()).some((box) => box.path === mailbox);

export async function startDovecot(opts: DovecotOptions = {}): Promise<DovecotServer> {
  const users = opts.users?.length ? opts.users : [{ user: 'support@example.test', password: 'password' }];
  for (const { user, password } of users) {
    if (/[:\s]/.test(user) || /[:\n]/.test(password)) throw new Error(`unusable test credentials for ${user}`);
  }
  installExitHook();
  const owner = mailOwner();
  const dir = await mkdtemp(join(tmpdir(), 'ventanilla-dovecot-'));
  // mkdtemp is 0700; the mail (nobody) and login (dovenull) processes must traverse it.
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'mail'));
  await chown(join(dir, 'mail'), owner.uid, owner.gid);
  await writeFile(join(dir, 'users'), users.map((u) => `${u.user}:{PLAIN}${u.password}::::::\n`).join(''));

  let imapPort = 0;
  let lmtpPort = 0;
  let imapsPort: number | undefined;
  let run: Running | undefined;
  // freePort() can race with other processes; a bind failure just means: pick again.
  for (let attempt = 1; !run; attempt++) {
    imapPort = await freePort();
    do lmtpPort = await freePort();
    while (lmtpPort === imapPort);
    if (opts.tls) {
      do imapsPort = await freePort();
      while (imapsPort === imapPort || imapsPort === lmtpPort);
    }
    await writeFile(join(dir, 'dovecot.conf'), config(dir, { imap: imapPort, lmtp: lmtpPort, imaps: imapsPort }, owner, opts));
    try {
      run = await launch(dir, imapPort, lmtpPort);
    } catch (err) {
      if (attempt >= 3 || !/Address already in use/.test(String(err))) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }

  const first = users[0]!;
  let inFlight: Promise<unknown> = Promise.resolve();
  const server: DovecotServer = {
    host: HOST,
    imapPort,
    lmtpPort,
    ...(imapsPort ? { imapsPort } : {}),
    user: first.user,
    password: first.password,
    dir,
    imapConfig(user = first.user) {
      const found = users.find((u) => u.user === user);
      if (!found) throw new Error(`no such test user: ${user}`);
      return { host: HOST, port: imapPort, secure: false, ...(opts.tls ? { doSTARTTLS: false as const } : {}), auth: { user, pass: found.password } };
    },
    async append(raw, mailbox = 'INBOX', user = first.user) {
      await server.appendMany([raw], mailbox, user);
    },
    async deliver(raw, envelope) {
      const lmtp = createTransport({ host: HOST, port: lmtpPort, lmtp: true, ignoreTLS: true });
      try {
        await lmtp.sendMail({ envelope, raw });
      } finally {
        lmtp.close();
      }
    },
    async appendMany(raws, mailbox = 'INBOX', user = first.user) {
      await withClient(server.imapConfig(user), async (client) => {
        await ensureMailbox(client, mailbox);
        for (const raw of raws) await client.append(mailbox, raw);
      });
    },
    async list(mailbox, user = first.user) {
      return withClient(server.imapConfig(user), async (client) => {
        if (!(await mailboxExists(client, mailbox))) return [];
        const box = await client.mailboxOpen(mailbox, { readOnly: true });
        if (!box.exists) return []; // FETCH 1:* on an empty mailbox is an error
        const messages = await client.fetchAll('1:*', { uid: true, flags: true, envelope: true });
        // \Recent is per session (whoever selects first sees it), so it is noise for assertions.
        const flags = (m: (typeof messages)[number]) => [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort();
        return messages
          .map((m) => ({ uid: m.uid, flags: flags(m), messageId: m.envelope?.messageId ?? null }))
          .sort((a, b) => a.uid - b.uid);
      });
    },
    async count(mailbox, search, user = first.user) {
      return withClient(server.imapConfig(user), async (client) => {
        if (!(await mailboxExists(client, mailbox))) return 0;
        if (!search) return ((await client.status(mailbox, { messages: true })) || { messages: 0 }).messages ?? 0;
        await client.mailboxOpen(mailbox, { readOnly: true });
        return ((await client.search(search, { uid: true })) || []).length;
      });
    },
    async uidValidity(mailbox) {
      return withClient(server.imapConfig(), async (client) => {
        const status = await client.status(mailbox, { uidValidity: true });
        if (!status || status.uidValidity === undefined) throw new Error(`no UIDVALIDITY for ${mailbox}`);
        return status.uidValidity;
      });
    },
    async resetUidValidity(mailbox = 'INBOX') {
      const before = await server.uidValidity(mailbox);
      const [local, domain = ''] = first.user.split('@');
      const root = join(dir, 'mail', domain, local!, 'Maildir');
      // Maildir++: INBOX is the root, other mailboxes are ".<name>" folders (ASCII names only).
      const box = isInbox(mailbox) ? root : join(root, `.${mailbox}`);
      if (!existsSync(box)) throw new Error(`no Maildir folder for ${mailbox} at ${box}`);
      const current = live.get(dir);
      if (current) await terminate(dir, current);
      // Dropping the uidlist and indexes (and the mailbox list index, which caches UIDVALIDITY)
      // makes Dovecot rescan the files and number them afresh. dovecot-uidvalidity* stays: it is
      // how Dovecot makes the new value strictly greater than the old one.
      const doomed = [
        ...(await readdir(box)).filter((n) => n === 'dovecot-uidlist' || n.startsWith('dovecot.index')).map((n) => join(box, n)),
        ...(await readdir(root)).filter((n) => n.startsWith('dovecot.list.index')).map((n) => join(root, n)),
      ];
      for (const file of doomed) await rm(file, { force: true });
      await launch(dir, imapPort, lmtpPort);
      const after = await server.uidValidity(mailbox);
      if (after === before) throw new Error(`UIDVALIDITY of ${mailbox} did not change (${before})`);
    },
    async restart({ downMs = 0 } = {}) {
      const restarting = (async () => {
        await server.down();
        if (downMs > 0) await sleep(downMs);
        await launch(dir, imapPort, lmtpPort);
      })();
      inFlight = restarting.catch(() => undefined);
      await restarting;
    },
    async down() {
      const current = live.get(dir);
      if (current) await terminate(dir, current);
    },
    async up() {
      const launching = launch(dir, imapPort, lmtpPort);
      inFlight = launching.catch(() => undefined);
      await launching;
    },
    async stop() {
      await inFlight; // a restart still in progress would otherwise relaunch into a deleted dir
      const current = live.get(dir);
      if (current) await terminate(dir, current);
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
  return server;
}
