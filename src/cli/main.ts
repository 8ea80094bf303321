#!/usr/bin/env node
import { keepWasmOnBaselineCompiler } from '../wasm-compiler.js';

// Before anything else is loaded (wasm-compiler.ts says why); the program itself is program.ts.
keepWasmOnBaselineCompiler();

await import('./program.js');
