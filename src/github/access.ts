// Who may sign off: team membership and repository permission. Fails closed: when the token cannot
// see the answer, this throws rather than guessing "not a member" or "allowed".
import { GitHubApiError, statusOf, type GitHubClient, type RepoRef } from './client.ts';

export type TeamMembershipState = 'active' | 'pending' | 'none';

export interface TeamRef {
  org: string;
  team: string;
}

const MEMBERS_FIX =
  'the token cannot read team membership: GITHUB_TOKEN never can. Run the gate with a GitHub App token whose app has the organization permission "Members: read" (or a token with read:org), see docs/github.md';

function cannotSee(error: GitHubApiError, what: string): GitHubApiError {
  return new GitHubApiError(
    error.call,
    error.status,
    `cannot read ${what}; failing closed (no sign-off counts until this is fixed)`,
    MEMBERS_FIX,
    error,
  );
}

/**
 * 'active' members only count; a pending invitation is not membership. GitHub answers 404 both for
 * "not a member" and "you may not look", so a 404 is checked against the team itself.
 */
export async function getTeamMembership(
  client: GitHubClient,
  team: TeamRef,
  username: string,
): Promise<TeamMembershipState> {
  try {
    const { data } = await client.octokit.rest.teams.getMembershipForUserInOrg({
      org: team.org,
      team_slug: team.team,
      username,
    });
    return data.state === 'active' ? 'active' : data.state === 'pending' ? 'pending' : 'none';
  } catch (error) {
    if (!(error instanceof GitHubApiError)) throw error;
    if (error.status === 403) throw cannotSee(error, `membership of ${team.org}/${team.team}`);
    if (error.status !== 404) throw error;
  }
  try {
    await client.octokit.rest.teams.getByName({ org: team.org, team_slug: team.team });
  } catch (error) {
    if (error instanceof GitHubApiError && (error.status === 403 || error.status === 404))
      throw cannotSee(
        error,
        `team ${team.org}/${team.team} (it does not exist, or the token may not see it)`,
      );
    throw error;
  }
  return 'none';
}

/** Logins of the team's active members (all pages). */
export async function listTeamMembers(client: GitHubClient, team: TeamRef): Promise<string[]> {
  try {
    const members = await client.octokit.paginate(client.octokit.rest.teams.listMembersInOrg, {
      org: team.org,
      team_slug: team.team,
      per_page: 100,
    });
    return members.map((member) => member.login);
  } catch (error) {
    if (error instanceof GitHubApiError && (error.status === 403 || error.status === 404))
      throw cannotSee(error, `members of ${team.org}/${team.team}`);
    throw error;
  }
}

export const PERMISSIONS = ['admin', 'maintain', 'write', 'triage', 'read', 'none'] as const;
export type RepositoryPermission = (typeof PERMISSIONS)[number];

/** True if `have` is at least `need` (admin > maintain > write > triage > read > none). */
export function permissionAtLeast(have: RepositoryPermission, need: RepositoryPermission): boolean {
  return PERMISSIONS.indexOf(have) <= PERMISSIONS.indexOf(need);
}

/**
 * The user's role on the repository. `role_name` carries maintain and triage; the legacy `permission`
 * field folds them into write and read, and is the fallback for custom roles.
 */
export async function getCollaboratorPermission(
  client: GitHubClient,
  repo: RepoRef,
  username: string,
): Promise<RepositoryPermission> {
  try {
    const { data } = await client.octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username });
    const role = (data as { role_name?: string }).role_name;
    if (role && (PERMISSIONS as readonly string[]).includes(role)) return role as RepositoryPermission;
    return (PERMISSIONS as readonly string[]).includes(data.permission)
      ? (data.permission as RepositoryPermission)
      : 'none';
  } catch (error) {
    // 404: no such user. 403 (no permission to ask) propagates: failing closed.
    if (statusOf(error) === 404) return 'none';
    throw error;
  }
}

/** The login of the token's user (GET /user); an App installation token has none and GitHub answers 403. */
export async function authenticatedLogin(client: GitHubClient): Promise<string> {
  const { data } = await client.octokit.rest.users.getAuthenticated();
  return data.login;
}
