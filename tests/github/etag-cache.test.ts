import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getTeamMembership, listTeamMembers } from '../../src/github/access.ts';
import { describeCalls, rateLimitedCalls } from '../../src/github/client.ts';
import { EtagCache } from '../../src/github/etag-cache.ts';
import { useGitHubDouble } from '../github-double/harness.ts';

const gh = useGitHubDouble();
const risk = { org: 'acme', team: 'risk' };
const MEMBERSHIP = '/orgs/{org}/teams/{team_slug}/memberships/{username}';
const MEMBERS = '/orgs/{org}/teams/{team_slug}/members';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tollgate-etags-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const statuses = (template: string) =>
  gh.double.served.filter((s) => s.template === template).map((s) => s.status);

describe('conditional requests (ETag cache)', () => {
  it('asks again with If-None-Match and serves a 304 from the cache, which the budget does not count', async () => {
    gh.state.addTeam('acme', 'risk', { members: ['alice'] });
    const etags = EtagCache.inMemory();
    const client = gh.client({ etags });
    expect(await getTeamMembership(client, risk, 'alice')).toBe('active');
    const spent = gh.state.rateLimit.remaining;
    expect(await getTeamMembership(client, risk, 'alice')).toBe('active');
    expect(statuses(MEMBERSHIP)).toEqual([200, 304]);
    expect(gh.state.rateLimit.remaining).toBe(spent);
    expect(etags.stats).toEqual({ conditional: 1, notModified: 1 });
    expect(client.calls()).toBe(2);
    expect(rateLimitedCalls(client)).toBe(1);
    expect(describeCalls(client)).toBe(
      'GitHub API: 2 calls (1 answered 304 Not Modified, which the rate limit does not count)',
    );
  });

  it('takes the new answer when it changed: a cached answer never outlives a change on GitHub', async () => {
    const team = gh.state.addTeam('acme', 'risk', { pending: ['carol'] });
    const client = gh.client({ etags: EtagCache.inMemory() });
    expect(await getTeamMembership(client, risk, 'carol')).toBe('pending');
    team.pending.delete('carol');
    team.members.add('carol');
    expect(await getTeamMembership(client, risk, 'carol')).toBe('active');
    expect(statuses(MEMBERSHIP)).toEqual([200, 200]);
  });

  it('persists across two runs through its file, every page of a listing included', async () => {
    const members = Array.from({ length: 230 }, (_, i) => `user${String(i).padStart(3, '0')}`);
    gh.state.addTeam('acme', 'risk', { members });
    const file = join(dir, 'nested', 'etags.json');

    const first = await EtagCache.load(file);
    expect(first.size).toBe(0);
    expect(await listTeamMembers(gh.client({ etags: first }), risk)).toEqual(members);
    await first.save();

    const second = await EtagCache.load(file);
    expect(second.size).toBe(3);
    const client = gh.client({ etags: second });
    expect(await listTeamMembers(client, risk)).toEqual(members);
    expect(statuses(MEMBERS)).toEqual([200, 200, 200, 304, 304, 304]);
    expect(rateLimitedCalls(client)).toBe(0);
  });

  it('keeps no answer without an ETag (a 404): it is asked again in full', async () => {
    gh.state.addTeam('acme', 'risk', { members: ['alice'] });
    const etags = EtagCache.inMemory();
    const client = gh.client({ etags });
    expect(await getTeamMembership(client, risk, 'mallory')).toBe('none');
    expect(await getTeamMembership(client, risk, 'mallory')).toBe('none');
    // Not a member: a 404, then the team itself is read to tell "no member" from "no team".
    expect(statuses(MEMBERSHIP)).toEqual([404, 404]);
    expect(statuses('/orgs/{org}/teams/{team_slug}')).toEqual([200, 304]);
    expect(etags.size).toBe(1);
  });

  it('hands each caller its own copy of a cached answer', async () => {
    gh.state.addTeam('acme', 'risk', { members: ['alice', 'bob'] });
    const client = gh.client({ etags: EtagCache.inMemory() });
    const first = await listTeamMembers(client, risk);
    first.pop();
    expect(await listTeamMembers(client, risk)).toEqual(['alice', 'bob']);
    expect(await listTeamMembers(client, risk)).toEqual(['alice', 'bob']);
  });

  it('starts empty from a file it cannot read as a cache (another version, a truncated write)', async () => {
    const file = join(dir, 'etags.json');
    await writeFile(file, '{"version":1,"entries":[["GET x",{"et');
    expect((await EtagCache.load(file)).size).toBe(0);
    await writeFile(file, JSON.stringify({ version: 2, entries: [['GET x', { etag: 'W/"1"', data: 1 }]] }));
    expect((await EtagCache.load(file)).size).toBe(0);
    const cache = await EtagCache.load(file);
    await cache.save();
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ version: 1, entries: [] });
  });
});
