// Response tracking use cases: acknowledge an incident, escalate one, and escalate every open incident nobody
// acknowledged within its severity's response time (the scheduled job; the monitor may call it too). Each is ONE
// commit through the registry transaction, built from the branch's tip, with the channels' outcomes on the
// timeline (sent once however often a lost race rebuilds the commit); a failed notification blocks nothing.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { EffectivePolicy } from '../policy/effective.ts';
import { readPolicy } from '../policy/read.ts';
import { commitRegistryChange } from '../publish/registry-transaction.ts';
import type { CheckoutUpdate } from '../git/transaction.ts';
import { fileSystemReader, loadFiles } from '../registry/load.ts';
import { incidentPath, schedulePath } from '../registry/paths.ts';
import type { Incident, RegistryReader, Schedule, Severity, TimelineEntry } from '../registry/types.ts';
import { streakNeedsEscalation } from '../scheduler/schedule.ts';
import type { IncidentNotice } from './channels.ts';
import type { IncidentNotifier } from './notify.ts';
import { appendTimeline, incidentId, openIncident } from './record.ts';
import { allIncidents, readIncident } from './resolve-flow.ts';
import {
  acknowledgeIncident,
  dueEscalations,
  escalateIncident,
  escalationTarget,
  issueFollowUps,
} from './response.ts';

export interface ResponsePorts {
  repoRoot: string;
  /** The registry folder, repository-relative. */
  registryDir: string;
  now: Date;
  actor: string;
  notifier?: (policy: EffectivePolicy) => IncidentNotifier | undefined;
  gitEnv?: NodeJS.ProcessEnv;
  /** 4 lowercase letters or digits for a new incident id; default random. */
  suffix?: () => string;
  /**
   * The sweep also tells incidents' GitHub issues what followed (issueFollowUps): only where the notifier can
   * reach GitHub issues, or a follow-up would be due again on every sweep.
   */
  issueFollowUps?: boolean;
}

export interface ResponseResult {
  /** The records as changed (or as they would be, on a dry run). */
  incidents: Incident[];
  /** Why each due incident was escalated (escalateDueFlow). */
  reasons: string[];
  commit?: string;
  checkout?: CheckoutUpdate;
  dryRun: boolean;
}

type Change = (incident: Incident, policy: EffectivePolicy) => Incident;

