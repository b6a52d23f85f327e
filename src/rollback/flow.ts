// The rollback use case of the rollback action: which model, stage and target (inputs, or a repository_dispatch
// payload), the policy and the incident's severity from the checkout, then plan, apply and publish.
import { join } from 'node:path';
import { TollgateError } from '../errors.ts';
import type { GitHubClient, RepoRef } from '../github/client.ts';
import { readIncidents } from '../incident/read.ts';
import { assertDispatchAccepted, type DispatchOrigin } from '../policy/dispatch.ts';
import { readPolicy } from '../policy/read.ts';
import { fileSystemReader } from '../registry/load.ts';
import { INCIDENT_ID, assertSafeName, unsafeNameReason } from '../registry/names.ts';
import { incidentPath, registryFolder } from '../registry/paths.ts';
import type { Incident, Severity } from '../registry/types.ts';
import { verifyLiveRollback, type LiveRollbackVerification } from '../monitor/verify-rollback.ts';
import { rollbackAndPublish, type RollbackOutcome } from './publish.ts';

export interface RollbackInputs {
  /** Required, from the input or (repository_dispatch) client_payload.model. */
  model: string;
  stage?: string;
  to?: string;
  incident?: string;
  dryRun: boolean;
  /** The registry folder, repository-relative. Default `registry`. */
  registry?: string;
  /** Skip the health verification of a live rollback; the reason is recorded. */
  noVerify?: string;
}

export interface RollbackDeps {
  now: Date;
  /** Git environment for the commits, e.g. the bot's author and committer identity. */
  gitEnv?: NodeJS.ProcessEnv;
  /** The clock for the incident's rollback-completed entry after an emergency push; default `now`. */
  clock?: () => Date;
}

export interface RollbackResult {
  outcome: RollbackOutcome;
  /** The version the stage points to after the rollback (or would, on a dry run). */
  target: string;
  commit?: string;
  pullRequest?: number;
  /** The severity of the incident named, when its record was found. */
  severity?: Severity;
  notes: string[];
  /** The health check of a rollback that went live. */
  verification?: LiveRollbackVerification;
}

const DISPATCH_FIELDS = ['model', 'stage', 'to', 'incident'] as const;

/**
 * The inputs with a repository_dispatch `client_payload` (`{model, stage?, to?, incident?, dry-run?}`) filling
 * what the inputs leave empty; an input that is set wins. Every value is a plain string, checked with the same
 * name rules as the inputs, so a webhook cannot smuggle in anything a person could not type.
 */
export function rollbackRequest(
  inputs: RollbackInputs,
  event: { eventName: string; payload: object },
): RollbackInputs {
  if (event.eventName !== 'repository_dispatch') return inputs;
  const payload = (event.payload as { client_payload?: unknown }).client_payload ?? {};
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new TollgateError('repository_dispatch client_payload must be an object', {
      field: 'client_payload',
      fix: 'send {"event_type": "tollgate-rollback", "client_payload": {"model": "NAME", "incident": "INC-..."}}',
    });
  }
  const fields = payload as Record<string, unknown>;
  const text = (field: string): string | undefined => {
    const value = fields[field];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') {
      throw new TollgateError(`client_payload.${field} must be a string, not ${JSON.stringify(value)}`, {
        field: `client_payload.${field}`,
        fix: `send "${field}" as a JSON string`,
      });
    }
    return value.trim() || undefined;
  };
  const resolved: RollbackInputs = { ...inputs };
  for (const field of DISPATCH_FIELDS) {
    const value = inputs[field]?.trim() || text(field);
    if (value !== undefined) resolved[field] = value;
  }
  if (!resolved.model) {
    throw new TollgateError(
      'repository_dispatch: client_payload.model is missing: which model to roll back?',
      {
        field: 'client_payload.model',
        fix: 'send {"event_type": "tollgate-rollback", "client_payload": {"model": "fraud-detector"}}',
      },
    );
  }
  const dry = fields['dry-run'] ?? fields.dry_run;
  if (dry !== undefined && dry !== null && typeof dry !== 'boolean' && !/^(true|false)$/i.test(String(dry))) {
    throw new TollgateError(`client_payload.dry-run must be true or false, not ${JSON.stringify(dry)}`, {
      field: 'client_payload.dry-run',
    });
  }
  resolved.dryRun = inputs.dryRun || dry === true || /^true$/i.test(String(dry));
  // Checked here, named as payload fields, so a bad value says where it came from.
  for (const field of ['model', 'stage', 'to'] as const) {
    const value = resolved[field];
    // A value that came from the payload, directly or through the workflow's `with:` expressions.
    const reason = value && value === text(field) ? unsafeNameReason(value) : undefined;
    if (reason !== undefined) {
      throw new TollgateError(`client_payload.${field} ${JSON.stringify(resolved[field])} ${reason}`, {
        field: `client_payload.${field}`,
        fix: `send a ${field === 'to' ? 'version' : field} name like "fraud-detector" or "v13"`,
      });
    }
  }
  if (resolved.incident && resolved.incident === text('incident') && !INCIDENT_ID.test(resolved.incident)) {
    throw new TollgateError(
      `client_payload.incident ${JSON.stringify(resolved.incident)} is not an incident id`,
      {
        field: 'client_payload.incident',
        fix: 'send an id like INC-20261124-033000-ab12 (see registry/incidents/)',
      },
    );
  }
  return resolved;
}

