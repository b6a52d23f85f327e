// Which check runs are the gate's: split by the App GitHub filed them under (pure).
import { describe, expect, it } from 'vitest';
import {
  forgedRunWarning,
  GITHUB_ACTIONS_APP_ID,
  parseAppId,
  runsByApp,
  weakPinReason,
} from '../../src/gate/check-runs.ts';
import type { CheckRunInfo } from '../../src/github/checks.ts';

const SHA = 'a'.repeat(40);
const run = (id: number, app: number | undefined, extra: Partial<CheckRunInfo> = {}): CheckRunInfo => ({
  id,
  name: 'tollgate/signoff',
  headSha: SHA,
  status: 'completed',
  conclusion: 'success',
  startedAt: undefined,
  completedAt: undefined,
  app:
    app === undefined
      ? undefined
      : { id: app, slug: app === GITHUB_ACTIONS_APP_ID ? 'github-actions' : 'tollgate' },
  annotationsCount: 0,
  htmlUrl: undefined,
  ...extra,
});

describe('runsByApp', () => {
  const runs = [
    run(1, 42),
    run(5, GITHUB_ACTIONS_APP_ID),
    run(3, 42, { conclusion: 'failure' }),
    run(4, undefined),
    run(6, 42, { name: 'tollgate/signoff (into release)' }),
    run(7, 42, { headSha: 'b'.repeat(40) }),
  ];

  it('keeps the pinned App’s runs of the name on the commit, newest first, and sets every other App’s apart', () => {
    const { own, foreign } = runsByApp(runs, 'tollgate/signoff', SHA, 42);
    expect(own.map((r) => r.id)).toEqual([3, 1]);
    expect(foreign.map((r) => r.id)).toEqual([5, 4]);
  });

  it('proves nothing to be the gate’s when no App is pinned', () => {
    expect(runsByApp(runs, 'tollgate/signoff', SHA, undefined)).toEqual({ own: [], foreign: [] });
  });
});

describe('what the gate says about them', () => {
  it('warns about each foreign run with its App and conclusion, and about nothing when there is none', () => {
    expect(forgedRunWarning('tollgate/signoff', 42, [])).toEqual([]);
    const lines = forgedRunWarning('tollgate/signoff', 42, [
      run(5, GITHUB_ACTIONS_APP_ID, { htmlUrl: 'https://github.com/acme/models/runs/5' }),
    ]);
    expect(lines.join('\n')).toContain(
      '> - run 5 by github-actions (App id 15368): success — https://github.com/acme/models/runs/5',
    );
    expect(lines[0]).toBe('> [!WARNING]');
  });

  it.each([
    [GITHUB_ACTIONS_APP_ID, true],
    [42, false],
  ])('App id %i is a weak pin: %s', (id, weak) => {
    expect(weakPinReason(id) !== undefined).toBe(weak);
  });

  it.each([
    ['', undefined],
    ['  ', undefined],
    ['934121', 934121],
    [' 934121\n', 934121],
  ])('reads app id %j as %j', (value, id) => {
    expect(parseAppId(value, 'app-id')).toBe(id);
  });

  it.each(['0', '-4', 'tollgate', '12abc', '1e5', '${{ vars.TOLLGATE_APP_ID }}'])(
    'refuses app id %j',
    (value) => {
      expect(() => parseAppId(value, 'app-id')).toThrow(/app-id ".*" is not a GitHub App id/);
    },
  );
});
