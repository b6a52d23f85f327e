// The audit's own judgement of a merged pull request's sign-offs, independent of the check run it posted (which a
// weaker earlier policy, a bug or a forger could have written): the gate's pure evaluator run again on what the
// merge changed (first parent..merge commit), under the policy in force at the merge (the first parent's), with the
// reviews given by the merge. Team memberships and repository permissions can only be read as they are today.
import { collectGateFacts, gateInputOf, loginFromEmail } from '../gate/collect.ts';
import { evaluateGate, rolesToResolve } from '../gate/evaluate.ts';
import { submittedReviews } from '../gate/reviews.ts';
import type { GateInput, GateVerdict, MembershipState, Permission, Requirement } from '../gate/types.ts';
import { getCollaboratorPermission, getTeamMembership } from '../github/access.ts';
import { GitHubApiError, type GitHubClient, type RepoRef } from '../github/client.ts';
import { fetchReviewContext } from '../github/review-context.ts';

export interface MergedLanding {
  number: number;
  /** The commit the merge put on the default branch, and its parents (first parent: the branch before it). */
  sha: string;
  parents: string[];
  mergedAt: string;
}

export interface SignoffRecheck {
  verdict: GateVerdict;
  /** Teams whose membership could not be read (counted as not a member): named in the finding. */
  unreadTeams: string[];
}

export interface SignoffRechecker {
  recheck(pr: MergedLanding): Promise<SignoffRecheck>;
}

export interface GitHubRecheckOptions {
  client: GitHubClient;
  repo: RepoRef;
  repoRoot: string;
  /** Repository-relative registry folder, `registry/` by default. */
  registryPrefix?: string;
}

const lower = (s: string) => s.toLowerCase();

/**
 * Re-evaluates each merged pull request with one review-context query; memberships and permissions are asked once
 * per (team, login) and per login for the whole audit, and only for approvers who could fill a role.
 */
