// Which approvals count as sign-offs, and who fills which role. GitHub logins are case-insensitive.
import type { RoleMembers } from '../registry/types.ts';
import type { GateInput, Permission, Review, SignoffFact } from './types.ts';
import type { RoleSlot } from './requirements.ts';

const lower = (login: string) => login.toLowerCase();

export const isBotLogin = (login: string): boolean => /\[bot\]$/i.test(login);

const WRITE_OR_MORE: ReadonlySet<Permission> = new Set(['write', 'maintain', 'admin']);

/**
 * Each reviewer's latest review that decides: a later CHANGES_REQUESTED or DISMISSED replaces an approval, a
 * later COMMENTED does not. Reviews are ordered by time; input order breaks ties.
 */
export function latestDecisiveReviews(reviews: Review[]): Map<string, Review> {
  const ordered = reviews
    .map((review, index) => ({ review, index }))
    .sort((a, b) => a.review.submittedAt.localeCompare(b.review.submittedAt) || a.index - b.index);
  const latest = new Map<string, Review>();
  for (const { review } of ordered) {
    if (review.state === 'COMMENTED') continue;
    latest.set(lower(review.login), review);
  }
  return latest;
}

/** Logins whose approval never counts on this pull request: its authors, by GitHub or by trailer. */
export function excludedLogins(input: Pick<GateInput, 'pullRequest' | 'policy'>): Set<string> {
  const pr = input.pullRequest;
  const excluded = new Set([pr.author, ...pr.requestedBy].map(lower));
  if (input.policy.signoff.excludeCommitAuthors)
    for (const login of pr.commitAuthors) excluded.add(lower(login));
  return excluded;
}

export interface Approval extends SignoffFact {
  /** Lowercased login, for comparisons. */
  key: string;
}

/**
 * Approvals that pass every check that does not need the GitHub API (review state, commit, authorship, bots),
 * plus the reason each other approval was refused.
 */
export function screenApprovals(
  input: Pick<GateInput, 'pullRequest' | 'policy' | 'reviews' | 'registryUnchangedSince'>,
): { approvals: Approval[]; refused: Map<string, string> } {
  const excluded = excludedLogins(input);
  const pr = input.pullRequest;
  const approvals: Approval[] = [];
  const refused = new Map<string, string>();
  for (const [key, review] of latestDecisiveReviews(input.reviews)) {
    const who = review.login;
    if (review.state !== 'APPROVED') {
      refused.set(key, `${who}: latest review is ${review.state}`);
    } else if (review.isBot || isBotLogin(who)) {
      refused.set(key, `${who}: is a bot`);
    } else if (excluded.has(key)) {
      refused.set(
        key,
        `${who}: is an author of this pull request (opened it, requested it, or wrote a commit)`,
      );
    } else if (
      review.commitId !== pr.headSha &&
      !(input.policy.signoff.allowStaleApprovals && input.registryUnchangedSince?.has(review.commitId))
    ) {
      refused.set(
        key,
        `${who}: approved ${review.commitId.slice(0, 7)}, not the head ${pr.headSha.slice(0, 7)}` +
          (input.policy.signoff.allowStaleApprovals ? ' (the registry changed since)' : ''),
      );
    } else {
      approvals.push({ key, login: who, at: review.submittedAt, commit: review.commitId });
    }
  }
  approvals.sort((a, b) => a.at.localeCompare(b.at) || a.key.localeCompare(b.key));
  return { approvals, refused };
}

/** Listed as a user (case-insensitive) or an active member of a listed team. */
export function holdsRole(
  login: string,
  members: RoleMembers | undefined,
  memberships: GateInput['memberships'],
): { holds: boolean; pending?: string } {
  if (members === undefined) return { holds: false };
  const key = lower(login);
  if ((members.users ?? []).some((user) => lower(user) === key)) return { holds: true };
  let pending: string | undefined;
  for (const team of members.teams ?? []) {
    const state = membershipOf(memberships, team, key);
    if (state === 'active') return { holds: true };
    if (state === 'pending') pending = team;
  }
  return { holds: false, pending };
}

function membershipOf(memberships: GateInput['memberships'], team: string, key: string) {
  for (const [name, byLogin] of Object.entries(memberships)) {
    if (lower(name) !== lower(team)) continue;
    for (const [login, state] of Object.entries(byLogin)) if (lower(login) === key) return state;
  }
  return undefined;
}

export function permissionOf(permissions: GateInput['permissions'], login: string): Permission {
  const key = lower(login);
  for (const [name, permission] of Object.entries(permissions)) if (lower(name) === key) return permission;
  return 'none';
}

export const canWrite = (permission: Permission): boolean => WRITE_OR_MORE.has(permission);

/**
 * Assigns approvers to slots. With one person per role, a maximum bipartite matching (augmenting paths), so
 * that someone eligible for two roles takes the one nobody else can fill. Slots are tried in order and
 * approvers by approval time, so the result is deterministic.
 */
export function assignSignoffs(
  slots: RoleSlot[],
  eligible: (slot: RoleSlot) => Approval[],
  onePersonManyRoles: boolean,
): (Approval | undefined)[] {
  const options = slots.map((slot) => (slot.unfillable ? [] : eligible(slot)));
  if (onePersonManyRoles) return options.map((list) => list[0]);
  const slotOf = new Map<string, number>();
  const assigned: (Approval | undefined)[] = slots.map(() => undefined);
  const augment = (slot: number, seen: Set<string>): boolean => {
    for (const approval of options[slot]!) {
      if (seen.has(approval.key)) continue;
      seen.add(approval.key);
      const holder = slotOf.get(approval.key);
      if (holder === undefined || augment(holder, seen)) {
        slotOf.set(approval.key, slot);
        assigned[slot] = approval;
        return true;
      }
    }
    return false;
  };
  for (let slot = 0; slot < slots.length; slot++) augment(slot, new Set());
  return assigned;
}
