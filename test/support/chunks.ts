import { Readable } from 'node:stream';

/** The mail cut in `size`-byte chunks, as a file (64 KiB) or a slow socket (a few bytes) hands it over. */
export const chunks = (raw: Buffer, size: number): Readable =>
  Readable.from((function* () { for (let i = 0; i < raw.length; i += size) yield raw.subarray(i, i + size); })());
