import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readBulletinFile } from '../../../src/bulletins/bulletin-file.js';

// A bulletin written in Notepad or pasted from Word on Windows is saved as Windows-1252, as a `tickets reply`
// --body-file is: read as UTF-8, every subscriber got "M\uFFFDxico" in the subject and the text, without a word.

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-bulletin-encoding-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const opts = { timeZone: 'America/Mexico_City', now: new Date('2026-11-30T16:00:00Z') };
const windows1252 = (name: string, text: string): string => {
  writeFileSync(join(dir, name), iconv.encode(text, 'windows-1252'));
  return join(dir, name);
};

describe('a bulletin file saved as Windows-1252', () => {
  it('is read with its accents, the front matter and the text', () => {
    const draft = readBulletinFile(windows1252('aviso.md', '---\ntitle: Reforma fiscal en México\ncountries: MX\n---\nEl SAT publicó la información del año.\n'), opts);
    expect(draft.variants.es).toEqual({ title: 'Reforma fiscal en México', markdown: 'El SAT publicó la información del año.\n' });
  });

  it("and so is a variant's own file", () => {
    windows1252('pt.md', 'Informação para o contribuinte\n');
    writeFileSync(join(dir, 'aviso.md'), '---\ntitle: Reforma\ncountries: MX\nvariants:\n  pt:\n    title: Reforma PT\n    file: pt.md\n---\nTexto\n');
    expect(readBulletinFile(join(dir, 'aviso.md'), opts).variants.pt?.markdown).toBe('Informação para o contribuinte\n');
  });
});
