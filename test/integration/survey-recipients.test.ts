import { describe, expect, it } from 'vitest';
import { addOrganisation, authoriseContact } from '../../src/lifecycle/access-actions.js';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { inTransaction } from '../../src/store/database.js';
import { surveySuppression } from '../../src/surveys/suppression.js';
import { gatewayJobs } from '../../src/scheduler/jobs.js';
import { mail } from '../support/app.js';
import { postfixDsn, sentHeaders } from '../support/dsn.js';
import type { ReceivedMail } from '../support/smtp.js';
import { surveyMailOf, surveyWebPerTest, type SurveyWeb } from '../support/survey-web.js';

// Who a survey goes to (src/surveys/suppression.ts), as a customer meets it through a real SMTP server:
// - an address whose mail once failed for good, and that has taken mail since, is asked again: a mailbox full
//   for a few days in March is no reason to never ask its owner how we did;
// - an address that reads no answers (no-reply@, mailer-daemon@, a list's owner-) is never asked: nobody reads it;
// - a ticket held for authorisation (a mail forged in a customer's name, which nothing releases) is no ticket being
//   worked on: it does not keep its contact from the yearly NPS;
// - a customer who presses "This is spam" on a survey mail (her provider's feedback loop, ARF, RFC 5965; Outlook.com's
//   JMRP, Yahoo's CFL: often with her address redacted) gets no more surveys, as if she had used its opt-out link;
//   her ticket notices still go.
// Mexico City is UTC-6 all year.

const fixture = surveyWebPerTest();
let web: SurveyWeb;
let clock = new Date();

const MX = (local: string) => new Date(`${local}-06:00`);
const received = () => fixture.smtp().received;
let seq = 0;

async function start(env: Record<string, string> = {}) {
  clock = MX('2026-03-02T10:00:00');
  web = await fixture.start(env, () => clock);
}

/** A mail from `from` opens a ticket, an agent solves it, the outbox drains; returns what was delivered. */
async function solvedTicket(from: string, messageId: string): Promise<{ number: number; mails: ReceivedMail[] }> {
  const r = await web.app.pipeline.ingest(mail({ headers: { From: from, 'Message-ID': messageId } }), { source: 'file' });
  const number = r.ticketNumber as number;
  await replyToTicket(web.app, { number, body: 'Cargue el nuevo CSD y vuelva a timbrar.', status: 'solved', actor: 'agent:maria', now: clock });
  const before = received().length;
  await web.app.drainer().drain();
  return { number, mails: received().slice(before) };
}

const csatEvents = async (number: number) =>
  (await web.app.db.ticketEvent.findMany({ where: { ticket: { number }, type: { startsWith: 'csat' } }, orderBy: { id: 'asc' } })).map((e) => `${e.type}: ${e.detail}`);

async function campaign(local: string): Promise<{ result: Record<string, number>; mails: ReceivedMail[] }> {
  clock = MX(local);
  const job = gatewayJobs(web.app).find((j) => j.name === 'nps-campaign');
  if (!job) throw new Error('the nps-campaign job is not registered');
  const before = received().length;
  const result = await job.run(clock);
  await web.app.drainer().drain();
  return { result, mails: received().slice(before).filter((m) => m.header('x-ventanilla-survey') === 'nps') };
}

/** An ARF abuse report about the mail `messageId`; `rcpt` null: the address redacted, as Outlook.com and Yahoo do. */
const arf = (rcpt: string | null, messageId: string, subject: string) =>
  Buffer.from(
    [
      'From: Feedback Loop <fbl@isp.example>', 'To: soporte@example.test', 'Subject: Abuse Report', `Message-ID: <arf${++seq}@isp.example>`,
      'MIME-Version: 1.0', 'Content-Type: multipart/report; report-type=feedback-report; boundary="F1"', '',
      '--F1', 'Content-Type: text/plain', '', 'This is an email abuse report.', '',
      '--F1', 'Content-Type: message/feedback-report', '', 'Feedback-Type: abuse', 'Version: 1', ...(rcpt ? [`Original-Rcpt-To: <${rcpt}>`] : []), '',
      '--F1', 'Content-Type: text/rfc822-headers', '', 'From: soporte@example.test', `Subject: ${subject}`, `Message-ID: <${messageId}>`, '', '--F1--', '',
    ].join('\r\n'),
  );

