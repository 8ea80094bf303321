import { setFlagsFromString } from 'node:v8';

/**
 * Prisma plans its queries in a WebAssembly module. V8 compiles it quickly for a first run (Liftoff), then
 * optimises all of it again on background threads (TurboFan), and a process waits for that before it exits:
 * 0.4-0.5 s of CPU on each `ventanilla ingest -` from an MTA (2.15 s -> 1.62 s wall per mail, measured) and on
 * every other command. The hot paths (ingest, ticks, drain) run SQL directly, so the faster plans would not pay
 * for themselves in the daemon either. Call before the first query (src/cli/main.ts does, before any import).
 */
export function keepWasmOnBaselineCompiler(): void {
  setFlagsFromString('--liftoff-only');
}
