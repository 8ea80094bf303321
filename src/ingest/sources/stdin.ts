import type { InboundPipeline, IngestResult } from '../pipeline.js';

export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** One message from an MTA pipe (e.g. Postfix `| ventanilla ingest -`). */
export async function ingestStdin(pipeline: InboundPipeline, stream: NodeJS.ReadableStream = process.stdin): Promise<IngestResult> {
  const raw = await readAll(stream);
  return pipeline.ingest(raw, { source: 'stdin', sourceRef: null });
}
