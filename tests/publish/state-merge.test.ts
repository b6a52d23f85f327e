// Tollgate's state pull requests under the rulesets init applies, against the GitHub double enforcing them as GitHub
// does: auto-merge waits for the review `tollgate-reviews` asks for and never uses a bypass, so a schedule update
// would wait for ever; the App's direct merge (its `pull_request`-mode bypass of that ruleset) lands it once the gate
// and validate passed it, and nothing else. The decision is table-tested at the end.
import { describe, expect, it } from 'vitest';
import { enableAutoMerge, mergePullRequest } from '../../src/github/merge.ts';
import { applySettings, planSettings } from '../../src/init/settings.ts';
import { judgeStatePullRequest, type StatePullFacts } from '../../src/publish/state-merge.ts';
import { mergePassedStatePullRequests } from '../../src/publish/state-merge-flow.ts';
import { useGitHubDouble } from '../github-double/harness.ts';
import { GITHUB_ACTIONS_APP, TOLLGATE_APP, type CheckRunState } from '../github-double/state.ts';

const gh = useGitHubDouble();
const NAME = 'acme/models';
const REPO = { owner: 'acme', repo: 'models' };
const BOT = `${TOLLGATE_APP.slug}[bot]`;
const CONTEXT = { appId: TOLLGATE_APP.id, appSlug: TOLLGATE_APP.slug, defaultBranch: 'main' };

async function repositoryWithRulesets() {
  await gh.state.createRepo(NAME, { files: { 'registry/policy.yaml': 'apiVersion: tollgate/v1\n' } });
  await applySettings(
    gh.client(),
    REPO,
    planSettings({ defaultBranch: 'main', appId: TOLLGATE_APP.id, emergencyPush: true }),
  );
  gh.state.enforceRulesets(NAME);
}

async function statePull(branch = 'tollgate/state/fraud/schedule', user = BOT, labels = ['tollgate:state']) {
  const head = await gh.state.commit(
    NAME,
    branch,
    { 'registry/models/fraud/schedule.yaml': `next_run: '2026-03-02T00:00:00Z'\n` },
    'Schedule fraud',
  );
  return { pull: gh.state.openPull(NAME, { head: branch, user, labels, title: 'Schedule fraud' }), head };
}

function check(name: string, headSha: string, appId: number, conclusion: string | null = 'success') {
  const run: CheckRunState = {
    id: gh.state.nextId(),
    appId,
    name,
    headSha,
    status: conclusion === null ? 'in_progress' : 'completed',
    conclusion,
    title: null,
    summary: null,
    text: null,
    annotations: [],
    detailsUrl: null,
    externalId: null,
    startedAt: gh.state.now(),
    completedAt: conclusion === null ? null : gh.state.now(),
  };
  gh.state.repo(NAME).checkRuns.push(run);
}

