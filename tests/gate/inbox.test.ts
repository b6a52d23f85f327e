// The reviewers' inbox decisions: which roles a pull request still owes, to whom, and in what order.
import { describe, expect, it } from 'vitest';
import { canFill, formatAge, inboxRows, roleMatches, type PendingPull } from '../../src/gate/inbox.ts';
import type { GateVerdict, Requirement } from '../../src/gate/types.ts';

const NOW = new Date('2026-11-25T12:00:00Z');

const req = (role: string, candidates: string[], satisfiedBy?: string): Requirement => ({
  rule: 'production promotion',
  role,
  candidates,
  ...(satisfiedBy
    ? { satisfiedBy: { login: satisfiedBy, at: '2026-11-25T10:00:00Z', commit: 'a'.repeat(40) } }
    : {}),
});

const verdict = (requirements: Requirement[], blocking: string[] = []): GateVerdict => ({
  conclusion: requirements.every((r) => r.satisfiedBy) && blocking.length === 0 ? 'success' : 'failure',
  title: '',
  requirements,
  blocking,
  stateOnly: false,
  changes: [],
});

const pull = (
  number: number,
  createdAt: string,
  requirements: Requirement[],
  extra: Partial<PendingPull> = {},
): PendingPull => ({
  number,
  title: `Promote #${number}`,
  url: `https://github.com/acme/models/pull/${number}`,
  createdAt,
  draft: false,
  model: 'fraud-detector',
  stage: 'production',
  verdict: verdict(requirements),
  excluded: ['tollgate-bot', 'eve'],
  ...extra,
});

const RISK = req('risk', ['@rita-risk', '@acme/model-risk']);
const COMPLIANCE = req('compliance', ['@acme/compliance']);
const OWNER = req('model-owner (fraud-detector)', ['@alice', '@acme/fraud-ml']);

describe('roleMatches', () => {
  it.each([
    ['risk', 'risk', true],
    ['risk', 'RISK', true],
    ['model-owner (fraud-detector)', 'model-owner', true],
    ['model-owner (fraud-detector)', 'model-owner (fraud-detector)', true],
    ['risk', 'ris', false],
    ['risk-lead', 'risk', false],
    ['compliance', 'risk', false],
  ])('%s named %s: %s', (role, wanted, expected) => {
    expect(roleMatches(role, wanted)).toBe(expected);
  });
});

describe('canFill', () => {
  it.each([
    ['listed by name', ['@rita-risk'], { login: 'Rita-Risk', teams: [] }, [], true],
    [
      'active member of a listed team',
      ['@acme/model-risk'],
      { login: 'helper', teams: ['acme/model-risk'] },
      [],
      true,
    ],
    [
      'team names compare without case',
      ['@Acme/Model-Risk'],
      { login: 'helper', teams: ['acme/model-risk'] },
      [],
      true,
    ],
    [
      'member of another team only',
      ['@acme/model-risk'],
      { login: 'carol', teams: ['acme/compliance'] },
      [],
      false,
    ],
    [
      'an author of the pull request',
      ['@acme/model-risk'],
      { login: 'eve', teams: ['acme/model-risk'] },
      ['EVE'],
      false,
    ],
    ['nobody can', [], { login: 'alice', teams: [] }, [], false],
  ])('%s', (_, candidates, me, excluded, expected) => {
    expect(canFill(candidates, me, excluded)).toBe(expected);
  });
});

describe('formatAge', () => {
  it.each([
    [0, 'under 1m'],
    [59, 'under 1m'],
    [60, '1m'],
    [45 * 60 + 30, '45m'],
    [3600, '1h'],
    [5400, '1h 30m'],
    [86_400 * 2 + 3 * 3600 + 59 * 60, '2d 3h'],
    [86_400 + 120, '1d'],
    [86_400 * 3 + 3600, '3d 1h'],
  ])('%i s is %s', (seconds, shown) => {
    expect(formatAge(seconds)).toBe(shown);
  });
});

