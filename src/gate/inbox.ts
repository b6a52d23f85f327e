// The reviewers' inbox: from open promotion pull requests and the gate's verdict on each, which roles still owe a
// sign-off and who can give it, oldest first. Pure: the pending flow (pending-flow.ts) fetches, this decides.
import type { GateVerdict } from './types.ts';

const lower = (text: string) => text.toLowerCase();

/** One open promotion pull request as the flow found it. */
export interface PendingPull {
  number: number;
  title: string;
  url: string;
  /** ISO-8601, when it was opened. */
  createdAt: string;
  draft: boolean;
  /** From the branch tollgate/promote/<model>/<stage>. */
  model?: string;
  stage?: string;
  /** The gate's verdict at the head; absent when it could not be judged (see `problem`). */
  verdict?: GateVerdict;
  /** Why it could not be judged, e.g. its head could not be fetched. */
  problem?: string;
  /** Logins whose approval does not count here (its authors: opener, Requested-By, commit authors). */
  excluded: string[];
}

/** Whom `--me` stands for: the token's user and the teams (org/team) it is an active member of. */
export interface Reviewer {
  login: string;
  teams: string[];
}

export interface InboxFilter {
  /** Only this role: `risk` matches `risk`; `model-owner` matches `model-owner (fraud-detector)`. */
  role?: string;
  /** Only roles this reviewer may fill. */
  me?: Reviewer;
  /** Only pull requests open at least this long. */
  olderThanSeconds?: number;
}

export interface OwedRole {
  role: string;
  /** The policy rule(s) that ask for it, e.g. "production promotion". */
  rule: string;
  /** `@login` and `@org/team` who can give it. */
  candidates: string[];
  /** Why approvals given so far did not count, when some were given. */
  reason?: string;
}

export interface InboxRow {
  number: number;
  title: string;
  url: string;
  model?: string;
  stage?: string;
  draft: boolean;
  openedAt: string;
  ageSeconds: number;
  /** The age as shown, e.g. `2d 3h`. */
  age: string;
  owed: OwedRole[];
  /** Reasons the gate fails whatever the reviews say: signing off alone will not merge it. */
  blocking: string[];
  problem?: string;
}

/** `risk` names `risk`; `model-owner` names `model-owner (fraud-detector)` too. */
export function roleMatches(role: string, wanted: string): boolean {
  const r = lower(role.trim());
  const w = lower(wanted.trim());
  return r === w || r.startsWith(`${w} (`);
}

/** Whether `me` may fill a role with these candidates on a pull request whose authors are `excluded`. */
export function canFill(candidates: string[], me: Reviewer, excluded: string[]): boolean {
  if (excluded.some((login) => lower(login) === lower(me.login))) return false;
  const teams = new Set(me.teams.map(lower));
  return candidates.some((candidate) => {
    const name = lower(candidate.replace(/^@/, ''));
    return name.includes('/') ? teams.has(name) : name === lower(me.login);
  });
}

/** Seconds as at most the two largest units, e.g. `2d 3h`, `45m`, `1d`, `under 1m`. */
export function formatAge(seconds: number): string {
  if (seconds < 60) return 'under 1m';
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
  ];
  const first = units.findIndex(([, size]) => seconds >= size);
  const [unit, size] = units[first]!;
  const next = units[first + 1];
  const whole = Math.floor(seconds / size);
  const rest = next ? Math.floor((seconds % size) / next[1]) : 0;
  return rest > 0 && next ? `${whole}${unit} ${rest}${next[0]}` : `${whole}${unit}`;
}

/**
 * The inbox: every pull request that still owes a sign-off the filter asks about (or could not be judged), with
 * the roles owed, oldest first (ties by number). A pull request the gate already passes owes nothing and is left out.
 */
export function inboxRows(pulls: PendingPull[], now: Date, filter: InboxFilter = {}): InboxRow[] {
  const rows: InboxRow[] = [];
  for (const pull of pulls) {
    const ageSeconds = Math.max(0, Math.floor((now.getTime() - Date.parse(pull.createdAt)) / 1000));
    if (filter.olderThanSeconds !== undefined && ageSeconds < filter.olderThanSeconds) continue;
    const owed = (pull.verdict?.requirements ?? [])
      .filter((r) => !r.satisfiedBy)
      .filter((r) => filter.role === undefined || roleMatches(r.role, filter.role))
      .filter((r) => filter.me === undefined || canFill(r.candidates, filter.me, pull.excluded))
      .map((r) => ({
        role: r.role,
        rule: r.rule,
        candidates: r.candidates,
        ...(r.reason ? { reason: r.reason } : {}),
      }));
    // A pull request that could not be judged is shown unfiltered: nobody can tell whom it waits for.
    if (owed.length === 0 && pull.problem === undefined) continue;
    rows.push({
      number: pull.number,
      title: pull.title,
      url: pull.url,
      ...(pull.model ? { model: pull.model } : {}),
      ...(pull.stage ? { stage: pull.stage } : {}),
      draft: pull.draft,
      openedAt: pull.createdAt,
      ageSeconds,
      age: formatAge(ageSeconds),
      owed,
      blocking: pull.verdict?.blocking ?? [],
      ...(pull.problem !== undefined ? { problem: pull.problem } : {}),
    });
  }
  return rows.sort((a, b) => a.openedAt.localeCompare(b.openedAt) || a.number - b.number);
}
