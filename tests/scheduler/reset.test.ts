// The runbook's service reset (mark-executed) and the once-per-streak escalation decision.
import { describe, expect, it } from 'vitest';
import { executed, failed, resetFailures, streakNeedsEscalation } from '../../src/scheduler/schedule.ts';
import { HOUR, T0, iso, policy, schedule } from './fixtures.ts';

describe('resetFailures', () => {
  it('clears the streak, the cooldown and the automatic pause, and records who, why and what it cleared', () => {
    let s = schedule({ last_run: iso(T0 - 48 * HOUR), next_run: iso(T0 - 24 * HOUR) });
    for (let i = 0; i < 5; i++) s = failed(s, T0 + i * HOUR, 'feature feed down', policy());
    expect(s).toMatchObject({ failure_streak: 5, paused_by: 'tollgate' });
    expect(s.cooldown_until).toBeDefined();
    const reset = resetFailures(s, T0 + 6 * HOUR, { by: 'ops', reason: 'feature feed restored' });
    expect(reset.failure_streak).toBe(0);
    expect(reset.cooldown_until).toBeUndefined();
    expect(reset.paused_reason).toBeUndefined();
    expect(reset.last_reset).toEqual({
      at: iso(T0 + 6 * HOUR),
      by: 'ops',
      reason: 'feature feed restored',
      failure_streak: 5,
    });
    // The model is due when it was due: the schedule's runs are untouched.
    expect(reset.next_run).toBe(s.next_run);
  });

  it('keeps a pause a person set', () => {
    const s = schedule({ failure_streak: 2, paused_reason: 'audit', paused_by: 'bob' });
    expect(resetFailures(s, T0, { by: 'ops', reason: 'fixed' })).toMatchObject({ paused_reason: 'audit' });
  });

  it.each([
    [{ failure_streak: 0 }, { by: 'ops', reason: 'x' }, /no failure streak or cooldown to reset/],
    [{ failure_streak: 2 }, { by: 'ops', reason: ' ' }, /needs a reason/],
    [{ failure_streak: 2 }, { by: '', reason: 'x' }, /needs the actor/],
  ])('refuses %o with %o', (fields, input, error) => {
    expect(() => resetFailures(schedule(fields), T0, input)).toThrow(error);
  });
});

describe('streakNeedsEscalation', () => {
  it.each([
    // streak, already escalated, policy limit, escalate?
    [1, false, undefined, false],
    [2, false, undefined, true],
    [3, false, undefined, true],
    [3, true, undefined, false],
    [2, false, 3, false],
    [5, false, 0, false],
  ])('streak %i (escalated %s, limit %s): %s', (streak, escalated, limit, expected) => {
    const s = schedule({ failure_streak: streak, ...(escalated ? { streak_escalated_at: iso(T0) } : {}) });
    const p = policy(limit === undefined ? {} : { escalate_after_failures: limit });
    expect(streakNeedsEscalation(s, p)).toBe(expected);
  });

  it('a success ends the streak and its escalation mark, so the next streak escalates again', () => {
    const s = schedule({ failure_streak: 2, streak_escalated_at: iso(T0), last_run: iso(T0 - HOUR) });
    const ok = executed(s, T0 + HOUR, policy());
    expect(ok.streak_escalated_at).toBeUndefined();
    const again = failed(failed(ok, T0 + 2 * HOUR, 'x', policy()), T0 + 3 * HOUR, 'x', policy());
    expect(streakNeedsEscalation(again, policy())).toBe(true);
  });
});
