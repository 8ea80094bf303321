import type { ImapFlowOptions } from 'imapflow';
import { fetchAndParseAll } from './raw-ingest.js';

// The ingest benchmark's raw baseline once more, as a process of its own started the way the daemon is: node's
// start, imapflow's and mailparser's modules, and a JIT that has compiled nothing yet. The baseline of the
// table runs warm in the harness's process; this one tells how much of the gap is a new process's start and
// warm-up, which the daemon cannot avoid (test/bench/README.md). Prints one JSON line when done.
//   node dist/test/bench/raw-ingest-process.js '<imapflow options as JSON>' <expected mails>

const [options, expected] = process.argv.slice(2);
await fetchAndParseAll(JSON.parse(options as string) as ImapFlowOptions, Number(expected));
const cpu = process.cpuUsage();
process.stdout.write(`${JSON.stringify({ cpuSeconds: (cpu.user + cpu.system) / 1e6 })}\n`);
