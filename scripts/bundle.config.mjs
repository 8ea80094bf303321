// The shipped CLI and daemon: src/ bundled into a few files under dist/bundle (tsc type-checks and builds
// dist/src for the tests; rolldown strips the types itself, so the source maps point at the .ts files).
//
// Why: Node loads ~300 separate modules for every `ventanilla` command, and resolving, reading and checking the
// format of each cost more than running the command (`ventanilla ingest -` from an MTA took 1.45 s a mail, of
// which ~0.5 s was the module loader). Bundled, the same command takes ~1.0 s, and the daemon opens its mailbox
// ~0.45 s sooner. Figures and the command that measured them: README, Performance.
//
// The worker threads' scripts are entries of their own, beside the chunks that start them (workerScript in
// src/workers/thread-client.ts looks for them in the caller's folder). better-sqlite3 stays outside: it loads a
// native addon from its own package folder; so does date-holidays, which src/domain/public-holidays.ts requires
// only when the holiday table built with the project lacks a country or a year. Not minified: stack traces keep readable names, and minifying
// gained nothing measurable. Source maps are written: `node --enable-source-maps` maps stacks to src/.
export default {
  input: {
    main: 'src/cli/main.ts',
    'prepare-worker': 'src/ingest/prepare-worker.ts',
    'compose-worker': 'src/outbound/compose-worker.ts',
  },
  platform: 'node',
  external: ['better-sqlite3', 'date-holidays'],
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
