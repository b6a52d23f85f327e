// Choosing what a rollback returns to, and which commits to revert to get there. Pure: the stage pointer's
// history (read from git by src/rollback/execute.ts) and the clock come in as data.
import { TollgateError } from '../errors.ts';

/** One commit on the default branch (first-parent) that moved a stage's pointer. */
export interface PointerMove {
  sha: string;
  /** Commit time, ISO-8601. */
  at: string;
  /** Version before the commit; absent when the stage did not exist. */
  from?: string;
  /** Version after the commit; absent when the commit removed the stage. */
  to?: string;
  isMerge: boolean;
  /** A `git revert` or a commit with `Tollgate-Event: rollback`. */
  isRollback: boolean;
  pullRequest?: number;
  /** The `Incident:` trailer of the commit, when it has one. */
  incident?: string;
}

export interface RollbackPlan {
  model: string;
  stage: string;
  /** The version the stage points at now (absent when the stage is empty). */
  current?: string;
  target: string;
  /** When the target became current in the tenure we return to. */
  since: string;
  /** How long that tenure lasted, in seconds. */
  heldFor: number;
  /** True when the tenure lasted at least stable_for. An explicit --to may pick an unstable one. */
  stable: boolean;
  /** The commits that moved the pointer after the target became current, newest first. */
  commitsToRevert: string[];
  /** The commit that made the target current. */
  targetCommit: string;
}

export interface ChooseRollbackInput {
  model: string;
  stage: string;
  /** Oldest first, as walked along the default branch's first parents. */
  history: PointerMove[];
  current?: string;
  /** An explicit target (`--to`); absent = the last stable version. */
  to?: string;
  /** Seconds a version must have held the stage before being replaced to count as stable. */
  stableFor: number;
  now: Date;
  /** Versions marked held (rolled back from, not to be served again until unheld). */
  held: Iterable<string>;
}

interface Tenure {
  version: string;
  index: number;
  start: number;
  end: number;
}

/**
 * The target and the commits to revert. Default target: the most recent version, other than the current one and
 * not held, that held the stage for at least `stableFor` before it was replaced.
 *
 * An explicit `to` must have held this stage before (any length of time): a rollback may need fewer sign-offs
 * than a promotion, so a version that never served here cannot arrive by rollback. Promote it instead.
 */
export function chooseRollbackTarget(input: ChooseRollbackInput): RollbackPlan {
  const { model, stage, history, current } = input;
  const held = new Set(input.held);
  const where = `${model} ${stage}`;
  const nowMs = input.now.getTime();
  const tenures: Tenure[] = [];
  history.forEach((move, index) => {
    const start = Date.parse(move.at);
    const end = index + 1 < history.length ? Date.parse(history[index + 1]!.at) : nowMs;
    if (move.to !== undefined) tenures.push({ version: move.to, index, start, end });
  });
  // The newest tenure is the live one (when it is the current version); it is never a target.
  const live = tenures.at(-1);
  const past =
    live && live.index === history.length - 1 && live.version === current ? tenures.slice(0, -1) : tenures;

  let chosen: Tenure | undefined;
  if (input.to !== undefined) {
    const to = input.to;
    if (to === current) {
      throw new TollgateError(`${where} already points at ${to}; there is nothing to roll back`, {
        fix: 'name another version with --to, or leave --to out to return to the last stable one',
        field: 'to',
      });
    }
    if (held.has(to)) {
      throw new TollgateError(
        `${model} ${to} is held (it was rolled back from), so it cannot be the target`,
        {
          fix: `run \`tollgate unhold ${model} ${to}\` first if it is safe again, or choose another version`,
          field: 'to',
        },
      );
    }
    chosen = [...past].reverse().find((t) => t.version === to);
    if (!chosen) {
      throw new TollgateError(`${model} ${to} never held ${stage}, so it cannot be a rollback target`, {
        fix: `promote it with \`tollgate promote ${model} ${to} --to ${stage}\`, which takes the full sign-offs`,
        field: 'to',
      });
    }
  } else {
    chosen = [...past]
      .reverse()
      .find(
        (t) => t.version !== current && !held.has(t.version) && t.end - t.start >= input.stableFor * 1000,
      );
    if (!chosen) {
      const seen = [...new Set(past.map((t) => t.version))].filter((v) => v !== current);
      throw new TollgateError(
        `no stable version to roll ${where} back to: none held it for ${input.stableFor} s before being replaced` +
          (seen.length
            ? ` (earlier versions: ${seen.map((v) => (held.has(v) ? `${v} (held)` : v)).join(', ')})`
            : ''),
        {
          fix: seen.length
            ? 'name a version with --to, or fix forward with a new promotion'
            : 'fix forward: promote a corrected version',
        },
      );
    }
  }
  const commitsToRevert = history
    .slice(chosen.index + 1)
    .map((m) => m.sha)
    .reverse();
  const plan: RollbackPlan = {
    model,
    stage,
    target: chosen.version,
    since: new Date(chosen.start).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    heldFor: Math.round((chosen.end - chosen.start) / 1000),
    stable: chosen.end - chosen.start >= input.stableFor * 1000,
    commitsToRevert,
    targetCommit: history[chosen.index]!.sha,
  };
  if (current !== undefined) plan.current = current;
  return plan;
}

/** True when the newest move of the stage was itself a rollback (auto-rollback never rolls back a rollback). */
export const lastMoveWasRollback = (history: PointerMove[]): boolean => history.at(-1)?.isRollback ?? false;
