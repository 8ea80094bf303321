import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { packRaws, unpackRaws, type PackedRaws } from '../../../src/ingest/packed-raws.js';

// A batch crosses to the preparation worker as one transferred block: each mail must come out byte for byte, in
// order, and the mails this thread keeps (to record them raw) must stay whole after the transfer.

describe('packed raw mails', () => {
  it('cross a thread boundary whole, in order, and leave the originals usable', () => {
    const pooled = Buffer.from('From: a@b.example\r\n\r\nsmall, from the shared pool\r\n');
    const network = Buffer.concat([Buffer.alloc(10, 1), Buffer.from('From: c@d.example\r\n\r\nsliced\r\n'), Buffer.alloc(10, 2)]).subarray(10, -10);
    const big = Buffer.alloc(300_000, 0x41);
    const raws = [pooled, Buffer.alloc(0), network, big];
    const expected = raws.map((r) => Buffer.from(r));

    const packed = packRaws(raws);
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(packed, [packed.bytes.buffer]);
    const received = receiveMessageOnPort(port2)?.message as PackedRaws;
    port1.close();

    expect(packed.bytes.byteLength).toBe(0); // transferred, not copied
    const unpacked = unpackRaws(received);
    expect(unpacked.map((b) => b.toString('latin1'))).toEqual(expected.map((b) => b.toString('latin1')));
    expect(raws.map((b) => b.toString('latin1'))).toEqual(expected.map((b) => b.toString('latin1')));
  });

  it('packs an empty batch', () => {
    expect(unpackRaws(packRaws([]))).toEqual([]);
  });
});
