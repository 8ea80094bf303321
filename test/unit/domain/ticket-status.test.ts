import { describe, expect, it } from 'vitest';
import { effectOfReply, TICKET_STATUSES } from '../../../src/domain/ticket-status.js';

describe('what a customer reply does to a ticket', () => {
  it.each(['new', 'open', 'on_hold'] as const)('%s: a comment, status unchanged', (status) => {
    expect(effectOfReply(status)).toEqual({ kind: 'comment', newStatus: null, event: 'comment' });
  });
  it('pending: the complement sends it back to support (open)', () => {
    expect(effectOfReply('pending')).toEqual({ kind: 'comment', newStatus: 'open', event: 'customer_answered' });
  });
  it('solved: a reply in the validation window reopens it', () => {
    expect(effectOfReply('solved')).toEqual({ kind: 'comment', newStatus: 'open', event: 'reopened' });
  });
  it('closed: final, a reply makes a follow-up ticket', () => {
    expect(effectOfReply('closed')).toEqual({ kind: 'follow_up' });
  });
  it('covers every status', () => {
    for (const s of TICKET_STATUSES) expect(effectOfReply(s)).toBeDefined();
  });
});
