import { describe, expect, it } from 'vitest';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { mail } from '../support/app.js';
import { surveyWebPerTest, type SurveyWeb } from '../support/survey-web.js';

// When a mail reached the asked address is when he took it, not when the mail was done with: Luis took a mail at its
// first try while Ana, in copy, was greylisted; minutes later his mailbox was disabled and refused his next mail
// (550 5.2.1: nothing suppresses it, only the outbox knows); then Ana took the retry, and the mail was sent. That
// sending reached Ana, not him: his refusal still keeps his surveys (src/store/survey-repo.ts). Mexico City is UTC-6.

const fixture = surveyWebPerTest();
let web: SurveyWeb;
let clock = new Date();
const MX = (local: string) => new Date(`${local}-06:00`);

const csatEvents = async (number: number) =>
  (await web.app.db.ticketEvent.findMany({ where: { ticket: { number }, type: { startsWith: 'csat' } }, orderBy: { id: 'asc' } })).map((e) => `${e.type}: ${e.detail}`);

describe('a mail he took before his refusal, sent later only when a Cc took its retry', () => {
  it('does not lift the block on his surveys', async () => {
    clock = MX('2026-03-02T10:00:00');
    web = await fixture.start({}, () => clock);
    const smtp = fixture.smtp();
    const at = (minutes: number) => () => new Date(MX('2026-03-02T10:00:00').getTime() + minutes * 60_000);
    smtp.refuseRecipients.set('ana@cliente.mx', 451);
    try {
      const first = await web.app.pipeline.ingest(mail({ headers: { From: 'Luis <luis@cliente.mx>', Cc: 'Ana <ana@cliente.mx>', 'Message-ID': '<t1@cliente.mx>' } }), { source: 'file' });
      await web.app.drainer().drain(at(0));
      expect(smtp.received.map((m) => m.envelopeTo)).toEqual([['luis@cliente.mx']]);
      // Ten minutes later his mailbox is disabled: his next ticket's acknowledgement fails for good.
      smtp.refuseRecipients.set('luis@cliente.mx', 550);
      smtp.recipientReplies.set('luis@cliente.mx', '5.2.1 Mailbox disabled, not accepting messages');
      clock = MX('2026-03-02T10:10:00');
      const second = await web.app.pipeline.ingest(mail({ headers: { From: 'Luis <luis@cliente.mx>', 'Message-ID': '<t2@cliente.mx>' } }), { source: 'file' });
      await web.app.drainer().drain(at(10));
      expect(await web.app.db.outboxMail.findFirstOrThrow({ where: { ticket: { number: second.ticketNumber as number } } })).toMatchObject({ status: 'failed' });
      // Half an hour later Ana's server takes the first mail's retry: it is sent, to her.
      smtp.refuseRecipients.delete('ana@cliente.mx');
      await web.app.drainer().drain(at(30));
      expect(smtp.received.map((m) => m.envelopeTo)).toEqual([['luis@cliente.mx'], ['ana@cliente.mx']]);
      expect(await web.app.db.outboxMail.findFirstOrThrow({ where: { ticket: { number: first.ticketNumber as number } } })).toMatchObject({ status: 'sent' });
      clock = MX('2026-03-02T11:00:00');
      await replyToTicket(web.app, { number: second.ticketNumber as number, body: 'Listo.', status: 'solved', actor: 'agent:maria', now: clock });
      expect(await csatEvents(second.ticketNumber as number)).toEqual(['csat_skipped: luis@cliente.mx: bounced']);
    } finally {
      smtp.refuseRecipients.clear();
      smtp.recipientReplies.clear();
    }
  });
});

// The server took him at RCPT TO, greylisted Ana, then refused the end of the mail (DATA): the mail reached no one,
// him neither. It is no delivery to him, and keeps nothing for the survey gate to read as one.
describe('a try that took him at RCPT TO and whose end the server refused', () => {
  it('is not a delivery to him', async () => {
    clock = MX('2026-03-02T10:00:00');
    web = await fixture.start({}, () => clock);
    const smtp = fixture.smtp();
    const at = (minutes: number) => () => new Date(MX('2026-03-02T10:00:00').getTime() + minutes * 60_000);
    smtp.refuseRecipients.set('ana@cliente.mx', 451);
    smtp.failWith = 550;
    try {
      const r = await web.app.pipeline.ingest(mail({ headers: { From: 'Luis <luis@cliente.mx>', Cc: 'Ana <ana@cliente.mx>', 'Message-ID': '<d1@cliente.mx>' } }), { source: 'file' });
      await web.app.drainer().drain(at(0));
      expect(smtp.received).toEqual([]);
      expect(await web.app.db.outboxMail.findFirstOrThrow({ where: { ticket: { number: r.ticketNumber as number } } })).toMatchObject({ status: 'failed', primaryTookAt: null });
      await replyToTicket(web.app, { number: r.ticketNumber as number, body: 'Listo.', status: 'solved', actor: 'agent:maria', now: clock });
      expect(await csatEvents(r.ticketNumber as number)).toEqual(['csat_skipped: luis@cliente.mx: bounced']);
    } finally {
      smtp.failWith = null;
      smtp.refuseRecipients.clear();
    }
  });
});
