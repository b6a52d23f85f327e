// The gate's conditional requests across two runs: the second run on an unchanged pull request sends every lookup
// with the ETag the first run saw (kept in the cache file the etag-cache input names), and GitHub answers 304.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rateLimitedCalls, type GitHubClient } from '../../src/github/client.ts';
import { EtagCache } from '../../src/github/etag-cache.ts';
import { GRAPHQL_TEMPLATE } from '../github-double/double.ts';
import { useGitHubDouble } from '../github-double/harness.ts';
import { FULL, useGateFixture } from './gate-fixture.ts';

const gh = useGitHubDouble();
const fx = useGateFixture(gh);

/** A promotion whose every role is filled through a team: three membership lookups. */
async function teamSignedPromotion() {
  await fx.openPromotion();
  gh.state.setCollaborator(FULL, 'helper', 'write');
  await fx.approve('helper', 'carol', 'bob');
}

/** One run of the gate with the cache file loaded before and saved after, as the action does. */
async function gateRun(file: string) {
  const etags = await EtagCache.load(file);
  const client = gh.client({ etags });
  const from = gh.double.served.length;
  const { result } = await fx.gate({ client });
  await etags.save();
  const served = gh.double.served.slice(from);
  return { result, client, etags, served };
}

const lookups = (served: { method: string; template: string; status: number }[]) =>
  served.filter((s) => s.method === 'GET' && s.template !== '/repos/{owner}/{repo}/commits/{ref}/check-runs');
const coreCost = (client: GitHubClient, served: { template: string }[]) =>
  rateLimitedCalls(client) - served.filter((s) => s.template === GRAPHQL_TEMPLATE).length;

describe('the sign-off gate re-run on an unchanged pull request', () => {
  it('sends its lookups with If-None-Match and gets 304 for every one: no primary rate limit spent on them', async () => {
    await teamSignedPromotion();
    const file = join(fx.work, 'etags.json');

    const first = await gateRun(file);
    expect(first.result.conclusion).toBe('success');
    // Three memberships and the team behind a 404 (not a member of the first team asked) that tells "no member"
    // from "no team".
    const firstLookups = lookups(first.served);
    expect(firstLookups.map((s) => s.status)).toEqual([404, 200, 200, 200, 200]);
    expect(first.etags.stats.conditional).toBe(0);

    const budget = gh.state.rateLimit.remaining;
    const rerun = await gateRun(file);
    expect(rerun.result.conclusion).toBe('success');
    expect(rerun.result.pullRequests[0]!.verdict).toEqual(first.result.pullRequests[0]!.verdict);
    // Every lookup the verdict needed, asked again with its ETag and answered 304 from the cache; a 404 carries no
    // ETag, so it is asked again in full.
    expect(lookups(rerun.served)).toEqual(
      firstLookups.map((s) => ({ ...s, status: s.status === 200 ? 304 : s.status })),
    );
    // The check-run listing was conditional too, but the first run's own post had changed it.
    expect(rerun.etags.stats).toEqual({ conditional: 5, notModified: 4 });
    // What is left is what cannot be conditional: the review query (GraphQL), the listing of the check runs the
    // first run's post changed, the 404 of a non-member, and the writes that post the verdict (a pending run while
    // re-judging a pass, then the verdict).
    expect(rerun.served.filter((s) => s.status !== 304).map((s) => `${s.method} ${s.template}`)).toEqual([
      'POST /graphql',
      'GET /repos/{owner}/{repo}/commits/{ref}/check-runs',
      'POST /repos/{owner}/{repo}/check-runs',
      'GET /orgs/{org}/teams/{team_slug}/memberships/{username}',
      'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}',
    ]);
    expect(coreCost(rerun.client, rerun.served)).toBe(4);
    expect(coreCost(first.client, first.served)).toBe(7);
    expect(budget - gh.state.rateLimit.remaining).toBe(5);
    expect(rerun.result.summary).toContain(
      '(4 answered 304 Not Modified, which the rate limit does not count)',
    );
  });

  it('judges afresh what changed: a membership withdrawn since the first run is a 200 and a failing verdict', async () => {
    await teamSignedPromotion();
    const file = join(fx.work, 'etags.json');
    expect((await gateRun(file)).result.conclusion).toBe('success');

    gh.state.teams.get('acme/compliance')!.members.delete('carol');
    const rerun = await gateRun(file);
    expect(rerun.result.conclusion).toBe('failure');
    const compliance = rerun.served.filter((s) => s.template.endsWith('/memberships/{username}'));
    expect(compliance.map((s) => s.status)).toContain(404);
    expect(fx.checkRuns().at(-1)!.conclusion).toBe('failure');
  });
});
