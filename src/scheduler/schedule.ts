// The retrain schedule as a pure state machine: every transition takes the schedule and the time and returns a
// new schedule; nothing here reads the clock. The fields are the ones operators know from scheduler runbooks.
import { TollgateError } from '../errors.ts';
import { MAX_DURATION_SECONDS } from '../registry/limits.ts';
import type { EffectivePolicy } from '../policy/effective.ts';
import { assertSafeName } from '../registry/names.ts';
import { schedulePath } from '../registry/paths.ts';
import { API_VERSION } from '../registry/types.ts';
import type { Model, Schedule } from '../registry/types.ts';

export type Instant = Date | number;

/** Who pauses automatically after repeated failures. */
export const SYSTEM_ACTOR = 'tollgate';

export type SchedulePolicy = Pick<EffectivePolicy, 'schedule'>;

const ms = (t: Instant): number => (typeof t === 'number' ? t : t.getTime());

/** ISO-8601 UTC, without milliseconds when they are zero (the registry's usual spelling). */
export function isoTime(t: Instant): string {
  return new Date(ms(t)).toISOString().replace('.000Z', 'Z');
}

/** Reads a time field of a schedule; a malformed value names the file and field. */
function timeField(schedule: Schedule, field: keyof Schedule): number | undefined {
  const value = schedule[field];
  if (value === undefined || value === null) return undefined;
  const parsed = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(parsed)) {
    throw new TollgateError(`${field} is ${JSON.stringify(value)}, not an ISO-8601 time`, {
      file: safeSchedulePath(schedule.model),
      field,
      fix: `write ${field} like 2026-11-25T22:13:00Z, or remove it`,
    });
  }
  return parsed;
}

function safeSchedulePath(model: string): string | undefined {
  try {
    return schedulePath(model);
  } catch {
    return undefined;
  }
}

function assertPositiveSeconds(what: string, seconds: number): number {
  if (!Number.isSafeInteger(seconds) || seconds <= 0 || seconds > MAX_DURATION_SECONDS) {
    throw new TollgateError(
      `${what} must be a positive whole number of seconds up to ${MAX_DURATION_SECONDS} (ten years), got ${seconds}`,
      { fix: `give ${what} like 3600, 45m, 2h or 1d` },
    );
  }
  return seconds;
}

/** The schedule a model starts with: its first run one interval from now. */
export function initialSchedule(model: Model | string, interval: number, now: Instant): Schedule {
  const name = assertSafeName('model', typeof model === 'string' ? model : model.name);
  assertPositiveSeconds('interval', interval);
  return {
    apiVersion: API_VERSION,
    kind: 'Schedule',
    schema_version: 1,
    model: name,
    interval,
    next_run: isoTime(ms(now) + interval * 1000),
    updated_at: isoTime(now),
    failure_streak: 0,
  };
}

/** The interval a model runs at: model.yaml's schedule.interval, else the policy's default. */
export function intervalFor(model: Model | undefined, policy: SchedulePolicy): number {
  return model?.schedule?.interval ?? policy.schedule.defaultInterval;
}

/** last_run, or when it is absent, next_run − interval (older schedule files only kept next_run). */
export function effectiveLastRun(schedule: Schedule): Date | undefined {
  const last = timeField(schedule, 'last_run');
  if (last !== undefined) return new Date(last);
  const next = timeField(schedule, 'next_run');
  return next === undefined ? undefined : new Date(next - schedule.interval * 1000);
}

/** Whether the schedule is paused at `now`: a pause with an end is over at that instant; one without lasts. */
export function isPaused(schedule: Schedule, now: Instant): boolean {
  const until = timeField(schedule, 'paused_until');
  if (until !== undefined) return until > ms(now);
  return schedule.paused_reason !== undefined;
}

/** Whether the schedule is cooling down after a failure at `now`; the cooldown is over at cooldown_until. */
export function isCoolingDown(schedule: Schedule, now: Instant): boolean {
  const until = timeField(schedule, 'cooldown_until');
  return until !== undefined && until > ms(now);
}

