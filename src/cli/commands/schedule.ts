// `tollgate schedule status|pause|resume|reset|set-interval`: read and change a model's retrain schedule on a local
// checkout. Each change is one schedule.yaml written by the registry writer and one commit with trailers.
import { relative, sep } from 'node:path';
import { TollgateError } from '../../errors.ts';
import { effectivePolicy, type EffectivePolicy } from '../../policy/effective.ts';
import { checkoutNote } from '../../publish/checkout-note.ts';
import { commitRegistryChange } from '../../publish/registry-transaction.ts';
import { fileSystemReader, loadFiles, loadRegistry } from '../../registry/load.ts';
import { assertSafeName } from '../../registry/names.ts';
import { POLICY_PATH, schedulePath } from '../../registry/paths.ts';
import type { ModelEntry, Registry, RegistryReader, Schedule } from '../../registry/types.ts';
import { activeRetrain } from '../../retrain/request.ts';
import {
  formatDuration,
  initialSchedule,
  intervalFor,
  isCoolingDown,
  isDue,
  isPaused,
  isoTime,
  parseDuration,
  pause,
  resume,
  resetFailures,
  setScheduleInterval,
} from '../../scheduler/schedule.ts';
import { parseCommandArgs, type CliContext, type Command } from '../context.ts';
import { commandSpec, FORMAT_OPTION } from '../spec.ts';
import { formatOption } from './registry-prefix.ts';
import { actorOf } from './retrain.ts';

const USAGE = [
  'tollgate schedule status [MODEL] [--format json]',
  'tollgate schedule pause MODEL [--for 2h | --until TIME] --reason TEXT [--by LOGIN] [--dry-run]  (neither: until resumed)',
  'tollgate schedule reset MODEL --reason TEXT [--by LOGIN] [--dry-run]  (clears the failure streak and cooldown)',
  'tollgate schedule resume MODEL [--by LOGIN] [--dry-run]',
  'tollgate schedule set-interval MODEL DURATION [--by LOGIN] [--dry-run]',
].join('\n');

async function load(context: CliContext): Promise<{ registry: Registry; policy: EffectivePolicy }> {
  const { registry } = await loadRegistry(fileSystemReader(context.registryDir));
  return { registry, policy: effectivePolicy(registry.policy) };
}

function entryOf(registry: Registry, name: string | undefined): ModelEntry {
  const model = assertSafeName('model', name);
  const entry = registry.models.get(model);
  if (!entry) {
    throw new TollgateError(`no model ${model} in the registry`, {
      file: `models/${model}/model.yaml`,
      fix: 'check the name (`ls registry/models`), or run `tollgate validate` if its model.yaml is invalid',
    });
  }
  return entry;
}

export type ScheduleState = 'due' | 'waiting' | 'paused' | 'cooling down' | 'disabled' | 'not scheduled';

export interface ScheduleStatus {
  model: string;
  state: ScheduleState;
  due: boolean;
  reason: string;
  interval?: number;
  last_run?: string;
  next_run?: string;
  failure_streak?: number;
  last_failure_reason?: string;
  cooldown_until?: string;
  paused_until?: string;
  paused_reason?: string;
  paused_by?: string;
  /** The active retrain request that would make the scheduler skip a due model. */
  active_request?: string;
}

/** One model's schedule as the scheduler sees it at `now`. */
export function scheduleStatus(entry: ModelEntry, policy: EffectivePolicy, now: Date): ScheduleStatus {
  const model = entry.model.name;
  const settings = entry.model.schedule;
  const active = activeRetrain(entry.retrains.values(), model);
  const extra = active ? { active_request: active.request.id } : {};
  const schedule = entry.schedule;
  if (!schedule) {
    if (!settings)
      return {
        model,
        state: 'not scheduled',
        due: false,
        reason: 'no schedule.yaml and no schedule: in model.yaml',
      };
    if (settings.enabled === false) {
      return {
        model,
        state: 'disabled',
        due: false,
        reason: 'schedule disabled in model.yaml (schedule.enabled: false)',
      };
    }
    return {
      model,
      state: 'due',
      due: true,
      reason: 'no schedule.yaml yet: first run at the next tick',
      interval: intervalFor(entry.model, policy),
      ...extra,
    };
  }
  const verdict = isDue(schedule, entry.model, now);
  const state: ScheduleState =
    settings?.enabled === false
      ? 'disabled'
      : isPaused(schedule, now)
        ? 'paused'
        : isCoolingDown(schedule, now)
          ? 'cooling down'
          : verdict.due
            ? 'due'
            : 'waiting';
  const fields = [
    'interval',
    'last_run',
    'next_run',
    'failure_streak',
    'last_failure_reason',
    'cooldown_until',
    'paused_until',
    'paused_reason',
    'paused_by',
  ] as const;
  const shown: Partial<ScheduleStatus> = {};
  for (const field of fields)
    if (schedule[field] !== undefined) Object.assign(shown, { [field]: schedule[field] });
  return { model, state, due: verdict.due, reason: verdict.reason, ...shown, ...extra };
}

