import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { githubReviews } from '../../src/evidence/github-reviews.ts';
import { verifyGateIntegrity } from '../../src/evidence/integrity.ts';
import { githubSignoffRechecker, missingRoleLine } from '../../src/evidence/signoff-recheck.ts';
import { submittedReviews } from '../../src/gate/reviews.ts';
import type { ReviewContext } from '../../src/github/review-context.ts';
import { useGitHubDouble } from '../github-double/harness.ts';
import { buildGitHubScenario, CHECK, FULL, REPO, type GitHubScenario } from './github-fixture.ts';

const gh = useGitHubDouble();
let s: GitHubScenario | undefined;
afterEach(() => s?.cleanup());

const ISOLATED = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
const REF = 'refs/remotes/origin/main';

function passingCheck(headSha: string): void {
  const at = gh.state.now();
  gh.state.repo(FULL).checkRuns.push({
    id: gh.state.nextId(),
    name: CHECK,
    headSha,
    status: 'completed',
    conclusion: 'success',
    title: 'success',
    summary: 'success',
    text: null,
    annotations: [],
    detailsUrl: null,
    externalId: null,
    startedAt: at,
    completedAt: at,
  });
}

/** A pull request with these approvals and a passing check (whoever posted it), merged by maya. */
async function land(branch: string, files: Record<string, string>, title: string, approvers: string[]) {
  const head = await gh.state.commit(FULL, branch, files, title, 'tollgate-bot');
  const pull = gh.state.openPull(FULL, { head: branch, title, user: 'tollgate-bot' });
  for (const user of approvers) await gh.state.addReview(FULL, pull.number, { user, state: 'APPROVED' });
  passingCheck(head);
  const merge = await gh.state.mergePull(FULL, pull.number, 'maya');
  execFileSync('git', ['-C', s!.dir, 'fetch', '-q', 'origin'], { env: ISOLATED });
  return { number: pull.number, head, merge };
}

async function audit() {
  const reviews = githubReviews({ client: gh.client(), repo: REPO, checkName: CHECK });
  const signoffs = githubSignoffRechecker({ client: gh.client(), repo: REPO, repoRoot: s!.dir });
  return verifyGateIntegrity(s!.dir, { since: s!.initial, ref: REF, reviews, signoffs });
}

const policyText = () => readFileSync(join(s!.dir, 'registry/policy.yaml'), 'utf8');
const stagesText = () => readFileSync(join(s!.dir, 'registry/models/fraud-detector/stages.yaml'), 'utf8');

