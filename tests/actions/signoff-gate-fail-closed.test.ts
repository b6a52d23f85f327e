// The gate fails closed: a 403, a 429, a missing permission or a part of the answer GitHub did not give never leaves
// a passing tollgate/signoff behind, including the pass the gate itself posted before a reviewer changed their mind.
import { describe, expect, it } from 'vitest';
import { REVIEW_CONTEXT_QUERY } from '../../src/github/review-context.ts';
import { useGitHubDouble } from '../github-double/harness.ts';
import { TOLLGATE_APP } from '../github-double/state.ts';
import { BRANCH, FULL, useGateFixture } from './gate-fixture.ts';

const gh = useGitHubDouble();
const fx = useGateFixture(gh);

/** The required check as a ruleset pinned to Tollgate's App sees it on the head: [] when it passed. */
async function pinnedCheckMissing(): Promise<string[]> {
  gh.state.repo(FULL).requiredChecks = [{ context: 'tollgate/signoff', appId: TOLLGATE_APP.id }];
  return gh.state.missingChecks(FULL, (await gh.state.headSha(FULL, BRANCH))!);
}

describe('failing closed', () => {
  it('never leaves its earlier pass standing when the re-judgement after a change request cannot be posted (429)', async () => {
    await fx.openPromotion();
    await fx.approve('rita-risk', 'carol', 'alice');
    expect((await fx.gate()).result.conclusion).toBe('success');
    await gh.state.addReview(FULL, 1, { user: 'carol', state: 'CHANGES_REQUESTED' });
    gh.fault(
      'PATCH',
      '/repos/{owner}/{repo}/check-runs/{check_run_id}',
      { kind: 'too-many-requests', retryAfter: 1 },
      5,
    );
    const { result } = await fx.gate({ client: gh.client({ retries: 1 }) });
    expect(result.conclusion).toBe('failure');
    expect(result.error).toMatch(/could not post the tollgate\/signoff check run: .*HTTP 429/);
    // What stands is the run opened before judging, still in progress: pending, so the pinned check blocks.
    expect(fx.checkRuns().map((run) => [run.status, run.conclusion])).toEqual([
      ['completed', 'success'],
      ['in_progress', null],
    ]);
    expect(await pinnedCheckMissing()).toEqual(['tollgate/signoff']);
    // Once GitHub answers again, a re-run completes that same run with the verdict.
    gh.double.clearFaults();
    const rerun = await fx.gate();
    expect(rerun.result.conclusion).toBe('failure');
    expect(fx.checkRuns().map((run) => run.conclusion)).toEqual(['success', 'failure']);
  });

  it('refuses to judge on the reviews GitHub returned when a further page of them is missing', async () => {
    await fx.openPromotion();
    await fx.approve('rita-risk', 'carol', 'alice');
    for (let i = 0; i < 100; i++)
      await gh.state.addReview(FULL, 1, { user: `watcher${i}`, state: 'COMMENTED' });
    // Page two holds compliance's change of mind; GitHub answers that page with no pull request.
    await gh.state.addReview(FULL, 1, { user: 'carol', state: 'CHANGES_REQUESTED' });
    const client = gh.client();
    const graphql = client.octokit.graphql;
    client.octokit.graphql = (async (query: string, variables: Record<string, unknown>) =>
      query === REVIEW_CONTEXT_QUERY
        ? graphql(query, variables)
        : { repository: { pullRequest: null } }) as typeof graphql;
    const { result } = await fx.gate({ client });
    expect(result.conclusion).toBe('failure');
    expect(result.error).toMatch(/GitHub answered no page after cursor .* of the pull request's reviews/);
    expect(fx.checkRuns().map((run) => run.conclusion)).toEqual(['failure']);
  });

  it('posts a failing check when team membership answers 429 after retries', async () => {
    await fx.openPromotion();
    await fx.approve('rita-risk', 'carol', 'alice');
    gh.fault(
      'GET',
      '/orgs/{org}/teams/{team_slug}/memberships/{username}',
      { kind: 'secondary-rate-limit', status: 429, retryAfter: 1 },
      5,
    );
    const { result } = await fx.gate({ client: gh.client({ retries: 1 }) });
    expect(result.conclusion).toBe('failure');
    expect(result.error).toMatch(/HTTP 429/);
    expect(fx.checkRuns().map((run) => [run.conclusion, run.title])).toEqual([
      ['failure', expect.stringMatching(/^Could not evaluate, failed closed: /)],
    ]);
  });

  it('fails the job and posts nothing when the token may not write checks (403)', async () => {
    await fx.openPromotion();
    await fx.approve('rita-risk', 'carol', 'alice');
    gh.fault('POST', '/repos/{owner}/{repo}/check-runs', { kind: 'forbidden' });
    const { result } = await fx.gate();
    expect(result.conclusion).toBe('failure');
    expect(result.error).toMatch(/could not post the tollgate\/signoff check run: .*HTTP 403/);
    expect(fx.checkRuns()).toEqual([]);
    expect(await pinnedCheckMissing()).toEqual(['tollgate/signoff']);
  });
});
