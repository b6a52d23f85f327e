// The monitor action, one face for both jobs of the monitor workflow (src/monitor/job.ts): `observe` runs the
// metrics commands where no token is held; `record` (the default) judges, records and dispatches with the App token
// and runs no repository code. On a repository_dispatch `tollgate-monitor`, the client_payload is an Alertmanager
// webhook payload.
import { pathToFileURL } from 'node:url';
import * as core from '@actions/core';
import { describeCalls, githubClientFromEnv } from '../github/client.ts';
import {
  assertMonitored,
  monitorJobRequest,
  observeJob,
  recordJob,
  type MonitorInputs,
} from '../monitor/job.ts';
import { BOT_GIT_ENV } from './checkout.ts';
import { booleanInput, githubContext, runAction, workflowRunOf, type ActionContext } from './runtime.ts';

const INPUTS = [
  'mode',
  'model',
  'registry',
  'observations',
  'retrain-workflow',
  'incident-workflow',
  'ref',
] as const;

export async function run(context: ActionContext = githubContext): Promise<void> {
  await runAction('Tollgate monitor', async (actionRun) => {
    const run = workflowRunOf(context);
    const read = Object.fromEntries(INPUTS.map((name) => [name, core.getInput(name)]));
    const inputs = { ...read, dryRun: booleanInput('dry-run', false) } as MonitorInputs;
    const origin = { eventName: context.eventName, event: context.payload };
    const request = monitorJobRequest(inputs, origin, process.env.RUNNER_TEMP ?? run.workspace);
    const base = { repoRoot: run.workspace, now: new Date(), env: process.env };
    if (request.mode === 'observe') {
      const observed = await observeJob(request, base);
      core.setOutput('observations', observed.file);
      core.summary.addRaw(observed.summary);
      return;
    }
    const client = githubClientFromEnv(process.env, { token: core.getInput('token') });
    const dispatchToken = core.getInput('dispatch-token');
    const dispatchClient = dispatchToken
      ? githubClientFromEnv(process.env, { token: dispatchToken })
      : undefined;
    try {
      const result = await recordJob(request, {
        ...base,
        github: { client, repo: run.repo },
        ...(dispatchClient ? { dispatchClient } : {}),
        actor: run.actor || 'tollgate',
        gitEnv: BOT_GIT_ENV,
        ...(run.runUrl ? { runUrl: run.runUrl } : {}),
      });
      for (const [name, value] of Object.entries(result.outputs)) core.setOutput(name, value);
      core.summary.addRaw(result.summary);
      assertMonitored(result);
    } finally {
      actionRun.footnotes.push(describeCalls(client));
      if (dispatchClient) actionRun.footnotes.push(`dispatches: ${describeCalls(dispatchClient)}`);
    }
  });
}

// Run when this file is the action's entry (the bundle); tests import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
