import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { mail } from '../support/app.js';
import { smtpAppPerTest } from '../support/smtp-app.js';

// A connection lost while a mail was on its way, and what the outbox row then says of its reader (mayHaveReached:
// close-undone tells the customer a close was a mistake by it, CSAT withdrawal keeps a survey the customer may
// have). Lost while the message was still being written, its end (the final ".") never sent: the server cannot
// have taken a mail it never got whole. Lost after its end was sent, before the server's answer: it may have
// (RFC 1047). nodemailer's error is the same for both (ECONNECTION, command CONN, no reply code); the drainer
// tells them apart by its own record, which the end of the mail waits for (mailer.ts holdEnd).

const fixture = smtpAppPerTest({ MAX_ATTACHMENT_BYTES: String(40 * 1024 * 1024) });

const HOUR = 3_600_000;
const later = (ms: number) => () => new Date(Date.now() + ms);

describe('a connection lost while the mail was on its way', () => {
  it('while the message was still being written (dropped at its first bytes): tried again, and it reached no one', async () => {
    const [app, smtp] = [fixture.app(), fixture.smtp()];
    const r = await app.pipeline.ingest(mail(), { source: 'file', sourceRef: 'mid-data' });
    expect(await app.drainer().drain()).toEqual({ sent: 1, retried: 0, failed: 0 });
    // An answer with a 16 MiB file: far more than the socket buffers hold, so its end cannot have been written yet
    // when the server drops the connection at the first bytes it reads.
    const file = join(app.dataDir, 'respaldo.zip');
    writeFileSync(file, randomBytes(16 * 1024 * 1024));
    await replyToTicket(app, { number: r.ticketNumber as number, body: 'Adjunto el respaldo.', status: 'pending', attachmentPaths: [file], actor: 'agent:maria', now: new Date() });
    smtp.dropMidData = 1;
    expect(await app.drainer().drain()).toEqual({ sent: 0, retried: 1, failed: 0 });
    expect(smtp.droppedMidData).toHaveLength(1);
    const answer = await app.db.outboxMail.findFirstOrThrow({ orderBy: { id: 'desc' } });
    expect(answer).toMatchObject({ status: 'pending', attempts: 1, mayHaveReached: false });
    expect(answer.lastError).toMatch(/ECONNECTION|ESOCKET/);
    expect(await app.drainer().drain(later(HOUR))).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect(smtp.received.map((m) => m.parsed.attachments.map((a) => a.size))).toEqual([[], [16 * 1024 * 1024]]);
  }, 60_000);

  it('after its end was sent, before the server answered (the server read it whole, then dropped): it may have reached its reader', async () => {
    const [app, smtp] = [fixture.app(), fixture.smtp()];
    smtp.dropAfterDot = 1;
    await app.pipeline.ingest(mail(), { source: 'file', sourceRef: 'after-dot' });
    expect(await app.drainer().drain()).toEqual({ sent: 0, retried: 1, failed: 0 });
    const ack = await app.db.outboxMail.findFirstOrThrow();
    expect(ack).toMatchObject({ status: 'pending', attempts: 1, mayHaveReached: true });
    expect(ack.lastError).toMatch(/ECONNECTION|ESOCKET/);
  });
});
