import { describe, expect, it } from 'vitest';
import { canTransition, describeTransitionError, isTransitionError, planStatusChange, timerStep } from '../../../src/domain/lifecycle.js';
import { TICKET_STATUSES } from '../../../src/domain/ticket-status.js';

describe('agent status changes', () => {
  it('closed is final', () => {
    for (const to of TICKET_STATUSES) expect(canTransition('closed', to)).toBe(false);
    const plan = planStatusChange('closed', 'open');
    expect(isTransitionError(plan) && describeTransitionError(plan)).toMatch(/closed, which is final/);
  });
  it('a solved ticket is reopened or closed, nothing else', () => {
    expect(TICKET_STATUSES.filter((to) => canTransition('solved', to))).toEqual(['open', 'closed']);
  });
  it('nothing goes back to new', () => {
    for (const from of TICKET_STATUSES) expect(canTransition(from, 'new')).toBe(false);
  });
  it('on hold needs the product issue', () => {
    expect(planStatusChange('open', 'on_hold')).toEqual({ code: 'ISSUE_REQUIRED' });
    expect(planStatusChange('open', 'on_hold', 'BUG-1')).toEqual({ from: 'open', to: 'on_hold', notice: 'on_hold' });
  });
  it('each change tells the customer the right thing', () => {
    expect(planStatusChange('new', 'open')).toEqual({ from: 'new', to: 'open', notice: 'in_progress' });
    expect(planStatusChange('on_hold', 'open')).toEqual({ from: 'on_hold', to: 'open', notice: 'in_progress' });
    expect(planStatusChange('pending', 'open')).toEqual({ from: 'pending', to: 'open', notice: 'in_progress' });
    expect(planStatusChange('open', 'pending')).toMatchObject({ notice: 'pending' });
    expect(planStatusChange('pending', 'solved')).toMatchObject({ notice: 'solved' });
    // Support reopening a solved ticket: 'reopened' is the receipt of a customer's reply, which this is not.
    expect(planStatusChange('solved', 'open')).toEqual({ from: 'solved', to: 'open', notice: 'in_progress' });
    expect(planStatusChange('on_hold', 'closed')).toMatchObject({ notice: 'closed' });
    expect(planStatusChange('open', 'open')).toEqual({ code: 'SAME_STATUS', status: 'open' });
  });
});

describe('lifecycle timers (business hours since pending / solved)', () => {
  it('pending: reminder at 36, close at 60', () => {
    expect(timerStep('pending', 35.9, false)).toEqual({ action: { kind: 'none' }, nextAtHours: 36 });
    expect(timerStep('pending', 36, false)).toEqual({ action: { kind: 'remind' }, nextAtHours: 60 });
    expect(timerStep('pending', 50, true)).toEqual({ action: { kind: 'none' }, nextAtHours: 60 });
    expect(timerStep('pending', 60, true)).toEqual({ action: { kind: 'close', reason: 'pending_expired' }, nextAtHours: null });
  });
  it('pending past 60 without a reminder closes without one', () => {
    expect(timerStep('pending', 61, false)).toEqual({ action: { kind: 'close', reason: 'pending_expired' }, nextAtHours: null });
  });
  it('pending: a reminder owed late with the close less than the margin (1 business hour) away is skipped, not sent', () => {
    expect(timerStep('pending', 59.5, false)).toEqual({ action: { kind: 'skip_reminder', hoursLeft: 0.5 }, nextAtHours: 60 });
    // One hour or more left: still worth sending. The margin configured 0: always sent.
    expect(timerStep('pending', 59, false)).toEqual({ action: { kind: 'remind' }, nextAtHours: 60 });
    const rules = { pendingReminderHours: 36, pendingCloseHours: 60, solvedCloseHours: 84 };
    expect(timerStep('pending', 59.5, false, { ...rules, lateReminderMarginHours: 0 })).toEqual({ action: { kind: 'remind' }, nextAtHours: 60 });
    // A reminder configured close to the close (59.5 of 60) is sent at its time: only a late one is skipped.
    expect(timerStep('pending', 59.5, false, { ...rules, pendingReminderHours: 59.5 })).toEqual({ action: { kind: 'remind' }, nextAtHours: 60 });
  });
  it('solved: close at 84', () => {
    expect(timerStep('solved', 83.99, false)).toEqual({ action: { kind: 'none' }, nextAtHours: 84 });
    expect(timerStep('solved', 84, false)).toEqual({ action: { kind: 'close', reason: 'solved_expired' }, nextAtHours: null });
  });
  it('a deadline reached but for a float rounding (fractional hours summed) counts as reached: at 20:00 it would wait a night', () => {
    const rules = { pendingReminderHours: 2 / 7, pendingCloseHours: 4 / 7, solvedCloseHours: 6 / 7 };
    const justShort = (hours: number) => hours - 1e-15;
    expect(timerStep('pending', justShort(4 / 7), true, rules).action).toEqual({ kind: 'close', reason: 'pending_expired' });
    expect(timerStep('pending', justShort(2 / 7), false, rules).action).toEqual({ kind: 'remind' });
    expect(timerStep('solved', justShort(6 / 7), false, rules).action).toEqual({ kind: 'close', reason: 'solved_expired' });
    // A millisecond short is short.
    expect(timerStep('solved', 6 / 7 - 1 / 3_600_000, false, rules).action).toEqual({ kind: 'none' });
  });
  it('other statuses have no timer', () => {
    for (const s of ['new', 'open', 'on_hold', 'closed'] as const) expect(timerStep(s, 1000, false)).toEqual({ action: { kind: 'none' }, nextAtHours: null });
  });
  it('the rules are configurable', () => {
    expect(timerStep('pending', 10, false, { pendingReminderHours: 10, pendingCloseHours: 20, solvedCloseHours: 30 })).toMatchObject({ action: { kind: 'remind' } });
  });
});
