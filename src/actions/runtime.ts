// The shell every action shares: @actions/github's context turned into plain data for the flows, and one way to
// end a run: outputs set, a job summary written, errors turned into annotations and a failed job.
import * as core from '@actions/core';
import { context as githubContext } from '@actions/github';
import { describeError, TollgateError } from '../errors.ts';
import type { WorkflowRun } from '../github/workflow-run.ts';

/** @actions/github's context: the event payload and the run's environment, read once at import. */
export type ActionContext = typeof githubContext;
export { githubContext };

/** The run as plain data for the flows. */
export function workflowRunOf(context: ActionContext, env: NodeJS.ProcessEnv = process.env): WorkflowRun {
  // context.repo throws without GITHUB_REPOSITORY or a payload repository; a local run has neither.
  const repository =
    env.GITHUB_REPOSITORY || context.payload.repository ? context.repo : { owner: '', repo: '' };
  const runId = Number.isFinite(context.runId) ? String(context.runId) : '';
  return {
    repo: repository,
    serverUrl: context.serverUrl,
    workspace: env.GITHUB_WORKSPACE ?? process.cwd(),
    actor: context.actor ?? '',
    ...(repository.owner && runId
      ? { runUrl: `${context.serverUrl}/${repository.owner}/${repository.repo}/actions/runs/${runId}` }
      : {}),
  };
}

/** An input as a boolean: true/false/yes/no/1/0 (any case); empty means `fallback`. */
export function booleanInput(name: string, fallback: boolean): boolean {
  const raw = core.getInput(name).trim().toLowerCase();
  if (raw === '') return fallback;
  if (['true', 'yes', '1'].includes(raw)) return true;
  if (['false', 'no', '0'].includes(raw)) return false;
  throw new TollgateError(`input "${name}" must be true or false, not "${raw}"`, { field: name });
}

export interface ActionRun {
  /** Lines appended to the job summary's footnote, e.g. the GitHub API call count. */
  footnotes: string[];
}

/**
 * Runs one action body. A TollgateError with a file becomes an annotation on that line; any error fails the
 * job with its message and fix. The summary is written even when the body fails, so the reason is visible.
 */
export async function runAction(title: string, body: (run: ActionRun) => Promise<void>): Promise<void> {
  const run: ActionRun = { footnotes: [] };
  try {
    await body(run);
  } catch (error) {
    const message = describeError(error);
    if (error instanceof TollgateError && error.file) {
      core.error(error.message, { title, file: error.file, startLine: error.line });
    }
    core.summary.addRaw(`\n**${title} failed:** ${message.replace(/\n/g, '<br>')}\n`);
    core.setFailed(message);
  } finally {
    if (run.footnotes.length > 0) core.summary.addRaw(`\n<sub>${run.footnotes.join(' · ')}</sub>\n`);
    if (process.env.GITHUB_STEP_SUMMARY) await core.summary.write();
  }
}

/**
 * The run and its event together, for the faces whose flows still read the payload themselves (the sign-off
 * gate and incident actions): built from @actions/github's context, so the event is never read by hand.
 */
export interface ActionEnvironment {
  owner: string;
  repo: string;
  serverUrl: string;
  apiUrl: string;
  workspace: string;
  eventName: string;
  /** The webhook payload, or {} when there is none. */
  event: Record<string, unknown>;
  sha: string;
  ref: string;
  actor: string;
  runId: string;
  runAttempt: string;
  runUrl?: string;
}

export function actionEnvironmentOf(
  context: ActionContext,
  env: NodeJS.ProcessEnv = process.env,
): ActionEnvironment {
  const run = workflowRunOf(context, env);
  return {
    owner: run.repo.owner,
    repo: run.repo.repo,
    serverUrl: run.serverUrl,
    apiUrl: context.apiUrl,
    workspace: run.workspace,
    eventName: context.eventName ?? '',
    event: context.payload as Record<string, unknown>,
    sha: context.sha ?? '',
    ref: context.ref ?? '',
    actor: run.actor,
    runId: Number.isFinite(context.runId) ? String(context.runId) : '',
    runAttempt: Number.isFinite(context.runAttempt) ? String(context.runAttempt) : '1',
    ...(run.runUrl ? { runUrl: run.runUrl } : {}),
  };
}
