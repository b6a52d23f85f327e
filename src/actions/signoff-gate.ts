// The sign-off gate action: reads its inputs and the event, calls the gate flow (src/gate/signoff-gate-flow.ts) and
// renders the result (outputs, warnings, the job summary, a failed job on a failing verdict).
import { pathToFileURL } from 'node:url';
import * as core from '@actions/core';
import { TollgateError } from '../errors.ts';
import { parseAppId } from '../gate/check-runs.ts';
import type { SignoffGateResult } from '../gate/outcome.ts';
import { signoffGateFlow, type SignoffGateInputs } from '../gate/signoff-gate-flow.ts';
import { describeCalls, githubClientFromEnv, type GitHubClient } from '../github/client.ts';
import { EtagCache } from '../github/etag-cache.ts';
import { BOT_GIT_ENV } from './checkout.ts';
import {
  actionEnvironmentOf,
  githubContext,
  runAction,
  type ActionContext,
  type ActionEnvironment,
} from './runtime.ts';

export type { SignoffGateResult } from '../gate/outcome.ts';
export type { SignoffGateInputs } from '../gate/signoff-gate-flow.ts';
export interface SignoffGateDeps {
  client: GitHubClient;
  now: Date;
  /** The checkout (full history of the base); defaults to the workspace. */
  repoRoot?: string;
  /** Identity (and dates) of the state commit written after a merge. */
  gitEnv?: NodeJS.ProcessEnv;
}

/** The gate flow over the action's environment (the workspace is the checkout unless told otherwise). */
export const runSignoffGate = (
  inputs: SignoffGateInputs,
  env: ActionEnvironment,
  deps: SignoffGateDeps,
): Promise<SignoffGateResult> =>
  signoffGateFlow(
    inputs,
    { eventName: env.eventName, payload: env.event, ...(env.runUrl ? { runUrl: env.runUrl } : {}) },
    {
      client: deps.client,
      repo: { owner: env.owner, repo: env.repo },
      repoRoot: deps.repoRoot ?? env.workspace,
      ...(deps.gitEnv ? { gitEnv: deps.gitEnv } : {}),
    },
  );

export async function run(context: ActionContext = githubContext): Promise<void> {
  await runAction('Tollgate sign-off gate', async (actionRun) => {
    const env = actionEnvironmentOf(context);
    // A file the workflow keeps between runs (actions/cache, a self-hosted runner's disk): RUNNER_TEMP is emptied
    // after every job, so only a path the workflow restores lets a re-run send the ETags an earlier run saw.
    const etags = await EtagCache.open(core.getInput('etag-cache'));
    const client = githubClientFromEnv(process.env, { token: core.getInput('token'), etags });
    const appId = parseAppId(core.getInput('app-id'), 'app-id');
    const inputs = {
      checkName: core.getInput('check-name'),
      registry: core.getInput('registry'),
      appId,
      appSlug: core.getInput('app-slug'),
    };
    const result = await runSignoffGate(inputs, env, { client, now: new Date(), gitEnv: BOT_GIT_ENV });
    await etags.save().catch((error: unknown) => core.warning(`etag-cache not saved: ${String(error)}`));
    actionRun.footnotes.push(describeCalls(client));
    core.setOutput('conclusion', result.conclusion);
    core.setOutput('recorded', (result.recorded ?? []).join('\n'));
    for (const warning of result.warnings ?? []) core.warning(warning);
    core.summary.addRaw(result.summary);
    const failed = env.event.action === 'closed' ? 'could not record the merge' : 'failed closed';
    if (result.error) throw new TollgateError(`the sign-off gate ${failed}: ${result.error}`);
    // A failing verdict fails the job too, so a ruleset that requires the job instead of the check still blocks.
    if (result.conclusion !== 'success') core.setFailed(`sign-off gate: ${result.title}`);
  });
}

// Run when this file is the action's entry (the bundle); tests import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
