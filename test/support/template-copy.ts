import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { templatesDir } from '../../src/paths.js';

/** A copy of the shipped templates/ for one test to break or edit; removed when the test ends. */
export function copyOfTemplates(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ventanilla-templates-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(templatesDir, dir, { recursive: true });
  return dir;
}
