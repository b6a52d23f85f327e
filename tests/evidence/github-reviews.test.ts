import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseRepoOption, repoFromRemoteUrl } from '../../src/cli/commands/review-source.ts';
import { collectEvidence } from '../../src/evidence/bundle.ts';
import { concurrencyLimit, gateCheckOf, githubReviews } from '../../src/evidence/github-reviews.ts';
import { verifyGateIntegrity, type IntegrityFinding } from '../../src/evidence/integrity.ts';
import { useGitHubDouble } from '../github-double/harness.ts';
import { GITHUB_ACTIONS_APP, TOLLGATE_APP } from '../github-double/state.ts';
import { buildGitHubScenario, CHECK, promotionBody, REPO, type GitHubScenario } from './github-fixture.ts';
import { runCli } from './repo.ts';

const gh = useGitHubDouble();
let s: GitHubScenario | undefined;
afterEach(() => s?.cleanup());

describe('githubReviews', () => {
  it('reads the pull request, every review with its commit, and the latest gate run on the head', async () => {
    s = await buildGitHubScenario(gh);
    const source = githubReviews({ client: gh.client(), repo: REPO });
    const pr = await source.pullRequest(s.passed.number);
    expect(pr).toEqual({
      number: s.passed.number,
      title: 'Promote fraud-detector v5 to production',
      author: 'tollgate-bot',
      mergedAt: gh.state.pull('acme/models', s.passed.number).mergedAt,
      mergedBy: 'maya',
      mergeCommitSha: s.passed.merge,
      reviews: ['bob', 'rita-risk', 'carol', 'frank'].map((login) => ({
        login,
        state: login === 'bob' ? 'COMMENTED' : 'APPROVED',
        commitId: s!.passed.head,
        submittedAt: expect.any(String),
      })),
      body: promotionBody('fraud-detector', 'v5'),
      gateCheck: { conclusion: 'success', headSha: s.passed.head, completedAt: expect.any(String) },
      // Both runs on the head, newest first: the failure was re-run and passed.
      gateChecks: [
        { conclusion: 'success', headSha: s.passed.head, completedAt: expect.any(String) },
        { conclusion: 'failure', headSha: s.passed.head, completedAt: expect.any(String) },
      ],
      reviewsKnown: true,
    });
    // pull, reviews, check runs: three calls, and asking again costs nothing.
    expect(source.calls()).toBe(3);
    await source.pullRequest(s.passed.number);
    expect(source.calls()).toBe(3);
    expect(await source.pullRequest(99)).toBeUndefined();
  });

  it('reads every page of reviews', async () => {
    s = await buildGitHubScenario(gh);
    for (let i = 0; i < 130; i++)
      await gh.state.addReview('acme/models', s.early.number, { user: `r${i}`, state: 'COMMENTED' });
    const pr = await githubReviews({ client: gh.client(), repo: REPO }).pullRequest(s.early.number);
    expect(pr!.reviews).toHaveLength(131);
  });

  it('answers team membership, and unknown (once, with a warning) when the token cannot read it', async () => {
    s = await buildGitHubScenario(gh);
    const source = githubReviews({ client: gh.client(), repo: REPO });
    expect(await source.teamMembership!('acme/compliance', 'carol')).toBe('active');
    expect(await source.teamMembership!('acme/compliance', 'bob')).toBe('none');
    expect(await source.teamMembership!('not-a-team', 'bob')).toBe('unknown');
    gh.state.orgAccess = 'forbidden';
    const blind = githubReviews({ client: gh.client(), repo: REPO });
    expect(await blind.teamMembership!('acme/compliance', 'carol')).toBe('unknown');
    expect(await blind.teamMembership!('acme/model-risk', 'carol')).toBe('unknown');
    expect(blind.calls()).toBe(1);
    expect(blind.warnings().join()).toMatch(/Members: read/);
  });
});

