import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { ingestPaths } from '../../src/ingest/sources/files.js';
import { countingPipeline, type MailSeen } from '../support/counting-pipeline.js';

// An mbox file is split without ever holding a mail whole past BIG_MAIL_BYTES (README: a big mail streams), and
// in time linear in its size: a 200 MB mail behind a "From " line took RSS from 63 MB to 806 MB, and a 32 MB line
// without a line end took 11 s. The pipeline here only counts what it is handed, so the split alone is measured.

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const MIB = 1024 * 1024;

/** Writes `parts` to a file, a repeated filler written piecewise so the test never holds the file either. */
function writeFile(path: string, parts: Array<string | { filler: number; lines?: boolean }>) {
  const fd = openSync(path, 'w');
  for (const part of parts) {
    if (typeof part === 'string') writeSync(fd, part);
    else {
      const block = Buffer.alloc(MIB, 'a');
      if (part.lines) for (let at = 1023; at < block.length; at += 1024) block[at] = 10;
      for (let left = part.filler; left > 0; left -= block.length) writeSync(fd, block, 0, Math.min(left, block.length));
    }
  }
  closeSync(fd);
}

const envelope = (sender: string) => `From ${sender} Mon Nov 23 10:00:00 2026\n`;
const headers = (id: string) => `From: Ana <ana@cliente.mx>\nSubject: Respaldo\nMessage-ID: <${id}@cliente.mx>\n\n`;

describe('an mbox file with a big mail', () => {
  it('streams a mail of tens of MB, never holding it whole, whether the file holds one mail or several', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ventanilla-mbox-big-'));
    const size = 48 * MIB;
    // Lines of 1 KiB; the first file is one mail (the usual way, streamed), the second two, the big one ending with
    // an escaped ">From " line.
    const lines = { filler: size, lines: true };
    writeFile(join(dir, 'one.mbx'), [envelope('ana@cliente.mx'), headers('big-1'), lines, '\n']);
    writeFile(join(dir, 'two.mbx'), [envelope('ana@cliente.mx'), headers('big-2'), lines, '\n>From the portal\n\n', envelope('luis@otro.mx'), headers('small-2'), 'Hola.\n']);
    // Measured in a child process, apart from the test runner's memory (support/mbox-rss-probe.ts).
    const probe = execFileSync(process.execPath, ['--expose-gc', '--max-semi-space-size=1', 'node_modules/.bin/jiti', 'test/support/mbox-rss-probe.ts', join(dir, 'one.mbx'), join(dir, 'two.mbx')], {
      encoding: 'utf8',
      // Every chunk in its own mapping, given back when freed, and a small young generation: RSS then tells what is
      // held, not what malloc or V8 kept for later.
      env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '131072' },
    });
    const { seen, grewBytes } = JSON.parse(probe.trim().split('\n').at(-1) as string) as { seen: MailSeen[]; grewBytes: number };

    // Held whole, the mail took twice its size at least (its lines, then joined); streamed, what grows is the
    // chunks in flight, a few MB whatever the mail's size (107 MB against 6.5 MB for this 48 MB mail, measured).
    console.log(`mbox big mail: RSS grew ${(grewBytes / MIB).toFixed(1)} MiB for a ${size / MIB} MiB mail`);
    expect(grewBytes).toBeLessThan(size / 4);

    const big2 = headers('big-2').length + size + '\nFrom the portal\n'.length;
    expect(seen.map((m) => [m.ref, m.bytes])).toEqual([
      [join(dir, 'one.mbx'), envelope('ana@cliente.mx').length + headers('big-1').length + size + 1],
      [`${join(dir, 'two.mbx')}#1`, big2],
      [`${join(dir, 'two.mbx')}#2`, headers('small-2').length + 'Hola.\n'.length],
    ]);
    expect(seen[1]?.head).toBe(headers('big-2').slice(0, 40));
    for (const mail of seen.slice(0, 2)) expect(mail.largestPiece).toBeLessThanOrEqual(MIB);
    // Two files of 48 MB read through a child process: more than the default minute on a loaded machine.
  }, 180_000);

  it('finds the mails of a file with a 32 MB line without a line end in linear time', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ventanilla-mbox-line-'));
    writeFile(join(dir, 'long.mbx'), [envelope('ana@cliente.mx'), headers('long-1'), { filler: 32 * MIB }]);
    const { pipeline, seen } = countingPipeline();
    const started = Date.now();
    await ingestPaths(pipeline, [join(dir, 'long.mbx')]);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(seen.map((m) => m.bytes)).toEqual([envelope('ana@cliente.mx').length + headers('long-1').length + 32 * MIB]);
  });
});
