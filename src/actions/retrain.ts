// The retrain action: the retrain flow (src/retrain/flow.ts) on the workflow's checkout, with GitHub: the
// duplicate guard also looks at open retrain pull requests, and the change is pushed and opened as a pull
// request (or, for a failed run, recorded as a state change).
import { pathToFileURL } from 'node:url';
import * as core from '@actions/core';
import { stateMergeNote } from '../publish/state.ts';
import { TollgateError } from '../errors.ts';
import { describeCalls, githubClientFromEnv, type GitHubClient } from '../github/client.ts';
import { listOpenPullRequests } from '../github/pulls.ts';
import { formatMetric } from '../retrain/record.ts';
import { parseTriggerMetrics, parseTriggerThresholds } from '../retrain/trigger.ts';
import {
  retrainBranchPrefix,
  runRetrainFlow,
  TRIGGER_KINDS,
  type RetrainOutcome,
  type TriggerKind,
} from '../retrain/flow.ts';
import { booleanInput, readActionEnvironment, runAction, type ActionEnvironment } from './runtime.ts';

export interface RetrainInputs {
  model: string;
  reason: string;
  trigger: string;
  /** JSON array of arguments, or '' for model.yaml's command. */
  command: string;
  dryRun: boolean;
  registry: string;
  /** JSON object of the metric values that triggered a drift or incident retrain; '' or absent for none. */
  metrics?: string;
  /** JSON array of the thresholds they crossed ({metric, op, threshold}); '' or absent for none. */
  thresholds?: string;
}

export interface RetrainDeps {
  client?: GitHubClient;
  now: () => Date;
  /** Git environment for the commits (committer identity on a runner that has none configured). */
  gitEnv?: NodeJS.ProcessEnv;
  requestSuffix?: string;
  onOutput?: (line: string, stream: 'stdout' | 'stderr') => void;
  signal?: AbortSignal;
  tempDir?: string;
}

/** The branch the workflow runs on: the pull request targets it and the change builds on its checkout. */
export function baseBranchOf(env: ActionEnvironment): string {
  if (env.ref.startsWith('refs/heads/')) return env.ref.slice('refs/heads/'.length);
  const repository = env.event.repository as { default_branch?: unknown } | undefined;
  if (typeof repository?.default_branch === 'string') return repository.default_branch;
  throw new TollgateError(`the workflow runs on ${env.ref || 'no ref'}, not a branch`, {
    fix: 'run the retrain workflow on a branch (workflow_dispatch on the default branch)',
  });
}

export function parseCommandInput(text: string): string[] | undefined {
  if (text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new TollgateError(`input "command" is not JSON: ${(error as Error).message}`, {
      field: 'command',
      fix: 'pass a JSON array of arguments, e.g. ["python", "train.py", "--fast"]',
    });
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length === 0 ||
    parsed.some((a) => typeof a !== 'string' || a === '')
  ) {
    throw new TollgateError('input "command" must be a non-empty JSON array of non-empty strings', {
      field: 'command',
      fix: 'e.g. ["python", "train.py", "--fast"]',
    });
  }
  return parsed as string[];
}

