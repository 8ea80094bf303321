import { describe, expect, it } from 'vitest';
import { takeUuencodedFiles, uudecodePart } from '../../../src/ingest/uuencode.js';

/** What `uuencode` writes: 45 bytes a line, each line led by its length, "`" for zero bits. */
function uuencode(name: string, bytes: Buffer): string {
  const char = (n: number) => (n === 0 ? '`' : String.fromCharCode(n + 32));
  const lines = [`begin 644 ${name}`];
  for (let at = 0; at < bytes.length; at += 45) {
    const chunk = bytes.subarray(at, at + 45);
    let line = char(chunk.length);
    for (let i = 0; i < chunk.length; i += 3) {
      const [a = 0, b = 0, c = 0] = [chunk[i], chunk[i + 1], chunk[i + 2]];
      line += char(a >> 2) + char(((a & 3) << 4) | (b >> 4)) + char(((b & 15) << 2) | (c >> 6)) + char(c & 63);
    }
    lines.push(line);
  }
  return [...lines, '`', 'end'].join('\n');
}

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
