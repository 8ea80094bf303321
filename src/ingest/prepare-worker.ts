import { workerData } from 'node:worker_threads';
import { BlobStore } from '../store/blobs.js';
import { serveRequests } from '../workers/serve.js';
import { unpackRaws, type PackedRaws } from './packed-raws.js';
import { prepareRaws, type PrepareSettings } from './prepare-raw.js';

// The preparation worker's thread: parses and analyses the mails of a batch and stores their attachments
// (prepare-raw.ts; those up to 128 KiB only come back with the analyses, for the recorder to keep) while the
// main thread records the batch before it. Nothing here touches the database.

export interface PrepareWorkerData {
  settings: PrepareSettings;
  blobsRoot: string;
}

const { settings, blobsRoot } = workerData as PrepareWorkerData;
const store = new BlobStore(blobsRoot);
// Blocking writes: this thread has nothing else to do meanwhile, and each asynchronous call's round trip to the
// I/O pool cost more than the write (a batch prepared in 70% of the time).
const blobs = { put: async (content: Buffer) => store.putSync(content) };

// One batch at a time, in order: the main thread waits for the oldest (imap.ts keeps several ahead).
serveRequests((packed: PackedRaws) => prepareRaws(settings, blobs, unpackRaws(packed)), { oneAtATime: true });
