import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { holderIsDead, newHolderId } from '../../../src/scheduler/lease.js';

describe('holderIsDead', () => {
  it('takes a holder of this pid that this process did not make as an earlier, dead process (a restarted container)', () => {
    expect(holderIsDead(`${hostname()}:${process.pid}:zz9zz9`)).toBe(true);
    expect(holderIsDead(`drain:${hostname()}:${process.pid}:zz9zz9`)).toBe(true);
  });

  it('keeps the holders this process made alive, and those of other hosts', () => {
    expect(holderIsDead(newHolderId())).toBe(false);
    expect(holderIsDead(newHolderId('imap:'))).toBe(false);
    expect(holderIsDead(`another-host:${process.pid}:zz9zz9`)).toBe(false);
  });
});
