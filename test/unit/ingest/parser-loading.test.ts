import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../../src/paths.js';

// The parser (src/ingest/parse.ts with mailparser, libmime and iconv-lite; ~0.2 s to load) is loaded by the
// main thread on first use only (src/ingest/pipeline.ts): every command but those that parse starts without
// it, and the daemon's main thread, whose preparation worker parses a backlog, loads it once caught up. This
// reads the shipped bundle: what `ventanilla` loads before it runs a command must not contain it.

const bundleDir = join(projectRoot, 'dist', 'bundle');
const PARSER = /class extends Transform[^]{0,400}?libmime|var MailParser = class/;

function read(file: string): string {
  return readFileSync(join(bundleDir, file), 'utf8');
}

/** The chunks a chunk imports statically (import ... from "./x.js", import "./x.js"), and theirs. */
function staticClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const match of read(file).matchAll(/^import\s(?:[^;]*?\sfrom\s)?"\.\/([^"]+)";?$/gm)) visit(match[1] as string);
  };
  visit(entry);
  return seen;
}

describe('the parser loads on first use', () => {
  it('the program a command starts with does not contain it; a chunk loaded on demand does', () => {
    const entry = /await import\("\.\/(program-[^"]+)"\)/.exec(read('main.js'))?.[1];
    expect(entry, 'main.js imports the program chunk').toBeDefined();
    const atStart = staticClosure(entry as string);
    expect(atStart.size).toBeGreaterThan(3);
    for (const file of atStart) expect(read(file), file).not.toMatch(PARSER);
    const parserChunks = readdirSync(bundleDir).filter((f) => f.endsWith('.js') && PARSER.test(read(f)));
    expect(parserChunks.length).toBeGreaterThan(0);
    for (const file of parserChunks) expect(atStart.has(file), file).toBe(false);
  });
});
