// proposeChange against the GitHub double: one branch and one pull request however often it runs, and no
// orphan branch when the pull request cannot be opened.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { git, runGit } from '../../src/git/run.ts';
import { proposeChange, type Proposal } from '../../src/publish/propose.ts';
import { ISOLATED_GIT_ENV } from '../github-double/git-store.ts';
import { useGitHubDouble } from '../github-double/harness.ts';

const gh = useGitHubDouble();
const env = {
  ...ISOLATED_GIT_ENV,
  GIT_AUTHOR_DATE: '2026-11-25T10:00:00Z',
  GIT_COMMITTER_DATE: '2026-11-25T10:00:00Z',
};
let work: string;
let checkout: string;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'tollgate-propose-'));
  const { gitDir } = await gh.state.createRepo('acme/models', { files: { 'registry/policy.yaml': 'old\n' } });
  checkout = join(work, 'checkout');
  await git(work, ['clone', '--quiet', gitDir, checkout], { env });
  await git(checkout, ['config', 'user.name', 'tollgate'], { env });
  await git(checkout, ['config', 'user.email', 'tollgate@example.com'], { env });
});
afterEach(() => rm(work, { recursive: true, force: true }));

const proposal = (body = 'why'): Proposal => ({
  branch: 'tollgate/promote/fraud/production',
  baseRef: 'HEAD',
  baseBranch: 'main',
  files: [{ path: 'registry/policy.yaml', content: 'new\n' }],
  message: 'Promote fraud v2 to production',
  trailers: { 'Tollgate-Event': 'promote', Model: 'fraud' },
  env,
  pullRequest: { title: 'Promote fraud v2 to production', body, labels: ['tollgate:promotion'] },
});

it('opens one pull request and finds it again on a re-run, leaving the checkout alone', async () => {
  const github = { client: gh.client(), repo: { owner: 'acme', repo: 'models' } };
  const first = await proposeChange(checkout, proposal(), github);
  const second = await proposeChange(checkout, proposal('why, updated'), github);
  expect(first.pullRequest?.created).toBe(true);
  expect(second.pullRequest).toMatchObject({ number: first.pullRequest!.number, created: false });
  const pulls = gh.state.repo('acme/models').pulls;
  expect(pulls).toHaveLength(1);
  expect(pulls[0]!.body).toBe('why, updated');
  expect(await git(checkout, ['symbolic-ref', '--short', 'HEAD'])).toBe('main');
  expect(await git(checkout, ['status', '--porcelain'])).toBe('');
  const remoteFile = await git(gh.state.repo('acme/models').gitDir, [
    'show',
    `${first.branch}:registry/policy.yaml`,
  ]);
  expect(remoteFile).toBe('new');
});

it('removes the branch it pushed when the pull request cannot be opened', async () => {
  gh.fault('POST', '/repos/{owner}/{repo}/pulls', { kind: 'forbidden' }, 1);
  const github = { client: gh.client(), repo: { owner: 'acme', repo: 'models' } };
  await expect(proposeChange(checkout, proposal(), github)).rejects.toThrow(/pulls/);
  const { code } = await runGit(
    gh.state.repo('acme/models').gitDir,
    ['rev-parse', '--verify', 'refs/heads/tollgate/promote/fraud/production'],
    { okCodes: [128] },
  );
  expect(code).toBe(128);
  expect(gh.state.repo('acme/models').pulls).toHaveLength(0);
});

it('without GitHub, commits to the branch locally and stops', async () => {
  const result = await proposeChange(checkout, proposal());
  expect(result.pullRequest).toBeUndefined();
  expect(await git(checkout, ['show', `${result.branch}:registry/policy.yaml`])).toBe('new');
  const { code } = await runGit(checkout, ['ls-remote', '--exit-code', '--heads', 'origin', result.branch], {
    okCodes: [2],
  });
  expect(code).toBe(2);
});

it('keeps the pull request and its branch when a later step fails, and a re-run finishes it', async () => {
  gh.state.setCollaborator('acme/models', 'rita', 'write');
  gh.fault(
    'POST',
    '/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers',
    { kind: 'server-error' },
    4,
  );
  const github = { client: gh.client(), repo: { owner: 'acme', repo: 'models' } };
  const withReviewers = {
    ...proposal(),
    pullRequest: { ...proposal().pullRequest, reviewers: { users: ['rita'] } },
  };
  await expect(proposeChange(checkout, withReviewers, github)).rejects.toThrow(/requested_reviewers.*502/);
  const repo = gh.state.repo('acme/models');
  expect(repo.pulls).toMatchObject([{ state: 'open', labels: ['tollgate:promotion'] }]);
  expect(await git(repo.gitDir, ['rev-parse', '--verify', `refs/heads/${withReviewers.branch}`])).toMatch(
    /^[0-9a-f]{40}$/,
  );

  // The client tries 4 times (3 retries); those 4 faults are spent, so the re-run gets through.
  const again = await proposeChange(checkout, withReviewers, { ...github, client: gh.client() });
  expect(again.pullRequest).toMatchObject({ number: repo.pulls[0]!.number, created: false });
  expect(repo.pulls).toHaveLength(1);
  expect(repo.pulls[0]!.requestedReviewers).toEqual(['rita']);
});
