// Changing one model's schedule (pause, resume, reset, set-interval): decided from the registry as the branch holds
// it at commit time, written by the one writer, one commit with trailers (or, on a dry run, only described).
import { TollgateError } from '../errors.ts';
import type { CheckoutUpdate } from '../git/transaction.ts';
import { effectivePolicy } from '../policy/effective.ts';
import { commitRegistryChange } from '../publish/registry-transaction.ts';
import { fileSystemReader, loadFiles } from '../registry/load.ts';
import { assertSafeName } from '../registry/names.ts';
import { POLICY_PATH, schedulePath } from '../registry/paths.ts';
import type { RegistryReader, Schedule } from '../registry/types.ts';
import { initialSchedule, intervalFor } from './schedule.ts';
import { scheduledEntry } from './status.ts';

/** One kind of change: its audit event, its one-line summary, and the transition it applies. */
export interface ScheduleChange {
  event: 'schedule-pause' | 'schedule-resume' | 'schedule-interval' | 'schedule-reset';
  summary: (next: Schedule) => string;
  apply: (schedule: Schedule, now: Date, by: string) => Schedule;
}

export interface ScheduleChangePorts {
  repoRoot: string;
  /** The registry folder: absolute, for reading on a dry run. */
  registryPath: string;
  /** The registry folder, repository-relative (`.` for the root), for the commit. */
  registryDir: string;
  now: Date;
  actor: string;
}

export interface ScheduleChangeResult {
  summary: string;
  /** `field: old -> new` lines. */
  diff: string[];
  /** Absent on a dry run, or when the schedule was already so. */
  commit?: string;
  checkout?: CheckoutUpdate;
  dryRun: boolean;
}

/** The fields that differ, as `field: old -> new` lines. */
export function scheduleChanges(before: Schedule | undefined, after: Schedule): string[] {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after)])] as (keyof Schedule)[];
  const show = (v: unknown) => (v === undefined ? '(none)' : String(v));
  return keys
    .filter((k) => before?.[k] !== after[k])
    .map((k) => `${k}: ${show(before?.[k])} -> ${show(after[k])}`);
}

export async function changeScheduleFlow(
  model: string | undefined,
  what: ScheduleChange,
  ports: ScheduleChangePorts,
  options: { dryRun: boolean },
): Promise<ScheduleChangeResult> {
  const { now, actor } = ports;
  // Decided from the registry as the branch holds it at commit time, so runs side by side never describe (or
  // overwrite) each other's schedule: a run that loses the race decides again on the winner's result.
  const decide = async (reader: RegistryReader) => {
    const name = assertSafeName('model', model);
    const { registry } = await loadFiles(reader, [POLICY_PATH, ...(await reader.list(`models/${name}`))]);
    const entry = scheduledEntry(registry, name);
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
  if (options.dryRun) {
    const { summary, diff } = await decide(fileSystemReader(ports.registryPath));
    return { summary, diff, dryRun: true };
  }
  const date = now.toISOString();
  const result = await commitRegistryChange(ports.repoRoot, {
    registryDir: ports.registryDir,
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
  return {
    summary,
    diff,
    dryRun: false,
    checkout: result.checkout,
    ...(result.commit ? { commit: result.commit } : {}),
  };
}
