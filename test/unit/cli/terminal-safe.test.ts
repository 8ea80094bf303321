import { describe, expect, it } from 'vitest';
import { terminalSafe } from '../../../src/cli/terminal-safe.js';

describe('terminalSafe', () => {
  it('shows escape sequences, bells, a CSI of C1 and a lone CR as visible escapes', () => {
    expect(terminalSafe('a\x1b[2Jb\x07c\u009bd\re\x00')).toBe('a\\u001b[2Jb\\u0007c\\u009bd\\u000de\\u0000');
  });
  it('keeps tabs, line ends (LF and CRLF) and every printable letter', () => {
    const text = 'Factura\tnúmero 90\r\n¿Cómo? 日本語 😀\n';
    expect(terminalSafe(text)).toBe(text);
  });
});
