import { describe, expect, it } from 'vitest';
import { BusinessCalendar } from '../../../src/domain/business-clock.js';
import { DEFAULT_LIFECYCLE_RULES } from '../../../src/domain/lifecycle.js';
import { DEFAULT_PRIORITY_MATRIX } from '../../../src/domain/priority.js';
import { DEFAULT_SLA_POLICY, slaStep } from '../../../src/domain/sla.js';
import type { TicketStatus } from '../../../src/domain/ticket-status.js';
import { slaElapsedAt, slaFields, type ClockFields, type ClockState } from '../../../src/lifecycle/clocks.js';
import type { Policies } from '../../../src/policy.js';

// The SLA clock of one ticket through status changes, with the default calendar (Mon-Fri 08:00-20:00, Mexico
// City, UTC-6 all year). Week of Monday 3 March 2025: no holiday.

const policies: Policies = { calendar: new BusinessCalendar(), lifecycle: DEFAULT_LIFECYCLE_RULES, sla: DEFAULT_SLA_POLICY, priorityMatrix: DEFAULT_PRIORITY_MATRIX, escalationContacts: new Map() };

type Clock = ClockState & ClockFields;

function ticketThrough(changes: Array<[TicketStatus, string]>): Clock {
  let state: Clock = {
    status: 'new', priority: 'normal', slaPlan: 'standard', slaElapsedHours: 0, slaRunningSince: null, firstRespondedAt: null,
    firstResponseDueAt: null, resolutionDueAt: null, slaWarnedFor: null, escalationLevel: 0, slaNextCheckAt: null,
  };
  for (const [status, iso] of changes) state = { ...state, ...slaFields(state, { status }, new Date(iso), policies), status };
  return state;
}

describe('SLA clock across pauses', () => {
  it('a first-response target reached at closing time after several pauses is breached at 20:00, not at the next opening', () => {
    // Normal priority, 24 h to the first response; 12 business hours spent waiting in four pauses (real instants,
    // to the second), so the 24th hour ends on Wednesday at 20:00.
    const state = ticketThrough([
      ['new', '2025-03-03T14:00:00Z'],
      ['pending', '2025-03-03T14:51:31Z'],
      ['open', '2025-03-03T15:16:31Z'],
      ['pending', '2025-03-03T16:30:13Z'],
      ['open', '2025-03-03T17:11:18Z'],
      ['pending', '2025-03-03T17:46:53Z'],
      ['open', '2025-03-03T18:03:17Z'],
      ['pending', '2025-03-03T18:24:52Z'],
      ['open', '2025-03-04T17:02:23Z'],
    ]);
    expect(state.firstResponseDueAt).toEqual(new Date('2025-03-06T02:00:00Z')); // Wed 20:00
    // The tick 5 s later: the desk is closed, the elapsed time stays what it was at 20:00.
    const elapsed = slaElapsedAt(state, new Date('2025-03-06T02:00:05Z'), policies);
    const step = slaStep({ phase: 'first_response', target: 24, elapsed, warnedForPhase: true, escalationLevel: 0 });
    expect(step.actions).toEqual([{ kind: 'breach', level: 1 }]);
  });

  it('a target breached before a pause keeps its due time through the pause and after it', () => {
    // Normal priority: 24 h from Mon 08:00 is Tue 20:00. Pending Wed 10:00 (no answer yet), open again Thu 10:00.
    const tuesday20 = new Date('2025-03-05T02:00:00Z');
    const paused = ticketThrough([['new', '2025-03-03T14:00:00Z'], ['pending', '2025-03-05T16:00:00Z']]);
    expect(paused.firstResponseDueAt).toEqual(tuesday20);
    const resumed = ticketThrough([['new', '2025-03-03T14:00:00Z'], ['pending', '2025-03-05T16:00:00Z'], ['open', '2025-03-06T16:00:00Z']]);
    expect(resumed.firstResponseDueAt).toEqual(tuesday20);
    // The resolution target (120 h) is not reached: no due time while paused, one ahead once running.
    expect(paused.resolutionDueAt).toBeNull();
    expect(resumed.resolutionDueAt?.getTime()).toBeGreaterThan(Date.parse('2025-03-06T16:00:00Z'));
  });
});
