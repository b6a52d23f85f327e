// The shell every action shares: the workflow's environment as plain data, and one way to end a run:
// outputs set, a job summary written, errors turned into annotations and a failed job.
import { readFileSync } from 'node:fs';
import * as core from '@actions/core';
import { describeError, TollgateError } from '../errors.ts';

/** What an action needs from the runner's environment, read once so the core never touches process.env. */
export interface ActionEnvironment {
  owner: string;
  repo: string;
  serverUrl: string;
  apiUrl: string;
  workspace: string;
  eventName: string;
  /** The webhook payload (GITHUB_EVENT_PATH), or {} when absent. */
  event: Record<string, unknown>;
  sha: string;
  ref: string;
  actor: string;
  runId: string;
  runAttempt: string;
  /** Link to this workflow run, for lineage and audit records. */
  runUrl?: string;
}

export function readActionEnvironment(env: NodeJS.ProcessEnv): ActionEnvironment {
  const [owner = '', repo = ''] = (env.GITHUB_REPOSITORY ?? '').split('/');
  const serverUrl = env.GITHUB_SERVER_URL ?? 'https://github.com';
  const runId = env.GITHUB_RUN_ID ?? '';
  let event: Record<string, unknown> = {};
  if (env.GITHUB_EVENT_PATH) {
    try {
      event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new TollgateError(`could not read the event payload at ${env.GITHUB_EVENT_PATH}`, {
        cause: error,
      });
    }
  }
  return {
    owner,
    repo,
    serverUrl,
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    workspace: env.GITHUB_WORKSPACE ?? process.cwd(),
    eventName: env.GITHUB_EVENT_NAME ?? '',
    event,
    sha: env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    actor: env.GITHUB_ACTOR ?? '',
    runId,
    runAttempt: env.GITHUB_RUN_ATTEMPT ?? '1',
    runUrl: owner && runId ? `${serverUrl}/${owner}/${repo}/actions/runs/${runId}` : undefined,
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
