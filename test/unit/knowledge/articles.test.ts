import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterEach, describe, expect, it } from 'vitest';
import { loadArticles } from '../../../src/knowledge/articles.js';

// The folder is the support team's: whatever lands in it, the gateway must still start and record mail.

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const folder = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'ventanilla-kba-'));
  dirs.push(dir);
  return dir;
};

describe('loadArticles', () => {
  it('names and skips a .md it cannot read (a folder so named), and reads the others', () => {
    const dir = folder();
    writeFileSync(join(dir, 'horario.md'), '# Horario de atención\n\nLunes a viernes.\n');
    mkdirSync(join(dir, 'borrador.md'));
    const { articles, problems } = loadArticles(dir);
    expect(articles.map((a) => a.slug)).toEqual(['horario']);
    expect(problems).toEqual([expect.stringMatching(/^borrador\.md: cannot be read \(EISDIR\)$/)]);
  });

  it('reads an article saved by Notepad in Windows-1252 ("ANSI") or UTF-16 ("Unicode") as what it says', () => {
    const dir = folder();
    const text = '---\nlang: es\nkeywords: clave, contraseña\n---\n# Cómo cambiar la contraseña\n\nAbra Configuración.\n';
    writeFileSync(join(dir, 'clave.md'), iconv.encode(text, 'windows-1252'));
    writeFileSync(join(dir, 'clave-unicode.md'), iconv.encode(text, 'utf-16le', { addBOM: true }));
    const { articles, problems } = loadArticles(dir);
    expect(problems).toEqual([]);
    expect(articles.map((a) => [a.slug, a.title, a.keywords, a.body])).toEqual([
      ['clave-unicode', 'Cómo cambiar la contraseña', ['clave', 'contraseña'], 'Abra Configuración.'],
      ['clave', 'Cómo cambiar la contraseña', ['clave', 'contraseña'], 'Abra Configuración.'],
    ]);
  });
});
