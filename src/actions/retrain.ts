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
  runRecordStep,
  runRetrainFlow,
  runTrainStep,
  TRIGGER_KINDS,
  type RetrainFlowInput,
  type RetrainOutcome,
  type TrainStepOutcome,
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
  /** `all` (one job), or one half of the two-job retrain: `train` (no write credential) or `record`. */
  mode?: RetrainMode;
  /** mode `record`: the training job's `report` output, and the folder its upload was downloaded to. */
  report?: string;
  outputDir?: string;
}

export const RETRAIN_MODES = ['all', 'train', 'record'] as const;
export type RetrainMode = (typeof RETRAIN_MODES)[number];

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

/** The flow's input from the action's inputs; the pull requests are the guard's second half, listed once. */
async function flowInput(
  inputs: RetrainInputs,
  env: ActionEnvironment,
  deps: RetrainDeps,
  writes: boolean,
): Promise<RetrainFlowInput> {
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
  return {
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
    ...(deps.client && writes && !inputs.dryRun ? { github: { client: deps.client, repo } } : {}),
    ...(deps.gitEnv ? { gitEnv: deps.gitEnv } : {}),
    ...(deps.requestSuffix ? { requestSuffix: deps.requestSuffix } : {}),
    ...(deps.onOutput ? { onOutput: deps.onOutput } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
    ...(deps.tempDir ? { tempDir: deps.tempDir } : {}),
  };
}

/** A retrain in one job: train, record and open the pull request (mode `all`). */
export async function runRetrain(
  inputs: RetrainInputs,
  env: ActionEnvironment,
  deps: RetrainDeps,
): Promise<RetrainOutcome> {
  return runRetrainFlow(await flowInput(inputs, env, deps, true));
}

/** The training job of a two-job retrain (mode `train`): never pushes, whatever token it was given. */
export async function runRetrainTraining(
  inputs: RetrainInputs,
  env: ActionEnvironment,
  deps: RetrainDeps,
): Promise<TrainStepOutcome> {
  return runTrainStep(await flowInput(inputs, env, deps, false));
}

/** The recording job of a two-job retrain (mode `record`): verifies the training job's report and files. */
export async function runRetrainRecording(
  inputs: RetrainInputs,
  env: ActionEnvironment,
  deps: RetrainDeps,
): Promise<RetrainOutcome> {
  if (!inputs.report?.trim())
    throw new TollgateError('input "report" is required in mode record', {
      field: 'report',
      fix: "pass the training job's output: report: ${{ needs.train.outputs.report }}",
    });
  const input = await flowInput({ ...inputs, dryRun: false }, env, deps, true);
  return runRecordStep(input, { report: inputs.report, outputDir: inputs.outputDir ?? '' });
}

/** The training job's summary: the report the recording job will check, or why nothing was trained. */
export function trainingSummary(outcome: TrainStepOutcome): string {
  const lines = [`## Tollgate retrain (training job): \`${outcome.model}\``, ''];
  const report = outcome.report;
  if (outcome.status === 'dry-run') return retrainSummary({ ...outcome, status: 'dry-run' });
  if (outcome.status === 'refused') lines.push(`**Refused:** ${outcome.error?.message ?? ''}`);
  if (outcome.status === 'failed')
    lines.push(`**Training failed**; the recording job records request \`${report?.request}\` as failed.`);
  if (outcome.status === 'trained' && report?.artifact)
    lines.push(
      `Trained request \`${report.request}\` as \`${report.version}\`; the recording job checks these hashes ` +
        'before it records anything:',
      '',
      `- \`metrics.json\`: sha256 \`${report.metrics_sha256}\``,
      `- \`${report.artifact.name}\`: sha256 \`${report.artifact.sha256}\` (${report.artifact.size} bytes)`,
    );
  if (outcome.error && outcome.status === 'failed') lines.push('', '```text', outcome.error.message, '```');
  return `${lines.join('\n')}\n`;
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

export function retrainMode(text: string): RetrainMode {
  const mode = (text.trim() || 'all') as RetrainMode;
  if (!RETRAIN_MODES.includes(mode))
    throw new TollgateError(`input "mode" must be one of ${RETRAIN_MODES.join(', ')}, not "${mode}"`, {
      field: 'mode',
      fix: 'use train in the job without write credentials and record in the job that holds the App token',
    });
  return mode;
}

/** The training job's outputs: what the workflow passes to the recording job (report) and uploads (output-dir). */
function setTrainingOutputs(outcome: TrainStepOutcome): void {
  core.setOutput('status', outcome.status);
  core.setOutput('request', outcome.report?.request ?? outcome.request?.id ?? '');
  core.setOutput('version', outcome.report?.version ?? '');
  core.setOutput('report', outcome.report ? JSON.stringify(outcome.report) : '');
  core.setOutput('output-dir', outcome.outputDir ?? '');
}

function setRetrainOutputs(outcome: RetrainOutcome): void {
  core.setOutput('request', outcome.request?.id ?? '');
  core.setOutput('version', outcome.version?.id ?? '');
  core.setOutput('status', outcome.status);
  core.setOutput('pull-request', outcome.pullRequest?.number ?? '');
  core.setOutput('pull-request-url', outcome.pullRequest?.url ?? '');
  core.setOutput('artifact', outcome.artifactPath ?? '');
}

export async function run(): Promise<void> {
  await runAction('Tollgate retrain', async (actionRun) => {
    const env = readActionEnvironment(process.env);
    const mode = retrainMode(core.getInput('mode'));
    const inputs: RetrainInputs = {
      model: core.getInput('model', { required: true }),
      reason: core.getInput('reason'),
      trigger: core.getInput('trigger'),
      command: core.getInput('command'),
      dryRun: booleanInput('dry-run', false),
      registry: core.getInput('registry') || 'registry',
      metrics: core.getInput('metrics'),
      thresholds: core.getInput('thresholds'),
      mode,
      report: core.getInput('report'),
      outputDir: core.getInput('output-dir'),
    };
    const client = githubClientFromEnv(process.env, { token: core.getInput('token') });
    const controller = new AbortController();
    const cancel = () => controller.abort();
    process.once('SIGINT', cancel);
    process.once('SIGTERM', cancel);
    const deps: RetrainDeps = {
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
    };
    let outcome: RetrainOutcome | TrainStepOutcome;
    try {
      if (mode === 'train') outcome = await runRetrainTraining(inputs, env, deps);
      else if (mode === 'record') outcome = await runRetrainRecording(inputs, env, deps);
      else outcome = await runRetrain(inputs, env, deps);
    } finally {
      process.off('SIGINT', cancel);
      process.off('SIGTERM', cancel);
      // Counted at the end, so the footnote holds every call of this run.
      actionRun.footnotes.push(describeCalls(client));
    }
    if (mode === 'train') {
      const trained = outcome as TrainStepOutcome;
      setTrainingOutputs(trained);
      core.summary.addRaw(trainingSummary(trained));
    } else {
      const recorded = outcome as RetrainOutcome;
      setRetrainOutputs(recorded);
      core.summary.addRaw(retrainSummary(recorded));
      if (recorded.stateMerge?.status === 'open')
        core.warning(`the failure record's pull request stays open: ${recorded.stateMerge.reason}`);
    }
    if (outcome.error) throw outcome.error;
  });
}

// Run when this file is the action's entry (the bundle); tests import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
