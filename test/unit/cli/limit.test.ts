import { describe, expect, it } from 'vitest';
import { parseLimit } from '../../../src/cli/inbound-commands.js';

// `--limit` of `tickets list` and `inbound`: a value refused says what it takes. "expected a whole number above 0"
// of `--limit 10000000` (an operator asking for every ticket) named no rule that number broke.

describe('--limit', () => {
  it('takes a whole number from 1 to 9,999,999, or the default when not given', () => {
    expect(parseLimit(undefined, 50)).toBe(50);
    expect(parseLimit('1')).toBe(1);
    expect(parseLimit('9999999')).toBe(9_999_999);
  });

  it('refuses anything else, saying the range', () => {
    for (const value of ['0', '10000000', '-5', '1,000', 'all']) {
      expect(() => parseLimit(value), value).toThrow(`--limit: expected a whole number from 1 to 9999999 (got "${value}")`);
    }
  });
});
