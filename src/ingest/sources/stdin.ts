import { ErrorCode, VentanillaError } from '../../errors.js';
import type { InboundPipeline, IngestResult } from '../pipeline.js';

/**
 * One message from an MTA pipe (e.g. Postfix `| ventanilla ingest -`). Streamed: its size is unknown until
 * the end, and a big one is never held whole in memory (pipeline.ingestStream).
 */
export async function ingestStdin(pipeline: InboundPipeline, stream: NodeJS.ReadableStream = process.stdin): Promise<IngestResult> {
  return pipeline.ingestStream(refusingEmpty(stream as AsyncIterable<Buffer | string>), { source: 'stdin', sourceRef: null });
}

/**
 * The stream as it is, failing at its end when it held nothing: no MTA pipes an empty mail, so an empty stdin is
 * a command run by hand or a pipe that closed early, not a mail to quarantine (as one "without a sender").
 * The failure comes before anything is recorded: the blob store drops what it was writing.
 */
async function* refusingEmpty(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer | string> {
  let bytes = 0;
  for await (const chunk of chunks) {
    bytes += chunk.length;
    yield chunk;
  }
  if (bytes === 0) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, 'There was no mail on stdin (0 bytes): `ingest -` reads one mail, piped in by an MTA.');
}
