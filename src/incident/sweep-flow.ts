// The escalation sweep as the scheduled workflow runs it: the same decision as `tollgate incident escalate --due`
// (dueChanges), its channels told once, and the changed records published as ONE state change (a state-only pull
// request the action merges, or a push where the policy says `state_writes: push`) instead of a local commit.
import { join } from 'node:path';
import { readPolicy } from '../policy/read.ts';
import type { GitHubTarget } from '../publish/propose.ts';
import { publishStateChange, type StateChangeResult } from '../publish/state.ts';
import { fileSystemReader } from '../registry/load.ts';
import { incidentPath, schedulePath } from '../registry/paths.ts';
import type { Incident } from '../registry/types.ts';
import type { IncidentNotice } from './channels.ts';
import { appendTimeline } from './record.ts';
import { dueChanges, sweepCommit, type ResponsePorts } from './response-flow.ts';

/** Label of the sweep's state pull request (as the other state pull requests). */
export const SWEEP_STATE_LABEL = 'tollgate:state';

export interface SweepResult {
  /** The records as changed (or as they would be, on a dry run), with the channels' outcomes on their timelines. */
  incidents: Incident[];
  /** Why each was escalated or opened. */
  reasons: string[];
  /** How the change reached the default branch; absent when nothing was due or on a dry run. */
  recorded?: StateChangeResult;
  dryRun: boolean;
  /** When the sweep ran (ISO-8601): the channels' outcomes of this run are the timeline entries from then. */
  at: string;
}

/**
 * Decides on the checkout (the default branch as the job checked it out), tells each changed incident's channels,
 * and publishes the records and schedules through the state path. Nothing due: nothing sent, nothing written.
 */
export async function publishedSweepFlow(
  ports: ResponsePorts & { github: GitHubTarget; baseBranch?: string },
  options: { dryRun: boolean },
): Promise<SweepResult> {
  const at = ports.now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const reader = fileSystemReader(join(ports.repoRoot, ports.registryDir));
  const policy = await readPolicy(reader);
  const due = await dueChanges(reader, policy, ports);
  if (options.dryRun || due.incidents.length === 0)
    return {
      incidents: due.incidents.map((i) => i.incident),
      reasons: due.reasons,
      dryRun: options.dryRun,
      at,
    };
  const notifier = ports.notifier?.(policy);
  const told: { incident: Incident; notice: IncidentNotice }[] = [];
  for (const { incident, notice, announce } of due.incidents) {
    let next = incident;
    for (const entry of notifier ? await notifier.notify(announce ?? incident, notice) : [])
      next = appendTimeline(next, entry);
    // A follow-up nobody could be told about (no issue token) changes nothing.
    if (notice !== 'updated' || next !== incident) told.push({ incident: next, notice });
  }
  const changed = told.map((t) => t.incident);
  if (changed.length === 0) return { incidents: [], reasons: due.reasons, dryRun: false, at };
  const { message, trailers } = sweepCommit(told, due.schedules, ports.actor);
  const stamp = ports.now.toISOString().replace(/[-:]/g, '').slice(0, 15).toLowerCase();
  const date = ports.now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const recorded = await publishStateChange(
    {
      repoRoot: ports.repoRoot,
      registryDir: ports.registryDir,
      writes: [
        ...changed.map((incident) => ({ path: incidentPath(incident.id), document: incident })),
        ...due.schedules.map((schedule) => ({ path: schedulePath(schedule.model), document: schedule })),
      ],
      message,
      trailers,
      baseBranch: ports.baseBranch ?? policy.defaultBranch,
      stateWrites: policy.stateWrites,
      branch: `tollgate/state/escalate/${stamp}`,
      env: { ...ports.gitEnv, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
      pullRequest: {
        title: message,
        body: ['The scheduled escalation sweep:', '', ...due.reasons.map((r) => `- ${r}`), ''].join('\n'),
        labels: [SWEEP_STATE_LABEL],
      },
    },
    ports.github,
  );
  return { incidents: changed, reasons: due.reasons, recorded, dryRun: false, at };
}

/** The job summary: why each incident was escalated or opened, where the change went, which channel failed. */
export function sweepSummary(result: SweepResult): string {
  const { recorded } = result;
  const where = recorded
    ? recorded.pullRequest
      ? ` in pull request #${recorded.pullRequest.number} (${recorded.pullRequest.merge.status})`
      : ` in commit ${recorded.commit.slice(0, 12)} (${recorded.mode})`
    : '';
  return [
    '## Escalation sweep',
    '',
    result.reasons.length === 0
      ? 'Nothing is due: every open incident was acknowledged in time, no failure streak is at its limit.'
      : `${result.dryRun ? 'Would change' : 'Changed'} ${result.incidents.length} incident(s)${where}:`,
    '',
    ...result.reasons.map((r) => `- ${r}`),
    ...result.incidents.flatMap((i) =>
      i.timeline
        .filter((e) => e.event === 'notification-failed' && e.at >= result.at)
        .map((e) => `- ${i.id}: ${e.detail ?? ''}`),
    ),
    '',
  ].join('\n');
}
