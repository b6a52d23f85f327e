// Verifying a rollback (the incident protocol's step 5): wait the policy's settle time, read the stage's metrics,
// check the success criteria (default error_rate < 0.05, latency_p95 < 200 ms, availability > 0.99) and record
// `rollback-verified` or `rollback-unhealthy`. An unhealthy rollback keeps its incident open and escalates it.
// Called from the rollback flow (src/rollback/flow.ts) after a rollback is live, and by `tollgate verify-rollback`.
import { join } from 'node:path';
import { describeError } from '../errors.ts';
import { appendTimeline } from '../incident/record.ts';
import { effectivePolicy, type EffectivePolicy } from '../policy/effective.ts';
import type { GitHubTarget } from '../publish/propose.ts';
import { publishStateChange, type StateChangeResult } from '../publish/state.ts';
import { fileSystemReader, loadRegistry } from '../registry/load.ts';
import { auditPath, incidentPath } from '../registry/paths.ts';
import { API_VERSION, type AuditEvent, type Incident, type Model } from '../registry/types.ts';
import type { RegistryFileWrite } from '../registry/writer.ts';
import { auditId, isoSeconds } from './audit.ts';
import { describeChecks, escalated, judgeHealth, type HealthCheck } from './health.ts';
import { MetricsSourceError, sourceSpecFor, type MetricsSource } from './source.ts';
import { metricsSourceOf } from './sources.ts';

export const VERIFIED_EVENT = 'rollback-verified';
export const UNHEALTHY_EVENT = 'rollback-unhealthy';
export const SKIPPED_EVENT = 'rollback-verification-skipped';

export interface VerifyRollbackInput {
  policy: EffectivePolicy;
  model: Model;
  stage: string;
  /** The version the stage serves after the rollback. */
  version: string;
  incident?: Incident;
  actor: string;
  /** The rollback commit, recorded on the event. */
  commit?: string;
  source: MetricsSource;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** Overrides the policy's settle time (seconds). */
  settle?: number;
}

export interface RollbackVerification {
  status: 'verified' | 'unhealthy';
  checks: HealthCheck[];
  settle: number;
  event: AuditEvent;
  /** The audit event, and the incident updated when unhealthy. */
  writes: RegistryFileWrite[];
  summary: string[];
}

export async function verifyRollback(input: VerifyRollbackInput): Promise<RollbackVerification> {
  const settle = input.settle ?? input.policy.monitoring.rollback.settle;
  const criteria = input.policy.monitoring.rollback.criteria;
  if (settle > 0) await input.sleep(settle * 1000);
  const at = input.now();
  const metrics = await input.source.instant(
    [...new Set(criteria.map((c) => c.metric))],
    { model: input.model.name, stage: input.stage, version: input.version },
    at,
  );
  const verdict = judgeHealth(metrics, criteria);
  const status = verdict.healthy ? 'verified' : 'unhealthy';
  const name = status === 'verified' ? VERIFIED_EVENT : UNHEALTHY_EVENT;
  const event: AuditEvent = {
    apiVersion: API_VERSION,
    kind: 'AuditEvent',
    id: auditId(at, `${input.model.name}-${input.stage}-${name}`),
    at: isoSeconds(at),
    event: name,
    actor: input.actor,
    model: input.model.name,
    version: input.version,
    stage: input.stage,
    ...(input.incident ? { incident: input.incident.id } : {}),
    ...(input.commit ? { commit: input.commit } : {}),
    details: { settle, source: input.source.label, checks: verdict.checks },
  };
  const writes: RegistryFileWrite[] = [{ path: auditPath(event.id), document: event }];
  const summary = [
    `rollback of ${input.model.name} ${input.stage} to ${input.version} ${status === 'verified' ? 'verified healthy' : 'UNHEALTHY'} after ${settle}s: ${describeChecks(verdict.checks)}`,
  ];
  if (status === 'unhealthy' && input.incident) {
    const before = input.incident.severity;
    const severity = input.incident.status === 'open' ? escalated(before) : before;
    const updated: Incident = {
      ...appendTimeline(input.incident, {
        at: isoSeconds(at),
        event: 'note',
        detail: `rollback-unhealthy: ${describeChecks(verdict.checks)}; the incident stays open${severity !== before ? `, escalated ${before} -> ${severity}` : ''}`,
      }),
      severity,
    };
    writes.push({ path: incidentPath(input.incident.id), document: updated });
    summary.push(
      `${input.incident.id} stays open${severity !== before ? ` and is escalated ${before} -> ${severity}` : ''}: the rollback did not restore health`,
    );
  }
  return { status, checks: verdict.checks, settle, event, writes, summary };
}

/** The audit event of a rollback whose verification was skipped on purpose (`--no-verify`), with the reason. */
export function verificationSkipped(input: {
  model: string;
  stage: string;
  version: string;
  incident?: string;
  actor: string;
  now: Date;
  reason: string;
}): AuditEvent {
  return {
    apiVersion: API_VERSION,
    kind: 'AuditEvent',
    id: auditId(input.now, `${input.model}-${input.stage}-verification-skipped`),
    at: isoSeconds(input.now),
    event: SKIPPED_EVENT,
    actor: input.actor,
    model: input.model,
    version: input.version,
    stage: input.stage,
    ...(input.incident ? { incident: input.incident } : {}),
    details: { reason: input.reason },
  };
}

