import type { Command } from 'commander';
import { createApp } from '../app.js';
import { loadConfig } from '../config.js';
import { gatewayJobs, OUTBOX_DRAIN } from '../scheduler/jobs.js';
import { Scheduler } from '../scheduler/runner.js';
import { linksLastOneRun, publicUrl, publicUrlProblem } from '../http/public-url.js';
import { warmUp } from '../warm-up.js';
import { InboundFirst } from '../outbound/inbound-first.js';
import { migrateDatabase } from '../store/migrator.js';
import { resolveMigration } from '../store/migration-resolve.js';
import { ErrorCode, VentanillaError } from '../errors.js';
import { httpListenError } from '../http/listen-error.js';
import { ensureWritableFolders } from '../data-dir.js';
import { stopTokenRequests } from '../oauth2-token.js';
import { mailboxUnreadForMs } from '../ingest/sources/imap-outage.js';

/** How long a backlog may hold the outbox at most (inbound-first.ts). */
const INBOUND_FIRST_MAX_HOLD_MS = 60_000;
/** How long the HTTP server waits at most for the mailbox to be read at start-up (an IMAP server down, slow). */
const HTTP_WAITS_FOR_MAILBOX_MS = 2_000;
/** ...and for a backlog found at start-up to be recorded (survey and bulletin links wait, the tickets do not). */
const HTTP_WAITS_FOR_BACKLOG_MS = 10_000;
const ONE_RUN_LINKS_WARNING =
  'PUBLIC_URL is not set and HTTP_PORT is 0: links in mail (surveys, bulletins, knowledge base) name the port chosen for this run, ' +
  'which the next start will not have, and mail queued before now or by other commands says port 0; set PUBLIC_URL (or a fixed HTTP_PORT)';

