// The incident action: declare an incident from monitoring (workflow_dispatch inputs or a repository_dispatch
// client_payload), classify it, decide whether to roll back automatically, roll back through the same path as
// the rollback action, and record the incident and its audit events as a state change (pushed or proposed, as
// the policy's state_writes says). One API call decides "promotion in flight"; none is made per commit.
import { randomBytes } from 'node:crypto';
import { join, posix } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as core from '@actions/core';
import { TollgateError } from '../errors.ts';
import { commitChange, type Trailers } from '../git/commit.ts';
import { git } from '../git/run.ts';
import { describeCalls, githubClientFromEnv, type GitHubClient } from '../github/client.ts';
import { listOpenPullRequests } from '../github/pulls.ts';
import {
  appendTimeline,
  decideAutoRollback,
  incidentAuditEvent,
  incidentId,
  incidentOpenedCommit,
  openIncident,
  type AutoRollbackDecision,
} from '../incident/record.ts';
import { notifyIncident } from '../incident/notify.ts';
import { parseMetricArgs } from '../incident/severity.ts';
import { readPolicy } from '../policy/read.ts';
import type { GitHubTarget } from '../publish/propose.ts';
import { publishStateChange, stateMergeNote, type StateMerge } from '../publish/state.ts';
import { fileSystemReader } from '../registry/load.ts';
import { auditPath, incidentPath } from '../registry/paths.ts';
import type { AuditEvent, Incident } from '../registry/types.ts';
import { writeRegistryFiles, type RegistryFileWrite } from '../registry/writer.ts';
import { readPointerState, type StagePointerState } from '../rollback/execute.ts';
import { isEmergency, rollbackAndPublish, type RollbackOutcome } from '../rollback/publish.ts';
import { chooseRollbackTarget, lastMoveWasRollback, type RollbackPlan } from '../rollback/target.ts';
import { BOT_GIT_ENV, registryFolder } from './checkout.ts';
import {
  actionEnvironmentOf,
  booleanInput,
  githubContext,
  runAction,
  type ActionContext,
  type ActionEnvironment,
} from './runtime.ts';

export interface IncidentInputs {
  model?: string;
  /** `name=value` pairs, comma- or newline-separated. */
  metrics?: string;
  alert?: string;
  description?: string;
  dryRun: boolean;
  registry?: string;
}

export interface IncidentRequest {
  models: string[];
  metrics: Record<string, number>;
  alert?: string;
  description?: string;
}

export const INCIDENT_LABEL = 'tollgate:incident';
const STAGE = 'production';

const text = (value: unknown, field: string): string | undefined => {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') {
    throw new TollgateError(`client_payload.${field} must be a string`, { field });
  }
  return value.trim() || undefined;
};

/** `a=1, b=2` or one pair a line. */
export const parseMetricsText = (value: string): Record<string, number> =>
  parseMetricArgs(
    value
      .split(/[,\n]/)
      .map((pair) => pair.trim())
      .filter((pair) => pair !== ''),
  );

