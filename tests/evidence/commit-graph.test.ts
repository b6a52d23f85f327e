// An evidence export for one model walks the history with the commit-graph's changed-path (Bloom) filters when
// the clone has them: git reports, through trace2, how many commits a filter ruled out without a tree diff.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectEvidence } from '../../src/evidence/bundle.ts';
import { commit, makeRepo, removeRepo, run, stagesYaml, type TestRepo } from './repo.ts';

let repo: TestRepo;
beforeAll(async () => {
  repo = await makeRepo();
  for (let i = 1; i <= 6; i++)
    for (const model of ['alpha', 'beta'])
      await commit(
        repo,
        { [`registry/models/${model}/stages.yaml`]: stagesYaml(model, { production: `v${i}` }) },
        `Move ${model} to v${i}`,
      );
});
afterAll(() => removeRepo(repo));

/** The Bloom-filter statistics git reported while `read` ran. */
async function bloomStatistics(read: () => Promise<unknown>): Promise<Record<string, number>[]> {
  const trace = join(repo.dir, '.git', 'trace2.json');
  rmSync(trace, { force: true });
  process.env.GIT_TRACE2_EVENT = trace;
  try {
    await read();
  } finally {
    delete process.env.GIT_TRACE2_EVENT;
  }
  return readFileSync(trace, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"category":"bloom"'))
    .map((line) => (JSON.parse(line) as { value: Record<string, number> }).value);
}

describe('changed-path filters', () => {
  it('are used by a model export when the commit-graph has them, and nothing breaks without them', async () => {
    const without = await bloomStatistics(() => collectEvidence(repo.dir, { model: 'alpha' }));
    expect(without.every((s) => !s.definitely_not)).toBe(true);

    await run(repo, ['commit-graph', 'write', '--reachable', '--changed-paths']);
    let evidence: Awaited<ReturnType<typeof collectEvidence>> | undefined;
    const withFilters = await bloomStatistics(async () => {
      evidence = await collectEvidence(repo.dir, { model: 'alpha' });
    });
    // The beta commits were ruled out by their filters, not by diffing trees.
    expect(withFilters.some((s) => s.filter_not_present === 0 && (s.definitely_not ?? 0) >= 6)).toBe(true);
    expect(evidence!.commits.map((c) => c.subject)).toEqual(
      [6, 5, 4, 3, 2, 1].map((i) => `Move alpha to v${i}`),
    );
  });
});
