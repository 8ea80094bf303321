import type { Command } from 'commander';
import { createApp } from '../app.js';
import { loadConfig } from '../config.js';
import { ErrorCode, VentanillaError } from '../errors.js';
import { ImapSource } from '../ingest/sources/imap.js';
import { migrateDatabase } from '../store/migrator.js';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export function registerMaintenanceCommands(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations (start-up does this too)')
    .action(() => {
      const config = loadConfig();
      mkdirSync(dirname(config.databasePath), { recursive: true });
      const report = migrateDatabase(config.databasePath);
      for (const name of report.applied) process.stdout.write(`applied ${name}\n`);
      process.stdout.write(`${report.applied.length} applied, ${report.alreadyApplied.length} already applied\n`);
    });

  program
    .command('start')
    .description('run the gateway: watch the IMAP mailbox (IDLE push, polling as a fallback)')
    .action(async () => {
      const app = await createApp();
      if (!app.config.imap) {
        await app.close();
        throw new VentanillaError(ErrorCode.CONFIG_INVALID, 'IMAP_HOST is not set: configure IMAP_HOST, IMAP_USER and IMAP_PASSWORD (or use `ventanilla ingest` for an MTA pipe or files).');
      }
      const source = new ImapSource(app.config.imap, app, {
        onResult: (r) => app.log.info({ uid: r.uid, outcome: r.outcome, ticket: r.ticketNumber, detail: r.detail }, 'mail processed'),
      });
      const shutdown = (signal: string) => {
        app.log.info({ signal }, 'stopping');
        void source.stop();
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
      app.log.info({ host: app.config.imap.host, mailbox: app.config.imap.mailbox, data: app.config.dataDir }, 'ventanilla started');
      await source.run();
      await app.close();
    });
}