export interface DueVerdict {
  due: boolean;
  reason: string;
}

/** Whether a scheduled retrain should start now, and why (or why not), in words for a job summary. */
export function isDue(schedule: Schedule, model: Model | undefined, now: Instant): DueVerdict {
  if (model?.schedule?.enabled === false) {
    return { due: false, reason: 'schedule disabled in model.yaml (schedule.enabled: false)' };
  }
  if (isPaused(schedule, now)) {
    const until = schedule.paused_until ? ` until ${schedule.paused_until}` : ' until resumed';
    const by = schedule.paused_by ? ` by ${schedule.paused_by}` : '';
    const why = schedule.paused_reason ? `: ${schedule.paused_reason}` : '';
    return { due: false, reason: `paused${until}${by}${why}` };
  }
  if (isCoolingDown(schedule, now)) {
    return {
      due: false,
      reason: `cooling down until ${schedule.cooldown_until} after ${schedule.failure_streak} consecutive failure(s)`,
    };
  }
  const next = timeField(schedule, 'next_run');
  if (next === undefined) return { due: true, reason: 'no next_run recorded: first run' };
  if (next > ms(now)) return { due: false, reason: `next run at ${schedule.next_run}` };
  const late = Math.floor((ms(now) - next) / 1000);
  return {
    due: true,
    reason:
      late >= schedule.interval
        ? `overdue since ${schedule.next_run} (missed runs fold into one)`
        : `due since ${schedule.next_run}`,
  };
}

/** A pause that has ended is dropped, so a finished pause does not linger in the file. */
function withoutExpiredPause(schedule: Schedule, now: Instant): Schedule {
  const until = timeField(schedule, 'paused_until');
  if (until === undefined || until > ms(now)) return schedule;
  const { paused_until: _u, paused_reason: _r, paused_by: _b, ...rest } = schedule;
  return rest;
}

/** The automatic pause is about failures; a success (a manual retrain, say) answers it. A person's pause stays. */
function withoutSystemPause(schedule: Schedule): Schedule {
  if (schedule.paused_by !== SYSTEM_ACTOR || !schedule.paused_reason?.startsWith('system:')) return schedule;
  const { paused_until: _u, paused_reason: _r, paused_by: _b, ...rest } = schedule;
  return rest;
}

/**
 * A successful run at `now`: the streak and cooldown clear, last_run is now and next_run one interval (plus the
 * model's jitter) later. Because the next run counts from now, not from the missed slot, any number of missed
 * runs folds into this one.
 */
export function executed(schedule: Schedule, now: Instant, policy: SchedulePolicy): Schedule {
  const {
    cooldown_until: _c,
    streak_escalated_at: _e,
    ...rest
  } = withoutSystemPause(withoutExpiredPause(schedule, now));
  const jitter = jitterFor(schedule.model, Math.min(policy.schedule.jitter, schedule.interval));
  return {
    ...rest,
    failure_streak: 0,
    last_run: isoTime(now),
    next_run: isoTime(ms(now) + (schedule.interval + jitter) * 1000),
    updated_at: isoTime(now),
  };
}

/** Seconds of cooldown after the `streak`-th consecutive failure: base × factor^(streak−1), at most the cap. */
export function cooldownSeconds(streak: number, policy: SchedulePolicy): number {
  const { cooldownBase: base, cooldownFactor: factor, cooldownCap: cap } = policy.schedule;
  if (streak <= 0 || base <= 0 || cap <= 0) return 0;
  const raw = base * factor ** (streak - 1);
  // factor^n overflows to Infinity for long streaks; the cap still holds.
  return Number.isFinite(raw) ? Math.min(Math.max(Math.round(raw), 0), cap) : cap;
}