const BY = {
  by: {
    type: 'string',
    value: 'LOGIN',
    description: 'who changes it (default: TOLLGATE_ACTOR, GITHUB_ACTOR, USER)',
  },
} as const;

const STATUS = commandSpec({
  name: 'schedule status',
  summary: 'each scheduled model: due, waiting, paused, cooling down or disabled, and why',
  args: '[MODEL]',
  positionals: [0, 1],
  options: { ...FORMAT_OPTION },
  examples: [
    ['tollgate schedule status', 'every scheduled model'],
    ['tollgate schedule status fraud-detector --format json', 'one model, as JSON'],
  ],
});

const PAUSE = commandSpec({
  name: 'schedule pause',
  summary: 'pause a model’s retrain schedule for a while, until a time, or until resumed',
  args: 'MODEL',
  positionals: [1, 1],
  writes: true,
  options: {
    ...BY,
    for: {
      type: 'string',
      value: 'DURATION',
      description: 'pause this long (2h, 3d); neither: until resumed',
    },
    until: { type: 'string', value: 'TIME', description: 'pause until this time; neither: until resumed' },
    reason: { type: 'string', value: 'TEXT', required: true, description: 'why, recorded in schedule.yaml' },
  },
  examples: [
    ['tollgate schedule pause fraud-detector --for 2d --reason "data migration"', 'no retrains for two days'],
    ['tollgate schedule pause fraud-detector --until 2026-12-01T09:00:00Z --reason freeze', 'until a time'],
    ['tollgate schedule pause fraud-detector --reason "feed broken"', 'until `tollgate schedule resume`'],
  ],
});

const RESUME = commandSpec({
  name: 'schedule resume',
  summary: 'resume a paused schedule',
  args: 'MODEL',
  positionals: [1, 1],
  writes: true,
  options: { ...BY },
  examples: [['tollgate schedule resume fraud-detector', 'retrain again when due']],
});

const RESET = commandSpec({
  name: 'schedule reset',
  summary: 'clear a model’s failure streak and cooldown once the cause of its failed retrains is fixed',
  args: 'MODEL',
  positionals: [1, 1],
  writes: true,
  options: {
    ...BY,
    reason: { type: 'string', value: 'TEXT', required: true, description: 'what was fixed' },
  },
  examples: [
    ['tollgate schedule reset fraud-detector --reason "feature feed restored"', 'retrain at the next tick'],
  ],
});

const SET_INTERVAL = commandSpec({
  name: 'schedule set-interval',
  summary: 'change how often a model is retrained',
  args: 'MODEL DURATION',
  positionals: [2, 2],
  writes: true,
  options: { ...BY },
  examples: [
    ['tollgate schedule set-interval fraud-detector 7d', 'retrain weekly'],
    ['tollgate schedule set-interval fraud-detector 12h --dry-run', 'show the change, write nothing'],
  ],
});

const SCHEDULE = commandSpec({
  name: 'schedule',
  summary:
    "show a model's retrain schedule (due, paused, cooling down), pause, resume, reset its failures or change its interval",
  options: {},
  subcommands: [STATUS, PAUSE, RESUME, RESET, SET_INTERVAL],
  defaultSubcommand: 'status',
  examples: [STATUS.examples[0]!, PAUSE.examples[0]!, SET_INTERVAL.examples[0]!],
});