/** A client_payload's metrics: `{name: number}` (numbers or numeric strings) or the `k=v,...` text form. */
function payloadMetrics(value: unknown): Record<string, number> {
  if (value === undefined || value === null || value === '') return {};
  if (typeof value === 'string') return parseMetricsText(value);
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new TollgateError('client_payload.metrics must be an object of numbers or "name=value, ..." text', {
      field: 'metrics',
      fix: 'send e.g. {"metrics": {"error_rate": 0.7}} or {"metrics": "error_rate=0.7"}',
    });
  }
  return parseMetricArgs(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`),
  );
}

/**
 * What was declared: the action's inputs, filled in from a repository_dispatch client_payload
 * (`{model, metrics, alert, description}`); an input that is set wins over the payload.
 */
export function incidentRequest(inputs: IncidentInputs, env: ActionEnvironment): IncidentRequest {
  const payload =
    env.eventName === 'repository_dispatch'
      ? ((env.event.client_payload ?? {}) as Record<string, unknown>)
      : {};
  if (typeof payload !== 'object' || Array.isArray(payload)) {
    throw new TollgateError('repository_dispatch client_payload must be an object', {
      field: 'client_payload',
    });
  }
  const model = inputs.model?.trim() || text(payload.model, 'model');
  if (!model) {
    const dispatched = env.eventName === 'repository_dispatch';
    throw new TollgateError(
      dispatched
        ? 'repository_dispatch: client_payload.model is missing: an incident needs the affected model'
        : 'an incident needs the affected model',
      {
        field: dispatched ? 'client_payload.model' : 'model',
        fix: 'set the `model` input, or `model` in the repository_dispatch client_payload',
      },
    );
  }
  const metrics = inputs.metrics?.trim() ? parseMetricsText(inputs.metrics) : payloadMetrics(payload.metrics);
  const alert = inputs.alert?.trim() || text(payload.alert, 'alert');
  const description = inputs.description?.trim() || text(payload.description, 'description');
  return {
    models: model
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean),
    metrics,
    ...(alert !== undefined ? { alert } : {}),
    ...(description !== undefined ? { description } : {}),
  };
}

export interface IncidentDeps {
  client?: GitHubClient;
  /** When the incident was detected. */
  now: Date;
  /** The clock for later timeline entries (rollback done); default: `now`. */
  clock?: () => Date;
  /** 4 lowercase letters or digits: the random part of the incident id. */
  suffix: string;
  gitEnv?: NodeJS.ProcessEnv;
  remote?: string;
  /** The notification webhook (a secret, e.g. TOLLGATE_NOTIFY_WEBHOOK); default the policy's notify_webhook. */
  notifyWebhook?: string;
  /** For the notification POST; default the global fetch. */
  fetch?: typeof globalThis.fetch;
}

export interface ModelRollback {
  model: string;
  decision: AutoRollbackDecision;
  outcome?: RollbackOutcome;
  error?: string;
}

export interface IncidentActionResult {
  incident: Incident;
  audit: AuditEvent[];
  rollbacks: ModelRollback[];
  /** True when a rollback reached the default branch (pushed). */
  rolledBack: boolean;
  /** The rollback pull request, when the rollback was proposed instead. */
  rollbackPullRequest?: number;
  /** How the record was written: pushed, a pull request, a local commit, or nothing (dry run). */
  record: {
    mode: 'pushed' | 'pull-request' | 'committed' | 'dry-run';
    commit?: string;
    pullRequest?: number;
    /** How the record's pull request reaches the default branch: merged, auto-merge, or left open. */
    merge?: StateMerge;
  };
  summary: string;
}

const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function runIncident(
  inputs: IncidentInputs,
  env: ActionEnvironment,
  deps: IncidentDeps,
): Promise<IncidentActionResult> {
  const request = incidentRequest(inputs, env);
  const registryDir = registryFolder(inputs.registry);
  const registryRoot = join(env.workspace, registryDir);
  const policy = await readPolicy(fileSystemReader(registryRoot));
  const clock = deps.clock ?? (() => deps.now);
  const actor = env.actor || 'tollgate-bot';
  const id = incidentId(deps.now, deps.suffix);
  let incident = openIncident({ ...request, now: deps.now, id, policy });
  const github: GitHubTarget | undefined = deps.client
    ? { client: deps.client, repo: { owner: env.owner, repo: env.repo }, remote: deps.remote ?? 'origin' }
    : undefined;

  // One API call: every open Tollgate promotion, whatever the model.
  const promotions = github
    ? await listOpenPullRequests(github.client, github.repo, { headPrefix: 'tollgate/promote/' })
    : [];

  const rollbacks: ModelRollback[] = [];
  let rolledBack = false;
  let rollbackPullRequest: number | undefined;
  const opened = incidentAuditEvent({
    incident,
    event: 'incident-opened',
    actor,
    now: deps.now,
    suffix: deps.suffix,
  });
  const emergency = isEmergency(policy, incident.severity);
  // Where the checkout was before the record was committed ahead of an emergency rollback (see below).
  let beforeRecord: string | undefined;
  /** A rollback commit sits on the checked-out branch (pushed, or committed without a remote). */
  let onBranch = false;
  for (const model of incident.models) {
    let state: StagePointerState;
    try {
      state = await readPointerState(env.workspace, { model, stage: STAGE, registryDir });
    } catch (error) {
      // A model without a readable pointer (a typo, a shallow clone) still gets its incident recorded.
      if (!(error instanceof TollgateError)) throw error;
      const reason = error.message;
      const entry = {
        at: iso(deps.now),
        event: 'rollback-skipped' as const,
        detail: `${model} ${STAGE}: ${reason}`,
      };
      incident = appendTimeline(incident, entry);
      rollbacks.push({ model, decision: { rollback: false, reason, matched: [], entry } });
      continue;
    }
    let plan: RollbackPlan | undefined;
    try {
      plan = chooseRollbackTarget({
        model,
        stage: STAGE,
        history: state.history,
        current: state.current,
        stableFor: policy.rollback.stableFor,
        now: deps.now,
        held: state.held,
      });
    } catch (error) {
      if (!(error instanceof TollgateError)) throw error;
    }
    const inFlight = promotions.filter((pull) => pull.headRef.startsWith(`tollgate/promote/${model}/`));
    const decision = decideAutoRollback({
      incident,
      policy,
      now: deps.now,
      state: {
        model,
        stage: STAGE,
        promotionInFlight: inFlight.length > 0,
        lastPointerChangeWasRollback: lastMoveWasRollback(state.history),
        ...(state.current !== undefined ? { current: state.current } : {}),
        ...(plan !== undefined ? { stableTarget: plan.target } : {}),
      },
    });
    const entry =
      decision.rollback || inFlight.length === 0
        ? decision.entry
        : {
            ...decision.entry,
            detail: `${decision.entry.detail} (#${inFlight.map((p) => p.number).join(', #')})`,
          };
    incident = appendTimeline(incident, entry);
    const record: ModelRollback = { model, decision };
    rollbacks.push(record);
    if (!decision.rollback || plan === undefined || inputs.dryRun) continue;
    if (emergency && beforeRecord === undefined) {
      // An emergency rollback is judged by the incident record in its own tree (the integrity audit reads it
      // there), so the record goes first, in a commit pushed together with the rollback.
      beforeRecord = await git(env.workspace, ['rev-parse', 'HEAD']);
      await commitRecord(
        env.workspace,
        registryDir,
        [
          { path: incidentPath(id), document: incident },
          { path: auditPath(opened.id), document: opened },
        ],
        { ...incidentOpenedCommit(incident, actor), env: stamped(deps.gitEnv, deps.now) },
      );
    }
    try {
      const outcome = await rollbackAndPublish(
        env.workspace,
        {
          model,
          stage: STAGE,
          incident: { id, severity: incident.severity },
          by: actor,
          now: clock(),
          policy,
          registryDir,
          planned: { plan, history: state.history },
          ...(deps.gitEnv ? { env: deps.gitEnv } : {}),
        },
        github,
      );
      record.outcome = outcome;
      const at = iso(clock());
      const moved = `${model} ${STAGE} ${plan.current ?? '(none)'} -> ${plan.target}`;
      if (outcome.mode === 'pushed' || outcome.mode === 'committed') {
        rolledBack ||= outcome.mode === 'pushed';
        onBranch = true;
        incident = appendTimeline(incident, {
          at,
          event: 'rollback-completed',
          detail: `${moved} by ${outcome.result.mode} in ${outcome.commit.slice(0, 12)} (${outcome.mode === 'pushed' ? 'emergency push' : 'committed, not pushed'})`,
        });
      } else if (outcome.mode === 'pull-request') {
        rollbackPullRequest ??= outcome.pullRequest?.number;
        incident = appendTimeline(incident, {
          at,
          event: 'note',
          detail: `${moved} proposed ${outcome.pullRequest ? `in pull request #${outcome.pullRequest.number}` : `on branch ${outcome.branch}`}; it completes when merged`,
        });
      }
      if (outcome.mode !== 'dry-run' && outcome.mode !== 'already-done' && plan.current !== undefined) {
        incident.rollback ??= {
          model,
          stage: STAGE,
          from: plan.current,
          to: plan.target,
          commit: outcome.commit,
          ...(outcome.mode === 'pull-request' && outcome.pullRequest
            ? { pull_request: outcome.pullRequest.number }
            : {}),
        };
      }
    } catch (error) {
      // The incident is still recorded, with the failure on its timeline; the checkout was left as it was.
      if (!(error instanceof TollgateError)) throw error;
      record.error = error.message;
      incident = appendTimeline(incident, {
        at: iso(clock()),
        event: 'rollback-failed',
        detail: error.message,
      });
    }
  }

  if (beforeRecord !== undefined && !onBranch) {
    // Nothing was pushed with the early record: drop it; the full record is written below like any other.
    await git(env.workspace, ['reset', '-q', '--hard', beforeRecord]);
    beforeRecord = undefined;
  }
  // After the rollback, so a slow or dead webhook never delays it; the outcome goes on the timeline.
  const webhook = deps.notifyWebhook || policy.incident.notifyWebhook;
  if (webhook && !inputs.dryRun) {
    const entry = await notifyIncident(webhook, incident, {
      now: clock,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
      ...(env.runUrl ? { link: env.runUrl } : {}),
    });
    incident = appendTimeline(incident, entry);
  }
  const audit = [
    opened,
    ...rollbacks.map((r, i) =>
      incidentAuditEvent({
        incident,
        event: r.outcome && r.outcome.mode !== 'dry-run' ? 'rollback' : 'rollback-skipped',
        actor,
        now: deps.now,
        suffix: `${deps.suffix}-rb${i + 1}`,
        model: r.model,
        stage: STAGE,
        ...(r.decision.rollback ? { version: r.decision.target } : {}),
        ...(r.outcome && 'commit' in r.outcome ? { commit: r.outcome.commit } : {}),
        ...(r.outcome?.mode === 'pull-request' && r.outcome.pullRequest
          ? { pullRequest: r.outcome.pullRequest.number }
          : {}),
        details: {
          reason: r.error ?? (r.decision.rollback ? r.decision.entry.detail : r.decision.reason),
          ...(r.outcome ? { mode: r.outcome.mode } : {}),
        },
      }),
    ),
  ];
  const files: RegistryFileWrite[] = [
    { path: incidentPath(id), document: incident },
    ...audit.map((event) => ({ path: auditPath(event.id), document: event })),
  ];
  const result: Omit<IncidentActionResult, 'summary'> = {
    incident,
    audit,
    rollbacks,
    rolledBack,
    ...(rollbackPullRequest !== undefined ? { rollbackPullRequest } : {}),
    record: inputs.dryRun
      ? { mode: 'dry-run' }
      : await recordState(env.workspace, registryDir, files, {
          incident,
          commit:
            beforeRecord === undefined
              ? incidentOpenedCommit(incident, actor)
              : {
                  message: `Record the rollback on incident ${id}`,
                  trailers: { 'Tollgate-Event': 'incident-updated', Incident: id, 'Requested-By': actor },
                },
          branch: policy.defaultBranch,
          stateWrites: policy.stateWrites,
          env: stamped(deps.gitEnv, clock()),
          github,
        }),
  };
  return { ...result, summary: incidentSummary(result, inputs.dryRun) };
}

