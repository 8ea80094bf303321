import { describe, expect, it } from 'vitest';
import { takeUuencodedFiles, uudecodePart } from '../../../src/ingest/uuencode.js';
import { uuencode } from '../../support/encoded-files.js';

describe('uuencoded files', () => {
  const pdf = Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 37) % 256));

  it('takes a block out of the text and gives its bytes back', () => {
    const taken = takeUuencodedFiles(`Adjunto el reporte.\n\n${uuencode('reporte.pdf', pdf)}\n`);
    expect(taken.text).toBe('Adjunto el reporte.\n');
    expect(taken.files.map((f) => f.name)).toEqual(['reporte.pdf']);
    expect(taken.files[0]!.content.equals(pdf)).toBe(true);
  });

  it('leaves a "begin" line that starts no whole block as written', () => {
    const text = 'begin 644 is what the script writes first\nthen the file, then end\n';
    expect(takeUuencodedFiles(text)).toEqual({ text, files: [] });
    const cut = uuencode('cut.pdf', pdf).replace(/\nend$/, '');
    expect(takeUuencodedFiles(cut).files).toEqual([]);
  });

  it('reads an x-uuencode part, its blank lines before the block included', () => {
    expect(uudecodePart(Buffer.from(`\r\n${uuencode('a.bin', pdf).replace(/\n/g, '\r\n')}\r\n`))?.content.equals(pdf)).toBe(true);
    expect(uudecodePart(Buffer.from('no file here'))).toBeNull();
  });
});