async function status(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(STATUS, args);
  const format = formatOption(values.format, 'schedule status');
  if (positionals.length > 1)
    throw new TollgateError('schedule status takes at most one model', { kind: 'usage', fix: USAGE });
  const { registry, policy } = await load(context);
  const now = context.now();
  const entries =
    positionals[0] !== undefined ? [entryOf(registry, positionals[0])] : [...registry.models.values()];
  const rows = entries
    .map((entry) => scheduleStatus(entry, policy, now))
    .filter((row) => positionals.length > 0 || row.state !== 'not scheduled')
    .sort((a, b) => a.model.localeCompare(b.model));
  if (format === 'json') {
    context.out(JSON.stringify({ now: isoTime(now), models: rows }, null, 2));
    return 0;
  }
  if (rows.length === 0) {
    context.out('no scheduled models');
    return 0;
  }
  const width = Math.max(...rows.map((r) => r.model.length));
  const lines = [`at ${isoTime(now)}:`];
  for (const row of rows) {
    const every = row.interval ? `every ${formatDuration(row.interval)}` : '';
    const active = row.active_request ? `; retrain ${row.active_request} is active` : '';
    lines.push(
      `  ${row.model.padEnd(width)}  ${row.state.padEnd(12)}  ${every.padEnd(10)}  ${row.reason}${active}`,
    );
  }
  context.out(lines.join('\n'));
  return 0;
}

interface Change {
  event: 'schedule-pause' | 'schedule-resume' | 'schedule-interval' | 'schedule-reset';
  summary: (next: Schedule) => string;
  apply: (schedule: Schedule, now: Date, by: string) => Schedule;
}

/** The fields that differ, as `field: old -> new` lines. */
export function scheduleChanges(before: Schedule | undefined, after: Schedule): string[] {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after)])] as (keyof Schedule)[];
  const show = (v: unknown) => (v === undefined ? '(none)' : String(v));
  return keys
    .filter((k) => before?.[k] !== after[k])
    .map((k) => `${k}: ${show(before?.[k])} -> ${show(after[k])}`);
}

async function change(
  context: CliContext,
  model: string | undefined,
  by: string | undefined,
  dryRun: boolean,
  what: Change,
): Promise<number> {
  const actor = actorOf(context, by);
  const now = context.now();
  // Decided from the registry as the branch holds it at commit time, so runs side by side never describe (or
  // overwrite) each other's schedule: a run that loses the race decides again on the winner's result.
  const decide = async (reader: RegistryReader) => {
    const name = assertSafeName('model', model);
    const { registry } = await loadFiles(reader, [POLICY_PATH, ...(await reader.list(`models/${name}`))]);
    const entry = entryOf(registry, name);
    const current = entry.schedule;
    if (!current && !entry.model.schedule) {
      throw new TollgateError(
        `model ${name} is not scheduled: it has no schedule.yaml and no schedule: in model.yaml`,
        {
          file: `models/${name}/model.yaml`,
          field: 'schedule',
          fix: 'add `schedule: { interval: 86400 }` to its model.yaml in a pull request first',
        },
      );
    }
    const policy = effectivePolicy(registry.policy);
    const next = what.apply(
      current ?? initialSchedule(entry.model, intervalFor(entry.model, policy), now),
      now,
      actor,
    );
    return { name, next, summary: what.summary(next), diff: scheduleChanges(current, next) };
  };
  if (dryRun) {
    const { summary, diff } = await decide(fileSystemReader(context.registryDir));
    context.out([`${summary} (dry run: nothing written)`, ...diff.map((l) => `  ${l}`)].join('\n'));
    return 0;
  }
  const date = now.toISOString();
  const registryDir = relative(context.repoRoot, context.registryDir).split(sep).join('/') || '.';
  const result = await commitRegistryChange(context.repoRoot, {
    registryDir,
    build: async (reader, stage) => {
      const decided = await decide(reader);
      stage.writeRegistry([{ path: schedulePath(decided.name), document: decided.next }]);
      return {
        value: decided,
        commit: {
          message: decided.summary,
          trailers: { 'Tollgate-Event': what.event, Model: decided.name, 'Requested-By': actor },
          env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
        },
      };
    },
  });
  const { summary, diff } = result.value;
  if (!result.commit) {
    context.out(`${summary}: already so, nothing to commit`);
    return 0;
  }
  context.out(
    [
      `${summary}: commit ${result.commit.slice(0, 12)} (push it or open a pull request; the gate passes schedule changes without sign-offs)`,
      ...diff.map((l) => `  ${l}`),
      ...checkoutNote(result.checkout),
    ].join('\n'),
  );
  return 0;
}

