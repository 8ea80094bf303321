import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VentanillaError } from '../../src/errors.js';
import { resolveSecret } from '../../src/secret.js';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'ventanilla-secret-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe('the secret that signs Message-IDs, plus-addresses and links', () => {
  it('is generated once into DATA_DIR/secret.key, readable by its owner only, and kept', () => {
    const first = resolveSecret(undefined, dataDir);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(resolveSecret(undefined, dataDir)).toBe(first);
    expect(readdirSync(dataDir)).toEqual(['secret.key']);
  });

  // An HMAC under an empty key is one anyone can compute: every Reply-To, survey and unsubscribe link forgeable.
  // An empty or cut secret.key (a disk that filled up, a copy gone wrong) must stop the start, not sign with it.
  it.each([['empty', ''], ['blank', '\n'], ['too short', 'abc123\n']])('refuses a secret.key that is %s instead of signing with it', (_, content) => {
    writeFileSync(join(dataDir, 'secret.key'), content, { mode: 0o600 });
    let error: unknown;
    try {
      resolveSecret(undefined, dataDir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VentanillaError);
    expect((error as VentanillaError).code).toBe('CONFIG_INVALID');
    expect((error as VentanillaError).message).toContain(join(dataDir, 'secret.key'));
    expect((error as VentanillaError).message).not.toContain('abc123');
  });

  it('a configured SECRET_KEY wins and writes no file', () => {
    expect(resolveSecret('configured-secret-0123456789', dataDir)).toBe('configured-secret-0123456789');
    expect(readdirSync(dataDir)).toEqual([]);
  });
});
