import { describe, expect, it } from 'vitest';
import { DEFAULT_SLA_POLICY, slaClockRuns, slaPhaseOf, slaStep, targetHours } from '../../../src/domain/sla.js';

const progress = (elapsed: number, over: Partial<Parameters<typeof slaStep>[0]> = {}) => ({
  phase: 'first_response' as const,
  target: 8,
  elapsed,
  warnedForPhase: false,
  escalationLevel: 0,
  ...over,
});

describe('SLA targets', () => {
  it('first response per priority (DOMAIN.md): urgent 2, high 8, normal 24, low 48', () => {
    expect(['urgent', 'high', 'normal', 'low'].map((p) => targetHours(DEFAULT_SLA_POLICY, 'standard', p as never, 'first_response'))).toEqual([2, 8, 24, 48]);
  });
  it('prime customers have faster targets, and an unknown plan is standard', () => {
    for (const p of ['urgent', 'high', 'normal', 'low'] as const) {
      for (const phase of ['first_response', 'resolution'] as const) {
        expect(targetHours(DEFAULT_SLA_POLICY, 'prime', p, phase)).toBeLessThan(targetHours(DEFAULT_SLA_POLICY, 'standard', p, phase));
      }
    }
    expect(targetHours(DEFAULT_SLA_POLICY, 'gold', 'high', 'first_response')).toBe(8);
  });
  it('the clock runs only while support holds the ticket', () => {
    expect(['new', 'open', 'pending', 'on_hold', 'solved', 'closed'].map((s) => slaClockRuns(s as never))).toEqual([true, true, false, false, false, false]);
  });
  it('the phase is first response until support first answers, then resolution; none once solved', () => {
    expect(slaPhaseOf('open', false)).toBe('first_response');
    expect(slaPhaseOf('pending', true)).toBe('resolution');
    expect(slaPhaseOf('solved', true)).toBeNull();
  });
});

describe('SLA warnings and escalations', () => {
  it('nothing before 75%; next look at 75%', () => {
    expect(slaStep(progress(5.9))).toEqual({ actions: [], nextAtElapsed: 6 });
  });
  it('a warning at 75%, then watch the breach', () => {
    expect(slaStep(progress(6))).toEqual({ actions: [{ kind: 'warning' }], nextAtElapsed: 8 });
  });
  it('the warning is sent once', () => {
    expect(slaStep(progress(7, { warnedForPhase: true }))).toEqual({ actions: [], nextAtElapsed: 8 });
  });
  it('level 1 at the breach, level 2 at 150%, level 3 at 200%, then nothing to watch', () => {
    expect(slaStep(progress(8, { warnedForPhase: true }))).toEqual({ actions: [{ kind: 'breach', level: 1 }], nextAtElapsed: 12 });
    expect(slaStep(progress(12, { warnedForPhase: true, escalationLevel: 1 }))).toEqual({ actions: [{ kind: 'breach', level: 2 }], nextAtElapsed: 16 });
    expect(slaStep(progress(30, { warnedForPhase: true, escalationLevel: 2 }))).toEqual({ actions: [{ kind: 'breach', level: 3 }], nextAtElapsed: null });
    expect(slaStep(progress(40, { warnedForPhase: true, escalationLevel: 3 }))).toEqual({ actions: [], nextAtElapsed: null });
  });
  it('a check that comes late sends every level reached, and no stale warning', () => {
    expect(slaStep(progress(13))).toEqual({ actions: [{ kind: 'breach', level: 1 }, { kind: 'breach', level: 2 }], nextAtElapsed: 16 });
  });
});
