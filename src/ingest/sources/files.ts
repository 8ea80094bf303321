import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { BIG_MAIL_BYTES, type InboundPipeline, type IngestResult } from '../pipeline.js';

/** A Maildir holds its messages in cur/ and new/ (tmp/ is for deliveries in progress and is skipped). */
async function isMaildir(dir: string): Promise<boolean> {
  // Either folder may be missing (git keeps no empty folders; some tools create them lazily).
  const entries = new Set(await readdir(dir));
  return entries.has('cur') || entries.has('new');
}

async function* mailFiles(path: string): AsyncGenerator<string> {
  const info = await stat(path);
  if (info.isFile()) {
    yield path;
    return;
  }
  // A Maildir's own folder named alone (`ingest ~/Maildir/new`): its messages have no .eml ending, and tmp/
  // holds deliveries still being written.
  const folder = basename(path);
  if (['new', 'cur', 'tmp'].includes(folder) && (await isMaildir(dirname(path)))) {
    if (folder === 'tmp') return;
    for (const name of (await readdir(path)).sort()) if (!name.startsWith('.')) yield join(path, name);
    return;
  }
  if (await isMaildir(path)) {
    for (const sub of ['new', 'cur']) {
      const names = await readdir(join(path, sub)).catch(() => [] as string[]);
      for (const name of names.sort()) if (!name.startsWith('.')) yield join(path, sub, name);
    }
    // Maildir++ subfolders (".Sent", ".Archive") are mail folders too.
    for (const name of (await readdir(path)).sort()) {
      if (name.startsWith('.') && name !== '.' && name !== '..' && (await stat(join(path, name))).isDirectory()) yield* mailFiles(join(path, name));
    }
    return;
  }
  for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) yield* mailFiles(full);
    else if (entry.isFile() && /\.(eml|msg|mbx|txt)$/i.test(entry.name)) yield full;
  }
}

export interface FileIngestReport {
  results: Array<{ file: string } & IngestResult>;
  counts: Record<string, number>;
  /** Files listed that were gone when their turn came (moved or deleted by another program). */
  skipped: string[];
}

/**
 * The file, open; null when it vanished since it was listed: in a live Maildir a mail client moves a message from
 * new/ to cur/ (it is then found there, as cur/ is read after new/) or deletes it. Once open, it can be read
 * whole whatever happens to its name.
 */
async function openListed(file: string): Promise<FileHandle | null> {
  try {
    return await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Imports .eml files and Maildir folders, one pipeline call per message, in a stable order. A message that
 * vanishes between the listing and its reading is skipped (onSkipped) rather than ending the import.
 */
export async function ingestPaths(
  pipeline: InboundPipeline,
  paths: string[],
  onResult?: (r: { file: string } & IngestResult) => void,
  onSkipped?: (file: string) => void,
): Promise<FileIngestReport> {
  const report: FileIngestReport = { results: [], counts: {}, skipped: [] };
  for (const path of paths) {
    for await (const file of mailFiles(resolve(path))) {
      const handle = await openListed(file);
      if (!handle) {
        report.skipped.push(file);
        onSkipped?.(file);
        continue;
      }
      const source = { source: 'file', sourceRef: file } as const;
      let outcome: IngestResult;
      try {
        // A big file is streamed (never held whole in memory); a small one is read at once, the faster way.
        const big = (await handle.stat()).size > BIG_MAIL_BYTES;
        outcome = big ? await pipeline.ingestStream(handle.createReadStream({ highWaterMark: 256 * 1024, autoClose: false }), source) : await pipeline.ingest(await handle.readFile(), source);
      } finally {
        await handle.close();
      }
      const result = { file, ...outcome };
      report.results.push(result);
      report.counts[result.outcome] = (report.counts[result.outcome] ?? 0) + 1;
      onResult?.(result);
    }
  }
  return report;
}
