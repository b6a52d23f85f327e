// What one scheduler tick does: which models are due, which of those to dispatch, and why the rest wait.
import type { Model, Schedule } from '../registry/types.ts';
import { isDue, isoTime } from './schedule.ts';
import type { Instant } from './schedule.ts';

export interface ActiveRetrain {
  model: string;
  kind: 'request' | 'pull-request';
  /** A link or reference a person can follow: the request file, the run URL or the pull request URL. */
  ref: string;
}

export interface PlanInput {
  schedules: Schedule[];
  models: Model[];
  activeRetrains: ActiveRetrain[];
  now: Instant;
}

export interface SchedulerPlan {
  now: string;
  /** Every model whose schedule is due, dispatched or not. */
  due: string[];
  /** Due models with no retrain in flight: the tick starts these. */
  dispatch: string[];
  skipped: { model: string; reason: string }[];
}

/**
 * A model takes part when it has a schedule.yaml, or a model.yaml `schedule:` block that is not disabled (its
 * first run is due at once). A schedule without its model.yaml is skipped, never run: there is nothing to train.
 */
export function planScheduledRetrains(input: PlanInput): SchedulerPlan {
  const models = new Map(input.models.map((m) => [m.name, m]));
  const schedules = new Map(input.schedules.map((s) => [s.model, s]));
  const names = [...new Set([...schedules.keys(), ...models.keys()])].sort();
  const plan: SchedulerPlan = { now: isoTime(input.now), due: [], dispatch: [], skipped: [] };

  for (const name of names) {
    const model = models.get(name);
    const schedule = schedules.get(name);
    if (!model) {
      plan.skipped.push({ model: name, reason: 'schedule.yaml without model.yaml: nothing to train' });
      continue;
    }
    if (!schedule) {
      if (!model.schedule) continue;
      if (model.schedule.enabled === false) {
        plan.skipped.push({
          model: name,
          reason: 'schedule disabled in model.yaml (schedule.enabled: false)',
        });
        continue;
      }
    }
    let verdict;
    try {
      verdict = schedule ? isDue(schedule, model, input.now) : { due: true, reason: 'no schedule.yaml yet' };
    } catch (error) {
      // One malformed schedule must not stop the other models' runs.
      plan.skipped.push({ model: name, reason: `invalid schedule.yaml: ${(error as Error).message}` });
      continue;
    }
    if (!verdict.due) {
      plan.skipped.push({ model: name, reason: verdict.reason });
      continue;
    }
    plan.due.push(name);
    const active = input.activeRetrains.filter((a) => a.model === name);
    if (active.length > 0) {
      const what = active.map(
        (a) => `${a.kind === 'request' ? 'retrain request' : 'retrain pull request'} ${a.ref}`,
      );
      plan.skipped.push({ model: name, reason: `due, but a retrain is already active: ${what.join(', ')}` });
      continue;
    }
    plan.dispatch.push(name);
  }
  return plan;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** The job summary of a scheduler tick, in GitHub-flavoured markdown. */
export function renderSchedulerSummary(plan: SchedulerPlan): string {
  const lines = [
    '## Tollgate scheduler',
    '',
    `Tick at ${plan.now}: ${plan.due.length} due, ${plan.dispatch.length} dispatched, ${plan.skipped.length} skipped.`,
    '',
  ];
  if (plan.dispatch.length > 0) {
    lines.push('### Dispatched', '', ...plan.dispatch.map((m) => `- \`${m}\``), '');
  }
  if (plan.skipped.length > 0) {
    lines.push('### Skipped', '', '| model | reason |', '| --- | --- |');
    for (const s of plan.skipped) lines.push(`| \`${s.model}\` | ${cell(s.reason)} |`);
    lines.push('');
  }
  if (plan.due.length === 0 && plan.skipped.length === 0) lines.push('No scheduled models.', '');
  return lines.join('\n');
}
