import { describe, expect, it } from 'vitest';
import { htmlToText } from '../../../src/ingest/visible-text/index.js';

// A mail's <style> sheets and its mentions of the symbol fonts are the sender's: crafted ones must not stall the
// recording thread. Each of these took the former reading seconds to minutes (a rule regex backtracking over
// braceless text, a look back per mention, a sheet looked up per mention); they finish now in milliseconds. What is
// asserted is the text: a timed test would fail on a busy machine, a hung one fails on the suite's timeout.

describe('the symbol fonts of hostile HTML', () => {
  it('reads a sheet whose rule is followed by a "{" and braceless text (the rule regex backtracked: 190 s)', () => {
    const html = `<style>.x{font-family:Wingdings}{${'a '.repeat(240_000)}</style><p><span class=x>J</span> listo</p>`;
    expect(htmlToText(html)).toBe('☺ listo');
  });

  it('reads a symbol font followed by the word "symbol" 68,000 times (a look back for "<" per mention: 18 s)', () => {
    const html = `<p><span style="font-family:Wingdings">J</span>${'symbol '.repeat(68_000)}</p>`;
    const text = htmlToText(html);
    expect(text.startsWith('☺symbol symbol ')).toBe(true);
    expect(text.split('symbol').length - 1).toBe(68_000);
  });

  it('reads at-rules naming the fonts over and over, one of them with a 240 KB selector (a look back per mention)', () => {
    const fontFace = `<style>@font-face{${'font-family:Symbol; '.repeat(20_000)}}</style>`;
    expect(htmlToText(`${fontFace}<p>Hola <span class=x>J</span></p>`)).toBe('Hola J');
    const media = `<style>@media ${'a'.repeat(240_000)}{${'symbol '.repeat(34_000)}}</style>`;
    expect(htmlToText(`${media}<p>Hola <span class=x>J</span></p>`)).toBe('Hola J');
  });

  it('reads 16,000 sheets and 11,000 tags naming a font (each mention looked for among the sheets)', () => {
    const html = `${'<style></style>'.repeat(16_000)}<p style="font-family:Wingdings">${'<b title=symbol>J</b>'.repeat(11_000)}</p>`;
    expect(htmlToText(html)).toBe('☺'.repeat(11_000));
  });

  it('still reads the classes of a sheet within its first 64 KiB, and none beyond', () => {
    const filler = `p.f{color:red}\n`.repeat(5_000); // 75 KB of rules
    const html = `<style>.early{font-family:Wingdings}\n${filler}.late{font-family:Wingdings}</style><p><span class=early>J</span> <span class=late>J</span></p>`;
    expect(htmlToText(html)).toBe('☺ J');
  });
});
