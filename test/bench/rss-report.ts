import { writeFileSync } from 'node:fs';

// Preloaded (node --import) into a CLI child when /usr/bin/time is missing: writes the process's max RSS
// (kilobytes, getrusage) to BENCH_RSS_FILE when it exits.
const target = process.env.BENCH_RSS_FILE;
if (target) process.on('exit', () => writeFileSync(target, JSON.stringify({ maxRSS: process.resourceUsage().maxRSS })));
