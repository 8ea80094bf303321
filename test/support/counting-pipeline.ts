import type { InboundPipeline, IngestResult, IngestSource } from '../../src/ingest/pipeline.js';

/** What a counting pipeline saw of a mail: its bytes, the largest piece it came in, its first bytes. */
export interface MailSeen {
  ref: string;
  bytes: number;
  largestPiece: number;
  head: string;
}

/**
 * A pipeline that only counts what it is handed, so a source's splitting and reading is measured alone;
 * `onPiece` runs after each piece a stream hands over (and for each mail in memory).
 */
export function countingPipeline(onPiece: () => void = () => {}) {
  const seen: MailSeen[] = [];
  const ok = { outcome: 'created' } as IngestResult;
  const pipeline = {
    async ingest(raw: Buffer, source: IngestSource) {
      onPiece();
      seen.push({ ref: source.sourceRef as string, bytes: raw.length, largestPiece: raw.length, head: raw.toString('latin1', 0, 40) });
      return ok;
    },
    async ingestStream(input: AsyncIterable<Buffer | string>, source: IngestSource) {
      const mail = { ref: source.sourceRef as string, bytes: 0, largestPiece: 0, head: '' };
      for await (const piece of input) {
        const b = Buffer.isBuffer(piece) ? piece : Buffer.from(piece);
        if (mail.head.length < 40) mail.head += b.toString('latin1', 0, 40 - mail.head.length);
        mail.bytes += b.length;
        mail.largestPiece = Math.max(mail.largestPiece, b.length);
        onPiece();
      }
      seen.push(mail);
      return ok;
    },
  } as unknown as InboundPipeline;
  return { pipeline, seen };
}