describe('an address whose mail once failed for good', () => {
  it('is asked again once mail reaches it: CSAT and NPS', async () => {
    // One try per mail: a mail refused once has failed for good, as after OUTBOX_RETRY_HOURS of retries.
    await start({ OUTBOX_MAX_ATTEMPTS: '1' });
    // March: Luis's mailbox is full; each of his ticket's mails fails for good, the survey too. (A server that says
    // the address does not exist suppresses it instead, as a bounce does: refused-at-sending.test.ts.)
    fixture.smtp().refuseRecipients.set('luis@cliente.mx', 552);
    const refused = await solvedTicket('Luis <luis@cliente.mx>', '<m1@cliente.mx>');
    expect(surveyMailOf(refused.mails, 'csat')).toBeUndefined();
    expect(await web.app.db.outboxMail.count({ where: { primaryTo: 'luis@cliente.mx', status: 'failed' } })).toBeGreaterThan(0);
    // A second ticket while it still refuses: not asked (the address does not take mail).
    const still = await solvedTicket('Luis <luis@cliente.mx>', '<m2@cliente.mx>');
    expect(await csatEvents(still.number)).toEqual(['csat_skipped: luis@cliente.mx: bounced']);
    // May: his mailbox works again. He writes, his acknowledgement and the solution reach him: so does the survey.
    fixture.smtp().refuseRecipients.delete('luis@cliente.mx');
    clock = MX('2026-05-04T10:00:00');
    const ack = await web.app.pipeline.ingest(mail({ headers: { From: 'Luis <luis@cliente.mx>', 'Message-ID': '<m3@cliente.mx>' } }), { source: 'file' });
    await web.app.drainer().drain();
    expect(received().some((m) => m.envelopeTo.includes('luis@cliente.mx'))).toBe(true);
    await replyToTicket(web.app, { number: ack.ticketNumber as number, body: 'Listo.', status: 'solved', actor: 'agent:maria', now: clock });
    const before = received().length;
    await web.app.drainer().drain();
    expect(surveyMailOf(received().slice(before), 'csat')?.envelopeTo).toEqual(['luis@cliente.mx']);
    // And the yearly NPS asks him too.
    const { mails } = await campaign('2026-05-05T10:00:00');
    expect(mails.map((m) => m.envelopeTo)).toEqual([['luis@cliente.mx']]);
  });
});

describe('an address refused for good at sending while a Cc took the mail', () => {
  // drainer.ts marks such a mail sent; failed-tries.ts recordRefused notes the refusal in its lastError. A 550 that is
  // no "user unknown" suppresses nothing, so only the outbox tells that the address still takes no mail.
  it('is not taken for an address that works again: the sent mail never reached it', async () => {
    await start();
    const base = { template: 't', fromAddress: 'soporte@example.test', toList: '["luis@cliente.mx"]', subject: 's', text: 'x', html: '', primaryTo: 'luis@cliente.mx' };
    const refusal = 'Luis@Cliente.mx: 550 5.2.1 Mailbox disabled';
    await web.app.db.outboxMail.create({ data: { ...base, idempotencyKey: 'a', messageId: 'a@x', status: 'failed', nextAttemptAt: MX('2026-02-01T10:00:00'), lastError: refusal } });
    await web.app.db.outboxMail.create({ data: { ...base, idempotencyKey: 'b', messageId: 'b@x', ccList: '["ana@cliente.mx"]', status: 'sent', sentAt: MX('2026-02-10T10:00:00'), lastError: `ana2@cliente.mx: 550 5.1.1 User unknown; ${refusal}` } });
    const why = () => inTransaction(web.app.db, (tx) => surveySuppression(tx, 'luis@cliente.mx', 'csat', clock));
    expect(await why()).toBe('bounced');
    // A later mail that reached him (its refusals name someone else, "xluis@…" too) says the address works again.
    await web.app.db.outboxMail.create({ data: { ...base, idempotencyKey: 'c', messageId: 'c@x', ccList: '["xluis@cliente.mx"]', status: 'sent', sentAt: MX('2026-02-20T10:00:00'), lastError: 'xluis@cliente.mx: 550 5.2.1 Mailbox disabled' } });
    expect(await why()).toBeNull();
  });
});