async function pauseCommand(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(PAUSE, args);
  if (positionals.length !== 1)
    throw new TollgateError('schedule pause needs exactly one model', { kind: 'usage', fix: USAGE });
  // Neither --for nor --until: paused until `tollgate schedule resume`.
  if (values.for !== undefined && values.until !== undefined) {
    throw new TollgateError('schedule pause takes --for DURATION or --until TIME, not both', {
      kind: 'usage',
      fix: 'e.g. --for 2h, or --until 2026-12-01T09:00:00Z, or neither to pause until resumed',
    });
  }
  if (!values.reason?.trim())
    throw new TollgateError('schedule pause needs --reason', { fix: '--reason "data migration"' });
  const duration = values.for !== undefined ? parseDuration(values.for) : undefined;
  let until: Date | undefined;
  if (values.until !== undefined) {
    until = new Date(values.until);
    if (Number.isNaN(until.getTime()) || !/\d{4}-\d{2}-\d{2}/.test(values.until)) {
      throw new TollgateError(`--until ${values.until} is not a time`, {
        kind: 'usage',
        fix: 'give an ISO-8601 time, e.g. 2026-12-01T09:00:00Z',
      });
    }
  }
  const reason = values.reason;
  return change(context, positionals[0], values.by, values['dry-run'], {
    event: 'schedule-pause',
    summary: (next) =>
      `Pause the retrain schedule of ${next.model} until ${next.paused_until ?? 'resumed'}: ${next.paused_reason}`,
    apply: (schedule, now, by) =>
      pause(
        schedule,
        { reason, by, ...(duration !== undefined ? { duration } : {}), ...(until ? { until } : {}) },
        now,
      ),
  });
}

async function resetCommand(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(RESET, args);
  if (positionals.length !== 1)
    throw new TollgateError('schedule reset needs exactly one model', { kind: 'usage', fix: USAGE });
  if (!values.reason?.trim())
    throw new TollgateError('schedule reset needs --reason: what was fixed', {
      fix: '--reason "feature feed restored"',
    });
  const reason = values.reason;
  return change(context, positionals[0], values.by, values['dry-run'], {
    event: 'schedule-reset',
    summary: (next) =>
      `Reset the failure streak (${next.last_reset?.failure_streak ?? 0}) and cooldown of ${next.model}: ${next.last_reset?.reason ?? reason}`,
    apply: (schedule, now, by) => resetFailures(schedule, now, { by, reason }),
  });
}

async function resumeCommand(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(RESUME, args);
  if (positionals.length !== 1)
    throw new TollgateError('schedule resume needs exactly one model', { kind: 'usage', fix: USAGE });
  return change(context, positionals[0], values.by, values['dry-run'], {
    event: 'schedule-resume',
    summary: (next) => `Resume the retrain schedule of ${next.model}`,
    apply: (schedule, now, by) => resume(schedule, now, by),
  });
}

async function setIntervalCommand(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(SET_INTERVAL, args);
  if (positionals.length !== 2) {
    throw new TollgateError('schedule set-interval needs a model and a duration', {
      kind: 'usage',
      fix: USAGE,
    });
  }
  const seconds = parseDuration(positionals[1]!);
  return change(context, positionals[0], values.by, values['dry-run'], {
    event: 'schedule-interval',
    summary: (next) => `Retrain ${next.model} every ${formatDuration(seconds)}`,
    apply: (schedule, now) => setScheduleInterval(schedule, seconds, now),
  });
}

const SUBCOMMANDS: Record<string, (args: string[], context: CliContext) => Promise<number>> = {
  status,
  pause: pauseCommand,
  resume: resumeCommand,
  reset: resetCommand,
  'set-interval': setIntervalCommand,
};

export const scheduleCommand: Command = {
  ...SCHEDULE,
  async run(args, context) {
    const [sub, ...rest] = args;
    const handler = sub === undefined ? status : SUBCOMMANDS[sub];
    if (!handler) throw new TollgateError(`unknown schedule command "${sub}"`, { kind: 'usage', fix: USAGE });
    return handler(rest, context);
  },
};
