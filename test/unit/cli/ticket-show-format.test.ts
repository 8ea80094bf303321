import { describe, expect, it } from 'vitest';
import { formatTicket } from '../../../src/cli/ticket-show-format.js';
import type { DeliveryJson } from '../../../src/store/message-delivery.js';
import type { MessageJson, TicketDetailJson } from '../../../src/store/ticket-queries.js';

// What `tickets show` says of each of the desk's mails by what became of it in the outbox (the integration tests,
// test/integration/cli-ticket-show.test.ts, see an acknowledgement queued and cancelled through the CLI).

const ticket = (messages: MessageJson[]): TicketDetailJson => ({
  number: 1000, subject: 'Timbrado', status: 'open', priority: 'normal', impact: 'medium', urgency: 'medium', requester: 'ana@cliente.mx',
  ccs: [], followUpOf: null, held: false, escalationLevel: 0, firstResponseDueAt: null, firstRespondedAt: null, resolutionDueAt: null,
  createdAt: '2026-11-23T16:00:00.000Z', updatedAt: '2026-11-23T16:00:00.000Z', followUps: [], messages, events: [], history: [],
});

const sent = (delivery: DeliveryJson | null): MessageJson => ({
  direction: 'out', internal: false, messageId: 'x@example.test', inReplyTo: null, from: 'soporte@example.test', fromName: null, to: ['ana@cliente.mx'],
  cc: [], subject: 'Re: Timbrado', date: null, createdAt: '2026-11-23T16:05:00.000Z', text: 'Hola, Ana:\n\nRevisamos su caso.\n\nSoporte\n', visibleText: 'Revisamos su caso.',
  html: null, attachments: [], delivery,
});

/** The heading line of the ticket's one message. */
const heading = (delivery: DeliveryJson | null) => formatTicket(ticket([sent(delivery)]), 'America/Mexico_City', false).split('\n').find((l) => l.startsWith('--- '));
const delivery = (status: string, detail: string | null, mayHaveReached = false): DeliveryJson => ({ status, detail, mayHaveReached, sentAt: null });

describe('tickets show: whether each of the desk\'s mails left', () => {
  it('a sent mail reads as it always did; one refused for some recipients says whom', () => {
    expect(heading(delivery('sent', null))).toBe('--- to ana@cliente.mx · 2026-11-23 10:05 -06:00');
    expect(heading(null)).toBe('--- to ana@cliente.mx · 2026-11-23 10:05 -06:00');
    expect(heading(delivery('sent', 'refused for good: 550 luis@cliente.mx'))).toBe('--- to ana@cliente.mx · 2026-11-23 10:05 -06:00 (sent: refused for good: 550 luis@cliente.mx)');
  });

  it('a mail sent a minute or more after it was queued (ACK_LIMIT, a retry, a backlog) says when it left', () => {
    const at = (sentAt: string): DeliveryJson => ({ status: 'sent', detail: null, mayHaveReached: false, sentAt });
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
