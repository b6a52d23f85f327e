// How the gate learns the GitHub facts a verdict may need beyond the review context (team memberships, exact
// permission levels): asked of GitHub one at a time while a role is unfilled, or given up front (a simulation).
import { TollgateError } from '../errors.ts';
import { getCollaboratorPermission, getTeamMembership, listTeamMembers } from '../github/access.ts';
import type { GitHubClient, RepoRef } from '../github/client.ts';
import type { ReviewContext } from '../github/review-context.ts';
import { evaluateGate, rolesToResolve } from './evaluate.ts';
import type { GateInput, GateVerdict, MembershipState, Permission } from './types.ts';

/** The verdict for an input whose memberships and permissions the port supplies. */
export interface GateAccess {
  evaluate(input: Omit<GateInput, 'memberships' | 'permissions'>): Promise<GateVerdict>;
}

/** Above this many logins to check in one team, one listing is cheaper than a call per login. */
const LIST_TEAM_ABOVE = 3;

const lower = (login: string) => login.toLowerCase();

/** Memberships and permissions known up front (`tollgate gate simulate`'s flags): nothing is asked. */
export function givenGateAccess(answers: Pick<GateInput, 'memberships' | 'permissions'>): GateAccess {
  return { evaluate: async (input) => evaluateGate({ ...input, ...answers }) };
}

/** The pull request's facts asked of GitHub, only as far as the verdict needs them (see evaluateAsking). */
export function githubGateAccess(client: GitHubClient, repo: RepoRef, context: ReviewContext): GateAccess {
  return { evaluate: (input) => evaluateAsking(client, repo, input, context) };
}

/**
 * Evaluates, asking GitHub about team memberships only while a role is still unfilled, one (team, login) at a
 * time, approvers not already signing another role first. More memberships can only fill more roles, so a
 * success with some pairs unasked is a success with all of them; a failure asks every pair that could matter.
 * A team with many pairs left is listed once instead.
 */
async function evaluateAsking(
  client: GitHubClient,
  repo: RepoRef,
  input: Omit<GateInput, 'memberships' | 'permissions'>,
  context: ReviewContext,
): Promise<GateVerdict> {
  const lookups = rolesToResolve(input);
  const pairs = lookups.memberships;
  // Write access comes free with the reviews (authorCanPushToRepository); the exact level is asked only for an
  // approver without it who holds an unfilled role, so the summary can say what they have.
  const permissions: Record<string, Permission> = {};
  const toAsk = new Set<string>();
  for (const login of lookups.permissions) {
    const canPush = context.reviews.some(
      (r) => r.author && lower(r.author) === lower(login) && r.authorCanPush,
    );
    if (canPush) permissions[login] = 'write';
    else toAsk.add(login);
  }
  const memberships: GateInput['memberships'] = {};
  const asked = new Set<string>();
  const key = (p: { team: string; login: string }) => `${lower(p.team)} ${lower(p.login)}`;
  const record = (team: string, login: string, state: MembershipState) => {
    (memberships[team] ??= {})[login] = state;
    asked.add(key({ team, login }));
  };
  for (;;) {
    const verdict = evaluateGate({ ...input, memberships, permissions });
    if (verdict.conclusion === 'success' || verdict.blocking.length > 0) return verdict;
    const assigned = new Set(
      verdict.requirements.flatMap((r) => (r.satisfiedBy ? [lower(r.satisfiedBy.login)] : [])),
    );
    const unfilledTeams = new Set(
      verdict.requirements
        .filter((r) => !r.satisfiedBy)
        .flatMap((r) => r.candidates.filter((c) => c.includes('/')).map((c) => lower(c.replace(/^@/, '')))),
    );
    const holdsUnfilled = (login: string) =>
      verdict.requirements.some(
        (r) =>
          !r.satisfiedBy &&
          r.candidates.some(
            (c) =>
              lower(c) === `@${lower(login)}` ||
              memberships[Object.keys(memberships).find((t) => `@${lower(t)}` === lower(c)) ?? '']?.[
                login
              ] === 'active',
          ),
      );
    const permissionFor = [...toAsk].find(holdsUnfilled);
    if (permissionFor !== undefined) {
      toAsk.delete(permissionFor);
      permissions[permissionFor] = await getCollaboratorPermission(client, repo, permissionFor);
      continue;
    }
    const open = pairs
      .filter((p) => unfilledTeams.has(lower(p.team)) && !asked.has(key(p)))
      .sort((a, b) => Number(assigned.has(lower(a.login))) - Number(assigned.has(lower(b.login))));
    const next = open[0];
    if (!next) return verdict;
    const team = teamRef(next.team);
    const sameTeam = open.filter((p) => lower(p.team) === lower(next.team));
    if (sameTeam.length > LIST_TEAM_ABOVE) {
      const members = new Set((await listTeamMembers(client, team)).map(lower));
      for (const p of sameTeam) record(p.team, p.login, members.has(lower(p.login)) ? 'active' : 'none');
    } else {
      record(next.team, next.login, await getTeamMembership(client, team, next.login));
    }
  }
}

function teamRef(team: string): { org: string; team: string } {
  const [org, slug, ...rest] = team.split('/');
  if (!org || !slug || rest.length > 0)
    throw new TollgateError(`team "${team}" in registry/policy.yaml is not org/team-slug`, {
      file: 'policy.yaml',
      fix: 'name teams as org/team-slug',
    });
  return { org, team: slug };
}
