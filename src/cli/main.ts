#!/usr/bin/env node
import module from 'node:module';
import { keepWasmOnBaselineCompiler } from '../wasm-compiler.js';
import { guardTerminalOutput } from './terminal-safe.js';

// Before any file is written: DATA_DIR holds the customers' mail (database, raw mails, attachments), the signing
// key and the mail sent (signed Reply-To addresses, survey and unsubscribe links). With the usual umask 022 all
// of it was readable by every user of the machine. The SQLite -wal/-shm files take the database file's mode.
process.umask(0o077);
// Before anything else is loaded (wasm-compiler.ts says why); the program itself is program.ts.
keepWasmOnBaselineCompiler();
// Node 22.1 and later keep V8's compiled code of the bundle between runs, in the system's temporary folder: on
// Node 24 here, `ventanilla --help` took 0.53 s instead of 0.60 s, and every command (an MTA's `ingest -`, once
// per mail) starts by compiling the same ~5 MB. Node 20 has no such cache: nothing happens there.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// What mails say reaches the agent's terminal through every command's output: no escape sequence of theirs is obeyed.
guardTerminalOutput();

await import('./program.js');
