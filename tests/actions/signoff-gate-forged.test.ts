// A writer (not an admin) tries to forge the gate's verdict: any workflow they push can post a check run named
// tollgate/signoff with the repository's GITHUB_TOKEN, which GitHub files under the GitHub Actions App. The gate must
// never take such a run for its own, must still be able to revoke its own pass, and must say an attack happened.
import { describe, expect, it } from 'vitest';
import { useGitHubDouble } from '../github-double/harness.ts';
import { GITHUB_ACTIONS_APP, TOLLGATE_APP } from '../github-double/state.ts';
import { BRANCH, FULL, useGateFixture } from './gate-fixture.ts';

const gh = useGitHubDouble();
const fx = useGateFixture(gh);

/** What the writer's workflow does with its GITHUB_TOKEN: post a passing tollgate/signoff on the head. */
async function forgePass(): Promise<number> {
  gh.state.appToken('writer-workflow-token', GITHUB_ACTIONS_APP);
  const forger = gh.client({ token: 'writer-workflow-token' });
  const { data } = await forger.octokit.rest.checks.create({
    owner: 'acme',
    repo: 'models',
    name: 'tollgate/signoff',
    head_sha: (await gh.state.headSha(FULL, BRANCH))!,
    status: 'completed',
    conclusion: 'success',
    output: { title: 'All 3 sign-offs present', summary: 'looks legit' },
  });
  return data.id;
}

const ownRuns = () => fx.checkRuns().filter((run) => gh.state.appOfRun(run).id === TOLLGATE_APP.id);
/** The required check as a ruleset pinned to Tollgate's App sees it: empty when it has passed on the head. */
const pinnedCheckMissing = async () => {
  gh.state.repo(FULL).requiredChecks = [{ context: 'tollgate/signoff', appId: TOLLGATE_APP.id }];
  return gh.state.missingChecks(FULL, (await gh.state.headSha(FULL, BRANCH))!);
};

describe('a check run of the gate’s name from another App', () => {
  it('is never the gate’s: the gate writes its own failing run beside it and warns in the check and the job summary', async () => {
    await fx.openPromotion();
    await fx.approve('rita-risk'); // compliance and the owner are missing
    const forged = await forgePass();
    const { result } = await fx.gate();
    expect(result.error).toBeUndefined();
    expect(result.conclusion).toBe('failure');
    // The forged run is untouched (the gate cannot and must not write to it); the gate's own run says failure.
    expect(fx.checkRuns().find((run) => run.id === forged)).toMatchObject({ conclusion: 'success' });
    expect(ownRuns()).toEqual([expect.objectContaining({ conclusion: 'failure' })]);
    expect(ownRuns()[0]!.summary).toMatch(/Another App posted a check run named `tollgate\/signoff`/);
    expect(ownRuns()[0]!.summary).toContain(`run ${forged} by github-actions (App id 15368): success`);
    expect(result.summary).toBe(ownRuns()[0]!.summary);
    expect(result.warnings).toEqual([
      expect.stringMatching(
        /another App posted a check run named tollgate\/signoff .* only App id 934121 is the gate/,
      ),
    ]);
    expect(await pinnedCheckMissing()).toEqual(['tollgate/signoff']);
  });

  it('does not stop the gate from revoking its own pass after a change request', async () => {
    await fx.openPromotion();
    await fx.approve('rita-risk', 'carol', 'alice');
    expect((await fx.gate()).result.conclusion).toBe('success');
    expect(await pinnedCheckMissing()).toEqual([]);
    // A newer passing run from the writer's workflow, then compliance withdraws.
    await forgePass();
    await gh.state.addReview(FULL, 1, { user: 'carol', state: 'CHANGES_REQUESTED' });
    const { result } = await fx.gate();
    expect(result.error).toBeUndefined();
    expect(result.conclusion).toBe('failure');
    // Its pass stays in the record; its newest run, the one a pinned ruleset reads, now says failure.
    expect(ownRuns().map((run) => run.conclusion)).toEqual(['success', 'failure']);
    expect(await pinnedCheckMissing()).toEqual(['tollgate/signoff']);
  });

  it('fails closed when the token is not the App that app-id names, leaving no passing run of its making', async () => {
    await fx.openPromotion();
    await fx.approve('rita-risk', 'carol', 'alice');
    gh.state.appToken('other-app-token', { id: 777, slug: 'other-app', name: 'Other', owner: 'acme' });
    const { result } = await fx.gate({ client: gh.client({ token: 'other-app-token' }) });
    expect(result.conclusion).toBe('failure');
    expect(result.error).toMatch(/posts check runs as other-app \(App id 777\), not as App id 934121/);
    expect(fx.checkRuns().map((run) => [gh.state.appOfRun(run).id, run.conclusion])).toEqual([
      [777, 'failure'],
    ]);
  });

  it('without app-id, learns its App from the run it creates, never updates a run it cannot prove is its own, and warns', async () => {
    await fx.openPromotion();
    await fx.approve('rita-risk', 'carol', 'alice');
    const forged = await forgePass();
    const unpinned = { inputs: { appId: undefined } };
    const first = await fx.gate(unpinned);
    expect(first.result.conclusion).toBe('success');
    expect(first.result.summary).toMatch(/No `app-id` is set/);
    expect(first.result.summary).toContain(`run ${forged} by github-actions`);
    await gh.state.addReview(FULL, 1, { user: 'carol', state: 'CHANGES_REQUESTED' });
    const second = await fx.gate(unpinned);
    expect(second.result.conclusion).toBe('failure');
    // A new run each time: the newest of Tollgate's App is the verdict the pinned ruleset reads.
    expect(ownRuns().map((run) => run.conclusion)).toEqual(['success', 'failure']);
    expect(await pinnedCheckMissing()).toEqual(['tollgate/signoff']);
  });

  it('warns that a GITHUB_TOKEN gate is no pin at all', async () => {
    await fx.openPromotion();
    await fx.approve('rita-risk', 'carol', 'alice');
    gh.state.appToken('gate-github-token', GITHUB_ACTIONS_APP);
    const { result } = await fx.gate({
      client: gh.client({ token: 'gate-github-token' }),
      inputs: { appId: GITHUB_ACTIONS_APP.id },
    });
    expect(result.conclusion).toBe('success');
    expect(result.warnings).toContainEqual(expect.stringMatching(/posts as GitHub Actions \(App id 15368\)/));
    expect(fx.checkRuns()[0]!.summary).toMatch(/pinning it proves nothing/);
  });
});