// The mixed refusal as a customer meets it: Luis's mailbox is disabled (a 550 that says nothing of a dead address, so
// nothing suppresses it: only the outbox knows), and his colleague Ana, in copy, is greylisted (451). The mail goes
// again to Ana alone and reaches her: marked sent, it must still say that Luis refused it, or it read as mail that
// reached him since his last failure, and his surveys resumed.
// The same refusal with or without a Cc: a mail that only the Cc took never reached the asked address. Without a Cc
// the mail is marked failed and blocks his surveys; with one it is marked sent, its lastError naming him, and must
// block them the same, until a later mail reaches him (survey-repo.ts FAILED_NOT_SINCE_DELIVERED_SQL).
describe('the asked address refused for good, with no earlier failure, while a Cc took the mail', () => {
  it('keeps surveys from him as the same refusal without a Cc does, until a later mail reaches him', async () => {
    await start();
    const smtp = fixture.smtp();
    smtp.refuseRecipients.set('luis@cliente.mx', 550);
    smtp.recipientReplies.set('luis@cliente.mx', '5.2.1 Mailbox disabled, not accepting messages');
    try {
      const r = await web.app.pipeline.ingest(mail({ headers: { From: 'Luis <luis@cliente.mx>', Cc: 'Ana <ana@cliente.mx>', 'Message-ID': '<c1@cliente.mx>' } }), { source: 'file' });
      // The drains run on the test's clock: what decides is which mail to him came last.
      await web.app.drainer().drain(() => clock);
      expect(await web.app.db.outboxMail.count({ where: { primaryTo: 'luis@cliente.mx', status: 'failed' } })).toBe(0);
      expect(received().map((m) => m.envelopeTo)).toEqual([['ana@cliente.mx']]);
      await replyToTicket(web.app, { number: r.ticketNumber as number, body: 'Listo.', status: 'solved', actor: 'agent:maria', now: clock });
      expect(await csatEvents(r.ticketNumber as number)).toEqual(['csat_skipped: luis@cliente.mx: bounced']);
      // His mailbox works again: a later mail that reaches him (the solution) lifts the block.
      smtp.refuseRecipients.delete('luis@cliente.mx');
      clock = MX('2026-03-03T10:00:00');
      await web.app.drainer().drain(() => clock);
      expect(received().at(-1)?.envelopeTo).toEqual(['luis@cliente.mx', 'ana@cliente.mx']);
      const later = await solvedTicket('Luis <luis@cliente.mx>', '<c2@cliente.mx>');
      expect(received().some((m) => m.envelopeTo.includes('luis@cliente.mx'))).toBe(true);
      expect(surveyMailOf(later.mails, 'csat')?.envelopeTo).toEqual(['luis@cliente.mx']);
    } finally {
      smtp.refuseRecipients.clear();
      smtp.recipientReplies.clear();
    }
  });

  it('reads the sent mail that names him refused as a failure at its sending: a delivery before it does not lift it, one after it does', async () => {
    await start();
    const base = { template: 't', fromAddress: 'soporte@example.test', toList: '["luis@cliente.mx"]', ccList: '["ana@cliente.mx"]', subject: 's', text: 'x', html: '', primaryTo: 'luis@cliente.mx', status: 'sent' };
    const why = () => inTransaction(web.app.db, (tx) => surveySuppression(tx, 'luis@cliente.mx', 'csat', clock));
    await web.app.db.outboxMail.create({ data: { ...base, idempotencyKey: 'a', messageId: 'a@x', sentAt: MX('2026-02-01T10:00:00') } });
    expect(await why()).toBeNull();
    await web.app.db.outboxMail.create({ data: { ...base, idempotencyKey: 'b', messageId: 'b@x', sentAt: MX('2026-02-10T10:00:00'), lastError: 'ana2@cliente.mx: 550 5.1.1 User unknown; Luis@Cliente.mx: 550 5.2.1 Mailbox disabled' } });
    expect(await why()).toBe('bounced');
    await web.app.db.outboxMail.create({ data: { ...base, idempotencyKey: 'c', messageId: 'c@x', sentAt: MX('2026-02-20T10:00:00'), lastError: 'ana@cliente.mx: 550 5.2.1 Mailbox disabled' } });
    expect(await why()).toBeNull();
  });
});