const stamped = (env: NodeJS.ProcessEnv | undefined, when: Date): NodeJS.ProcessEnv => ({
  ...env,
  GIT_AUTHOR_DATE: iso(when),
  GIT_COMMITTER_DATE: iso(when),
});

/** Writes registry files through the one writer and commits exactly them on the checked-out branch. */
async function commitRecord(
  repoRoot: string,
  registryDir: string,
  files: RegistryFileWrite[],
  commit: { message: string; trailers: Trailers; env: NodeJS.ProcessEnv },
): Promise<string> {
  await writeRegistryFiles(join(repoRoot, registryDir), files);
  return commitChange(repoRoot, { paths: files.map((f) => posix.join(registryDir, f.path)), ...commit });
}

/** The record as a state change (src/publish/state.ts): pushed, or a pull request the action merges itself. */
async function recordState(
  repoRoot: string,
  registryDir: string,
  files: RegistryFileWrite[],
  options: {
    incident: Incident;
    commit: { message: string; trailers: Trailers };
    branch: string;
    stateWrites: 'push' | 'pull-request';
    env: NodeJS.ProcessEnv;
    github?: GitHubTarget;
  },
): Promise<IncidentActionResult['record']> {
  const { message, trailers } = options.commit;
  const published = await publishStateChange(
    {
      repoRoot,
      registryDir,
      writes: files,
      message,
      trailers,
      baseBranch: options.branch,
      stateWrites: options.stateWrites,
      branch: `tollgate/incident/${options.incident.id}`,
      env: options.env,
      pullRequest: {
        title: message,
        body: [
          `Records incident ${options.incident.id} (${options.incident.severity}) and its audit events.`,
          '',
          'A state change: the sign-off gate passes it without sign-offs, and the incident action merges it.',
          '',
        ].join('\n'),
        labels: [INCIDENT_LABEL],
      },
    },
    options.github,
  );
  const pull = published.pullRequest;
  return {
    mode: published.mode,
    commit: published.commit,
    ...(pull ? { pullRequest: pull.number, merge: pull.merge } : {}),
  };
}

