import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

// Preloaded (NODE_OPTIONS=--import=...) into a daemon or CLI child when BENCH_CPU_PROF is set: Node 20 refuses
// --cpu-prof in NODE_OPTIONS, so this starts the V8 profiler itself and writes
// BENCH_CPU_PROF_OUT/<pid>.cpuprofile when the process exits normally (SIGTERM makes `ventanilla start` exit so).
const out = process.env.BENCH_CPU_PROF_OUT;
if (out) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 200 });
  session.post('Profiler.start');
  process.on('exit', () => {
    // The in-thread session answers synchronously, so this runs before the process is gone.
    session.post('Profiler.stop', (error, result) => {
      if (error || !result) return;
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
