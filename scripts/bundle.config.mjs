// The shipped CLI and daemon: src/ bundled into a few files under dist/bundle (tsc type-checks and builds
// dist/src for the tests; rolldown strips the types itself, so the source maps point at the .ts files).
//
// Why: Node loads ~300 separate modules for every `ventanilla` command, and resolving, reading and checking the
// format of each cost more than running the command (`ventanilla ingest -` from an MTA took 1.45 s a mail, of
// which ~0.5 s was the module loader). Bundled, the same command takes ~1.0 s, and the daemon opens its mailbox
// ~0.45 s sooner. Figures and the command that measured them: test/bench/HISTORY.md.
//
// The worker threads' scripts are entries of their own, beside the chunks that start them (workerScript in
// src/workers/thread-client.ts looks for them in the caller's folder). better-sqlite3 stays outside (required at
// run time by src/store/sqlite-driver.ts, which picks the build for the running Node): it loads a native addon
// from its own package folder; date-holidays stays outside too, which src/domain/public-holidays.ts requires
// only when the holiday table built with the project lacks a country or a year. Not minified: stack traces keep readable names, and minifying
// gained nothing measurable. Source maps are written: `node --enable-source-maps` maps stacks to src/.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Prisma ships its query planner (WebAssembly) as a JavaScript module holding the binary in base64, which the
 * generated client decodes. Loading that 2.2 MB module cost every command ~85 ms (reading, decoding and
 * compiling the source of one string), and decoding it 16 ms more. Here the binary is written next to the
 * bundle once, and the module the client imports reads it: ~28 ms. Measured: test/bench/HISTORY.md.
 */
const WASM_BASE64_MODULE = '@prisma/client/runtime/query_compiler_small_bg.sqlite.wasm-base64.mjs';
const WASM_FILE = 'query-compiler.wasm';
const LOADER_ID = '\0query-compiler-wasm';

function queryCompilerAsFile() {
  return {
    name: 'query-compiler-as-file',
    resolveId(id) {
      return id === WASM_BASE64_MODULE ? LOADER_ID : null;
    },
    load(id) {
      if (id !== LOADER_ID) return null;
      // The generated client decodes `wasm` from base64; reading the file and encoding it costs less than the module.
      return `import { readFileSync } from 'node:fs';\nexport const wasm = readFileSync(new URL('./${WASM_FILE}', import.meta.url)).toString('base64');\n`;
    },
    async generateBundle() {
      const { wasm } = await import(createRequire(import.meta.url).resolve(WASM_BASE64_MODULE));
      this.emitFile({ type: 'asset', fileName: WASM_FILE, source: Buffer.from(wasm, 'base64') });
    },
  };
}

/**
 * Prisma's SQLite adapter imports `better-sqlite3`; it gets src/store/sqlite-driver.ts instead, which loads the
 * build for the running Node (version 12 aborts on Node 24; that file says why), as the project's own code does.
 */
function sqliteDriverForNode() {
  const driver = fileURLToPath(new URL('../src/store/sqlite-driver.ts', import.meta.url));
  return {
    name: 'sqlite-driver-for-node',
    resolveId(id) {
      return id === 'better-sqlite3' ? driver : null;
    },
  };
}

export default {
  plugins: [queryCompilerAsFile(), sqliteDriverForNode()],
  input: {
    main: 'src/cli/main.ts',
    'prepare-worker': 'src/ingest/prepare-worker.ts',
    'compose-worker': 'src/outbound/compose-worker.ts',
    'file-writer-worker': 'src/outbound/file-writer-worker.ts',
  },
  platform: 'node',
  external: ['better-sqlite3-napi', 'date-holidays'],
  logLevel: 'warn',
  output: {
    dir: 'dist/bundle',
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: '[name]-[hash].js',
    sourcemap: true,
    cleanDir: true,
  },
};
