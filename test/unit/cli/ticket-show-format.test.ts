import { describe, expect, it } from 'vitest';
import { formatTicket } from '../../../src/cli/ticket-show-format.js';
import type { DeliveryJson } from '../../../src/store/message-delivery.js';
import type { MessageJson, TicketDetailJson } from '../../../src/store/ticket-queries.js';

// What `tickets show` says of each of the desk's mails by what became of it in the outbox (the integration tests,
// test/integration/cli-ticket-show.test.ts, see an acknowledgement queued and cancelled through the CLI).

const ticket = (messages: MessageJson[]): TicketDetailJson => ({
  number: 1000, subject: 'Timbrado', status: 'open', priority: 'normal', impact: 'medium', urgency: 'medium', requester: 'ana@cliente.mx',
  ccs: [], followUpOf: null, held: false, heldFromNotBelieved: false, escalationLevel: 0, firstResponseDueAt: null, firstRespondedAt: null, resolutionDueAt: null,
  createdAt: '2026-11-23T16:00:00.000Z', updatedAt: '2026-11-23T16:00:00.000Z', followUps: [], messages, events: [], history: [],
});

const sent = (delivery: DeliveryJson | null): MessageJson => ({
  direction: 'out', internal: false, messageId: 'x@example.test', inReplyTo: null, from: 'soporte@example.test', fromName: null, to: ['ana@cliente.mx'],
  cc: [], subject: 'Re: Timbrado', date: null, createdAt: '2026-11-23T16:05:00.000Z', text: 'Hola, Ana:\n\nRevisamos su caso.\n\nSoporte\n', visibleText: 'Revisamos su caso.',
  html: null, attachments: [], delivery,
});

/** The heading line of the ticket's one message. */
const heading = (delivery: DeliveryJson | null) => formatTicket(ticket([sent(delivery)]), 'America/Mexico_City', false).split('\n').find((l) => l.startsWith('--- '));
const delivery = (status: string, detail: string | null, mayHaveReached = false): DeliveryJson => ({ status, detail, mayHaveReached, sentAt: null, notSentTo: [] });

describe('tickets show: whether each of the desk\'s mails left', () => {
  it('a sent mail reads as it always did; one refused for some recipients says whom', () => {
    expect(heading(delivery('sent', null))).toBe('--- to ana@cliente.mx · 2026-11-23 10:05 -06:00');
    expect(heading(null)).toBe('--- to ana@cliente.mx · 2026-11-23 10:05 -06:00');
    expect(heading(delivery('sent', 'refused for good: 550 luis@cliente.mx'))).toBe('--- to ana@cliente.mx · 2026-11-23 10:05 -06:00 (sent: refused for good: 550 luis@cliente.mx)');
  });

  it('a mail sent a minute or more after it was queued (ACK_LIMIT, a retry, a backlog) says when it left', () => {
    const at = (sentAt: string): DeliveryJson => ({ status: 'sent', detail: null, mayHaveReached: false, sentAt, notSentTo: [] });
    expect(heading(at('2026-11-23T17:35:00.000Z'))).toBe('--- to ana@cliente.mx · 2026-11-23 10:05 -06:00 (sent 2026-11-23 11:35 -06:00)');
    expect(heading(at('2026-11-23T16:05:30.000Z'))).toBe('--- to ana@cliente.mx · 2026-11-23 10:05 -06:00');
  });

  it('failed or cancelled: never sent, or, after a try that may have left it with them, said so', () => {
    expect(heading(delivery('failed', '550 mailbox unavailable'))).toMatch(/ \(failed, never sent: 550 mailbox unavailable\)$/);
    expect(heading(delivery('cancelled', 'not sent: the ticket was reopened'))).toMatch(/ \(cancelled, never sent: the ticket was reopened\)$/);
    expect(heading(delivery('cancelled', 'not sent: the close was undone', true))).toMatch(/ \(cancelled, a try may have reached the recipient: the close was undone\)$/);
  });

  it('queued or being sent: not sent yet', () => {
    expect(heading(delivery('pending', '451 try again later'))).toMatch(/ \(queued, not sent yet: 451 try again later\)$/);
    expect(heading(delivery('sending', null))).toMatch(/ \(queued, not sent yet\)$/);
  });

  it('--full prints the mail as its reader got it; by default the agent\'s words, with no note of a cut', () => {
    const shown = formatTicket(ticket([sent(null)]), 'America/Mexico_City', false);
    expect(shown).toMatch(/\nRevisamos su caso\.\n$/);
    expect(formatTicket(ticket([sent(null)]), 'America/Mexico_City', true)).toMatch(/\nHola, Ana:\n\nRevisamos su caso\.\n\nSoporte\n$/);
  });
});

