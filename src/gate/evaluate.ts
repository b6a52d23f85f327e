// The sign-off gate: a pure function of the base policy, the semantic diff, reviews and role facts.
import { requiredSignoffs, type RoleSlot } from './requirements.ts';
import {
  assignSignoffs,
  canWrite,
  holdsRole,
  excludedLogins,
  permissionOf,
  screenApprovals,
  type Approval,
} from './signoffs.ts';
import type { GateInput, GateVerdict, Requirement } from './types.ts';

function requirementsInput(input: Omit<GateInput, 'memberships' | 'permissions'>) {
  return {
    policy: input.policy,
    defaultBranch: input.defaultBranch,
    changes: input.changes,
    models: input.models,
    baseRef: input.pullRequest.baseRef,
    ...(input.pullRequest.headRef !== undefined ? { headRef: input.pullRequest.headRef } : {}),
    authorIsBot: input.pullRequest.authorIsBot === true,
    author: input.pullRequest.author,
    ...(input.pullRequest.recordWriter ? { recordWriter: input.pullRequest.recordWriter } : {}),
    stageHistory: input.stageHistory,
    versions: input.versions,
    ...(input.transientPointers ? { transientPointers: input.transientPointers } : {}),
    ...(input.invalidFiles ? { invalidFiles: input.invalidFiles } : {}),
  };
}

function candidatesFor(slot: RoleSlot, excluded: Set<string>): string[] {
  const users = (slot.members?.users ?? []).filter((user) => !excluded.has(user.toLowerCase()));
  return [...users.map((user) => `@${user}`), ...(slot.members?.teams ?? []).map((team) => `@${team}`)];
}

export function evaluateGate(input: GateInput): GateVerdict {
  const required = requiredSignoffs(requirementsInput(input));
  const { approvals, refused } = screenApprovals(input);
  const excluded = excludedLogins(input);

  // Per slot: approvals that fully qualify, and why the near misses did not.
  const notes = new Map<string, string[]>();
  const cache = new Map<string, Approval[]>();
  const eligible = (slot: RoleSlot): Approval[] => {
    const cached = cache.get(slot.key);
    if (cached) return cached;
    const out: Approval[] = [];
    const slotNotes: string[] = [];
    for (const approval of approvals) {
      const role = holdsRole(approval.login, slot.members, input.memberships);
      if (!role.holds) {
        if (role.pending) slotNotes.push(`${approval.login}: invitation to ${role.pending} is still pending`);
        continue;
      }
      const permission = permissionOf(input.permissions, approval.login);
      if (!canWrite(permission)) {
        slotNotes.push(`${approval.login}: has ${permission} access, a sign-off needs write`);
        continue;
      }
      out.push(approval);
    }
    for (const [key, reason] of refused) {
      const login = input.reviews.find((r) => r.login.toLowerCase() === key)?.login ?? key;
      if (holdsRole(login, slot.members, input.memberships).holds) slotNotes.push(reason);
    }
    notes.set(slot.key, slotNotes);
    cache.set(slot.key, out);
    return out;
  };

  const assigned = assignSignoffs(required.slots, eligible, input.policy.signoff.allowOnePersonManyRoles);
  const requirements: Requirement[] = required.slots.map((slot, index) => {
    const approval = assigned[index];
    const requirement: Requirement = {
      rule: slot.rules.join(', '),
      role: slot.role,
      candidates: candidatesFor(slot, excluded),
    };
    if (approval) {
      requirement.satisfiedBy = { login: approval.login, at: approval.at, commit: approval.commit };
      return requirement;
    }
    const reasons = slot.unfillable ? [slot.unfillable] : [...(notes.get(slot.key) ?? [])];
    const elsewhere = assigned.filter(
      (a, i) => a && i !== index && eligible(slot).some((e) => e.key === a.key),
    );
    for (const a of elsewhere)
      reasons.push(`${a!.login}: already signs off as another role (one person, one role)`);
    if (reasons.length > 0) requirement.reason = reasons.join('; ');
    return requirement;
  });

  const missing = requirements.filter((r) => !r.satisfiedBy);
  const conclusion = required.blocking.length === 0 && missing.length === 0 ? 'success' : 'failure';
  return {
    conclusion,
    title: titleFor(conclusion, required.blocking, requirements, required.stateOnly, input.changes.length),
    requirements,
    blocking: required.blocking,
    stateOnly: required.stateOnly && required.blocking.length === 0,
    changes: required.changes,
    ...(input.invalidFiles?.length ? { invalidFiles: input.invalidFiles } : {}),
  };
}

function titleFor(
  conclusion: 'success' | 'failure',
  blocking: string[],
  requirements: Requirement[],
  stateOnly: boolean,
  changeCount: number,
): string {
  if (blocking.length > 0) return `Blocked: ${blocking[0]!.split(';')[0]}`;
  if (changeCount === 0) return 'No changes';
  if (stateOnly) return 'State changes only: no sign-off needed';
  if (requirements.length === 0) return 'No sign-off needed';
  const done = requirements.filter((r) => r.satisfiedBy).length;
  if (conclusion === 'success') return `All ${requirements.length} sign-offs present`;
  const missing = requirements.filter((r) => !r.satisfiedBy).map((r) => r.role);
  return `${done} of ${requirements.length} sign-offs; missing: ${missing.join(', ')}`;
}

/** The API facts the shell must fetch: team memberships and permissions, only for approvers that could count. */
export interface RoleLookups {
  /** (team, login) pairs whose membership decides a role; the shell may fetch per pair or list the team. */
  memberships: { team: string; login: string }[];
  /** Logins whose repository permission decides a sign-off. */
  permissions: string[];
}

export function rolesToResolve(input: Omit<GateInput, 'memberships' | 'permissions'>): RoleLookups {
  const required = requiredSignoffs(requirementsInput(input));
  if (required.blocking.length > 0) return { memberships: [], permissions: [] };
  const { approvals } = screenApprovals(input);
  const pairs = new Map<string, { team: string; login: string }>();
  const logins = new Map<string, string>();
  for (const slot of required.slots) {
    if (slot.unfillable || slot.members === undefined) continue;
    for (const approval of approvals) {
      const listed = holdsRole(approval.login, slot.members, {}).holds;
      if (listed) {
        logins.set(approval.key, approval.login);
        continue;
      }
      for (const team of slot.members.teams ?? []) {
        pairs.set(`${team.toLowerCase()} ${approval.key}`, { team, login: approval.login });
        logins.set(approval.key, approval.login);
      }
    }
  }
  return {
    memberships: [...pairs.values()].sort(
      (a, b) => a.team.localeCompare(b.team) || a.login.localeCompare(b.login),
    ),
    permissions: [...logins.values()].sort(),
  };
}
