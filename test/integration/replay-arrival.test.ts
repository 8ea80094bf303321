import { describe, expect, it } from 'vitest';
import { replayQuarantine } from '../../src/ingest/sources/quarantine.js';
import { sha256Of } from '../../src/store/blobs.js';
import { inTransaction } from '../../src/store/database.js';
import { pendingQuarantine, quarantine } from '../../src/store/inbound-log-repo.js';
import { keepRawMail } from '../../src/store/raw-mails.js';
import { mail } from '../support/app.js';
import { timeTravelSuite, type TimeTravel } from '../support/time-travel.js';

// A mail quarantined (a bug, a failing disk) and replayed after a fix, days later, is still the mail that reached
// the mailbox then: the customer's answer that came on time counts as on time, as it would have unquarantined.
// Replayed as if it came at the replay, it found its pending ticket's window over: the ticket stayed closed and
// the answer opened a follow-up. Mexico City, UTC-6; Mon-Fri 08-20.

const suite = timeTravelSuite();
let tt: TimeTravel;
const MX = (local: string) => new Date(`${local}-06:00`);
const quiet = { replayed: () => undefined, missing: () => undefined };

/** As the pipeline leaves a mail it could not process: its raw copy kept, its quarantine entry written. */
async function quarantined(raw: Buffer, readAt: Date, arrivedAt: Date | undefined): Promise<void> {
  await inTransaction(tt.app.db, async (tx) => {
    keepRawMail(tx, sha256Of(raw), raw, readAt);
    await quarantine(tx, { rawSha256: sha256Of(raw), size: raw.length, source: 'imap', sourceRef: 'uid:7', errorCode: 'PIPELINE_FAILED', error: 'a bug since fixed', at: readAt, arrivedAt });
  });
}

describe('a quarantined mail replayed after its window', () => {
  for (const [label, arrived] of [['when it reached the mailbox', MX('2026-12-11T12:00:00')], ['when it was quarantined (an entry of an older version)', undefined]] as const) {
    it(`counts from ${label}: the customer's on-time answer opens the same ticket, no follow-up`, async () => {
      tt = await suite.start(MX('2026-12-07T09:00:00').toISOString());
      const opened = await tt.ingest(MX('2026-12-07T09:00:00').toISOString(), mail({ headers: { Subject: 'No timbra' }, body: 'El SAT rechaza el CFDI.' }));
      const number = opened.ticketNumber as number;
      // Pending from Monday 10:00: the window closes after 60 business hours, Monday 14 December 10:00.
      await tt.agentReply(MX('2026-12-07T10:00:00').toISOString(), number, 'Envíenos el XML, por favor.', 'pending');
      const question = tt.take().at(-1);
      if (!question) throw new Error('no question mailed');
      // The answer reached the mailbox on Friday and was quarantined when read at 18:00.
      const answer = mail({ headers: { 'In-Reply-To': question.messageId, References: question.messageId, Subject: `Re: ${question.subject}` }, body: 'Adjunto el XML.' });
      await quarantined(answer, MX('2026-12-11T18:00:00'), arrived);
      // The window ends; the timer closes the ticket (the answer sits in the quarantine).
      await tt.tick(MX('2026-12-14T10:30:00').toISOString());
      expect((await tt.ticket(number)).status).toBe('closed');
      // Fixed, replayed on Tuesday.
      await tt.tick(MX('2026-12-15T09:00:00').toISOString());
      expect(await replayQuarantine({ ...tt.app, now: tt.now }, quiet)).toBe(1);
      expect(await pendingQuarantine(tt.app.db)).toEqual([]);
      expect(await tt.app.db.ticket.count()).toBe(1);
      expect((await tt.ticket(number)).status).toBe('open');
    });
  }
});

describe('the quarantine', () => {
  it('keeps when a mail reached the mailbox, and a replay that fails again keeps it too', async () => {
    tt = await suite.start(MX('2026-12-07T09:00:00').toISOString());
    const arrived = MX('2026-12-07T08:00:00');
    const result = await tt.app.pipeline.ingest(mail({ headers: { From: null } }), { source: 'imap', sourceRef: 'uid:9', arrivedAt: arrived });
    expect(result.outcome).toBe('quarantined');
    expect((await pendingQuarantine(tt.app.db)).map((q) => q.arrivedAt)).toEqual([arrived]);
    expect(await replayQuarantine({ ...tt.app, now: tt.now }, quiet)).toBe(1);
    expect((await pendingQuarantine(tt.app.db)).map((q) => [q.source, q.arrivedAt])).toEqual([['replay', arrived]]);
  });
});
