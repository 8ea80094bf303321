import { buildProgram } from './command-tree.js';
import { exitCodeFor, failureMessage } from './failure-message.js';

const program = buildProgram();

// A reader that stops early (`ventanilla tickets list | head -1`): stop as a Unix tool killed by SIGPIPE does
// (status 141), quietly. Work in flight is safe to drop there: nothing is acknowledged before it commits.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(141);
});

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(failureMessage(error) + '\n');
  process.exitCode = process.exitCode && process.exitCode !== 0 ? process.exitCode : exitCodeFor(error);
});