export interface RollbackPorts extends RollbackDeps {
  /** The checkout of the default branch, with full history (git). */
  repoRoot: string;
  /** Where to push or open the pull request; without it the rollback is committed on the checkout. */
  github?: { client: GitHubClient; repo: RepoRef; remote?: string };
  /** Who asked (the dispatch's actor); default tollgate-bot. */
  actor?: string;
  /** The event that started the run: a repository_dispatch is accepted only from a sender the policy lists. */
  origin?: DispatchOrigin;
  /** Verifies a rollback that went live (src/monitor/verify-rollback.ts); without it none is verified. */
  verify?: {
    sleep: (ms: number) => Promise<void>;
    env: NodeJS.ProcessEnv;
    fetch?: typeof globalThis.fetch;
  };
}

/**
 * Plans and applies a rollback on the checkout, then pushes it (an emergency the policy allows for the incident's
 * severity) or opens its pull request. Git does the work; the API is used only to open or find the pull request.
 */
export async function rollbackFlow(inputs: RollbackInputs, ports: RollbackPorts): Promise<RollbackResult> {
  const deps = ports;
  const env = { workspace: ports.repoRoot, actor: ports.actor ?? '' };
  if (!inputs.model?.trim()) {
    throw new TollgateError('input "model" is required: which model to roll back?', {
      field: 'model',
      fix: 'set `model` (workflow_dispatch input), or client_payload.model in a repository_dispatch',
    });
  }
  const model = assertSafeName('model', inputs.model);
  const stage = assertSafeName('stage', inputs.stage || 'production');
  const to = inputs.to ? assertSafeName('version', inputs.to) : undefined;
  const incidentId = inputs.incident || undefined;
  if (incidentId !== undefined && !INCIDENT_ID.test(incidentId)) {
    throw new TollgateError(`input "incident" is not an incident id: ${incidentId}`, {
      field: 'incident',
      fix: 'pass an id like INC-20261124-033000-ab12 (see registry/incidents/)',
    });
  }
  const registryDir = registryFolder(inputs.registry);
  const reader = fileSystemReader(join(env.workspace, registryDir));
  const policy = await readPolicy(reader);
  // Before anything is read from the registry or written: a sender the policy does not list gets the refusal.
  if (ports.origin) assertDispatchAccepted(policy.dispatch.allowedSenders, ports.origin, 'roll back');
  const notes: string[] = [];
  let severity: Severity | undefined;
  let record: Incident | undefined;
  if (incidentId !== undefined) {
    [record] = await readIncidents(reader, [incidentPath(incidentId)]);
    if (record) severity = record.severity;
    else
      notes.push(
        `no record of ${incidentId} in this registry: its severity is unknown, so no emergency push`,
      );
  }
  const by = env.actor || 'tollgate-bot';
  const outcome = await rollbackAndPublish(
    env.workspace,
    {
      model,
      stage,
      by,
      now: deps.now,
      policy,
      registryDir,
      dryRun: inputs.dryRun,
      ...(deps.clock ? { clock: deps.clock } : {}),
      ...(record ? { record } : {}),
      ...(to !== undefined ? { to } : {}),
      ...(incidentId !== undefined
        ? { incident: { id: incidentId, ...(severity !== undefined ? { severity } : {}) } }
        : {}),
      ...(deps.gitEnv ? { env: deps.gitEnv } : {}),
    },
    ports.github ? { ...ports.github, remote: ports.github.remote ?? 'origin' } : undefined,
  );
  const target = outcome.mode === 'already-done' ? outcome.target : outcome.plan.target;
  // Only a rollback that is live can be verified; one in a pull request is verified once merged.
  const verification =
    ports.verify && outcome.mode === 'pushed'
      ? await verifyLiveRollback({
          repoRoot: env.workspace,
          registryDir,
          baseBranch: policy.defaultBranch,
          model,
          stage,
          version: target,
          ...(incidentId !== undefined ? { incidentId } : {}),
          commit: outcome.commit,
          actor: by,
          ...(inputs.noVerify !== undefined ? { noVerify: inputs.noVerify } : {}),
          ports: {
            now: deps.clock ?? (() => deps.now),
            ...ports.verify,
            ...(deps.gitEnv ? { gitEnv: deps.gitEnv } : {}),
          },
          ...(ports.github ? { github: ports.github } : {}),
        })
      : undefined;
  return {
    outcome,
    target,
    notes,
    ...(verification ? { verification } : {}),
    ...(severity !== undefined ? { severity } : {}),
    ...(outcome.mode !== 'dry-run' ? { commit: outcome.commit } : {}),
    ...(outcome.mode === 'pull-request' && outcome.pullRequest
      ? { pullRequest: outcome.pullRequest.number }
      : {}),
  };
}