export async function runRetrain(
  inputs: RetrainInputs,
  env: ActionEnvironment,
  deps: RetrainDeps,
): Promise<RetrainOutcome> {
  const trigger = (inputs.trigger.trim() || 'manual') as TriggerKind;
  if (!TRIGGER_KINDS.includes(trigger)) {
    throw new TollgateError(`input "trigger" must be one of ${TRIGGER_KINDS.join(', ')}, not "${trigger}"`, {
      field: 'trigger',
    });
  }
  const command = parseCommandInput(inputs.command);
  const metrics = inputs.metrics?.trim() ? parseTriggerMetrics(inputs.metrics, 'input "metrics"') : undefined;
  const thresholds = inputs.thresholds?.trim()
    ? parseTriggerThresholds(inputs.thresholds, 'input "thresholds"')
    : undefined;
  const repo = { owner: env.owner, repo: env.repo };
  // One paginated call: the guard's second half (a retrain pull request opened by an earlier run).
  const openPulls = deps.client
    ? await listOpenPullRequests(deps.client, repo, { headPrefix: retrainBranchPrefix(inputs.model) })
    : [];
  return runRetrainFlow({
    repoRoot: env.workspace,
    registryPrefix: inputs.registry || 'registry',
    model: inputs.model,
    reason: inputs.reason,
    trigger,
    actor: env.actor || 'unknown',
    ...(command ? { command } : {}),
    ...(metrics ? { triggerMetrics: metrics } : {}),
    ...(thresholds ? { triggerThresholds: thresholds } : {}),
    dryRun: inputs.dryRun,
    baseBranch: baseBranchOf(env),
    ...(env.runUrl ? { runUrl: env.runUrl } : {}),
    now: deps.now,
    openRetrainPulls: openPulls.map((p) => ({ number: p.number, url: p.url, headRef: p.headRef })),
    ...(deps.client && !inputs.dryRun ? { github: { client: deps.client, repo } } : {}),
    ...(deps.gitEnv ? { gitEnv: deps.gitEnv } : {}),
    ...(deps.requestSuffix ? { requestSuffix: deps.requestSuffix } : {}),
    ...(deps.onOutput ? { onOutput: deps.onOutput } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
    ...(deps.tempDir ? { tempDir: deps.tempDir } : {}),
  });
}

/** The job summary: what happened, the pull request, and the version's metrics and gates. */
export function retrainSummary(outcome: RetrainOutcome): string {
  const lines = [`## Tollgate retrain: \`${outcome.model}\``, ''];
  const pr = outcome.pullRequest
    ? `[#${outcome.pullRequest.number}](${outcome.pullRequest.url})${outcome.pullRequest.created ? '' : ' (updated)'}`
    : undefined;
  switch (outcome.status) {
    case 'dry-run': {
      const p = outcome.plan!;
      lines.push(
        `**Dry run:** nothing was run or written. Would record \`${p.version}\` from request \`${p.request.id}\`` +
          ` on \`${p.branch}\`.`,
        '',
        `Command: \`${p.command.join(' ')}\` (timeout ${p.timeout}s)`,
        '',
        'Files it would write:',
        '',
        ...p.files.map((f) => `- \`${f}\``),
      );
      break;
    }
    case 'refused':
      lines.push(`**Refused:** ${outcome.error?.message ?? ''}`);
      break;
    case 'failed':
      lines.push(
        `**Training failed**; request \`${outcome.request?.id}\` is recorded as failed` +
          (outcome.pushed
            ? ` in ${outcome.commit?.slice(0, 12)} on \`${outcome.branch}\`.`
            : pr
              ? ` in ${pr}${stateMergeNote(outcome.stateMerge)}.`
              : '.'),
        '',
        '```text',
        outcome.error?.message ?? '',
        '```',
      );
      break;
    case 'completed': {
      const v = outcome.version!;
      lines.push(
        `Recorded \`${v.id}\` from request \`${outcome.request?.id}\`${pr ? ` in ${pr}` : ''}: validation ` +
          `**${v.validation.passed ? 'passed' : 'failed'}**.`,
        '',
        '| metric | value |',
        '| --- | ---: |',
        ...Object.entries(v.metrics).map(([k, value]) => `| ${k} | ${formatMetric(value)} |`),
      );
      break;
    }
  }
  return `${lines.join('\n')}\n`;
}

export async function run(): Promise<void> {
  await runAction('Tollgate retrain', async (actionRun) => {
    const env = readActionEnvironment(process.env);
    const inputs: RetrainInputs = {
      model: core.getInput('model', { required: true }),
      reason: core.getInput('reason'),
      trigger: core.getInput('trigger'),
      command: core.getInput('command'),
      dryRun: booleanInput('dry-run', false),
      registry: core.getInput('registry') || 'registry',
      metrics: core.getInput('metrics'),
      thresholds: core.getInput('thresholds'),
    };
    const client = githubClientFromEnv(process.env, { token: core.getInput('token') });
    const controller = new AbortController();
    const cancel = () => controller.abort();
    process.once('SIGINT', cancel);
    process.once('SIGTERM', cancel);
    let outcome: RetrainOutcome;
    try {
      outcome = await runRetrain(inputs, env, {
        client,
        now: () => new Date(),
        gitEnv: {
          GIT_AUTHOR_NAME: process.env.GIT_AUTHOR_NAME ?? 'tollgate[bot]',
          GIT_AUTHOR_EMAIL: process.env.GIT_AUTHOR_EMAIL ?? 'tollgate[bot]@users.noreply.github.com',
          GIT_COMMITTER_NAME: process.env.GIT_COMMITTER_NAME ?? 'tollgate[bot]',
          GIT_COMMITTER_EMAIL: process.env.GIT_COMMITTER_EMAIL ?? 'tollgate[bot]@users.noreply.github.com',
        },
        onOutput: (line) => core.info(line),
        signal: controller.signal,
        ...(process.env.RUNNER_TEMP ? { tempDir: process.env.RUNNER_TEMP } : {}),
      });
    } finally {
      process.off('SIGINT', cancel);
      process.off('SIGTERM', cancel);
      // Counted at the end, so the footnote holds every call of this run.
      actionRun.footnotes.push(describeCalls(client));
    }
    core.setOutput('request', outcome.request?.id ?? '');
    core.setOutput('version', outcome.version?.id ?? '');
    core.setOutput('status', outcome.status);
    core.setOutput('pull-request', outcome.pullRequest?.number ?? '');
    core.setOutput('pull-request-url', outcome.pullRequest?.url ?? '');
    core.setOutput('artifact', outcome.artifactPath ?? '');
    core.summary.addRaw(retrainSummary(outcome));
    if (outcome.stateMerge?.status === 'open')
      core.warning(`the failure record's pull request stays open: ${outcome.stateMerge.reason}`);
    if (outcome.error) throw outcome.error;
  });
}

// Run when this file is the action's entry (the bundle); tests import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
