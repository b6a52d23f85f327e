// Response tracking use cases: acknowledge an incident, escalate one, and escalate every open incident nobody
// acknowledged within its severity's response time (the scheduled job; the monitor may call it too). Each is ONE
// commit through the registry transaction, built from the branch's tip, with the channels' outcomes on the
// timeline (sent once however often a lost race rebuilds the commit); a failed notification blocks nothing.
import { join } from 'node:path';
import type { EffectivePolicy } from '../policy/effective.ts';
import { readPolicy } from '../policy/read.ts';
import { commitRegistryChange } from '../publish/registry-transaction.ts';
import type { CheckoutUpdate } from '../git/transaction.ts';
import { fileSystemReader } from '../registry/load.ts';
import { incidentPath } from '../registry/paths.ts';
import type { Incident, RegistryReader, Severity, TimelineEntry } from '../registry/types.ts';
import type { IncidentNotice } from './channels.ts';
import type { IncidentNotifier } from './notify.ts';
import { appendTimeline } from './record.ts';
import { allIncidents, readIncident } from './resolve-flow.ts';
import { acknowledgeIncident, dueEscalations, escalateIncident, escalationTarget } from './response.ts';

export interface ResponsePorts {
  repoRoot: string;
  /** The registry folder, repository-relative. */
  registryDir: string;
  now: Date;
  actor: string;
  notifier?: (policy: EffectivePolicy) => IncidentNotifier | undefined;
  gitEnv?: NodeJS.ProcessEnv;
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

/**
 * The scheduled job's sweep: every open incident not acknowledged within its severity's response time is escalated
 * at its level, once per level (dueEscalations); one commit for all, none when nothing is due.
 */
export async function escalateDueFlow(
  ports: ResponsePorts,
  options: { dryRun: boolean },
): Promise<ResponseResult> {
  let reasons: string[] = [];
  const result = await changeIncidents(
    ports,
    async (reader, policy) => {
      const due = dueEscalations(await allIncidents(reader), policy, ports.now);
      reasons = due.map((d) => `${d.incident.id}: ${d.reason}`);
      return due.map((d) => ({
        incident: d.incident,
        change: (incident: Incident, p: EffectivePolicy) =>
          escalateIncident(incident, {
            to: d.severity,
            now: ports.now,
            by: ports.actor,
            reason: d.reason,
            policy: p,
          }),
      }));
    },
    'escalated',
    (changed) => ({
      message: `Escalate ${changed.length} unacknowledged incident${changed.length === 1 ? '' : 's'}`,
      event: 'incident-escalated',
    }),
    options.dryRun,
  );
  return { ...result, reasons };
}