// The other way round: Luis took the mail at its first try, and only his colleague Ana in copy never did (her server
// answered 451 until the tries ran out). The mail is marked failed, still owed to her alone: it reached him, and
// must not keep him from being asked.
describe('a mail the asked address took, that failed only for a Cc', () => {
  it('does not keep surveys from the asked address', async () => {
    await start({ OUTBOX_MAX_ATTEMPTS: '2' });
    const at = (minutes: number) => () => new Date(clock.getTime() + minutes * 60_000);
    const smtp = fixture.smtp();
    smtp.refuseRecipients.set('ana@cliente.mx', 451);
    try {
      const r = await web.app.pipeline.ingest(mail({ headers: { From: 'Luis <luis@cliente.mx>', Cc: 'Ana <ana@cliente.mx>', 'Message-ID': '<g1@cliente.mx>' } }), { source: 'file' });
      await web.app.drainer().drain(at(0));
      await web.app.drainer().drain(at(60));
      expect(received().map((m) => m.envelopeTo)).toEqual([['luis@cliente.mx']]);
      expect(await web.app.db.outboxMail.findFirstOrThrow({ where: { ticket: { number: r.ticketNumber as number } } })).toMatchObject({ status: 'failed', primaryTo: 'luis@cliente.mx' });
      await replyToTicket(web.app, { number: r.ticketNumber as number, body: 'Listo.', status: 'solved', actor: 'agent:maria', now: clock });
      expect(await csatEvents(r.ticketNumber as number)).toEqual(['csat_sent: to luis@cliente.mx']);
    } finally {
      smtp.refuseRecipients.clear();
    }
  });

  it('still keeps them when he was refused for good at an earlier try and the Cc never took it', async () => {
    await start({ OUTBOX_MAX_ATTEMPTS: '2' });
    const at = (minutes: number) => () => new Date(clock.getTime() + minutes * 60_000);
    const smtp = fixture.smtp();
    smtp.refuseRecipients.set('luis@cliente.mx', 550);
    smtp.recipientReplies.set('luis@cliente.mx', '5.2.1 Mailbox disabled, not accepting messages');
    smtp.refuseRecipients.set('ana@cliente.mx', 451);
    try {
      const r = await web.app.pipeline.ingest(mail({ headers: { From: 'Luis <luis@cliente.mx>', Cc: 'Ana <ana@cliente.mx>', 'Message-ID': '<g2@cliente.mx>' } }), { source: 'file' });
      await web.app.drainer().drain(at(0));
      await web.app.drainer().drain(at(60));
      expect(await web.app.db.outboxMail.findFirstOrThrow({ where: { ticket: { number: r.ticketNumber as number } } })).toMatchObject({ status: 'failed' });
      await replyToTicket(web.app, { number: r.ticketNumber as number, body: 'Listo.', status: 'solved', actor: 'agent:maria', now: clock });
      expect(await csatEvents(r.ticketNumber as number)).toEqual(['csat_skipped: luis@cliente.mx: bounced']);
    } finally {
      smtp.refuseRecipients.clear();
      smtp.recipientReplies.clear();
    }
  });
});

