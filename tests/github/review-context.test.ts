import { expect, it } from 'vitest';
import { useGitHubDouble } from '../github-double/harness.ts';
import { fetchReviewContext } from '../../src/github/review-context.ts';
import { getTeamMembership } from '../../src/github/access.ts';
import { GitHubApiError } from '../../src/github/client.ts';
import { GRAPHQL_TEMPLATE } from '../github-double/double.ts';

const gh = useGitHubDouble();
const repo = { owner: 'acme', repo: 'models' };
const FULL = 'acme/models';

it('returns author, head, base, commit authors and reviews in one query', async () => {
  await gh.state.createRepo(FULL);
  gh.state.user('dana');
  const first = await gh.state.commit(FULL, 'promote', { 'a.txt': 'a' }, 'a', 'dana');
  const head = await gh.state.commit(FULL, 'promote', { 'b.txt': 'b' }, 'b', 'erin');
  gh.state.openPull(FULL, { head: 'promote', user: 'dana' });
  await gh.state.addReview(FULL, 1, { user: 'alice', state: 'APPROVED', commitId: first });
  await gh.state.addReview(FULL, 1, { user: 'renovate', state: 'APPROVED', type: 'Bot' });
  const client = gh.client();

  const context = await fetchReviewContext(client, repo, 1);
  expect(context).toMatchObject({
    number: 1,
    author: 'dana',
    authorIsBot: false,
    state: 'OPEN',
    headRef: 'promote',
    headSha: head,
    baseRef: 'main',
  });
  expect(context.commits.map((commit) => [commit.sha, commit.author])).toEqual([
    [first, 'dana'],
    [head, 'erin'],
  ]);
  expect(context.reviews).toEqual([
    expect.objectContaining({ author: 'alice', authorIsBot: false, state: 'APPROVED', commitSha: first }),
    expect.objectContaining({ author: 'renovate', authorIsBot: true, state: 'APPROVED', commitSha: head }),
  ]);
  expect(context.reviews[0]!.submittedAt).toMatch(/^2026-01-01T/);
  expect(client.calls()).toBe(1);
});

it('the gate on a pull request with 100 reviews and 3 roles costs 4 calls; 250 reviews add 2 pages', async () => {
  await gh.state.createRepo(FULL);
  const head = await gh.state.commit(FULL, 'promote', { 'a.txt': 'a' }, 'a');
  gh.state.openPull(FULL, { head: 'promote' });
  for (const role of ['risk', 'compliance', 'owners']) gh.state.addTeam('acme', role, { members: ['alice'] });
  for (let i = 0; i < 100; i++)
    await gh.state.addReview(FULL, 1, { user: `r${i}`, state: 'COMMENTED', commitId: head });
  const client = gh.client();

  const context = await fetchReviewContext(client, repo, 1);
  expect(context.reviews).toHaveLength(100);
  for (const role of ['risk', 'compliance', 'owners'])
    expect(await getTeamMembership(client, { org: 'acme', team: role }, 'alice')).toBe('active');
  expect(client.calls()).toBe(4);

  for (let i = 100; i < 250; i++)
    await gh.state.addReview(FULL, 1, { user: `r${i}`, state: 'COMMENTED', commitId: head });
  const more = gh.client();
  const all = await fetchReviewContext(more, repo, 1);
  expect(all.reviews.map((review) => review.author)).toEqual(Array.from({ length: 250 }, (_, i) => `r${i}`));
  expect(more.calls()).toBe(3);
});

it('says which pull request is missing', async () => {
  await gh.state.createRepo(FULL);
  await expect(fetchReviewContext(gh.client(), repo, 42)).rejects.toThrow(/acme\/models#42 not found/);
});

it('turns GraphQL errors into an error naming the query', async () => {
  const error = await fetchReviewContext(gh.client(), { owner: 'acme', repo: 'missing' }, 1).catch(
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GitHubApiError);
  expect((error as GitHubApiError).message).toMatch(
    /POST \/graphql \(TollgateReviewContext\) failed: [^]*Could not resolve to a Repository/,
  );
});

it('retries a failed GraphQL request like any other', async () => {
  await gh.state.createRepo(FULL);
  await gh.state.commit(FULL, 'promote', { 'a.txt': 'a' }, 'a');
  gh.state.openPull(FULL, { head: 'promote' });
  gh.fault('POST', GRAPHQL_TEMPLATE, { kind: 'server-error' });
  const client = gh.client();
  expect((await fetchReviewContext(client, repo, 1)).number).toBe(1);
  expect(client.calls()).toBe(2);
});