describe('inboxRows', () => {
  const older = pull(7, '2026-11-23T09:00:00Z', [
    req('risk', ['@rita-risk'], 'rita-risk'),
    COMPLIANCE,
    OWNER,
  ]);
  const newer = pull(3, '2026-11-25T11:15:00Z', [RISK, COMPLIANCE]);
  const done = pull(5, '2026-11-20T00:00:00Z', [req('risk', ['@rita-risk'], 'rita-risk')]);

  it.each<[string, PendingPull[], Parameters<typeof inboxRows>[2], [number, string, string[]][]]>([
    [
      'everything owed, oldest first; a passing pull request owes nothing',
      [newer, done, older],
      {},
      [
        [7, '2d 3h', ['compliance', 'model-owner (fraud-detector)']],
        [3, '45m', ['risk', 'compliance']],
      ],
    ],
    ['--role risk', [newer, older], { role: 'risk' }, [[3, '45m', ['risk']]]],
    [
      '--role model-owner',
      [newer, older],
      { role: 'model-owner' },
      [[7, '2d 3h', ['model-owner (fraud-detector)']]],
    ],
    ['--role nobody owes', [newer, older], { role: 'policy-owner' }, []],
    [
      '--me as a compliance member',
      [newer, older],
      { me: { login: 'carol', teams: ['acme/compliance'] } },
      [
        [7, '2d 3h', ['compliance']],
        [3, '45m', ['compliance']],
      ],
    ],
    [
      '--me as a requester, who may not sign',
      [newer, older],
      { me: { login: 'eve', teams: ['acme/model-risk'] } },
      [],
    ],
    ['--me and --role together', [newer, older], { role: 'risk', me: { login: 'alice', teams: [] } }, []],
    [
      '--older-than 1d',
      [newer, older],
      { olderThanSeconds: 86_400 },
      [[7, '2d 3h', ['compliance', 'model-owner (fraud-detector)']]],
    ],
    [
      'same age: lower number first',
      [pull(9, '2026-11-25T11:00:00Z', [RISK]), pull(8, '2026-11-25T11:00:00Z', [RISK])],
      {},
      [
        [8, '1h', ['risk']],
        [9, '1h', ['risk']],
      ],
    ],
  ])('%s', (_, pulls, filter, expected) => {
    const rows = inboxRows(pulls, NOW, filter);
    expect(rows.map((r) => [r.number, r.age, r.owed.map((o) => o.role)])).toEqual(expected);
  });

  it('keeps who can sign, the rule and the blocking reasons', () => {
    const blocked = pull(4, '2026-11-25T06:00:00Z', [RISK], {
      verdict: verdict([RISK], ['fraud-detector: production → v9: version v9 is held (bad data)']),
    });
    const [row] = inboxRows([blocked], NOW);
    expect(row).toMatchObject({
      number: 4,
      model: 'fraud-detector',
      stage: 'production',
      openedAt: '2026-11-25T06:00:00Z',
      ageSeconds: 6 * 3600,
      owed: [{ role: 'risk', rule: 'production promotion', candidates: ['@rita-risk', '@acme/model-risk'] }],
      blocking: ['fraud-detector: production → v9: version v9 is held (bad data)'],
    });
  });

  it('shows a pull request that could not be judged, whatever the filter', () => {
    const broken = pull(2, '2026-11-25T00:00:00Z', [], { problem: 'cannot fetch commit abc from origin' });
    delete broken.verdict;
    const rows = inboxRows([broken], NOW, { role: 'risk', me: { login: 'alice', teams: [] } });
    expect(rows).toEqual([
      expect.objectContaining({ number: 2, owed: [], problem: 'cannot fetch commit abc from origin' }),
    ]);
  });

  it('counts a pull request opened after now as zero age', () => {
    expect(inboxRows([pull(1, '2026-11-25T12:05:00Z', [RISK])], NOW)[0]!.ageSeconds).toBe(0);
  });
});