// Luis's mailbox was disabled in March (550 5.2.1: no "user unknown", so nothing suppresses it; only the outbox
// knows), and his mails failed. It works again: a later mail with Ana in copy reaches him at its first try, while
// Ana's server answers 451. Whether Ana takes the retry (the mail sent) or never does (the mail failed, owed only to
// her), it reached him after his failure: his surveys resume. The failed row must keep when he took it.
describe('a later mail that the asked address took, after a refusal for good, while a Cc is greylisted', () => {
  it.each([
    ['the Cc takes the retry: the mail is sent', true, 'sent'],
    ['the Cc never does: the mail fails, only for her', false, 'failed'],
  ])('%s: lifts the block on his surveys', async (_label, ccTakesRetry, status) => {
    await start({ OUTBOX_MAX_ATTEMPTS: '2' });
    const at = (minutes: number) => () => new Date(clock.getTime() + minutes * 60_000);
    const smtp = fixture.smtp();
    smtp.refuseRecipients.set('luis@cliente.mx', 550);
    smtp.recipientReplies.set('luis@cliente.mx', '5.2.1 Mailbox disabled, not accepting messages');
    try {
      const first = await web.app.pipeline.ingest(mail({ headers: { From: 'Luis <luis@cliente.mx>', 'Message-ID': '<l1@cliente.mx>' } }), { source: 'file' });
      await web.app.drainer().drain(at(0));
      await replyToTicket(web.app, { number: first.ticketNumber as number, body: 'Listo.', status: 'solved', actor: 'agent:maria', now: clock });
      expect(await csatEvents(first.ticketNumber as number)).toEqual(['csat_skipped: luis@cliente.mx: bounced']);
      await web.app.drainer().drain(at(1));
      // A day later his mailbox works again; Ana, in copy, is greylisted.
      smtp.refuseRecipients.delete('luis@cliente.mx');
      smtp.recipientReplies.delete('luis@cliente.mx');
      smtp.refuseRecipients.set('ana@cliente.mx', 451);
      clock = MX('2026-03-03T10:00:00');
      const r = await web.app.pipeline.ingest(mail({ headers: { From: 'Luis <luis@cliente.mx>', Cc: 'Ana <ana@cliente.mx>', 'Message-ID': '<l2@cliente.mx>' } }), { source: 'file' });
      const before = received().length;
      await web.app.drainer().drain(at(0));
      if (ccTakesRetry) smtp.refuseRecipients.delete('ana@cliente.mx');
      await web.app.drainer().drain(at(60));
      expect(received().slice(before)[0]?.envelopeTo).toEqual(['luis@cliente.mx']);
      expect(await web.app.db.outboxMail.findFirstOrThrow({ where: { ticket: { number: r.ticketNumber as number } } })).toMatchObject({ status, primaryTo: 'luis@cliente.mx' });
      await replyToTicket(web.app, { number: r.ticketNumber as number, body: 'Listo.', status: 'solved', actor: 'agent:maria', now: clock });
      expect(await csatEvents(r.ticketNumber as number)).toEqual(['csat_sent: to luis@cliente.mx']);
      // And the yearly NPS asks him too.
      smtp.refuseRecipients.clear();
      await web.app.drainer().drain(at(61));
      const { mails } = await campaign('2026-03-05T10:00:00');
      expect(mails.map((m) => m.envelopeTo)).toEqual([['luis@cliente.mx']]);
    } finally {
      smtp.refuseRecipients.clear();
      smtp.recipientReplies.clear();
    }
  });
});

