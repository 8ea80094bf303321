import type { InboundPipeline, IngestResult } from '../pipeline.js';

/**
 * One message from an MTA pipe (e.g. Postfix `| ventanilla ingest -`). Streamed: its size is unknown until
 * the end, and a big one is never held whole in memory (pipeline.ingestStream).
 */
export async function ingestStdin(pipeline: InboundPipeline, stream: NodeJS.ReadableStream = process.stdin): Promise<IngestResult> {
  return pipeline.ingestStream(stream as AsyncIterable<Buffer | string>, { source: 'stdin', sourceRef: null });
}
