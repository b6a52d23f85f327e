// The rollback action: plan and apply a rollback on the checkout of the default branch, then push it (an
// emergency the policy allows for the incident's severity) or open its pull request. Git does the work; the API
// is used only to open or find the pull request, never per commit.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as core from '@actions/core';
import { TollgateError } from '../errors.ts';
import { describeCalls, githubClientFromEnv, type GitHubClient } from '../github/client.ts';
import { readIncidents } from '../incident/read.ts';
import { assertDispatchAccepted } from '../policy/dispatch.ts';
import { readPolicy } from '../policy/read.ts';
import { fileSystemReader } from '../registry/load.ts';
import { INCIDENT_ID, assertSafeName, unsafeNameReason } from '../registry/names.ts';
import { incidentPath } from '../registry/paths.ts';
import type { Incident, Severity } from '../registry/types.ts';
import { rollbackAndPublish, type RollbackOutcome } from '../rollback/publish.ts';
import { BOT_GIT_ENV, registryFolder } from './checkout.ts';
import { booleanInput, readActionEnvironment, runAction, type ActionEnvironment } from './runtime.ts';

export interface RollbackInputs {
  /** Required, from the input or (repository_dispatch) client_payload.model. */
  model: string;
  stage?: string;
  to?: string;
  incident?: string;
  dryRun: boolean;
  /** The registry folder, repository-relative. Default `registry`. */
  registry?: string;
}

export interface RollbackDeps {
  client?: GitHubClient;
  now: Date;
  /** Git environment for the commits, e.g. the bot's author and committer identity. */
  gitEnv?: NodeJS.ProcessEnv;
  /** The git remote that is the GitHub repository. Default `origin`. */
  remote?: string;
  /** The clock for the incident's rollback-completed entry after an emergency push; default `now`. */
  clock?: () => Date;
}

export interface RollbackActionResult {
  outcome: RollbackOutcome;
  /** The version the stage points to after the rollback (or would, on a dry run). */
  target: string;
  commit?: string;
  pullRequest?: number;
  /** The severity of the incident named, when its record was found. */
  severity?: Severity;
  notes: string[];
  summary: string;
}

const DISPATCH_FIELDS = ['model', 'stage', 'to', 'incident'] as const;

/**
 * The inputs with a repository_dispatch `client_payload` (`{model, stage?, to?, incident?, dry-run?}`) filling
 * what the inputs leave empty; an input that is set wins. Every value is a plain string, checked with the same
 * name rules as the inputs, so a webhook cannot smuggle in anything a person could not type.
 */
export function rollbackRequest(inputs: RollbackInputs, env: ActionEnvironment): RollbackInputs {
  if (env.eventName !== 'repository_dispatch') return inputs;
  const payload = env.event.client_payload ?? {};
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

export async function runRollback(
  inputs: RollbackInputs,
  env: ActionEnvironment,
  deps: RollbackDeps,
): Promise<RollbackActionResult> {
  const registryDir = registryFolder(inputs.registry);
  const reader = fileSystemReader(join(env.workspace, registryDir));
  const policy = await readPolicy(reader);
  // Before the payload is read: a sender the policy does not list gets nothing but the refusal.
  assertDispatchAccepted(policy.dispatch.allowedSenders, env, 'roll back');
  inputs = rollbackRequest(inputs, env);
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
    deps.client
      ? { client: deps.client, repo: { owner: env.owner, repo: env.repo }, remote: deps.remote ?? 'origin' }
      : undefined,
  );
  const target = outcome.mode === 'already-done' ? outcome.target : outcome.plan.target;
  const result: RollbackActionResult = {
    outcome,
    target,
    notes,
    summary: '',
    ...(severity !== undefined ? { severity } : {}),
    ...(outcome.mode !== 'dry-run' ? { commit: outcome.commit } : {}),
    ...(outcome.mode === 'pull-request' && outcome.pullRequest
      ? { pullRequest: outcome.pullRequest.number }
      : {}),
  };
  result.summary = rollbackSummary(model, stage, result);
  return result;
}

export function rollbackSummary(model: string, stage: string, result: RollbackActionResult): string {
  const { outcome } = result;
  const lines = ['## Tollgate rollback', ''];
  if (outcome.mode === 'already-done') {
    lines.push(
      `${model} ${stage} already points at \`${outcome.target}\`: this incident's rollback ` +
        `\`${outcome.commit.slice(0, 12)}\` is the newest change of the stage. Nothing more to do.`,
    );
  } else {
    const { plan } = outcome;
    lines.push(`**${model}** \`${stage}\`: \`${plan.current ?? '(none)'}\` → \`${plan.target}\``, '');
    if (outcome.mode === 'dry-run') {
      lines.push(
        `Dry run: would revert ${plan.commitsToRevert.length} commit(s) and ` +
          (outcome.emergency ? 'push directly (emergency).' : 'open a pull request.'),
      );
    } else {
      const how =
        outcome.result.mode === 'revert'
          ? `reverted ${outcome.result.reverted.length} commit(s)`
          : `wrote the pointer forward (${outcome.result.forwardFixReason})`;
      lines.push(`Commit \`${outcome.commit.slice(0, 12)}\` ${how}.`);
      if (outcome.mode === 'pushed')
        lines.push('', 'Pushed directly to the default branch (emergency push).');
      if (outcome.mode === 'committed') lines.push('', 'Committed on the checkout; nothing was pushed.');
      if (outcome.mode === 'pull-request') {
        lines.push(
          '',
          outcome.pullRequest
            ? `Pull request [#${outcome.pullRequest.number}](${outcome.pullRequest.url}) ` +
                `${outcome.pullRequest.created ? 'opened' : 'updated'} on \`${outcome.branch}\`; ` +
                'the sign-off gate applies the rollback rule.'
            : `Committed on branch \`${outcome.branch}\`; no pull request was opened.`,
        );
      }
      if (outcome.result.held) lines.push('', `Marked ${model} ${outcome.result.held} held.`);
    }
  }
  for (const note of result.notes) lines.push('', `> ${note}`);
  return `${lines.join('\n')}\n`;
}

export async function run(): Promise<void> {
  let client: GitHubClient | undefined;
  await runAction('Tollgate rollback', async (action) => {
    const env = readActionEnvironment(process.env);
    const dryRun = booleanInput('dry-run', false);
    client = githubClientFromEnv(process.env, { token: core.getInput('token') });
    try {
      const result = await runRollback(
        {
          // Required, but a repository_dispatch may carry it in client_payload instead (rollbackRequest).
          model: core.getInput('model'),
          stage: core.getInput('stage'),
          to: core.getInput('to'),
          incident: core.getInput('incident'),
          registry: core.getInput('registry'),
          dryRun,
        },
        env,
        { client, now: new Date(), clock: () => new Date(), gitEnv: BOT_GIT_ENV },
      );
      core.setOutput('target', result.target);
      core.setOutput('commit', result.commit ?? '');
      core.setOutput('pull-request', result.pullRequest === undefined ? '' : String(result.pullRequest));
      core.summary.addRaw(result.summary);
    } finally {
      action.footnotes.push(describeCalls(client));
    }
  });
}

// Run when this file is the action's entry (the bundle); tests import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
