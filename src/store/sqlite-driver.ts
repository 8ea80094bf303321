import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

// The better-sqlite3 build for the running Node. Version 12 (`better-sqlite3`) is built on Node's C++ object
// wrapper, and Node 24 changed that wrapper: a statement garbage-collected while no JavaScript context is entered
// aborts the process ("Assertion failed: (env) != nullptr" in RemoveEnvironmentCleanupHook; the demo's
// `scheduler run-once` and the daemon did, within seconds; upstream WiseLibs/better-sqlite3#1515 was closed
// without a fix). Version 13 (`better-sqlite3-napi`, an npm alias) is built on Node-API and ships its binaries,
// but it needs Node 22 and crashes on Node 20. So: 13 on Node 24 and later, 12 before. Their JavaScript API is
// the same for what this project uses. The shipped bundle also gives this module to Prisma's adapter in place
// of `better-sqlite3` (scripts/bundle.config.mjs), so that one process never loads both.

const NAPI_FROM_NODE_MAJOR = 24;

export const sqliteDriverPackage =
  Number(process.versions.node.split('.')[0]) >= NAPI_FROM_NODE_MAJOR ? 'better-sqlite3-napi' : 'better-sqlite3';

const Database = createRequire(import.meta.url)(sqliteDriverPackage) as typeof BetterSqlite3;

export default Database;
