import { mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KnowledgeFolder, RECHECK_MS } from '../../../src/knowledge/folder.js';

// The support team adds, edits and removes articles while the gateway runs: it must follow within RECHECK_MS.

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('KnowledgeFolder', () => {
  it('reads the folder again when an article is added, edited or removed, at most every RECHECK_MS', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ventanilla-kbf-'));
    dirs.push(dir);
    let now = 1_000_000;
    const warnings: string[] = [];
    const folder = new KnowledgeFolder(dir, (w) => warnings.push(w), () => now);
    const titles = () => folder.current().articles.map((a) => a.title);
    expect(titles()).toEqual([]);

    writeFileSync(join(dir, 'horario.md'), '# Horario de atención\n\nLunes a viernes.\n');
    expect(titles()).toEqual([]); // not looked at again yet
    now += RECHECK_MS;
    expect(titles()).toEqual(['Horario de atención']);

    writeFileSync(join(dir, 'horario.md'), '# Horario y teléfonos de atención\n\nLunes a viernes, 8 a 20.\n');
    utimesSync(join(dir, 'horario.md'), new Date(), new Date(Date.now() + 5_000)); // a later mtime, whatever the clock's grain
    writeFileSync(join(dir, 'roto.md'), 'sin título\n');
    now += RECHECK_MS;
    expect(titles()).toEqual(['Horario y teléfonos de atención']);
    expect(warnings).toEqual(['knowledge base: roto.md: no title (a first line "# Title"); the file is skipped']);

    unlinkSync(join(dir, 'horario.md'));
    now += RECHECK_MS - 1;
    expect(titles()).toEqual(['Horario y teléfonos de atención']);
    now += 1;
    expect(titles()).toEqual([]);
    expect(warnings).toHaveLength(2); // the broken file, named again with each reading
  });

  it('has no articles when the folder does not exist', () => {
    expect(new KnowledgeFolder(join(tmpdir(), 'ventanilla-no-such-kb'), () => undefined).current().size).toBe(0);
  });
});