export function registerMaintenanceCommands(program: Command): void {
  const migrate = program
    .command('migrate')
    .description('apply pending database migrations (start-up does this too)')
    .action(() => {
      const config = loadConfig();
      ensureWritableFolders(config);
      const report = migrateDatabase(config.databasePath);
      for (const name of report.applied) process.stdout.write(`applied ${name}\n`);
      process.stdout.write(`${report.applied.length} applied, ${report.alreadyApplied.length} already applied\n`);
    });
  migrate
    .command('resolve')
    .description('say how a migration that failed under `prisma migrate deploy` ended, as `prisma migrate resolve` does')
    .option('--applied <name>', 'its changes are all in the database: record it applied, never to be applied again')
    .option('--rolled-back <name>', 'none of its changes is left: record it rolled back, to be applied again')
    .action((opts: { applied?: string; rolledBack?: string }) => {
      const name = opts.applied ?? opts.rolledBack;
      if (!name || (opts.applied && opts.rolledBack)) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, 'give one of --applied <name> or --rolled-back <name>');
      const config = loadConfig();
      ensureWritableFolders(config);
      resolveMigration(config.databasePath, name, opts.applied ? 'applied' : 'rolled-back');
      process.stdout.write(
        opts.applied ? `${name} marked applied: it is not applied again\n` : `${name} marked rolled back: \`ventanilla migrate\` (or start-up) applies it again\n`,
      );
    });

  program
    .command('start')
    .description('run the gateway: watch the IMAP mailbox (IDLE push, polling fallback) and run the scheduled jobs')
    .action(async () => {
      const config = loadConfig();
      // Loaded here rather than with the program: the other commands (an MTA's `ingest -`, once per mail) need
      // neither IMAP nor the HTTP server, and loading them cost 0.3 s of every start-up.
      const { ImapSource, openSession } = await import('../ingest/sources/imap.js');
      // The mailbox is opened first: the server answers the connection's round trips while this thread opens the
      // database, and the preparation worker loads its modules on the other core.
      const early = config.imap ? openSession(config.imap) : undefined;
      const app = await createApp({ config, composeWorker: true, preparationWorker: true }).catch((error: unknown) => {
        early?.client.close();
        throw error;
      });
      // Acknowledgements of a backlog go out once it is recorded (inbound-first.ts), a minute at most.
      const inboundFirst = new InboundFirst(INBOUND_FIRST_MAX_HOLD_MS);
      // ...and so does their rendering: a backlog's automatic notices are owed rows until then (deferred-notices.ts).
      app.lifecycle.notices.deferAutomatic = () => inboundFirst.holding();
      // A pending or solved ticket is closed for lack of an answer (and reminded) only once the mailbox has been read
      // since the start, not while a backlog is recorded, and not while the mailbox has gone unread for longer than
      // two polls and a timeout: the answer may be waiting there (the daemon was down, the IMAP server unreachable at
      // the start or since, a burst), and would otherwise open a follow-up of a closed ticket.
      let mailboxReadOnce = !config.imap;
      let caughtUpAt = 0;
      const unreadFor = config.imap ? mailboxUnreadForMs(config.imap) : Infinity;
      const holdTimers = () => !mailboxReadOnce || inboundFirst.holding() || Date.now() - caughtUpAt > unreadFor;
      const scheduler = new Scheduler(gatewayJobs(app, { holdSending: () => inboundFirst.holding(), holdTimers, nightly: true }), app);
      // The HTTP server is built once the mailbox is caught up: its modules and routes (~0.15 s of CPU, and their
      // compilation on the other core) would otherwise share the two cores with a backlog found at start-up. A
      // mailbox that cannot be read (the server down) holds it HTTP_WAITS_FOR_MAILBOX_MS at most; a backlog being
      // recorded, HTTP_WAITS_FOR_BACKLOG_MS at most.
      let mailboxRead = () => {};
      const mailboxWasRead = new Promise<void>((resolve) => {
        mailboxRead = resolve;
        // A backlog ends with onCaughtUp (below), which resolves this at once.
        setTimeout(() => !inboundFirst.holding() && resolve(), HTTP_WAITS_FOR_MAILBOX_MS).unref();
        setTimeout(resolve, HTTP_WAITS_FOR_BACKLOG_MS).unref();
      });
      // Warming up (compiling every template of every locale, about a second of CPU) waits until the mailbox is
      // caught up: a backlog at start-up warms the paths it uses itself, and should not share the CPU with it.
      let warmedUp: Promise<void> | null = null;
      const warmUpOnce = () => {
        const started = Date.now();
        warmedUp ??= warmUp(app).then(
          () => app.log.info({ ms: Date.now() - started }, 'warmed up'),
          (error: unknown) => app.log.warn({ err: error }, 'warm-up failed'),
        );
        return warmedUp;
      };
      const source = app.config.imap
        ? new ImapSource(app.config.imap, app, {
            onResult: (r) => {
              app.log.info({ uid: r.uid, outcome: r.outcome, ticket: r.ticketNumber, detail: r.detail }, 'mail processed');
              // Acknowledgements go out at once, not at the next drain tick (unless a backlog is being recorded).
              if (!inboundFirst.holding()) scheduler.trigger(OUTBOX_DRAIN);
            },
            onBacklog: () => {
              if (inboundFirst.backlogStarted()) app.log.info('backlog in the mailbox: acknowledgements wait until it is recorded');
            },
            onCaughtUp: () => {
              // Said once: until then every lifecycle tick says `held` (an IMAP server down at the start holds them all).
              if (!mailboxReadOnce) app.log.info('mailbox read since the start: the lifecycle timers no longer wait for it');
              mailboxReadOnce = true;
              caughtUpAt = Date.now();
              mailboxRead();
              if (inboundFirst.caughtUp()) {
                app.log.info('backlog recorded: sending what waited');
                scheduler.trigger(OUTBOX_DRAIN);
              }
              void warmUpOnce();
            },
          }, early)
        : null;
      if (!source) app.log.warn('IMAP_HOST is not set: running the scheduled jobs only (mail can still arrive through `ventanilla ingest -`)');
      let stopping = false;
      let http: Awaited<ReturnType<(typeof import('../http/server.js'))['buildServer']>> | undefined;
      let httpStarted: Promise<void> = Promise.resolve();
      // In order: no new mail in, then jobs finish (the drain puts back what it did not send), then close.
      const stopWork = async () => {
        stopTokenRequests();
        await source?.stop();
        await scheduler.stop();
        await httpStarted.catch(() => undefined);
        await http?.close();
      };
      const stopped = new Promise<void>((resolve) => {
        const shutdown = (signal: string) => {
          if (stopping) return;
          stopping = true;
          app.log.info({ signal }, 'stopping');
          void stopWork().finally(resolve);
        };
        process.once('SIGTERM', () => shutdown('SIGTERM'));
        process.once('SIGINT', () => shutdown('SIGINT'));
        // The terminal it ran in was closed: Node's default is to die on the spot, mid-batch (nothing is lost,
        // but the session is not logged out and the jobs not finished). There is no configuration to reload.
        process.once('SIGHUP', () => shutdown('SIGHUP'));
      });
      const running = source?.run();
      if (!source) await warmUpOnce();
      scheduler.start();
      httpStarted = (async () => {
        if (source) await mailboxWasRead;
        if (stopping) return;
        const [{ buildServer }] = await Promise.all([import('../http/server.js'), import('../http/routes.js')]);
        http = await buildServer(app);
        const address = await http.listen({ port: app.config.env.HTTP_PORT, host: app.config.env.HTTP_HOST });
        app.log.info({ address, publicUrl: publicUrl(app) }, 'HTTP server listening');
        // Said with or without SMTP: the demo's files in DATA_DIR/outbox carry these links too.
        if (linksLastOneRun(app.config.env)) app.log.warn({ publicUrl: publicUrl(app) }, ONE_RUN_LINKS_WARNING);
        // Only once mail goes out to people (SMTP): the demo's files need no public links.
        const problem = app.config.smtp ? publicUrlProblem(publicUrl(app)) : null;
        if (problem) app.log.warn({ publicUrl: publicUrl(app) }, `PUBLIC_URL: ${problem}; set it to this server's public https address`);
      })();
      await httpStarted.catch(async (error: unknown) => {
        // Without this the error was printed and the daemon ran on without its HTTP server, never exiting.
        stopping = true;
        await stopWork();
        await app.close();
        throw httpListenError(error, app.config.env);
      });
      const { unknownSenderPolicy, trustedAuthservIds } = app.config.access;
      if (unknownSenderPolicy !== 'accept' && trustedAuthservIds.length === 0) {
        app.log.warn({ unknownSenderPolicy }, "TRUSTED_AUTHSERV_IDS is not set: an administrator's commands by mail are believed from whoever writes the administrator's address in From");
      }
      app.log.info({ imap: app.config.imap ? `${app.config.imap.host}/${app.config.imap.mailbox}` : null, smtp: app.config.smtp?.host ?? 'files in DATA_DIR/outbox', data: app.config.dataDir }, 'ventanilla started');
      await Promise.all([running, stopped]);
      await warmedUp;
      await app.close();
    });
}