describe('evidence and the audit with the GitHub source', () => {
  it('names reviewers with the roles they held, their states and commits, and the gate conclusion', async () => {
    s = await buildGitHubScenario(gh);
    const evidence = await collectEvidence(
      s.dir,
      { pr: s.passed.number },
      {
        reviews: githubReviews({ client: gh.client(), repo: REPO }),
      },
    );
    const [pr] = evidence.pullRequests;
    expect(pr).toMatchObject({
      number: s.passed.number,
      found: true,
      author: 'tollgate-bot',
      mergedBy: 'maya',
      mergeCommit: s.passed.merge,
      reviewsKnown: true,
      gate: { conclusion: 'success', headSha: s.passed.head },
    });
    expect(pr!.gateRuns!.map((r) => r.conclusion)).toEqual(['success', 'failure']);
    expect(pr!.reviews.map((r) => [r.reviewer, r.roles, r.state, r.commit])).toEqual([
      ['bob', [], 'COMMENTED', s.passed.head],
      ['rita-risk', ['risk'], 'APPROVED', s.passed.head],
      ['carol', ['compliance'], 'APPROVED', s.passed.head],
      ['frank', ['model-owner'], 'APPROVED', s.passed.head],
    ]);
    expect(evidence.warnings).toEqual([]);
  });

  it('says a role held through a team is unknown when membership cannot be read', async () => {
    s = await buildGitHubScenario(gh);
    gh.state.orgAccess = 'forbidden';
    const evidence = await collectEvidence(
      s.dir,
      { pr: s.passed.number },
      { reviews: githubReviews({ client: gh.client(), repo: REPO }) },
    );
    const carol = evidence.pullRequests[0]!.reviews.find((r) => r.reviewer === 'carol')!;
    expect(carol.roles).toEqual([]);
    expect(carol.rolesUnknown).toEqual(['compliance', 'model-owner', 'risk']);
    const rita = evidence.pullRequests[0]!.reviews.find((r) => r.reviewer === 'rita-risk')!;
    expect(rita.roles).toEqual(['risk']);
    expect(evidence.warnings.join()).toMatch(/Members: read/);
  });

  it('flags a pull request merged with the gate failing and one merged before the gate completed', async () => {
    s = await buildGitHubScenario(gh);
    const reviews = githubReviews({ client: gh.client(), repo: REPO, checkName: CHECK });
    const report = await verifyGateIntegrity(s.dir, { since: s.initial, reviews });
    expect(report.guardedCommits).toBe(3);
    expect(report.findings.map((f) => [f.pullRequest, f.kind])).toEqual([
      [s.failed.number, 'gate-check-failed'],
      [s.early.number, 'merged-before-check'],
    ]);
    expect(report.findings[1]!.missing).toMatch(/merged before the check finished/);
    // Three pull requests, three calls each.
    expect(reviews.calls()).toBe(9);
  });

  it('keeps judging the gate run that stood at the merge after a later review re-runs the gate', async () => {
    s = await buildGitHubScenario(gh);
    // A review on the merged #1 re-runs the gate, which now fails (say, a late "changes requested").
    const at = gh.state.now();
    gh.state.repo('acme/models').checkRuns.push({
      id: gh.state.nextId(),
      name: CHECK,
      headSha: s.passed.head,
      status: 'completed',
      conclusion: 'failure',
      title: 'failure',
      summary: 'failure',
      text: null,
      annotations: [],
      detailsUrl: null,
      externalId: null,
      startedAt: at,
      completedAt: at,
    });
    const reviews = githubReviews({ client: gh.client(), repo: REPO, checkName: CHECK });
    expect((await reviews.pullRequest(s.passed.number))!.gateCheck!.conclusion).toBe('failure');
    const report = await verifyGateIntegrity(s.dir, { since: s.initial, reviews });
    expect(report.findings.map((f) => [f.pullRequest, f.kind])).toEqual([
      [s.failed.number, 'gate-check-failed'],
      [s.early.number, 'merged-before-check'],
    ]);
  });

  it("flags a direct push that copies a merged pull request's subject and trailers", async () => {
    s = await buildGitHubScenario(gh);
    // Pushed straight to main, dressed as the squash of #1 (whose gate passed): git alone cannot tell.
    const forged = await gh.state.commit(
      'acme/models',
      'main',
      {
        'registry/models/fraud-detector/stages.yaml': readFileSync(
          join(s.dir, 'registry/models/fraud-detector/stages.yaml'),
          'utf8',
        ).replace(/version: v4/, 'version: v9'),
      },
      `Promote fraud-detector v9 to production (#${s.passed.number})\n\nTollgate-Event: promote\nModel: fraud-detector\nVersion: v9\nStage: production`,
      'mallory',
    );
    execFileSync('git', ['-C', s.dir, 'fetch', '-q', 'origin'], {
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
    });
    const ref = 'refs/remotes/origin/main';
    expect((await verifyGateIntegrity(s.dir, { since: s.initial, ref })).findings).toEqual([]);
    const reviews = githubReviews({ client: gh.client(), repo: REPO, checkName: CHECK });
    const report = await verifyGateIntegrity(s.dir, { since: s.initial, ref, reviews });
    const finding = report.findings.find((f) => f.sha === forged)!;
    expect(finding).toMatchObject({ kind: 'merge-commit-differs', pullRequest: s.passed.number });
    expect(finding.missing).toContain(s.passed.merge.slice(0, 12));
    // The real merge of #1 still passes.
    expect(report.findings.filter((f) => f.sha === s!.passed.merge)).toEqual([]);
  });
});

