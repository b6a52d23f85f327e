import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  explainVersionAt,
  readStageSnapshots,
  stageHistory,
  versionAt,
} from '../../src/evidence/history-at.ts';
import type { ReviewSource } from '../../src/evidence/reviews.ts';
import { buildScenario, removeRepo, type Scenario } from './repo.ts';

let s: Scenario;
beforeAll(async () => {
  s = await buildScenario();
});
afterAll(() => removeRepo(s.repo));

describe('stage history', () => {
  it('lists each tenure of a stage with the commit, pull request and trailers that set it', async () => {
    const history = stageHistory(await readStageSnapshots(s.repo.dir, 'fraud'), 'fraud', 'production');
    expect(history.map((h) => [h.version, h.sha, h.until ?? null])).toEqual([
      ['v1', s.baseline, '2026-01-01T05:00:00Z'],
      ['v2', s.squash3, '2026-01-01T06:00:00Z'],
      ['v3', s.directPush, '2026-01-01T08:00:00Z'],
      ['v2', s.emergency, null],
    ]);
    expect(history[1]).toMatchObject({ pullRequest: 3, requestedBy: 'alice', event: 'promote' });
    expect(history[3]).toMatchObject({ event: 'rollback', incident: 'INC-20260101-100000-abc' });
    const staging = stageHistory(await readStageSnapshots(s.repo.dir, 'fraud'), 'fraud', 'staging');
    expect(staging.map((h) => [h.version, h.pullRequest ?? null])).toEqual([
      ['v1', null],
      ['v2', 2],
      ['v1', null],
    ]);
  });

  it('answers which version held the stage at a time, bounds included', async () => {
    const history = stageHistory(await readStageSnapshots(s.repo.dir, 'fraud'), 'fraud', 'production');
    expect(versionAt(history, '2026-01-01T04:59:59Z')?.version).toBe('v1');
    expect(versionAt(history, '2026-01-01T05:00:00Z')?.version).toBe('v2');
    expect(versionAt(history, '2026-01-01T07:00:00Z')?.sha).toBe(s.directPush);
    expect(versionAt(history, '2027-01-01T00:00:00Z')?.sha).toBe(s.emergency);
    expect(versionAt(history, '2025-12-31T23:00:00Z')).toBeUndefined();
  });

  it('adds the pull request and its standing approvals from a ReviewSource', async () => {
    const reviews: ReviewSource = {
      pullRequest: (n) =>
        Promise.resolve(
          n === 3
            ? {
                number: 3,
                title: 'Promote fraud v2 to production',
                author: 'alice',
                mergedAt: '2026-01-01T05:00:00Z',
                reviews: [
                  { login: 'rita', state: 'APPROVED', commitId: 'abc', submittedAt: '2026-01-01T04:30:00Z' },
                  { login: 'carl', state: 'APPROVED', commitId: 'abc', submittedAt: '2026-01-01T04:31:00Z' },
                  {
                    login: 'carl',
                    state: 'CHANGES_REQUESTED',
                    commitId: 'abc',
                    submittedAt: '2026-01-01T04:40:00Z',
                  },
                  { login: 'alice', state: 'APPROVED', commitId: 'abc', submittedAt: '2026-01-01T04:41:00Z' },
                ],
              }
            : undefined,
        ),
    };
    const answer = await explainVersionAt(s.repo.dir, 'fraud', 'production', '2026-01-01T05:30:00Z', {
      reviews,
    });
    expect(answer.tenure?.version).toBe('v2');
    expect(answer.approvedBy?.map((r) => r.login)).toEqual(['rita']);
  });
});
