import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { cliBuilt, cliPath } from '../support/cli.js';

// The shipped bundle (scripts/bundle.config.mjs) carries Prisma's query planner as a .wasm file beside it, not
// as Prisma's 2.2 MB JavaScript module of base64 text: loading that module cost every command ~85 ms. The CLI
// tests open databases through the bundle, so they prove the file is found and read; this proves it is the
// planner Prisma ships, and that the base64 module is gone from the bundle. Each worker thread's script is an
// entry of its own there too (workerScript in src/workers/thread-client.ts finds it beside the code).

describe.skipIf(!cliBuilt)('the shipped bundle', () => {
  const bundleDir = join(cliPath, '..');

  it('has an entry for every worker thread the code starts (without one, its work silently stays in the main thread)', () => {
    const src = join(projectRoot, 'src');
    const names = new Set<string>();
    for (const file of readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts'))) {
      for (const m of readFileSync(join(src, file), 'utf8').matchAll(/workerScript\(import\.meta\.url, '([\w-]+)'\)/g)) names.add(m[1] as string);
    }
    expect([...names].sort()).toEqual(['compose-worker', 'file-writer-worker', 'prepare-worker']);
    for (const name of names) expect(existsSync(join(bundleDir, `${name}.js`)), name).toBe(true);
  });

  it("carries Prisma's query planner byte for byte as a .wasm file, and not its base64 module", async () => {
    const { wasm } = (await import('@prisma/client/runtime/query_compiler_small_bg.sqlite.wasm-base64.mjs' as string)) as { wasm: string };
    const shipped = readFileSync(join(bundleDir, 'query-compiler.wasm'));
    expect(shipped.equals(Buffer.from(wasm, 'base64'))).toBe(true);
    const chunks = readdirSync(bundleDir).filter((name) => name.endsWith('.js'));
    const probe = wasm.slice(1_000, 1_200);
    expect(chunks.filter((name) => readFileSync(join(bundleDir, name), 'latin1').includes(probe))).toEqual([]);
  });

  it('starts a command without loading the mail parser (mailparser and its charsets: ~60 ms of every start-up)', () => {
    // The chunks a command loads before it runs: main.js's program and what it imports statically. The parser
    // comes with the first mail parsed in that thread (pipeline.ts) or in the preparation worker.
    const importsOf = (chunk: string) => [...readFileSync(join(bundleDir, chunk), 'utf8').matchAll(/^import [^;]*?from "\.\/([^"]+)"/gm)].map((m) => m[1] as string);
    const program = /import\("\.\/(program-[^"]+)"\)/.exec(readFileSync(cliPath, 'utf8'))?.[1];
    expect(program).toBeDefined();
    const reachable = (start: string) => {
      const seen = new Set<string>();
      const visit = (chunk: string) => {
        if (seen.has(chunk)) return;
        seen.add(chunk);
        importsOf(chunk).forEach(visit);
      };
      visit(start);
      return [...seen];
    };
    const packagesIn = (chunk: string) => [...readFileSync(join(bundleDir, chunk), 'utf8').matchAll(/^\/\/ node_modules\/([^/]+)\//gm)].map((m) => m[1]);
    const startUp = new Set(reachable(program as string).flatMap(packagesIn));
    expect(startUp.has('planer')).toBe(true); // what the recorder needs of a mail's text is there
    expect([...startUp].filter((name) => ['mailparser', 'libmime', 'html-to-text', 'linkify-it', 'encoding-japanese'].includes(name as string))).toEqual([]);
    // ...and the worker has it.
    expect(reachable('prepare-worker.js').flatMap(packagesIn)).toContain('mailparser');
  });
});