type TicketEventJson = TicketDetailJson['events'][number];
const event = (at: string, type: string, actor: string, detail: string | null = null, fromStatus: string | null = null, toStatus: string | null = null): TicketEventJson => ({ type, fromStatus, toStatus, actor, detail, at });
/** The lines of the ticket's history section, as `tickets show` prints it. */
const historyOf = (events: TicketEventJson[], full = false) => {
  const shown = formatTicket({ ...ticket([]), events }, 'America/Mexico_City', full).split('\n');
  return shown.slice(shown.indexOf('--- history')).filter((line) => line !== '');
};

describe('tickets show: the ticket\'s history, after its messages', () => {
  it('each event in time order on the desk\'s clock, who did it, and what happened: a status change says from, to and why', () => {
    // The common life of a ticket, read through the CLI, is in test/integration/cli-ticket-show.test.ts; here the rest.
    expect(historyOf([
      event('2026-11-23T16:00:00.000Z', 'created', 'ana@cliente.mx', 'new-subject', null, 'new'),
      event('2026-11-23T16:20:00.000Z', 'internal_note', 'agent:maria', null, 'new', 'open'),
      event('2026-11-23T16:30:00.000Z', 'status_changed', 'agent:maria', 'issue BUG-7', 'open', 'on_hold'),
      event('2026-11-24T17:30:00.000Z', 'sla_warning', 'system', 'resolution target 40 h; level 1 -> lead@example.test'),
      event('2026-11-25T21:00:00.000Z', 'product_issue_released', 'agent:jose', 'BUG-7', 'on_hold', 'solved'),
      event('2026-11-25T22:30:00.000Z', 'internal_note', 'agent:maria', null, 'solved', 'solved'),
      event('2026-11-26T15:00:00.000Z', 'csat_answered', 'ana@cliente.mx', 'good, 5, with a comment (web)'),
      event('2026-11-27T15:00:00.000Z', 'csat_changed', 'ana@cliente.mx', 'bad, 2 (mail)'),
      event('2026-11-27T16:00:00.000Z', 'status_changed', 'agent:maria', null, 'solved', 'pending'),
      event('2026-12-20T18:00:00.000Z', 'auto_closed', 'system', 'pending_expired', 'pending', 'closed'),
    ])).toEqual([
      '--- history',
      '2026-11-23 10:00 -06:00  ana@cliente.mx  new ticket: an answer to one of our mails under a subject of its own',
      '2026-11-23 10:20 -06:00  agent:maria     internal note, new -> open',
      '2026-11-23 10:30 -06:00  agent:maria     status set, open -> on_hold (issue BUG-7)',
      '2026-11-24 11:30 -06:00  system          SLA warning: resolution target 40 h; level 1 -> lead@example.test',
      '2026-11-25 15:00 -06:00  agent:jose      product issue BUG-7 released, on_hold -> solved',
      '2026-11-25 16:30 -06:00  agent:maria     internal note',
      '2026-11-26 09:00 -06:00  ana@cliente.mx  CSAT survey answered: good, 5, with a comment (web)',
      '2026-11-27 09:00 -06:00  ana@cliente.mx  CSAT answer changed: bad, 2 (mail)',
      '2026-11-27 10:00 -06:00  agent:maria     status set, solved -> pending',
      '2026-12-20 12:00 -06:00  system          closed by the timer, pending -> closed (the customer did not answer the pending ticket within its window)',
    ]);
  });

  it('mails not sent, held back or bounced, holds and releases, a Message-ID reused and a mail\'s To/Cc not copied, each in words; times in a detail on the desk\'s clock', () => {
    expect(historyOf([
      event('2026-11-23T16:00:00.000Z', 'created', 'luis@otro.example', 'follow-up of #999', null, 'new'),
      event('2026-11-23T16:00:00.000Z', 'held_for_authorisation', 'system', 'UNKNOWN_SENDER_POLICY=hold'),
      event('2026-11-23T16:00:00.000Z', 'access_requested', 'system', 'Cliente SA'),
      event('2026-11-23T17:00:00.000Z', 'released', 'agent:maria', 'the sender was authorised'),
      event('2026-11-23T17:00:00.000Z', 'notice_throttled', 'system', 'acknowledgement to luis@otro.example: acknowledgements throttled: ACK_LIMIT 1 per AUTO_MAIL_WINDOW_MINUTES 60; due 2026-11-23T18:00:00.000Z'),
      event('2026-11-23T17:30:00.000Z', 'notice_dropped', 'system', 'acknowledgement: not sent: held back by ACK_LIMIT, and the ticket was solved before it could go', 'open', 'open'),
      event('2026-11-23T17:31:00.000Z', 'notice_cancelled', 'system', 'acknowledgement: not sent: held back by ACK_LIMIT, and the ticket was answered (answer) before it could go'),
      event('2026-11-23T17:32:00.000Z', 'notice_suppressed', 'system', 'pending to luis@otro.example: the address is suppressed after bounces (ventanilla suppressions lift luis@otro.example)'),
      event('2026-11-23T17:33:00.000Z', 'notice_capped', 'system', 'acknowledgement to luis@otro.example: 10 automatic mails already in the window'),
      event('2026-11-23T17:34:00.000Z', 'notification_bounced', 'system', 'luis@otro.example: hard bounce 5.1.1 (550) User unknown'),
      event('2026-11-23T17:35:00.000Z', 'notification_failed', 'system', 'not sent to luis@otro.example: 550 mailbox unavailable'),
      event('2026-11-23T17:36:00.000Z', 'message_id_reused', 'system', 'Message-ID <a@b> reused: another mail had it (ticket #998); recorded as a mail of its own'),
      event('2026-11-23T17:37:00.000Z', 'pending_reminder', 'system', '16.0 business hours pending'),
      event('2026-11-23T17:38:00.000Z', 'comment', 'luis@otro.example', 'via references', 'open', 'open'),
      event('2026-11-23T17:39:00.000Z', 'thanks', 'luis@otro.example', 'kept solved: a reply that only thanks (via in-reply-to)', 'solved', 'solved'),
      event('2026-11-23T17:40:00.000Z', 'closed_by_customer', 'customer', 'a knowledge-base article solved it (the link in the mail that opened the ticket)', 'open', 'closed'),
      event('2026-11-23T17:41:00.000Z', 'ccs_withheld', 'system', 'the desk is in neither To nor Cc (a Bcc, or an address not in SUPPORT_ALIASES): jefe@cliente.mx'),
    ])).toEqual([
      '--- history',
      '2026-11-23 10:00 -06:00  luis@otro.example  new ticket, follow-up of #999',
      '2026-11-23 10:00 -06:00  system             held until its sender is authorised (UNKNOWN_SENDER_POLICY=hold)',
      '2026-11-23 10:00 -06:00  system             authorisation asked: Cliente SA',
      '2026-11-23 11:00 -06:00  agent:maria        released: the sender was authorised',
      '2026-11-23 11:00 -06:00  system             mail queued for later: acknowledgement to luis@otro.example: acknowledgements throttled: ACK_LIMIT 1 per AUTO_MAIL_WINDOW_MINUTES 60; due 2026-11-23 12:00 -06:00',
      '2026-11-23 11:30 -06:00  system             mail dropped, not sent: acknowledgement: held back by ACK_LIMIT, and the ticket was solved before it could go',
      '2026-11-23 11:31 -06:00  system             mail taken back, not sent: acknowledgement: held back by ACK_LIMIT, and the ticket was answered (answer) before it could go',
      '2026-11-23 11:32 -06:00  system             mail not sent: pending to luis@otro.example: the address is suppressed after bounces (ventanilla suppressions lift luis@otro.example)',
      '2026-11-23 11:33 -06:00  system             mail capped (AUTO_MAIL_LIMIT): acknowledgement to luis@otro.example: 10 automatic mails already in the window',
      '2026-11-23 11:34 -06:00  system             mail bounced: luis@otro.example: hard bounce 5.1.1 (550) User unknown',
      '2026-11-23 11:35 -06:00  system             mail failed: not sent to luis@otro.example: 550 mailbox unavailable',
      '2026-11-23 11:36 -06:00  system             Message-ID <a@b> reused: another mail had it (ticket #998); recorded as a mail of its own',
      '2026-11-23 11:37 -06:00  system             reminder to the customer (16.0 business hours pending)',
      '2026-11-23 11:38 -06:00  luis@otro.example  mail on the ticket (via references)',
      '2026-11-23 11:39 -06:00  luis@otro.example  kept solved: a reply that only thanks (via in-reply-to)',
      '2026-11-23 11:40 -06:00  customer           closed by the customer, open -> closed (a knowledge-base article solved it (the link in the mail that opened the ticket))',
      "2026-11-23 11:41 -06:00  system             the mail's To/Cc not copied: the desk is in neither To nor Cc (a Bcc, or an address not in SUPPORT_ALIASES): jefe@cliente.mx",
    ]);
  });

  it('an event of a type it does not know still prints, with its raw type, status change and detail', () => {
    expect(historyOf([
      event('2026-11-23T16:00:00.000Z', 'merged_into', 'agent:maria', '#1200', 'open', 'closed'),
      event('2026-11-23T16:01:00.000Z', 'some_new_event', 'system'),
      event('2026-11-23T16:02:00.000Z', 'constructor', 'system', 'toString'),
      event('2026-11-23T16:03:00.000Z', 'created', 'system', 'hasOwnProperty', null, 'new'),
    ])).toEqual([
      '--- history',
      '2026-11-23 10:00 -06:00  agent:maria  merged_into, open -> closed: #1200',
      '2026-11-23 10:01 -06:00  system       some_new_event',
      '2026-11-23 10:02 -06:00  system       constructor: toString',
      '2026-11-23 10:03 -06:00  system       new ticket: hasOwnProperty',
    ]);
  });

  it('in time order, also when recorded out of it (a `scheduler run-once --now` in the past)', () => {
    expect(historyOf([
      event('2026-11-25T16:00:00.000Z', 'agent_reply', 'agent:maria', null, 'open', 'solved'),
      event('2026-11-24T16:00:00.000Z', 'pending_reminder', 'system', '16.0 business hours pending'),
    ])).toEqual([
      '--- history',
      '2026-11-24 10:00 -06:00  system       reminder to the customer (16.0 business hours pending)',
      '2026-11-25 10:00 -06:00  agent:maria  answer to the customer, open -> solved',
    ]);
  });

  it('a long history shows its newest 20 events and says how many earlier ones --full shows', () => {
    const events = Array.from({ length: 23 }, (_, i) => event(new Date(Date.parse('2026-11-23T16:00:00.000Z') + i * 60_000).toISOString(), 'pending_reminder', 'system', `${i}.0 business hours pending`));
    const shown = historyOf(events);
    expect(shown.slice(0, 3)).toEqual([
      '--- history',
      '  [3 earlier events hidden: `ventanilla tickets show 1000 --full` shows them all]',
      '2026-11-23 10:03 -06:00  system  reminder to the customer (3.0 business hours pending)',
    ]);
    expect(shown).toHaveLength(22);
    expect(historyOf(events, true)).toHaveLength(24);
    expect(historyOf(events, true)[1]).toBe('2026-11-23 10:00 -06:00  system  reminder to the customer (0.0 business hours pending)');
  });

  it('a ticket with no events has no history section', () => {
    expect(formatTicket(ticket([]), 'America/Mexico_City', false)).not.toContain('--- history');
  });
});

