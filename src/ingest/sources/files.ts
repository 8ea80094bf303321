import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
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
}

/** Imports .eml files and Maildir folders, one pipeline call per message, in a stable order. */
export async function ingestPaths(pipeline: InboundPipeline, paths: string[], onResult?: (r: { file: string } & IngestResult) => void): Promise<FileIngestReport> {
  const report: FileIngestReport = { results: [], counts: {} };
  for (const path of paths) {
    for await (const file of mailFiles(resolve(path))) {
      const source = { source: 'file', sourceRef: file } as const;
      // A big file is streamed (never held whole in memory); a small one is read at once, the faster way.
      const big = (await stat(file)).size > BIG_MAIL_BYTES;
      const outcome = big ? await pipeline.ingestStream(createReadStream(file, { highWaterMark: 256 * 1024 }), source) : await pipeline.ingest(await readFile(file), source);
      const result = { file, ...outcome };
      report.results.push(result);
      report.counts[result.outcome] = (report.counts[result.outcome] ?? 0) + 1;
      onResult?.(result);
    }
  }
  return report;
}
