import { isTemporaryFailure } from '../errors.js';
import { errorData, type ErrorData } from './error-data.js';
import { sha256Of, type BlobStore } from '../store/blobs.js';
import { analyseMail, type AnalysisSettings, type MailAnalysis } from './analyse-mail.js';
import { parseMail } from './parse.js';
import { peekHeaders, type PeekedHeaders } from './peek-headers.js';
import { dedupKeyOf } from './stages/identify.js';

// The database-free half of ingesting a small mail held in memory: hash it, parse and analyse it, store its
// attachments. Runs in the preparation worker (prepare-worker.ts) or, without one, in the calling thread; the
// result is plain data either way, so both give the recorder exactly the same thing. The raw bytes are not
// written here: the recorder keeps them in the transaction that records the mail (store/raw-mails.ts).

export interface PrepareSettings extends AnalysisSettings {
  maxMessageBytes: number;
}

export type PreparedRaw =
  | { kind: 'analysed'; analysis: MailAnalysis }
  /** Above MAX_MESSAGE_BYTES: not parsed; the header block says whose it was. */
  | { kind: 'too_large'; sha256: string; size: number; peek: PeekedHeaders }
  /** Not usable (unparseable, no sender): it is quarantined. */
  | { kind: 'unusable'; sha256: string; size: number; error: ErrorData }
  /** An attachment could not be stored (disk full...): nothing may be recorded, the source retries later. */
  | { kind: 'failed'; error: ErrorData };

/** Where attachments go: the BlobStore itself, or in the worker its blocking writes (prepare-worker.ts). */
export type BlobWriter = Pick<BlobStore, 'put'>;

/** Several mails, one after the other, results in their order. */
export async function prepareRaws(settings: PrepareSettings, blobs: BlobWriter, raws: Buffer[]): Promise<PreparedRaw[]> {
  const out: PreparedRaw[] = [];
  for (const raw of raws) out.push(await prepareRaw(settings, blobs, raw));
  return out;
}

async function prepareRaw(settings: PrepareSettings, blobs: BlobWriter, raw: Buffer): Promise<PreparedRaw> {
  const sha256 = sha256Of(raw);
  if (raw.length > settings.maxMessageBytes) return { kind: 'too_large', sha256, size: raw.length, peek: await peekHeaders(raw) };
  try {
    const mail = await parseMail(raw);
    const dedupKey = await dedupKeyOf(mail.messageId, () => [raw]);
    return { kind: 'analysed', analysis: await analyseMail(settings, blobs, mail, { size: raw.length, sha256, dedupKey }) };
  } catch (error) {
    // An attachment that could not be stored is a passing failure; anything else is the mail's.
    return isTemporaryFailure(error) ? { kind: 'failed', error: errorData(error) } : { kind: 'unusable', sha256, size: raw.length, error: errorData(error) };
  }
}
