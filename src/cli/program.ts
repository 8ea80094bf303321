import { Command } from 'commander';
import { VentanillaError } from '../errors.js';
import { registerAccessCommands } from './access-commands.js';
import { registerBulletinCommands } from './bulletin-commands.js';
import { registerIngestCommands } from './ingest-commands.js';
import { registerMaintenanceCommands } from './maintenance-commands.js';
import { registerOpsCommands } from './ops-commands.js';
import { registerSurveyCommands } from './survey-commands.js';
import { registerTicketCommands } from './ticket-commands.js';

const program = new Command()
  .name('ventanilla')
  .description('Email-driven ticket gateway: every mail becomes a ticket, a comment or a follow-up.')
  .showHelpAfterError();

registerMaintenanceCommands(program);
registerIngestCommands(program);
registerTicketCommands(program);
registerOpsCommands(program);
registerAccessCommands(program);
registerSurveyCommands(program);
registerBulletinCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof VentanillaError) {
    process.stderr.write(`ventanilla: ${error.code}: ${error.message}\n`);
  } else {
    process.stderr.write(`ventanilla: ${(error as Error)?.stack ?? String(error)}\n`);
  }
  process.exitCode = process.exitCode && process.exitCode !== 0 ? process.exitCode : 1;
});
