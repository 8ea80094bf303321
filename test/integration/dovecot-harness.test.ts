import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import { dovecotAvailable, startDovecot, type DovecotServer } from '../support/dovecot.js';

function message(n: number): string {
  return [
    'From: Alice <alice@example.test>',
    'To: support@example.test',
    `Subject: Harness test ${n}`,
    `Message-ID: <harness-${n}@example.test>`,
    'Date: Mon, 01 Jan 2024 10:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Body ${n}`,
    '',
  ].join('\r\n');
}

/** Resolves once the port refuses connections (the server is really gone). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });
}

describe.skipIf(!dovecotAvailable())('dovecot test harness', () => {
  let server: DovecotServer;

  beforeAll(async () => {
    server = await startDovecot();
  }, 20_000);

  afterAll(async () => {
    await server?.stop();
  }, 20_000);

  it('appends and lists messages, in INBOX and in a mailbox it creates', async () => {
    await server.appendMany([message(1), message(2)]);
    await server.append(message(3));
    const inbox = await server.list('INBOX');
    expect(inbox.map((m) => m.messageId)).toEqual([
      '<harness-1@example.test>',
      '<harness-2@example.test>',
      '<harness-3@example.test>',
    ]);
    expect(inbox.map((m) => m.uid)).toEqual([1, 2, 3]);
    expect(inbox[0]!.flags).toEqual([]);

    expect(await server.list('Archive')).toEqual([]);
    await server.append(message(4), 'Archive');
    expect((await server.list('Archive')).map((m) => m.messageId)).toEqual(['<harness-4@example.test>']);
  });

  it('notifies an IDLE client of a new message', async () => {
    const client = new ImapFlow({ ...server.imapConfig(), logger: false, autoIdleDelay: 50 });
    await client.connect();
    try {
      await client.mailboxOpen('INBOX');
      const deadline = Date.now() + 2_000;
      while (!client.idling && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(client.idling).toBe(true);

      const seen = new Promise<number>((resolve) => client.once('exists', (e) => resolve(e.count)));
      const started = Date.now();
      await server.append(message(5));
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no EXISTS within 2 s')), 2_000));
      const count = await Promise.race([seen, timeout]);
      // Dovecot 2.3 waits a fixed ~500 ms before notifying IDLE clients.
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(count).toBe(4);
    } finally {
      await client.logout().catch(() => client.close());
    }
  });

  it('gives INBOX a new UIDVALIDITY but keeps its messages', async () => {
    const before = await server.uidValidity('INBOX');
    const messagesBefore = await server.list('INBOX');
    const archiveBefore = await server.uidValidity('Archive');

    await server.resetUidValidity();

    const after = await server.uidValidity('INBOX');
    expect(after).not.toBe(before);
    expect(after > before).toBe(true);
    const messagesAfter = await server.list('INBOX');
    expect(messagesAfter.map((m) => m.messageId).sort()).toEqual(messagesBefore.map((m) => m.messageId).sort());
    // other mailboxes are untouched
    expect(await server.uidValidity('Archive')).toBe(archiveBefore);
  }, 20_000);

  it('resets a non-INBOX mailbox too', async () => {
    const before = await server.uidValidity('Archive');
    await server.resetUidValidity('Archive');
    expect(await server.uidValidity('Archive')).not.toBe(before);
    expect((await server.list('Archive')).map((m) => m.messageId)).toEqual(['<harness-4@example.test>']);
  }, 20_000);

  it('serves several users and stops cleanly', async () => {
    const other = await startDovecot({
      users: [
        { user: 'a@example.test', password: 'pa' },
        { user: 'b@example.test', password: 'pb' },
      ],
    });
    try {
      expect(other.imapPort).not.toBe(server.imapPort);
      await other.append(message(6));
      const b = new ImapFlow({ ...other.imapConfig('b@example.test'), logger: false });
      await b.connect();
      const status = await b.status('INBOX', { messages: true });
      await b.logout();
      expect(status && status.messages).toBe(0);
      expect(await other.list('INBOX')).toHaveLength(1);
    } finally {
      await other.stop();
      await other.stop(); // idempotent
    }
    expect(existsSync(other.dir)).toBe(false);
    expect(await refused(other.imapPort)).toBe(true);
    expect(await refused(other.lmtpPort)).toBe(true);
  }, 20_000);
});
