import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadDotenv } from '../../src/dotenv.js';

// A .env written on Windows (Notepad's "ANSI", a file copied from a Windows share) is Windows-1252: read as UTF-8,
// SUPPORT_NAME="Atención al cliente" went out as "Atenci\uFFFDn al cliente" in the From of every mail, silently.

let dir: string;
let cwd: string;
beforeEach(() => {
  cwd = process.cwd();
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-dotenv-'));
  process.chdir(dir);
});
afterEach(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

describe('.env', () => {
  it('saved as Windows-1252 is read with its accents', () => {
    writeFileSync(join(dir, '.env'), iconv.encode('SUPPORT_NAME="Atención al cliente"\r\nBULLETIN_NAME=Boletín fiscal\r\n', 'windows-1252'));
    const env: NodeJS.ProcessEnv = {};
    expect(loadDotenv(env)).toEqual([]);
    expect(env).toEqual({ SUPPORT_NAME: 'Atención al cliente', BULLETIN_NAME: 'Boletín fiscal' });
  });

  it('of UTF-8 lines and one added in Windows-1252 (echo X=ñ >> .env from a Windows console) reads each line as written', () => {
    writeFileSync(join(dir, '.env'), Buffer.concat([Buffer.from('SUPPORT_NAME="Atención al cliente"\n'), iconv.encode('BULLETIN_NAME=Boletín fiscal\n', 'windows-1252')]));
    const env: NodeJS.ProcessEnv = {};
    loadDotenv(env);
    expect(env).toEqual({ SUPPORT_NAME: 'Atención al cliente', BULLETIN_NAME: 'Boletín fiscal' });
  });

  it('saved as UTF-8 (with or without a byte order mark) is read as it is', () => {
    writeFileSync(join(dir, '.env'), '\uFEFFSUPPORT_NAME="Atención al cliente"\n');
    const env: NodeJS.ProcessEnv = {};
    loadDotenv(env);
    expect(env).toEqual({ SUPPORT_NAME: 'Atención al cliente' });
  });
});
