// Run in a child process (node --expose-gc jiti): ingests the files named with a pipeline that only counts what it
// is handed, and prints the mails seen and how much RSS grew meanwhile, sampled after a collection (the chunks read
// and dropped are garbage until one), so it tells what the split held, apart from the test runner's own memory.
import { ingestPaths } from '../../src/ingest/sources/files.js';
import { countingPipeline } from './counting-pipeline.js';

const gc = (globalThis as { gc?: () => void }).gc as () => void;
const liveRss = () => {
  gc();
  return process.memoryUsage.rss();
};
const before = liveRss();
let peak = before;
let pieces = 0;
// Every 16th piece (4 MiB of a file): often enough to see a mail held, rarely enough to stay fast.
const { pipeline, seen } = countingPipeline(() => {
  if (++pieces % 16 === 0) peak = Math.max(peak, liveRss());
});
await ingestPaths(pipeline, process.argv.slice(2));
peak = Math.max(peak, liveRss());
console.log(JSON.stringify({ seen, grewBytes: peak - before }));
