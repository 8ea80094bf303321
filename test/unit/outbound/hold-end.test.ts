import { PassThrough, Readable, Transform, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { holdEnd } from '../../../src/outbound/mailer.js';

// The drainer records a mail as sent just before its end goes to the SMTP server (mailer.ts SendOptions.confirm):
// a process killed after the record must leave nothing but the end unsent, or the server gets a truncated
// message, discards it, and the mail recorded as sent is lost. Here the message flows as in nodemailer: through
// a dot-escaping stream into a socket, whose reader (the server) is slow: the socket's own queue fills.

/** A socket stand-in: takes a chunk every `ms`; `writableLength` is what is still queued in the process. */
function slowSocket(received: Buffer[], ms = 3): Writable {
  return new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _encoding, callback) {
      received.push(chunk);
      setTimeout(callback, ms).unref();
    },
  });
}

function message(bytes: number): Readable {
  const body = Buffer.alloc(bytes, 'a');
  return Readable.from([body.subarray(0, bytes / 2), body.subarray(bytes / 2)]);
}

describe('holdEnd', () => {
  it('asks to record the mail only once every byte before its end has left the process', async () => {
    const received: Buffer[] = [];
    const socket = slowSocket(received);
    const dataStream = new Transform({ transform: (chunk, _encoding, callback) => callback(null, chunk), flush: (callback) => callback(null, Buffer.from('\r\n.\r\n')) });
    dataStream.pipe(socket);
    let atConfirm: { queued: number; delivered: number } | null = null;
    const gated = holdEnd(message(48 * 1024), async () => {
      atConfirm = { queued: socket.writableLength + dataStream.readableLength + dataStream.writableLength, delivered: Buffer.concat(received).length };
    });
    gated.pipe(dataStream);
    await new Promise((resolve) => socket.once('finish', resolve));
    expect(atConfirm).toEqual({ queued: 0, delivered: 48 * 1024 });
    // The end went out after the record, and only then.
    expect(Buffer.concat(received).subarray(-5).toString()).toBe('\r\n.\r\n');
  });

  it('records nothing when the connection breaks before the message left', async () => {
    // A server that stopped reading: the socket's queue never empties, until the connection is dropped.
    const received: Buffer[] = [];
    const socket = slowSocket(received, 60_000);
    const dataStream = new PassThrough();
    dataStream.pipe(socket);
    let confirmed = false;
    const gated = holdEnd(message(48 * 1024), async () => {
      confirmed = true;
    });
    gated.pipe(dataStream);
    setTimeout(() => socket.destroy(), 10);
    const failed = await new Promise<Error>((resolve) => gated.once('error', resolve));
    expect(failed.message).toContain('closed before');
    expect(confirmed).toBe(false);
  }, 10_000);
});