/** Failure reasons land in YAML and summaries: one line, bounded. */
function oneLine(text: string, max = 500): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * A failed run at `now`: the streak grows, the cooldown grows exponentially up to its cap, and after
 * policy.schedule.pauseAfterFailures consecutive failures the schedule pauses itself until someone resumes it.
 * next_run and last_run stay: once the cooldown ends, the model is due again.
 */
export function failed(schedule: Schedule, now: Instant, reason: string, policy: SchedulePolicy): Schedule {
  const streak = schedule.failure_streak + 1;
  const cooldown = cooldownSeconds(streak, policy);
  const { cooldown_until: _c, ...rest } = withoutExpiredPause(schedule, now);
  const next: Schedule = {
    ...rest,
    failure_streak: streak,
    last_failure: isoTime(now),
    last_failure_reason: oneLine(reason) || 'unknown',
    ...(cooldown > 0 ? { cooldown_until: isoTime(ms(now) + cooldown * 1000) } : {}),
    updated_at: isoTime(now),
  };
  const limit = policy.schedule.pauseAfterFailures;
  // A pause someone set on purpose is theirs; the automatic one only fills an unpaused schedule.
  if (limit > 0 && streak >= limit && !isPaused(next, now)) {
    next.paused_reason = `system: ${streak} consecutive failures`;
    next.paused_by = SYSTEM_ACTOR;
  }
  return next;
}

export interface PauseOptions {
  /** End of the pause; at that instant the schedule runs again. */
  until?: Date;
  /** Length of the pause in seconds, from now. */
  duration?: number;
  reason: string;
  by: string;
}

/** Pauses until a time, for a duration, or (with neither) until `resume`. */
export function pause(schedule: Schedule, options: PauseOptions, now: Instant): Schedule {
  if (options.until !== undefined && options.duration !== undefined) {
    throw new TollgateError('pause takes an end time or a duration, not both', {
      fix: 'give --until TIME or --for DURATION',
    });
  }
  const reason = oneLine(options.reason ?? '');
  if (!reason)
    throw new TollgateError('a pause needs a reason', { fix: 'say why, e.g. --reason "data migration"' });
  if (!options.by?.trim()) throw new TollgateError('a pause needs the actor who paused', { fix: 'pass by' });
  let until: number | undefined;
  if (options.duration !== undefined)
    until = ms(now) + assertPositiveSeconds('pause duration', options.duration) * 1000;
  if (options.until !== undefined) {
    until = options.until.getTime();
    if (Number.isNaN(until) || until <= ms(now)) {
      throw new TollgateError(
        `pause end ${Number.isNaN(until) ? 'is not a valid time' : `${isoTime(until)} is not after now (${isoTime(now)})`}`,
        {
          kind: 'usage',
          fix: 'give an end time in the future, or a duration like 2h',
        },
      );
    }
  }
  const { paused_until: _u, ...rest } = schedule;
  return {
    ...rest,
    ...(until !== undefined ? { paused_until: isoTime(until) } : {}),
    paused_reason: reason,
    paused_by: options.by.trim(),
    updated_at: isoTime(now),
  };
}

/**
 * Ends a pause. Resuming is a fresh start: the failure streak and cooldown clear too, or a schedule paused after
 * N failures would pause again at the next one. A run missed while paused is due at once (folded into one).
 */
export function resume(schedule: Schedule, now: Instant, by: string): Schedule {
  if (!by?.trim()) throw new TollgateError('resume needs the actor who resumed', { fix: 'pass by' });
  if (!isPaused(schedule, now)) {
    throw new TollgateError(`the schedule of ${schedule.model} is not paused`, {
      file: safeSchedulePath(schedule.model),
      fix: 'nothing to resume; `tollgate schedule` shows its state',
    });
  }
  const {
    paused_until: _u,
    paused_reason: _r,
    paused_by: _b,
    cooldown_until: _c,
    streak_escalated_at: _e,
    ...rest
  } = schedule;
  return { ...rest, failure_streak: 0, updated_at: isoTime(now) };
}

