import { expect, it } from 'vitest';
import { useGitHubDouble } from '../github-double/harness.ts';
import { getRef } from '../../src/github/refs.ts';
import { fetchReviewContext } from '../../src/github/review-context.ts';

// A GitHub Enterprise Server: REST under /api/v3, GraphQL at /api/graphql. The double serves only
// this host, so a call that went to api.github.com would be unhandled and fail the test.
const gh = useGitHubDouble({ baseUrl: 'https://ghes.example.com/api/v3' });

it('sends REST and GraphQL calls to the GHES host', async () => {
  await gh.state.createRepo('acme/models');
  const head = await gh.state.commit('acme/models', 'feature', { 'a.txt': 'a' }, 'a');
  gh.state.openPull('acme/models', { head: 'feature' });
  const client = gh.client();
  expect(await getRef(client, { owner: 'acme', repo: 'models' }, 'feature')).toBe(head);
  expect((await fetchReviewContext(client, { owner: 'acme', repo: 'models' }, 1)).headSha).toBe(head);
  expect(client.callLog().map((call) => call.url)).toEqual([
    'https://ghes.example.com/api/v3/repos/acme/models/git/ref/heads%2Ffeature',
    'https://ghes.example.com/api/graphql',
  ]);
});