describe('tickets show: the chain of follow-ups', () => {
  it('a follow-up names the ticket it follows up; a closed ticket names its follow-ups', () => {
    const line = (t: Partial<TicketDetailJson>) => formatTicket({ ...ticket([]), ...t }, 'America/Mexico_City', false).split('\n')[3];
    expect(line({ followUpOf: 999 })).toBe('created 2026-11-23 10:00 -06:00 · follow-up of #999');
    expect(line({ status: 'closed', followUps: [1001, 1004] })).toBe('created 2026-11-23 10:00 -06:00 · followed up by #1001, #1004');
  });
});

describe('tickets show: a recipient left out of a queued mail when the address was suppressed', () => {
  const withCopy = (notSentTo: DeliveryJson['notSentTo']): MessageJson => ({ ...sent({ status: 'sent', detail: null, mayHaveReached: false, sentAt: '2026-11-23T16:05:00.000Z', notSentTo }), cc: ['luis@cliente.mx'] });
  const headingAt = (m: MessageJson, now: Date) => formatTicket(ticket([m]), 'America/Mexico_City', false, now).split('\n').find((l) => l.startsWith('--- '));
  const now = new Date('2026-12-01T16:00:00.000Z');

  it('the requester: marked not sent, with since when the address is suppressed; the copies who got it are listed', () => {
    const m = withCopy([{ address: 'ana@cliente.mx', suppressedAt: '2026-11-23T16:06:00.000Z', suppressedUntil: '2027-05-22T16:06:00.000Z', liftedAt: null }]);
    expect(headingAt(m, now)).toBe('--- to ana@cliente.mx (not sent: the address bounces, suppressed since 2026-11-23 10:06 -06:00) · cc luis@cliente.mx · 2026-11-23 10:05 -06:00');
  });

  it('a copy left out; a suppression since lifted or over says when it was', () => {
    const copy = withCopy([{ address: 'luis@cliente.mx', suppressedAt: '2026-11-23T16:06:00.000Z', suppressedUntil: null, liftedAt: '2026-11-24T16:00:00.000Z' }]);
    expect(headingAt(copy, now)).toBe('--- to ana@cliente.mx · cc luis@cliente.mx (not sent: the address bounced, suppressed 2026-11-23 10:06 -06:00, lifted 2026-11-24 10:00 -06:00) · 2026-11-23 10:05 -06:00');
    const over = withCopy([{ address: 'luis@cliente.mx', suppressedAt: '2026-11-23T16:06:00.000Z', suppressedUntil: '2026-11-30T16:06:00.000Z', liftedAt: null }]);
    expect(headingAt(over, now)).toBe('--- to ana@cliente.mx · cc luis@cliente.mx (not sent: the address bounced, suppressed 2026-11-23 10:06 -06:00 until 2026-11-30 10:06 -06:00) · 2026-11-23 10:05 -06:00');
    const unknown = withCopy([{ address: 'luis@cliente.mx', suppressedAt: null, suppressedUntil: null, liftedAt: null }]);
    expect(headingAt(unknown, now)).toBe('--- to ana@cliente.mx · cc luis@cliente.mx (not sent: left out of the queued mail, the address bounced) · 2026-11-23 10:05 -06:00');
  });

  it('a mail that went to all its recipients does not list its copies on its heading, as before', () => {
    expect(headingAt(withCopy([]), now)).toBe('--- to ana@cliente.mx · 2026-11-23 10:05 -06:00');
  });
});