const cell = (value: string): string => value.replaceAll('|', '\\|').replaceAll('\n', ' ');

export function incidentSummary(result: Omit<IncidentActionResult, 'summary'>, dryRun: boolean): string {
  const { incident } = result;
  const lines = [
    `## Tollgate incident ${incident.id}${dryRun ? ' (dry run: nothing written)' : ''}`,
    '',
    `**${incident.severity}** on ${incident.models.join(', ')}: ${incident.timeline[1]?.detail ?? ''}`,
    '',
    '| time | event | detail |',
    '| --- | --- | --- |',
    ...incident.timeline.map(
      (e) =>
        `| ${e.at} | ${e.event}${e.duration !== undefined ? ` (+${e.duration} s)` : ''} | ${cell(e.detail ?? '')} |`,
    ),
    '',
  ];
  if (result.record.mode === 'pull-request')
    lines.push(
      `Record proposed in pull request #${result.record.pullRequest}${stateMergeNote(result.record.merge)}.`,
    );
  if (result.record.mode === 'pushed') lines.push(`Record pushed in ${result.record.commit?.slice(0, 12)}.`);
  if (result.record.mode === 'committed')
    lines.push(`Record committed locally in ${result.record.commit?.slice(0, 12)}.`);
  return `${lines.join('\n')}\n`;
}