describe('a state pull request under the rulesets init applies', () => {
  it('waits for ever on auto-merge, and lands by the App once the gate and validate passed it', async () => {
    await repositoryWithRulesets();
    const { pull, head } = await statePull();
    // What publishStateChange does when the gate has not run yet: auto-merge.
    await enableAutoMerge(gh.client(), REPO, pull.number, { expectedHeadSha: head, method: 'squash' });
    check('tollgate/signoff', head, TOLLGATE_APP.id);
    check('validate', head, GITHUB_ACTIONS_APP.id);
    await gh.state.settleAutoMerges(NAME);
    expect(gh.state.pull(NAME, pull.number).state).toBe('open');

    const outcomes = await mergePassedStatePullRequests(gh.client(), REPO, CONTEXT);
    expect(outcomes).toEqual([
      { number: pull.number, status: 'merged', detail: expect.stringMatching(/^merged as /) },
    ]);
    expect(gh.state.pull(NAME, pull.number)).toMatchObject({ merged: true, mergedBy: 'tollgate-bot' });
  });

  it('never merges before both pinned checks passed: a forged gate check, a pending validate', async () => {
    await repositoryWithRulesets();
    const { pull, head } = await statePull();
    check('tollgate/signoff', head, GITHUB_ACTIONS_APP.id); // posted by some workflow's GITHUB_TOKEN
    check('validate', head, GITHUB_ACTIONS_APP.id, null);
    expect(await mergePassedStatePullRequests(gh.client(), REPO, CONTEXT)).toEqual([
      {
        number: pull.number,
        status: 'waiting',
        detail: `tollgate/signoff (app ${TOLLGATE_APP.id}) has not passed ${head.slice(0, 7)} yet`,
      },
    ]);
    check('tollgate/signoff', head, TOLLGATE_APP.id);
    expect((await mergePassedStatePullRequests(gh.client(), REPO, CONTEXT))[0]).toMatchObject({
      status: 'waiting',
      detail: expect.stringContaining('validate'),
    });
    expect(gh.state.pull(NAME, pull.number).state).toBe('open');
  });

  it("leaves alone what is not Tollgate's state: a person's pull request, another branch, no label", async () => {
    await repositoryWithRulesets();
    const pulls = [
      await statePull('tollgate/state/a', 'mallory'),
      await statePull('feature/promote', BOT),
      await statePull('tollgate/state/b', BOT, []),
    ];
    for (const { head } of pulls) {
      check('tollgate/signoff', head, TOLLGATE_APP.id);
      check('validate', head, GITHUB_ACTIONS_APP.id);
    }
    expect(await mergePassedStatePullRequests(gh.client(), REPO, CONTEXT)).toEqual([]);
    for (const { pull } of pulls) expect(gh.state.pull(NAME, pull.number).state).toBe('open');
  });

  it('lets only the Tollgate App bypass the review rule: any other token is refused the same merge', async () => {
    await repositoryWithRulesets();
    const { pull, head } = await statePull();
    check('tollgate/signoff', head, TOLLGATE_APP.id);
    check('validate', head, GITHUB_ACTIONS_APP.id);
    gh.state.appToken('actions-token', GITHUB_ACTIONS_APP);
    const attempt = await mergePullRequest(gh.client({ token: 'actions-token' }), REPO, pull.number, {
      sha: head,
      method: 'squash',
      title: 't',
    });
    expect(attempt).toMatchObject({ status: 'blocked', reason: expect.stringContaining('approving review') });
    expect(gh.state.pull(NAME, pull.number).state).toBe('open');
  });
});

describe('judgeStatePullRequest', () => {
  const sha = 'a'.repeat(40);
  const passing: StatePullFacts['checks'] = [
    { name: 'tollgate/signoff', appId: TOLLGATE_APP.id, status: 'completed', conclusion: 'success' },
    { name: 'validate', appId: GITHUB_ACTIONS_APP.id, status: 'completed', conclusion: 'success' },
  ];
  const facts = (overrides: Partial<StatePullFacts> = {}): StatePullFacts => ({
    number: 1,
    headRef: 'tollgate/state/x',
    headSha: sha,
    baseRef: 'main',
    author: BOT,
    labels: ['tollgate:state'],
    draft: false,
    checks: passing,
    ...overrides,
  });
  it.each([
    ['a passed state pull request', {}, 'merge'],
    ['an incident branch', { headRef: 'tollgate/incident/inc-1' }, 'merge'],
    ['another branch', { headRef: 'tollgate/lock/retrain/x' }, 'skip'],
    ['into another base', { baseRef: 'release' }, 'skip'],
    ['opened by a person', { author: 'alice' }, 'skip'],
    // Any workflow's GITHUB_TOKEN opens pull requests as github-actions[bot]: a writer's branch workflow could.
    ['opened by another App (github-actions[bot])', { author: 'github-actions[bot]' }, 'skip'],
    ['opened by an App whose slug only starts the same', { author: `${TOLLGATE_APP.slug}-x[bot]` }, 'skip'],
    ['a draft', { draft: true }, 'skip'],
    ['no label', { labels: [] }, 'skip'],
    ['the gate failed', { checks: [{ ...passing[0]!, conclusion: 'failure' }, passing[1]!] }, 'skip'],
    ['the gate check from another App only', { checks: [{ ...passing[0]!, appId: 1 }, passing[1]!] }, 'wait'],
    [
      'validate from another App only',
      { checks: [passing[0]!, { ...passing[1]!, appId: TOLLGATE_APP.id }] },
      'wait',
    ],
    [
      'the gate still running',
      { checks: [{ ...passing[0]!, status: 'in_progress', conclusion: null }, passing[1]!] },
      'wait',
    ],
  ] as [string, Partial<StatePullFacts>, string][])('%s: %s', (_name, overrides, expected) => {
    const verdict = judgeStatePullRequest(facts(overrides), CONTEXT);
    expect(verdict.merge ? 'merge' : verdict.kind).toBe(expected);
  });
});