export function githubSignoffRechecker(options: GitHubRecheckOptions): SignoffRechecker {
  const { client, repo, repoRoot } = options;
  const memberships = new Map<string, Promise<MembershipState | 'unknown'>>();
  const permissions = new Map<string, Promise<Permission>>();

  const membership = (team: string, login: string) => {
    const key = `${lower(team)}\0${lower(login)}`;
    let answer = memberships.get(key);
    if (!answer) {
      const [org, slug, ...rest] = team.split('/');
      answer =
        !org || !slug || rest.length > 0
          ? Promise.resolve('unknown' as const)
          : getTeamMembership(client, { org, team: slug }, login).catch((error: unknown) => {
              if (error instanceof GitHubApiError) return 'unknown' as const;
              throw error;
            });
      memberships.set(key, answer);
    }
    return answer;
  };
  const permission = (login: string) => {
    let answer = permissions.get(lower(login));
    if (!answer) {
      answer = getCollaboratorPermission(client, repo, login);
      permissions.set(lower(login), answer);
    }
    return answer;
  };

  return {
    async recheck(pr) {
      const context = await fetchReviewContext(client, repo, pr.number);
      const mergedAt = Date.parse(pr.mergedAt);
      // Only reviews given by the merge let the change in.
      const reviews = submittedReviews(context).filter((r) => !(Date.parse(r.submittedAt) > mergedAt));
      const firstParent = pr.parents[0] ?? pr.sha;
      const facts = await collectGateFacts(repoRoot, {
        baseSha: firstParent,
        headSha: pr.sha,
        registryPrefix: options.registryPrefix,
        reviewedCommits: reviews.map((r) => r.commitId),
      });
      // The merge commit itself is GitHub's (its author is whoever pressed the button), not the pull request's.
      const merger = pr.parents.length > 1 ? facts.commits.find((c) => c.sha === pr.sha) : undefined;
      const mergerLogin = merger ? loginFromEmail(merger.authorEmail) : undefined;
      const wrote = new Set(
        facts.commits.filter((c) => c.sha !== pr.sha).flatMap((c) => loginFromEmail(c.authorEmail) ?? []),
      );
      const input = gateInputOf(facts, context, {
        number: pr.number,
        // Reviews are given on the pull request's head; a merge commit's second parent is that head.
        headSha: context.headSha || pr.parents[1] || pr.sha,
        reviews,
        commitAuthorLogins: facts.commitAuthorLogins.filter((l) => l !== mergerLogin || wrote.has(l)),
      });
      const lookups = rolesToResolve(input);
      const granted: GateInput['permissions'] = {};
      for (const login of lookups.permissions) {
        const canPush = context.reviews.some(
          (r) => r.author && lower(r.author) === lower(login) && r.authorCanPush,
        );
        granted[login] = canPush ? 'write' : await permission(login);
      }
      // Memberships are asked while a role is unfilled, one (team, login) per unfilled team a round, approvers not
      // already signing another role first: more memberships can only fill more roles.
      const known: GateInput['memberships'] = {};
      const unread = new Set<string>();
      const asked = new Set<string>();
      const key = (p: { team: string; login: string }) => `${lower(p.team)}\0${lower(p.login)}`;
      for (;;) {
        const verdict = evaluateGate({ ...input, memberships: known, permissions: granted });
        const unfilled = verdict.requirements.filter((r) => !r.satisfiedBy);
        const signing = new Set(
          verdict.requirements.flatMap((r) => (r.satisfiedBy ? [lower(r.satisfiedBy.login)] : [])),
        );
        const teams = new Set(
          unfilled.flatMap((r) =>
            r.candidates.filter((c) => c.includes('/')).map((c) => lower(c.replace(/^@/, ''))),
          ),
        );
        const next = [...teams].flatMap((team) => {
          const open = lookups.memberships
            .filter((p) => lower(p.team) === team && !asked.has(key(p)))
            .sort((a, b) => Number(signing.has(lower(a.login))) - Number(signing.has(lower(b.login))));
          return open.slice(0, 1);
        });
        if (verdict.conclusion === 'success' || verdict.blocking.length > 0 || next.length === 0)
          return { verdict, unreadTeams: [...unread].sort() };
        await Promise.all(
          next.map(async (p) => {
            asked.add(key(p));
            const state = await membership(p.team, p.login);
            if (state === 'unknown') unread.add(p.team);
            else (known[p.team] ??= {})[p.login] = state;
          }),
        );
      }
    },
  };
}

/** "risk: no approver who is rita-risk or a member of acme/model-risk today (…)" for one unmet requirement. */
export function missingRoleLine(requirement: Requirement): string {
  const who = requirement.candidates.map((c) =>
    c.includes('/') ? `a member of ${c.replace(/^@/, '')}` : c.replace(/^@/, ''),
  );
  const line =
    who.length === 0
      ? `${requirement.role}: nobody could fill it`
      : `${requirement.role}: no approver who is ${who.join(' or ')} today`;
  return requirement.reason ? `${line} (${requirement.reason})` : line;
}

/** What the re-evaluation found missing, in words; undefined when the gate passes on re-evaluation. */
export function recheckShortfall(
  recheck: SignoffRecheck,
  firstParent: string,
): { kind: 'signoffs-missing' | 'gate-blocked'; missing: string } | undefined {
  const { verdict } = recheck;
  if (verdict.conclusion === 'success') return undefined;
  const basis = `re-evaluated under the policy at ${firstParent.slice(0, 12)} with the reviews given by the merge; team membership and write access as GitHub answers today`;
  const unread = recheck.unreadTeams.length
    ? `; membership of ${recheck.unreadTeams.join(', ')} could not be read (counted as not a member)`
    : '';
  if (verdict.blocking.length > 0)
    return {
      kind: 'gate-blocked',
      missing: `a change the gate lets through: ${verdict.blocking.join('; ')} (${basis})`,
    };
  const roles = verdict.requirements.filter((r) => !r.satisfiedBy).map(missingRoleLine);
  return {
    kind: 'signoffs-missing',
    missing: `the required sign-offs: ${roles.join('; ')} (${basis}${unread})`,
  };
}
