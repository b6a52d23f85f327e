// `tollgate schedule status`: each model's schedule as the scheduler sees it at a moment (due, waiting, paused,
// cooling down, disabled), and the flow that reads them from a registry folder.
import { TollgateError } from '../errors.ts';
import { effectivePolicy, type EffectivePolicy } from '../policy/effective.ts';
import { fileSystemReader, loadRegistry } from '../registry/load.ts';
import { assertSafeName } from '../registry/names.ts';
import type { ModelEntry, Registry } from '../registry/types.ts';
import { activeRetrain } from '../retrain/request.ts';
import { intervalFor, isCoolingDown, isDue, isPaused } from './schedule.ts';

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

/** The model's entry, or an error naming the file to look at. */
export function scheduledEntry(registry: Registry, name: string | undefined): ModelEntry {
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

/**
 * The status of `model`, or of every scheduled model (those with neither schedule.yaml nor settings left out),
 * sorted by name, read from the registry folder at `registryDir`.
 */
export async function scheduleStatusFlow(
  registryDir: string,
  model: string | undefined,
  now: Date,
): Promise<ScheduleStatus[]> {
  const { registry } = await loadRegistry(fileSystemReader(registryDir));
  const policy = effectivePolicy(registry.policy);
  const entries = model !== undefined ? [scheduledEntry(registry, model)] : [...registry.models.values()];
  return entries
    .map((entry) => scheduleStatus(entry, policy, now))
    .filter((row) => model !== undefined || row.state !== 'not scheduled')
    .sort((a, b) => a.model.localeCompare(b.model));
}