/**
 * The runbook's service reset (mark-executed) once the cause of the failures is fixed: the failure streak and the
 * cooldown clear, and so does the automatic pause they caused; who and why are kept in `last_reset`. A person's
 * pause stays, and so do last_run and next_run: the model is due when it was due.
 */
export function resetFailures(
  schedule: Schedule,
  now: Instant,
  input: { by: string; reason: string },
): Schedule {
  const reason = oneLine(input.reason ?? '');
  if (!reason)
    throw new TollgateError('a reset needs a reason', {
      fix: 'say what was fixed, e.g. --reason "feature feed restored"',
    });
  if (!input.by?.trim()) throw new TollgateError('a reset needs the actor who reset', { fix: 'pass by' });
  if (schedule.failure_streak === 0 && schedule.cooldown_until === undefined) {
    throw new TollgateError(`the schedule of ${schedule.model} has no failure streak or cooldown to reset`, {
      file: safeSchedulePath(schedule.model),
      fix: 'nothing to reset; `tollgate schedule` shows its state',
    });
  }
  const { cooldown_until: _c, streak_escalated_at: _e, ...rest } = withoutSystemPause(schedule);
  return {
    ...rest,
    failure_streak: 0,
    last_reset: { at: isoTime(now), by: input.by.trim(), reason, failure_streak: schedule.failure_streak },
    updated_at: isoTime(now),
  };
}

/** Whether a failure streak is to be escalated now: it reached the policy's limit and was not escalated yet. */
export function streakNeedsEscalation(schedule: Schedule, policy: SchedulePolicy): boolean {
  const limit = policy.schedule.escalateAfterFailures;
  return limit > 0 && schedule.failure_streak >= limit && schedule.streak_escalated_at === undefined;
}

/** A new interval; next_run moves to the last run plus the new interval (due at once when that has passed). */
export function setScheduleInterval(schedule: Schedule, seconds: number, now: Instant): Schedule {
  assertPositiveSeconds('interval', seconds);
  const last = effectiveLastRun(schedule);
  return {
    ...schedule,
    interval: seconds,
    ...(last ? { last_run: isoTime(last), next_run: isoTime(last.getTime() + seconds * 1000) } : {}),
    updated_at: isoTime(now),
  };
}

export { setScheduleInterval as setInterval };

/** 32-bit FNV-1a: a stable, dependency-free hash so jitter is the same on every runner. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** A whole number of seconds in [0, maxSeconds], fixed for a model name: spreads models due at the same tick. */
export function jitterFor(model: string, maxSeconds: number): number {
  if (!(maxSeconds > 0)) return 0;
  return fnv1a(model) % (Math.floor(maxSeconds) + 1);
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** '90s', '45m', '2h', '1d', '1w', '1h30m' or plain seconds ('3600') → seconds (a positive whole number). */
export function parseDuration(text: string): number {
  const input = String(text).trim();
  const bad = (why: string) =>
    new TollgateError(`invalid duration ${JSON.stringify(text)}: ${why}`, {
      fix: 'write a duration like 3600, 90s, 45m, 2h, 1d, 1w or 1h30m',
    });
  if (input === '') throw bad('it is empty');
  let seconds: number;
  if (/^\d+$/.test(input)) {
    seconds = Number(input);
  } else {
    if (!/^(?:\d+[smhdw])+$/.test(input)) throw bad('use whole numbers with the units s, m, h, d or w');
    seconds = 0;
    for (const [, amount, unit] of input.matchAll(/(\d+)([smhdw])/g))
      seconds += Number(amount) * UNIT_SECONDS[unit!]!;
  }
  if (!Number.isSafeInteger(seconds) || seconds > MAX_DURATION_SECONDS)
    throw bad('it is longer than ten years');
  if (seconds <= 0) throw bad('it must be longer than zero');
  return seconds;
}

/** Seconds as the largest units that divide them, e.g. 5400 → '1h30m'; parseDuration reads it back. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return '0s';
  let rest = Math.round(seconds);
  const parts: string[] = [];
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    const size = UNIT_SECONDS[unit]!;
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}