describe('pure parts', () => {
  it('gateCheckOf takes the most recent run', () => {
    expect(gateCheckOf([])).toBeUndefined();
    expect(
      gateCheckOf([
        { id: 2, headSha: 'h', conclusion: 'success', completedAt: 't2' },
        { id: 1, headSha: 'h', conclusion: 'failure', completedAt: 't1' },
      ]),
    ).toEqual({ conclusion: 'success', headSha: 'h', completedAt: 't2' });
  });

  it('concurrencyLimit runs at most n at once, in order', async () => {
    const limit = concurrencyLimit(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3, 4, 5].map((i) =>
        limit(async () => {
          running++;
          most = Math.max(most, running);
          await new Promise((r) => setTimeout(r, 1));
          order.push(i);
          running--;
        }),
      ),
    );
    expect(most).toBe(2);
    expect(order).toHaveLength(5);
  });
});

describe('the CLI in GitHub mode', () => {
  const tollgate = (dir: string, env: NodeJS.ProcessEnv, ...args: string[]) =>
    runCli(dir, { env, now: '2026-02-01T00:00:00Z' }, ...args);

  it('audit verify reads GitHub when a token and the repository are known, and says so', async () => {
    s = await buildGitHubScenario(gh);
    const env = { GITHUB_TOKEN: 't', GITHUB_API_URL: gh.double.baseUrl };
    const r = await tollgate(s.dir, env, 'audit', 'verify', '--since', s.initial, '--repo', 'acme/models');
    expect(r.code).toBe(1);
    expect(r.out).toContain('Reviews and gate checks: GitHub (acme/models, check run tollgate/signoff).');
    expect(r.out).toMatch(/gate-check-failed .*#2\)/);
    expect(r.out).toMatch(/merged-before-check .*#3\)/);
    expect(r.out).toMatch(/signoffs-missing .*#2\)\n.*\n {4}missing: the required sign-offs: compliance: /);
    expect(r.out).toContain('team membership and write access as GitHub answers today');
    // 9 for the pull requests and their checks, 3 review contexts, 8 for the memberships that decided a role.
    expect(r.out).toMatch(/GitHub API: 20 calls/);
    // Without the token: git only, and it says what was not checked.
    const plain = await tollgate(s.dir, {}, 'audit', 'verify', '--since', s.initial, '--repo', 'acme/models');
    expect(plain.code).toBe(0);
    expect(plain.out).toMatch(/git only .*the gate verdicts and approvals were not/);
    // A token but no repository (the clone's origin is a file:// URL): git only, saying why.
    const unknown = await tollgate(s.dir, env, 'audit', 'verify', '--since', s.initial);
    expect(unknown.out).toMatch(/no repository is known: pass --repo/);
    await expect(tollgate(s.dir, env, 'audit', 'verify', '--github')).rejects.toThrow(/which repository/);
  });

  it('audit verify --app-id trusts only the gate App: a passing run of its name from a workflow is a finding', async () => {
    s = await buildGitHubScenario(gh);
    // #2 was merged past a failing gate; say the only run on its head had been a writer's workflow posting success.
    const run = gh.state.repo('acme/models').checkRuns.find((r) => r.headSha === s!.failed.head)!;
    Object.assign(run, { conclusion: 'success', appId: GITHUB_ACTIONS_APP.id });
    const env = { GITHUB_TOKEN: 't', GITHUB_API_URL: gh.double.baseUrl };
    const args = ['audit', 'verify', '--since', s.initial, '--repo', 'acme/models', '--format', 'json'];
    const findings = async (...more: string[]) =>
      (
        JSON.parse((await tollgate(s!.dir, env, ...args, ...more)).out) as { findings: IntegrityFinding[] }
      ).findings
        .filter((f) => f.pullRequest === s!.failed.number)
        .map((f) => [f.kind, f.missing]);
    // Unpinned, the forged pass stands in for the gate (only the re-evaluation of sign-offs objects).
    expect((await findings()).map(([kind]) => kind)).toEqual(['signoffs-missing']);
    const pinned = await findings('--app-id', String(TOLLGATE_APP.id));
    expect(pinned).toEqual([
      [
        'gate-check-forged',
        expect.stringMatching(
          /another App posted its check name: a run by github-actions \(App id 15368\) \(success/,
        ),
      ],
      ['gate-check-missing', 'the Tollgate sign-off check run'],
      ['signoffs-missing', expect.any(String)],
    ]);
    const text = await tollgate(
      s.dir,
      { ...env, TOLLGATE_APP_ID: String(TOLLGATE_APP.id) },
      ...args.slice(0, -2),
    );
    expect(text.out).toContain(`Only App id ${TOLLGATE_APP.id}'s runs are the gate's`);
    await expect(tollgate(s.dir, env, ...args, '--app-id', 'tollgate')).rejects.toThrow(
      /not a GitHub App id/,
    );
  });

  it('evidence export and history use the GitHub source too', async () => {
    s = await buildGitHubScenario(gh);
    const env = { GITHUB_TOKEN: 't', GITHUB_API_URL: gh.double.baseUrl };
    const out = join(s.dir, 'out');
    const r = await tollgate(
      s.dir,
      env,
      'evidence',
      'export',
      '--pr',
      '1',
      '--out',
      out,
      '--repo',
      'acme/models',
    );
    expect(r.out).toContain('Reviews and gate checks: GitHub');
    expect(r.out).toMatch(/1 pull request \(1 with reviews from GitHub, 1 with a passing gate check\)/);
    const prs = JSON.parse(readFileSync(join(out, 'pull-requests.json'), 'utf8'));
    expect(prs[0].reviews.map((x: { reviewer: string }) => x.reviewer)).toEqual([
      'bob',
      'rita-risk',
      'carol',
      'frank',
    ]);
    const h = await tollgate(
      s.dir,
      env,
      'history',
      'fraud-detector',
      '--stage',
      'production',
      '--repo',
      'acme/models',
    );
    expect(h.out).toMatch(/v5 .*pull request #1, approved by rita-risk, carol, frank, gate success/);
    expect(h.out).toMatch(/v4 .*pull request #3, approved by alice, gate success/);
  });
});

describe('repository names', () => {
  it('reads OWNER/NAME from GitHub remote URLs, and nothing from local ones', () => {
    for (const url of [
      'https://github.com/acme/models.git',
      'https://github.com/acme/models',
      'git@github.com:acme/models.git',
      'ssh://git@ghe.example.com:2222/acme/models.git',
      'https://x-access-token:abc@github.com/acme/models/',
    ])
      expect(repoFromRemoteUrl(url)).toEqual({ owner: 'acme', repo: 'models' });
    for (const url of [
      'file:///tmp/acme--models.git',
      '/srv/git/models.git',
      '../models',
      'https://github.com/acme',
    ])
      expect(repoFromRemoteUrl(url)).toBeUndefined();
    expect(parseRepoOption('acme/models')).toEqual({ owner: 'acme', repo: 'models' });
    expect(() => parseRepoOption('acme')).toThrow(/OWNER\/NAME/);
  });
});
