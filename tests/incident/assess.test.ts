// assessModel: the shared auto-rollback decision of both incident faces, from plain pointer data.
import { describe, expect, it } from 'vitest';
import { assessModel, type PointerRead } from '../../src/incident/assess.ts';
import { openIncident } from '../../src/incident/record.ts';
import { effectivePolicy } from '../../src/policy/effective.ts';
import type { PointerMove } from '../../src/rollback/target.ts';

const policy = effectivePolicy(undefined);
const NOW = new Date('2026-11-24T03:30:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString();
const move = (
  sha: string,
  h: number,
  from: string | undefined,
  to: string,
  isRollback = false,
): PointerMove => ({
  sha,
  at: hoursAgo(h),
  ...(from !== undefined ? { from } : {}),
  to,
  isMerge: true,
  isRollback,
});
/** v1 live for 100 h, then v2 for 1 h. */
const history = [move('a'.repeat(40), 101, undefined, 'v1'), move('b'.repeat(40), 1, 'v1', 'v2')];
const ok: PointerRead = { ok: true, current: 'v2', history, held: [] };
const incident = (metrics: Record<string, number>) =>
  openIncident({ models: ['fraud'], metrics, now: NOW, id: 'INC-20261124-033000-ab12', policy });

describe('assessModel', () => {
  it.each([
    [
      'an auto-rollback condition and a stable target',
      { error_rate: 0.7 },
      ok,
      false,
      true,
      /fraud production v2 -> v1/,
    ],
    ['no condition holds', { error_rate: 0.07 }, ok, false, false, /no auto-rollback condition holds/],
    ['a promotion in flight', { error_rate: 0.7 }, ok, true, false, /promotion of this model is in flight/],
    [
      'an unreadable pointer',
      { error_rate: 0.7 },
      { ok: false, error: 'model fraud has no stages file at HEAD' } as PointerRead,
      false,
      false,
      /^fraud production: model fraud has no stages file/,
    ],
    [
      'a rollback as the last move',
      { error_rate: 0.7 },
      { ...ok, history: [...history.slice(0, 1), move('c'.repeat(40), 1, 'v1', 'v2', true)] } as PointerRead,
      false,
      false,
      /already a rollback/,
    ],
    [
      'no stable earlier version',
      { error_rate: 0.7 },
      {
        ok: true,
        current: 'v2',
        history: [move('a'.repeat(40), 2, undefined, 'v1'), move('b'.repeat(40), 1, 'v1', 'v2')],
        held: [],
      } as PointerRead,
      false,
      false,
      /stable/,
    ],
  ])('%s', (_name, metrics, pointer, inFlight, rollback, detail) => {
    const a = assessModel({
      incident: incident(metrics),
      policy,
      now: NOW,
      model: 'fraud',
      pointer,
      inFlight,
    });
    expect(a.decision.rollback).toBe(rollback);
    expect(a.decision.entry.detail).toMatch(detail);
    if (rollback) expect(a.plan?.target).toBe('v1');
  });

  it('names the promotion pull requests in flight on the skip entry, not in the reason', () => {
    const a = assessModel({
      incident: incident({ error_rate: 0.7 }),
      policy,
      now: NOW,
      model: 'fraud',
      pointer: ok,
      inFlight: [7, 9],
    });
    expect(a.decision.entry.detail).toMatch(/in flight; roll back by hand once it settles \(#7, #9\)$/);
    expect(a.decision.rollback ? '' : a.decision.reason).not.toContain('#7');
  });
});
