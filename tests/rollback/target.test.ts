import { describe, expect, it } from 'vitest';
import { chooseRollbackTarget, lastMoveWasRollback, type PointerMove } from '../../src/rollback/target.ts';

const H = 3600;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const iso = (hours: number) => new Date(T0 + hours * H * 1000).toISOString();

function move(
  sha: string,
  hours: number,
  from: string | undefined,
  to: string | undefined,
  extra: Partial<PointerMove> = {},
): PointerMove {
  return { sha, at: iso(hours), from, to, isMerge: false, isRollback: false, ...extra };
}

// v1 for 100 h, v2 for 48 h, v3 for 2 h, v4 live since hour 150.
const history = [
  move('c1', 0, undefined, 'v1'),
  move('c2', 100, 'v1', 'v2'),
  move('c3', 148, 'v2', 'v3'),
  move('c4', 150, 'v3', 'v4'),
];
const base = {
  model: 'fraud',
  stage: 'production',
  history,
  current: 'v4',
  stableFor: 24 * H,
  now: new Date(T0 + 151 * H * 1000),
  held: [] as string[],
};

describe('chooseRollbackTarget', () => {
  it('returns to the last version stable for stable_for, reverting every later move, newest first', () => {
    expect(chooseRollbackTarget(base)).toEqual({
      model: 'fraud',
      stage: 'production',
      current: 'v4',
      target: 'v2',
      since: '2026-11-05T04:00:00Z',
      heldFor: 48 * H,
      stable: true,
      commitsToRevert: ['c4', 'c3'],
      targetCommit: 'c2',
    });
  });

  it('counts a tenure of exactly stable_for as stable, one second less as not', () => {
    expect(chooseRollbackTarget({ ...base, stableFor: 48 * H }).target).toBe('v2');
    expect(chooseRollbackTarget({ ...base, stableFor: 48 * H + 1 }).target).toBe('v1');
  });

  it('skips held versions', () => {
    expect(chooseRollbackTarget({ ...base, held: ['v2'] })).toMatchObject({
      target: 'v1',
      commitsToRevert: ['c4', 'c3', 'c2'],
    });
  });

  it('takes an explicit --to even when its tenure was short, and says it was not stable', () => {
    expect(chooseRollbackTarget({ ...base, to: 'v3' })).toMatchObject({
      target: 'v3',
      stable: false,
      heldFor: 2 * H,
      commitsToRevert: ['c4'],
    });
  });

  it('returns to the most recent tenure of a version that held the stage twice', () => {
    const twice = [...history, move('c5', 200, 'v4', 'v2'), move('c6', 260, 'v2', 'v5')];
    const plan = chooseRollbackTarget({
      ...base,
      history: twice,
      current: 'v5',
      now: new Date(T0 + 261 * H * 1000),
    });
    expect(plan).toMatchObject({ target: 'v2', targetCommit: 'c5', commitsToRevert: ['c6'] });
  });

  it('never picks the current version, even if an earlier tenure of it was stable', () => {
    const back = [...history, move('c5', 151, 'v4', 'v1')];
    const plan = chooseRollbackTarget({
      ...base,
      history: back,
      current: 'v1',
      now: new Date(T0 + 152 * H * 1000),
    });
    expect(plan).toMatchObject({ target: 'v2', commitsToRevert: ['c5', 'c4', 'c3'] });
  });

  const refusals: [string, Partial<typeof base> & { to?: string }, RegExp][] = [
    ['target equals current', { to: 'v4' }, /already points at v4/],
    ['target held', { to: 'v2', held: ['v2'] }, /v2 is held/],
    ['target never held the stage', { to: 'v9' }, /v9 never held production.*/],
    ['no stable version', { stableFor: 1000 * H }, /no stable version to roll fraud production back to/],
    [
      'only one version ever',
      { history: [move('c1', 0, undefined, 'v1')], current: 'v1' },
      /no stable version/,
    ],
    ['empty history', { history: [], current: undefined }, /no stable version/],
  ];
  it.each(refusals)('refuses when %s', (_name, input, message) => {
    expect(() => chooseRollbackTarget({ ...base, ...input })).toThrow(message);
  });

  it('tells how to fix each refusal', () => {
    const fixOf = (input: Partial<typeof base> & { to?: string }) => {
      try {
        chooseRollbackTarget({ ...base, ...input });
      } catch (e) {
        return (e as { fix?: string }).fix;
      }
    };
    expect(fixOf({ to: 'v2', held: ['v2'] })).toContain('tollgate unhold fraud v2');
    expect(fixOf({ to: 'v9' })).toContain('tollgate promote fraud v9 --to production');
  });
});

describe('lastMoveWasRollback', () => {
  it('reads the newest move', () => {
    expect(lastMoveWasRollback(history)).toBe(false);
    expect(lastMoveWasRollback([...history, move('c5', 151, 'v4', 'v2', { isRollback: true })])).toBe(true);
    expect(lastMoveWasRollback([])).toBe(false);
  });
});
