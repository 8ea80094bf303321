import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { sha256Of } from '../../src/store/blobs.js';
import { showTicket } from '../../src/store/ticket-queries.js';
import { mail } from '../support/app.js';
import { smtpAppPerTest } from '../support/smtp-app.js';

// An agent's answer whose attachment is gone from DATA_DIR/blobs (deleted by hand, a restore without the blobs)
// can never be sent: no retry brings the file back.

const fixture = smtpAppPerTest();

const HOUR = 3_600_000;
const later = (ms: number) => () => new Date(Date.now() + ms);

/** A ticket whose acknowledgement went out, then an agent's answer with guia.pdf, queued. */
async function answerWithAttachment(): Promise<{ number: number; sha256: string }> {
  const [app, smtp] = [fixture.app(), fixture.smtp()];
  const r = await app.pipeline.ingest(mail(), { source: 'file', sourceRef: 'test' });
  await app.drainer().drain();
  await smtp.waitFor(1);
  smtp.received.length = 0;
  const content = Buffer.from('%PDF-1.4 guía de timbrado');
  const file = join(app.dataDir, 'guia.pdf');
  writeFileSync(file, content);
  await replyToTicket(app, { number: r.ticketNumber as number, body: 'Adjunto la guía.', status: 'pending', attachmentPaths: [file], actor: 'agent:maria', now: new Date() });
  return { number: r.ticketNumber as number, sha256: sha256Of(content) };
}

describe('an outgoing mail whose attachment is gone', () => {
  it('fails at once, naming the file and its hash, instead of being retried for days', async () => {
    const [app, smtp] = [fixture.app(), fixture.smtp()];
    const { sha256 } = await answerWithAttachment();
    rmSync(app.blobs.pathOf(sha256));
    expect(await app.drainer().drain()).toEqual({ sent: 0, retried: 0, failed: 1 });
    const row = await app.db.outboxMail.findFirstOrThrow({ where: { template: 'pending' }, orderBy: { id: 'desc' } });
    expect(row.status).toBe('failed');
    expect(row.lastError).toContain('guia.pdf');
    expect(row.lastError).toContain(sha256);
    expect(row.lastError).toMatch(/missing/);
    expect(await app.drainer().drain(later(HOUR))).toEqual({ sent: 0, retried: 0, failed: 0 });
    expect(smtp.received).toHaveLength(0);
  });

  it('the ticket says its answer was not sent, and why', async () => {
    const app = fixture.app();
    const { number, sha256 } = await answerWithAttachment();
    rmSync(app.blobs.pathOf(sha256));
    await app.drainer().drain();
    const ticket = await showTicket(app.db, number);
    const event = ticket?.events.find((e) => e.type === 'notification_failed');
    expect(event?.detail).toContain('guia.pdf');
    expect(event?.detail).toContain('ana@cliente.mx');
    // Shown by `tickets show` as a bounce is: an internal note.
    const note = ticket?.messages.find((m) => m.internal && m.visibleText.includes('guia.pdf'));
    expect(note?.visibleText).toContain(sha256);
  });

  it('a mail whose attachment is there is sent as before', async () => {
    const [app, smtp] = [fixture.app(), fixture.smtp()];
    await answerWithAttachment();
    expect(await app.drainer().drain()).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect((await smtp.waitFor(1))[0]?.parsed.attachments[0]?.filename).toBe('guia.pdf');
  });
});