describe('the audit re-evaluates each merged pull request with the gate', () => {
  it('flags a passing check that the policy at the merge does not bear out, naming each missing role', async () => {
    s = await buildGitHubScenario(gh);
    // A policy change needs the policy owner; only risk approved, yet a passing check was posted on the head.
    const forged = await land(
      'loosen-rollback',
      { 'registry/policy.yaml': policyText().replace('stable_for: 86400', 'stable_for: 60') },
      'Shorten the rollback window',
      ['rita-risk'],
    );
    const report = await audit();
    const own = report.findings.filter((f) => f.pullRequest === forged.number);
    expect(own.map((f) => f.kind)).toEqual(['signoffs-missing']);
    expect(own[0]).toMatchObject({ sha: forged.merge, changes: ['policy.yaml changed'] });
    expect(own[0]!.missing).toContain('policy-owner: no approver who is paula-policy today');
    expect(own[0]!.missing).toContain('team membership and write access as GitHub answers today');
    // #1 had risk, compliance and the model owner; #3 was a rollback, which needs only the model owner (alice).
    expect(report.findings.filter((f) => f.kind === 'signoffs-missing').map((f) => f.pullRequest)).toEqual([
      s.failed.number,
      forged.number,
    ]);
    const failed = report.findings.filter((f) => f.pullRequest === s!.failed.number);
    expect(failed.map((f) => f.kind)).toEqual(['gate-check-failed', 'signoffs-missing']);
    expect(failed[1]!.missing).toMatch(
      /compliance: no approver who is a member of acme\/compliance today; model-owner \(churn-predictor\): no approver who is a member of acme\/growth-ml today/,
    );
  });

  it('passes a rollback that the policy at the merge lets through without sign-offs', async () => {
    s = await buildGitHubScenario(gh);
    gh.state.setCollaborator(FULL, 'paula-policy', 'write');
    const rule = 'rollback: true\n      require:\n        - model-owner\n';
    expect(policyText()).toContain(rule);
    const policy = await land(
      'free-rollbacks',
      { 'registry/policy.yaml': policyText().replace(rule, 'rollback: true\n      require: []\n') },
      'Production rollbacks need no sign-off',
      ['paula-policy'],
    );
    // Back to v5, which held production after #1: a rollback, merged with no review at all.
    const rollback = await land(
      'rollback-fraud',
      {
        'registry/models/fraud-detector/stages.yaml': stagesText().replace(
          /production:\n {4}version: v4/,
          'production:\n    version: v5',
        ),
      },
      'Roll fraud-detector back to v5',
      [],
    );
    const report = await audit();
    expect(report.guardedCommits).toBe(5);
    expect(report.findings.filter((f) => f.pullRequest === policy.number)).toEqual([]);
    expect(report.findings.filter((f) => f.pullRequest === rollback.number)).toEqual([]);
  });

  it('still asks a rollback for the roles the policy at the merge names for rollbacks', async () => {
    s = await buildGitHubScenario(gh);
    const rollback = await land(
      'rollback-fraud',
      {
        'registry/models/fraud-detector/stages.yaml': stagesText().replace(
          /production:\n {4}version: v4/,
          'production:\n    version: v5',
        ),
      },
      'Roll fraud-detector back to v5',
      ['rita-risk'],
    );
    const own = (await audit()).findings.filter((f) => f.pullRequest === rollback.number);
    expect(own.map((f) => f.kind)).toEqual(['signoffs-missing']);
    // Only the owner: a rollback does not need risk or compliance, and rita's approval fills neither.
    expect(own[0]!.missing).toMatch(
      /sign-offs: model-owner \(fraud-detector\): no approver who is alice or a member of acme\/fraud-ml today \(/,
    );
  });

  it('reads team membership as it is today, and says so', async () => {
    s = await buildGitHubScenario(gh);
    gh.state.teams.get('acme/compliance')!.members.delete('carol');
    const report = await audit();
    const passed = report.findings.filter((f) => f.pullRequest === s!.passed.number);
    expect(passed.map((f) => f.kind)).toEqual(['signoffs-missing']);
    expect(passed[0]!.missing).toContain('compliance: no approver who is a member of acme/compliance today');
  });

  it('asks one review-context query per pull request and each membership once', async () => {
    s = await buildGitHubScenario(gh);
    const client = gh.client();
    const rechecker = githubSignoffRechecker({ client, repo: REPO, repoRoot: s.dir });
    const pr = {
      number: s.passed.number,
      sha: s.passed.merge,
      parents: [s.initial, s.passed.head],
      mergedAt: gh.state.pull(FULL, s.passed.number).mergedAt!,
    };
    const first = await rechecker.recheck(pr);
    expect(first.verdict.conclusion).toBe('success');
    const calls = client.calls();
    expect((await rechecker.recheck(pr)).verdict).toEqual(first.verdict);
    expect(client.calls() - calls).toBe(1);
  });
});

describe('pure parts', () => {
  it('submittedReviews drops drafts and reviews without an author, keeping bots marked', () => {
    const context = {
      reviews: [
        { author: 'a', state: 'APPROVED', commitSha: 'c', submittedAt: 't', authorIsBot: false },
        { author: 'b', state: 'PENDING', commitSha: 'c', submittedAt: 't', authorIsBot: false },
        { author: undefined, state: 'APPROVED', commitSha: 'c', submittedAt: 't', authorIsBot: false },
        { author: 'bot', state: 'COMMENTED', commitSha: 'c', submittedAt: 't', authorIsBot: true },
      ],
    } as unknown as ReviewContext;
    expect(submittedReviews(context).map((r) => [r.login, r.isBot ?? false])).toEqual([
      ['a', false],
      ['bot', true],
    ]);
  });

  it('missingRoleLine names who could have filled the role', () => {
    expect(missingRoleLine({ rule: 'r', role: 'risk', candidates: ['@rita', '@acme/risk'] })).toBe(
      'risk: no approver who is rita or a member of acme/risk today',
    );
    expect(missingRoleLine({ rule: 'r', role: 'x', candidates: [], reason: 'no such role' })).toBe(
      'x: nobody could fill it (no such role)',
    );
  });
});
