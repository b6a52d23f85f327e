import { describe, expect, it } from 'vitest';
import { useGitHubDouble } from '../github-double/harness.ts';
import {
  getCollaboratorPermission,
  getTeamMembership,
  listTeamMembers,
  permissionAtLeast,
} from '../../src/github/access.ts';
import { GitHubApiError } from '../../src/github/client.ts';

const gh = useGitHubDouble();
const risk = { org: 'acme', team: 'risk' };

describe('team membership', () => {
  it('tells active members, pending invitations and non-members apart', async () => {
    gh.state.addTeam('acme', 'risk', { members: ['alice', 'bob'], pending: ['carol'] });
    const client = gh.client();
    expect(await getTeamMembership(client, risk, 'alice')).toBe('active');
    expect(await getTeamMembership(client, risk, 'carol')).toBe('pending');
    expect(await getTeamMembership(client, risk, 'mallory')).toBe('none');
    expect(await listTeamMembers(client, risk)).toEqual(['alice', 'bob']);
  });

  it('lists every page of a large team', async () => {
    const members = Array.from({ length: 230 }, (_, i) => `user${String(i).padStart(3, '0')}`);
    gh.state.addTeam('acme', 'risk', { members });
    const client = gh.client();
    expect(await listTeamMembers(client, risk)).toEqual(members);
    expect(client.calls()).toBe(3);
  });

  it('fails closed on 403 (GITHUB_TOKEN cannot read org members), naming the permission', async () => {
    gh.state.addTeam('acme', 'risk', { members: ['alice'] });
    gh.state.orgAccess = 'forbidden';
    const client = gh.client();
    const error = (await getTeamMembership(client, risk, 'alice').catch((e: unknown) => e)) as GitHubApiError;
    expect(error).toBeInstanceOf(GitHubApiError);
    expect(error.status).toBe(403);
    expect(error.message).toContain('GET /orgs/{org}/teams/{team_slug}/memberships/{username}');
    expect(error.message).toContain('failing closed');
    expect(error.fix).toContain('Members: read');
    await expect(listTeamMembers(client, risk)).rejects.toThrow(/failing closed/);
    expect(client.calls()).toBe(2);
  });

  it('fails closed when the team itself is invisible (404 for everything), not "not a member"', async () => {
    gh.state.addTeam('acme', 'risk', { members: ['alice'] });
    gh.state.orgAccess = 'hidden';
    const error = (await getTeamMembership(gh.client(), risk, 'alice').catch(
      (e: unknown) => e,
    )) as GitHubApiError;
    expect(error).toBeInstanceOf(GitHubApiError);
    expect(error.message).toMatch(/does not exist, or the token may not see it/);
    expect(error.fix).toContain('GitHub App');
  });

  it('fails closed on a team that does not exist', async () => {
    await expect(getTeamMembership(gh.client(), { org: 'acme', team: 'ghosts' }, 'alice')).rejects.toThrow(
      GitHubApiError,
    );
  });

  it('fails closed when rate limits outlast the retries', async () => {
    gh.state.addTeam('acme', 'risk', { members: ['alice'] });
    gh.fault(
      'GET',
      '/orgs/{org}/teams/{team_slug}/memberships/{username}',
      { kind: 'secondary-rate-limit', retryAfter: 1 },
      10,
    );
    await expect(getTeamMembership(gh.client({ retries: 1 }), risk, 'alice')).rejects.toThrow(/HTTP 403/);
  });
});

describe('repository permission', () => {
  it('reports maintain and triage from role_name, not the folded legacy permission', async () => {
    await gh.state.createRepo('acme/models');
    gh.state.setCollaborator('acme/models', 'mia', 'maintain');
    gh.state.setCollaborator('acme/models', 'tom', 'triage');
    gh.state.setCollaborator('acme/models', 'wes', 'write');
    gh.state.setCollaborator('acme/models', 'rita', 'read');
    gh.state.user('stranger');
    const client = gh.client();
    const repo = { owner: 'acme', repo: 'models' };
    expect(await getCollaboratorPermission(client, repo, 'acme')).toBe('admin');
    expect(await getCollaboratorPermission(client, repo, 'mia')).toBe('maintain');
    expect(await getCollaboratorPermission(client, repo, 'tom')).toBe('triage');
    expect(await getCollaboratorPermission(client, repo, 'wes')).toBe('write');
    expect(await getCollaboratorPermission(client, repo, 'rita')).toBe('read');
    expect(await getCollaboratorPermission(client, repo, 'stranger')).toBe('none');
    expect(await getCollaboratorPermission(client, repo, 'nobody-at-all')).toBe('none');
  });

  it('fails closed when the token may not ask', async () => {
    await gh.state.createRepo('acme/models');
    gh.fault('GET', '/repos/{owner}/{repo}/collaborators/{username}/permission', { kind: 'forbidden' });
    await expect(
      getCollaboratorPermission(gh.client(), { owner: 'acme', repo: 'models' }, 'x'),
    ).rejects.toThrow(/HTTP 403/);
  });

  it('orders permissions', () => {
    expect(permissionAtLeast('maintain', 'write')).toBe(true);
    expect(permissionAtLeast('triage', 'write')).toBe(false);
    expect(permissionAtLeast('none', 'read')).toBe(false);
    expect(permissionAtLeast('admin', 'admin')).toBe(true);
  });
});