/** The model's metrics source, for a verification; a model without one cannot be verified (an error saying so). */
export function rollbackSource(
  policy: EffectivePolicy,
  model: Model,
  context: {
    repoRoot: string;
    env: NodeJS.ProcessEnv;
    fetch?: typeof globalThis.fetch;
    /** Whether a command source may run (SourceContext.commands): never in a job holding a write credential. */
    commands: 'run' | 'refuse';
  },
): MetricsSource {
  try {
    return metricsSourceOf(sourceSpecFor(model, policy.monitoring.source), {
      ...context,
      where: `models/${model.name}/model.yaml`,
    });
  } catch (error) {
    throw new MetricsSourceError(`cannot verify the rollback of ${model.name}: ${(error as Error).message}`, {
      fix: 'name a metrics source (docs/monitoring.md), or skip verification with --no-verify and a reason',
      cause: error,
    });
  }
}

export interface LiveRollbackVerification {
  status: 'verified' | 'unhealthy' | 'skipped' | 'failed';
  summary: string[];
  recorded?: StateChangeResult;
}

/**
 * After a rollback reached the default branch (an emergency push): verify it, or record why not, as a state change
 * of its own. A source that cannot be read is reported as `failed` with its reason; the rollback itself stands.
 */
export async function verifyLiveRollback(input: {
  repoRoot: string;
  registryDir: string;
  baseBranch: string;
  model: string;
  stage: string;
  version: string;
  incidentId?: string;
  commit?: string;
  actor: string;
  noVerify?: string;
  ports: {
    now: () => Date;
    sleep: (ms: number) => Promise<void>;
    env: NodeJS.ProcessEnv;
    fetch?: typeof globalThis.fetch;
    gitEnv?: NodeJS.ProcessEnv;
    /** Default `refuse`: the actions that verify hold write credentials (SourceContext.commands). */
    commands?: 'run' | 'refuse';
  };
  github?: GitHubTarget;
}): Promise<LiveRollbackVerification> {
  const { registry } = await loadRegistry(fileSystemReader(join(input.repoRoot, input.registryDir)));
  const policy = effectivePolicy(registry.policy);
  const entry = registry.models.get(input.model);
  const incident = input.incidentId ? registry.incidents.get(input.incidentId) : undefined;
  let writes: RegistryFileWrite[];
  let status: LiveRollbackVerification['status'];
  let summary: string[];
  if (input.noVerify !== undefined || !entry) {
    const reason = input.noVerify ?? `no model ${input.model} in the registry`;
    const event = verificationSkipped({
      model: input.model,
      stage: input.stage,
      version: input.version,
      ...(input.incidentId ? { incident: input.incidentId } : {}),
      actor: input.actor,
      now: input.ports.now(),
      reason,
    });
    writes = [{ path: auditPath(event.id), document: event }];
    status = 'skipped';
    summary = [`rollback verification skipped: ${reason}`];
  } else {
    try {
      const verification = await verifyRollback({
        policy,
        model: entry.model,
        stage: input.stage,
        version: input.version,
        ...(incident ? { incident } : {}),
        actor: input.actor,
        ...(input.commit ? { commit: input.commit } : {}),
        source: rollbackSource(policy, entry.model, {
          repoRoot: input.repoRoot,
          env: input.ports.env,
          commands: input.ports.commands ?? 'refuse',
          ...(input.ports.fetch ? { fetch: input.ports.fetch } : {}),
        }),
        now: input.ports.now,
        sleep: input.ports.sleep,
      });
      writes = verification.writes;
      status = verification.status;
      summary = verification.summary;
    } catch (error) {
      return { status: 'failed', summary: [`rollback not verified: ${describeError(error)}`] };
    }
  }
  const now = input.ports.now();
  const stamp = now.toISOString().replace(/[-:]/g, '').slice(0, 15).toLowerCase();
  const recorded = await publishStateChange(
    {
      repoRoot: input.repoRoot,
      registryDir: input.registryDir,
      writes,
      message: `rollback of ${input.model} ${input.stage} to ${input.version}: ${status}`,
      trailers: {
        'Tollgate-Event': `rollback-${status}`,
        Model: input.model,
        Version: input.version,
        ...(input.incidentId ? { Incident: input.incidentId } : {}),
      },
      baseBranch: input.baseBranch,
      stateWrites: policy.stateWrites,
      branch: `tollgate/state/${input.model}/verify-${stamp}`,
      pullRequest: {
        title: `Rollback of ${input.model} ${input.stage}: ${status}`,
        body: summary.join('\n\n'),
        labels: ['tollgate:state'],
      },
      env: {
        ...input.ports.gitEnv,
        GIT_AUTHOR_DATE: now.toISOString(),
        GIT_COMMITTER_DATE: now.toISOString(),
      },
    },
    input.github,
  );
  return { status, summary, recorded };
}