describe('a refusal of the asked address while a Cc is greylisted, then takes the retry', () => {
  it('still keeps surveys from the refused address: the retry reached the Cc, not him', async () => {
    await start();
    // The drains run on the test's clock: the retry due after its backoff, within OUTBOX_RETRY_HOURS.
    const at = (minutes: number) => () => new Date(clock.getTime() + minutes * 60_000);
    const smtp = fixture.smtp();
    smtp.refuseRecipients.set('luis@cliente.mx', 550);
    smtp.recipientReplies.set('luis@cliente.mx', '5.2.1 Mailbox disabled, not accepting messages');
    try {
      // His first ticket's mails fail for good: his address is blocked from surveys.
      await solvedTicket('Luis <luis@cliente.mx>', '<x1@cliente.mx>');
      expect(await web.app.db.outboxMail.count({ where: { primaryTo: 'luis@cliente.mx', status: 'failed' } })).toBeGreaterThan(0);
      expect(await inTransaction(web.app.db, (tx) => surveySuppression(tx, 'luis@cliente.mx', 'csat', clock))).toBe('bounced');
      // A second ticket with Ana in copy: Luis refused for good, Ana greylisted, then Ana takes the retry.
      smtp.refuseRecipients.set('ana@cliente.mx', 451);
      const r = await web.app.pipeline.ingest(mail({ headers: { From: 'Luis <luis@cliente.mx>', Cc: 'Ana <ana@cliente.mx>', 'Message-ID': '<x2@cliente.mx>' } }), { source: 'file' });
      await web.app.drainer().drain(at(0));
      smtp.refuseRecipients.delete('ana@cliente.mx');
      const before = received().length;
      await web.app.drainer().drain(at(60));
      expect(received().slice(before).map((m) => m.envelopeTo)).toEqual([['ana@cliente.mx']]);
      const ack = await web.app.db.outboxMail.findFirstOrThrow({ where: { ticket: { number: r.ticketNumber as number } } });
      // Solved: Luis is not asked (his address still takes no mail).
      await replyToTicket(web.app, { number: r.ticketNumber as number, body: 'Listo.', status: 'solved', actor: 'agent:maria', now: clock });
      expect(await csatEvents(r.ticketNumber as number)).toEqual(['csat_skipped: luis@cliente.mx: bounced']);
      // `outbox list` still names his refusal on the mail sent to Ana.
      expect(await web.app.db.outboxMail.findUniqueOrThrow({ where: { id: ack.id } })).toMatchObject({ status: 'sent', lastError: expect.stringContaining('luis@cliente.mx: 550 5.2.1 Mailbox disabled') });
    } finally {
      smtp.refuseRecipients.clear();
      smtp.recipientReplies.clear();
    }
  });
});

describe('an address that reads no answers', () => {
  it('gets no CSAT and no NPS: its tickets (a monitoring alert, a no-reply notifier) are worked, but nobody would read a survey', async () => {
    await start();
    const noReply = await solvedTicket('Facturación <no-reply@facturas.cliente.mx>', '<n1@cliente.mx>');
    expect(surveyMailOf(noReply.mails, 'csat')).toBeUndefined();
    expect(await csatEvents(noReply.number)).toEqual(['csat_skipped: no-reply@facturas.cliente.mx: no_reply']);
    const daemon = await solvedTicket('MAILER-DAEMON@cliente.mx', '<n2@cliente.mx>');
    expect(surveyMailOf(daemon.mails, 'csat')).toBeUndefined();
    const person = await solvedTicket('Ana Pérez <ana@cliente.mx>', '<n3@cliente.mx>');
    expect(surveyMailOf(person.mails, 'csat')?.envelopeTo).toEqual(['ana@cliente.mx']);
    const { result, mails } = await campaign('2026-03-03T10:00:00');
    expect(mails.map((m) => m.envelopeTo)).toEqual([['ana@cliente.mx']]);
    // Their tickets were opened by machine-written mail (a no-reply or daemon sender is one): nobody is due an NPS for them.
    expect(result).toEqual({ asked: 1 });
    expect(await web.app.db.surveyRequest.count({ where: { contact: { email: { not: 'ana@cliente.mx' } } } })).toBe(0);
  });
});

describe('a ticket held for authorisation', () => {
  it('does not keep its contact from the NPS: a mail forged in her name, held for good, is not her problem being worked on', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'hold', TRUSTED_AUTHSERV_IDS: 'mx.example.test' });
    await inTransaction(web.app.db, async (tx) => {
      await addOrganisation(tx, web.app.lifecycle, { name: 'Cliente S.A.', domains: ['cliente.mx'], country: 'MX', admin: 'admin@cliente.mx', actor: 'agent:test', now: clock });
      await authoriseContact(tx, web.app.lifecycle, { email: 'ana@cliente.mx', actor: 'agent:test', now: clock });
    });
    const genuine = await solvedTicket('Ana Pérez <ana@cliente.mx>', '<h1@cliente.mx>');
    expect(surveyMailOf(genuine.mails, 'csat')?.envelopeTo).toEqual(['ana@cliente.mx']);
    // A phishing mail in Ana's name: her domain's DMARC fails, so it is held, and no authorisation releases it.
    const forged = { 'Authentication-Results': 'mx.example.test; spf=fail smtp.mailfrom=cliente.mx; dkim=none; dmarc=fail (p=reject) header.from=cliente.mx' };
    const held = await web.app.pipeline.ingest(mail({ headers: { From: 'ana@cliente.mx', 'Message-ID': '<h2@attacker.example>', ...forged } }), { source: 'file' });
    expect(await web.app.db.ticket.findUniqueOrThrow({ where: { number: held.ticketNumber as number } })).toMatchObject({ status: 'new', heldForAuthorisation: true });
    const { mails } = await campaign('2026-03-03T10:00:00');
    expect(mails.map((m) => m.envelopeTo)).toEqual([['ana@cliente.mx']]);
  });
});

