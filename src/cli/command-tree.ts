import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { projectRoot } from '../paths.js';
import { registerAccessCommands } from './access-commands.js';
import { registerBlobCommands } from './blob-commands.js';
import { registerBulletinCommands } from './bulletin-commands.js';
import { registerInboundCommands } from './inbound-commands.js';
import { registerIngestCommands } from './ingest-commands.js';
import { registerKnowledgeCommands } from './kb-commands.js';
import { registerMaintenanceCommands } from './maintenance-commands.js';
import { registerOpsCommands } from './ops-commands.js';
import { registerTemplateCommands } from './template-commands.js';
import { registerSurveyCommands } from './survey-commands.js';
import { registerTicketCommands } from './ticket-commands.js';

// The version an operator names in a bug report or checks after an upgrade: package.json's, read at run time
// (the bundle ships beside it) rather than copied into the code where it could drift.
const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };

/**
 * Every command, its options and its help, not yet run (program.ts parses the command line with it). Apart so that
 * a test reads the options of each command from the tree itself, as --help prints them, without a process each.
 */
export function buildProgram(): Command {
  const program = new Command()
    .name('ventanilla')
    .version(version, '-V, --version', 'print the version')
    .description('Email-driven ticket gateway: every mail becomes a ticket, a comment or a follow-up.')
    .showHelpAfterError()
    // For the scripts that run it (README "Command line" has the table).
    .addHelpText('after', '\nExit codes: 0 done, or already so (the line says "already"); 1 refused or failed; 3 what it names does not exist\n(TICKET_NOT_FOUND, NOT_FOUND); 75 `ingest -` did not store the mail; 141 the reader stopped early.');

  registerMaintenanceCommands(program);
  registerIngestCommands(program);
  registerInboundCommands(program);
  registerTicketCommands(program);
  registerOpsCommands(program);
  registerTemplateCommands(program);
  registerAccessCommands(program);
  registerSurveyCommands(program);
  registerBulletinCommands(program);
  registerKnowledgeCommands(program);
  registerBlobCommands(program);
  return program;
}