export async function run(context: ActionContext = githubContext): Promise<void> {
  let client: GitHubClient | undefined;
  await runAction('Tollgate incident', async (action) => {
    const env = actionEnvironmentOf(context);
    client = githubClientFromEnv(process.env, { token: core.getInput('token') });
    try {
      const now = new Date();
      const result = await runIncident(
        {
          model: core.getInput('model'),
          metrics: core.getInput('metrics'),
          alert: core.getInput('alert'),
          description: core.getInput('description'),
          registry: core.getInput('registry'),
          dryRun: booleanInput('dry-run', false),
        },
        env,
        {
          client,
          now,
          clock: () => new Date(),
          suffix: randomBytes(2).toString('hex'),
          gitEnv: BOT_GIT_ENV,
          ...(process.env.TOLLGATE_NOTIFY_WEBHOOK
            ? { notifyWebhook: process.env.TOLLGATE_NOTIFY_WEBHOOK }
            : {}),
        },
      );
      core.setOutput('id', result.incident.id);
      core.setOutput('severity', result.incident.severity);
      core.setOutput('rolled-back', String(result.rolledBack));
      core.setOutput(
        'rollback-pull-request',
        result.rollbackPullRequest === undefined ? '' : String(result.rollbackPullRequest),
      );
      core.summary.addRaw(result.summary);
      if (result.record.merge?.status === 'open')
        core.warning(`the incident record's pull request stays open: ${result.record.merge.reason}`);
    } finally {
      action.footnotes.push(describeCalls(client));
    }
  });
}

// Run when this file is the action's entry (the bundle); tests import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