async function changeIncidents(
  ports: ResponsePorts,
  pick: (
    reader: RegistryReader,
    policy: EffectivePolicy,
  ) => Promise<{ incident: Incident; change: Change }[]>,
  notice: IncidentNotice,
  commit: (changed: Incident[]) => { message: string; event: string },
  dryRun: boolean,
): Promise<Omit<ResponseResult, 'reasons'>> {
  const policy = await readPolicy(fileSystemReader(join(ports.repoRoot, ports.registryDir)));
  const notifier = dryRun ? undefined : ports.notifier?.(policy);
  const sent = new Map<string, Promise<TimelineEntry[]>>();
  const date = ports.now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (dryRun) {
    const picked = await pick(fileSystemReader(join(ports.repoRoot, ports.registryDir)), policy);
    return { incidents: picked.map(({ incident, change }) => change(incident, policy)), dryRun };
  }
  const result = await commitRegistryChange<Incident[]>(ports.repoRoot, {
    registryDir: ports.registryDir,
    ...(ports.gitEnv ? { env: ports.gitEnv } : {}),
    build: async (reader, stage) => {
      const changed: Incident[] = [];
      for (const { incident, change } of await pick(reader, policy)) {
        let next = change(incident, policy);
        if (notifier) {
          if (!sent.has(next.id)) sent.set(next.id, notifier.notify(next, notice));
          for (const entry of await sent.get(next.id)!) next = appendTimeline(next, entry);
        }
        changed.push(next);
      }
      if (changed.length === 0) return { value: changed };
      stage.writeRegistry(
        changed.map((incident) => ({ path: incidentPath(incident.id), document: incident })),
      );
      const { message, event } = commit(changed);
      return {
        value: changed,
        commit: {
          message,
          trailers: {
            'Tollgate-Event': event,
            Incident: changed.map((i) => i.id),
            'Requested-By': ports.actor,
          },
          env: { ...ports.gitEnv, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
        },
      };
    },
  });
  return {
    incidents: result.value,
    dryRun,
    checkout: result.checkout,
    ...(result.commit ? { commit: result.commit } : {}),
  };
}

/** `tollgate incident ack ID`: who acknowledged it and when; the channels hear it (PagerDuty acknowledge). */
export async function acknowledgeFlow(
  id: string,
  ports: ResponsePorts,
  options: { dryRun: boolean },
): Promise<ResponseResult> {
  const result = await changeIncidents(
    ports,
    async (reader) => [
      {
        incident: await readIncident(reader, ports.registryDir, id),
        change: (incident) => acknowledgeIncident(incident, ports.now, ports.actor),
      },
    ],
    'acknowledged',
    () => ({ message: `Acknowledge incident ${id}`, event: 'incident-acknowledged' }),
    options.dryRun,
  );
  return { ...result, reasons: [] };
}

/** `tollgate incident escalate ID [--to SEVERITY]`: raise it (one level up by default) and call that level. */
export async function escalateFlow(
  id: string,
  input: { to?: Severity; reason?: string },
  ports: ResponsePorts,
  options: { dryRun: boolean },
): Promise<ResponseResult> {
  const result = await changeIncidents(
    ports,
    async (reader) => [
      {
        incident: await readIncident(reader, ports.registryDir, id),
        change: (incident, policy) =>
          escalateIncident(incident, {
            to: escalationTarget(incident, input.to),
            now: ports.now,
            by: ports.actor,
            policy,
            ...(input.reason ? { reason: input.reason } : {}),
          }),
      },
    ],
    'escalated',
    (changed) => ({
      message: `Escalate incident ${id} to ${changed[0]!.severity}`,
      event: 'incident-escalated',
    }),
    options.dryRun,
  );
  return { ...result, reasons: [] };
}

/** A retrain failure streak that reached the policy's limit, as an incident at the policy's severity. */
export function streakIncident(schedule: Schedule, policy: EffectivePolicy, now: Date, id: string): Incident {
  const severity = policy.schedule.escalateSeverity;
  const opened = openIncident({
    models: [schedule.model],
    metrics: { failure_streak: schedule.failure_streak },
    alert: `retrain failure streak of ${schedule.failure_streak}`,
    ...(schedule.last_failure_reason ? { description: `last failure: ${schedule.last_failure_reason}` } : {}),
    title: `${severity} on ${schedule.model}: ${schedule.failure_streak} consecutive retrain failures`,
    now,
    id,
    policy,
  });
  const why = `${severity}: the retrain failure streak reached ${schedule.failure_streak} (schedule.escalate_after_failures ${policy.schedule.escalateAfterFailures})${schedule.cooldown_until ? `, cooling down until ${schedule.cooldown_until}` : ''}`;
  return {
    ...opened,
    severity,
    timeline: opened.timeline.map((e) => (e.event === 'classified' ? { ...e, detail: why } : e)),
  };
}

/** What one sweep changes: the escalations and streak incidents due, the schedules that record a streak's. */
export interface DueChanges {
  reasons: string[];
  /**
   * The records as changed, and what the channels hear. `announce` is what to hand the channels when it is not the
   * record itself: an `updated` follow-up summarises the entries its issue has not heard about.
   */
  incidents: { incident: Incident; notice: IncidentNotice; announce?: Incident }[];
  schedules: Schedule[];
}

/**
 * The sweep's decision on `reader`: every open incident not acknowledged within its severity's response time,
 * escalated at its level (once per level), and an incident per retrain failure streak at the policy's limit (once
 * per streak). `ids` keeps one incident id per model across calls, so a rebuilt commit keeps the same incident.
 */
export async function dueChanges(
  reader: RegistryReader,
  policy: EffectivePolicy,
  ports: Pick<ResponsePorts, 'now' | 'actor' | 'suffix' | 'issueFollowUps'>,
  ids: Map<string, string> = new Map(),
): Promise<DueChanges> {
  const suffix = ports.suffix ?? (() => randomBytes(2).toString('hex'));
  const date = ports.now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const reasons: string[] = [];
  const incidents: DueChanges['incidents'] = [];
  const schedules: Schedule[] = [];
  const all = await allIncidents(reader);
  for (const d of dueEscalations(all, policy, ports.now)) {
    reasons.push(`${d.incident.id}: ${d.reason}`);
    const incident = escalateIncident(d.incident, {
      to: d.severity,
      now: ports.now,
      by: ports.actor,
      reason: d.reason,
      policy,
    });
    incidents.push({ incident, notice: 'escalated' });
  }
  const escalated = new Set(incidents.map((i) => i.incident.id));
  for (const incident of all) {
    const news = !ports.issueFollowUps || escalated.has(incident.id) ? [] : issueFollowUps(incident, policy);
    if (news.length === 0) continue;
    // One comment for everything it missed: the entry itself when one, else each entry on its own.
    const summary: TimelineEntry =
      news.length === 1
        ? { ...news[0]!, at: date }
        : { at: date, event: 'note', detail: news.map((e) => `${e.event}: ${e.detail ?? ''}`).join('; ') };
    reasons.push(`${incident.id}: ${news.map((e) => e.event).join(', ')} to its GitHub issue`);
    incidents.push({
      incident,
      notice: 'updated',
      announce: { ...incident, timeline: [...incident.timeline, summary] },
    });
  }
  for (const schedule of await readSchedules(reader)) {
    if (!streakNeedsEscalation(schedule, policy)) continue;
    if (!ids.has(schedule.model)) ids.set(schedule.model, incidentId(ports.now, suffix()));
    const incident = streakIncident(schedule, policy, ports.now, ids.get(schedule.model)!);
    reasons.push(`${schedule.model}: ${incident.timeline[1]!.detail} -> ${incident.id}`);
    incidents.push({ incident, notice: 'opened' });
    schedules.push({ ...schedule, streak_escalated_at: date, updated_at: date });
  }
  return { reasons, incidents, schedules };
}

/** The sweep's commit message and trailers for what it changed. */
export function sweepCommit(
  changed: { incident: Incident; notice: IncidentNotice }[],
  schedules: Schedule[],
  actor: string,
): { message: string; trailers: Record<string, string | string[]> } {
  const streaks = schedules.length;
  const count = (notice: IncidentNotice) => changed.filter((c) => c.notice === notice).length;
  const [overdue, updated] = [count('escalated'), count('updated')];
  const plural = (n: number) => `${n} incident${n === 1 ? '' : 's'}`;
  const parts = [
    ...(overdue ? [`escalate ${overdue} unacknowledged incident${overdue === 1 ? '' : 's'}`] : []),
    ...(streaks ? [`open ${plural(streaks)} for retrain failure streaks`] : []),
    ...(updated ? [`tell the GitHub issues of ${plural(updated)} what followed`] : []),
  ];
  const message = parts.join(', ');
  return {
    message: message.charAt(0).toUpperCase() + message.slice(1),
    trailers: {
      'Tollgate-Event': overdue ? 'incident-escalated' : streaks ? 'incident-opened' : 'incident-notified',
      Incident: changed.map((c) => c.incident.id),
      ...(streaks ? { Model: schedules.map((x) => x.model) } : {}),
      'Requested-By': actor,
    },
  };
}

/**
 * The scheduled job's sweep: every open incident not acknowledged within its severity's response time is escalated
 * at its level, once per level (dueEscalations); every retrain failure streak at the policy's limit opens an
 * incident through the severity matrix, once per streak (streakNeedsEscalation). One commit for all, none when
 * nothing is due.
 */
export async function escalateDueFlow(
  ports: ResponsePorts,
  options: { dryRun: boolean },
): Promise<ResponseResult> {
  const policy = await readPolicy(fileSystemReader(join(ports.repoRoot, ports.registryDir)));
  const notifier = options.dryRun ? undefined : ports.notifier?.(policy);
  const sent = new Map<string, Promise<TimelineEntry[]>>();
  const ids = new Map<string, string>();
  const date = ports.now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const decide = (reader: RegistryReader) => dueChanges(reader, policy, ports, ids);
  if (options.dryRun) {
    const d = await decide(fileSystemReader(join(ports.repoRoot, ports.registryDir)));
    return { incidents: d.incidents.map((i) => i.incident), reasons: d.reasons, dryRun: true };
  }
  const result = await commitRegistryChange<{ incidents: Incident[]; reasons: string[] }>(ports.repoRoot, {
    registryDir: ports.registryDir,
    ...(ports.gitEnv ? { env: ports.gitEnv } : {}),
    build: async (reader, stage) => {
      const d = await decide(reader);
      const told: { incident: Incident; notice: IncidentNotice }[] = [];
      for (const { incident, notice, announce } of d.incidents) {
        let next = incident;
        if (notifier) {
          if (!sent.has(next.id)) sent.set(next.id, notifier.notify(announce ?? next, notice));
          for (const entry of await sent.get(next.id)!) next = appendTimeline(next, entry);
        }
        // A follow-up nobody could be told about (no issue channel here) changes nothing.
        if (notice !== 'updated' || next !== incident) told.push({ incident: next, notice });
      }
      const changed = told.map((t) => t.incident);
      if (changed.length === 0) return { value: { incidents: [], reasons: d.reasons } };
      stage.writeRegistry([
        ...changed.map((incident) => ({ path: incidentPath(incident.id), document: incident })),
        ...d.schedules.map((schedule) => ({ path: schedulePath(schedule.model), document: schedule })),
      ]);
      const { message, trailers } = sweepCommit(told, d.schedules, ports.actor);
      return {
        value: { incidents: changed, reasons: d.reasons },
        commit: {
          message,
          trailers,
          env: { ...ports.gitEnv, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
        },
      };
    },
  });
  return {
    incidents: result.value.incidents,
    reasons: result.value.reasons,
    dryRun: false,
    checkout: result.checkout,
    ...(result.commit ? { commit: result.commit } : {}),
  };
}

/** Every model's schedule.yaml in the registry (models without one have no schedule state yet). */
async function readSchedules(reader: RegistryReader): Promise<Schedule[]> {
  const files = (await reader.list('models')).filter((f) =>
    /^models\/[^/]+\/(schedule|model)\.yaml$/.test(f),
  );
  const { registry } = await loadFiles(reader, files);
  return [...registry.models.values()].flatMap((entry) => (entry.schedule ? [entry.schedule] : []));
}