describe('a spam complaint about a survey mail', () => {
  it.each([['with her address', true], ['with the address redacted', false]])('%s: opts its contact out of surveys; her notices still go', async (_label, named) => {
    await start();
    await solvedTicket('Ana Pérez <ana@cliente.mx>', '<c1@cliente.mx>');
    const survey = await web.app.db.outboxMail.findFirstOrThrow({ where: { template: 'csat_survey' } });
    const r = await web.app.pipeline.ingest(arf(named ? 'ana@cliente.mx' : null, survey.messageId, survey.subject), { source: 'file' });
    expect(r.outcome).toBe('complaint');
    expect(r.detail).toContain('ana@cliente.mx opted out of surveys');
    expect((await web.app.db.contact.findUniqueOrThrow({ where: { email: 'ana@cliente.mx' } })).surveysOptedOutAt).not.toBeNull();
    // Her next ticket: the acknowledgement and the solution reach her, no survey does.
    const next = await solvedTicket('Ana Pérez <ana@cliente.mx>', '<c2@cliente.mx>');
    expect(next.mails.filter((m) => m.envelopeTo.includes('ana@cliente.mx'))).toHaveLength(2);
    expect(surveyMailOf(next.mails, 'csat')).toBeUndefined();
    const { result, mails } = await campaign('2026-03-03T10:00:00');
    expect(result).toMatchObject({ opted_out: 1 });
    expect(mails).toEqual([]);
  });
});

// Ana's mailbox forwards a copy to an old address of hers that no longer exists; that server's bounce names the
// survey mail (the forward kept its Message-ID) and the old address. The survey reached Ana: it is not dropped
// as never received, and its link and a reply still take her answer.
describe('a bounce of a survey mail that names another address (a forward, an alias)', () => {
  it('leaves the survey: it reached the person asked, whose answer still counts', async () => {
    await start({ CSAT_SCALE: '1-5' });
    const { number, mails } = await solvedTicket('Ana Pérez <ana@cliente.mx>', '<f1@cliente.mx>');
    const csat = surveyMailOf(mails, 'csat') as ReceivedMail;
    const row = await web.app.db.outboxMail.findFirstOrThrow({ where: { template: 'csat_survey' } });
    const bounce = await web.app.pipeline.ingest(postfixDsn({ failed: 'ana@viejo-isp.mx', original: sentHeaders(row) }), { source: 'file' });
    expect(bounce.outcome).toBe('bounce');
    expect(await web.app.db.surveyRequest.count()).toBe(1);
    const answer = mail({ headers: { From: 'Ana Pérez <ana@cliente.mx>', 'In-Reply-To': csat.parsed.messageId as string, Subject: `Re: ${csat.parsed.subject}` }, body: '5' });
    expect(await web.app.pipeline.ingest(answer, { source: 'file' })).toMatchObject({ outcome: 'survey_answer', ticketNumber: number, detail: 'csat 5' });
    // Her own address bouncing is another matter: that survey never reached her (an unanswered one is dropped).
    const again = await solvedTicket('Ana Pérez <ana@cliente.mx>', '<f2@cliente.mx>');
    const second = await web.app.db.outboxMail.findFirstOrThrow({ where: { template: 'csat_survey', ticket: { number: again.number } } });
    await web.app.pipeline.ingest(postfixDsn({ failed: 'ana@cliente.mx', original: sentHeaders(second), status: '4.2.2', diagnostic: '452 4.2.2 Mailbox full' }), { source: 'file' });
    expect(await web.app.db.surveyRequest.count()).toBe(1);
  });
});
