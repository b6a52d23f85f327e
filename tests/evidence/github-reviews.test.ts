import { afterEach, describe, expect, it } from 'vitest';
import { collectEvidence } from '../../src/evidence/bundle.ts';
import { concurrencyLimit, gateCheckOf, githubReviews } from '../../src/evidence/github-reviews.ts';
import { verifyGateIntegrity } from '../../src/evidence/integrity.ts';
import { useGitHubDouble } from '../github-double/harness.ts';
import { buildGitHubScenario, CHECK, REPO, type GitHubScenario } from './github-fixture.ts';

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
      reviews: ['bob', 'rita-risk', 'carol', 'frank'].map((login) => ({
        login,
        state: login === 'bob' ? 'COMMENTED' : 'APPROVED',
        commitId: s!.passed.head,
        submittedAt: expect.any(String),
      })),
      gateCheck: { conclusion: 'success', headSha: s.passed.head, completedAt: expect.any(String) },
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
