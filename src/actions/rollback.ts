// The rollback action: inputs (or a repository_dispatch client_payload), then the rollback flow
// (src/rollback/flow.ts) on the checkout of the default branch, with GitHub; outputs and the job summary.
import { pathToFileURL } from 'node:url';
import * as core from '@actions/core';
import { describeCalls, githubClientFromEnv } from '../github/client.ts';
import { rollbackFlow, rollbackRequest } from '../rollback/flow.ts';
import { rollbackSummary } from '../rollback/summary.ts';
import { BOT_GIT_ENV } from './checkout.ts';
import { booleanInput, githubContext, runAction, workflowRunOf, type ActionContext } from './runtime.ts';

export async function run(context: ActionContext = githubContext): Promise<void> {
  await runAction('Tollgate rollback', async (actionRun) => {
    const run = workflowRunOf(context);
    const client = githubClientFromEnv(process.env, { token: core.getInput('token') });
    try {
      const inputs = rollbackRequest(
        {
          // Required, but a repository_dispatch may carry it in client_payload instead.
          model: core.getInput('model'),
          stage: core.getInput('stage'),
          to: core.getInput('to'),
          incident: core.getInput('incident'),
          registry: core.getInput('registry'),
          dryRun: booleanInput('dry-run', false),
          ...(core.getInput('no-verify') ? { noVerify: core.getInput('no-verify') } : {}),
        },
        { eventName: context.eventName, payload: context.payload },
      );
      const result = await rollbackFlow(inputs, {
        repoRoot: run.workspace,
        github: { client, repo: run.repo },
        actor: run.actor,
        origin: { eventName: context.eventName, event: context.payload },
        now: new Date(),
        clock: () => new Date(),
        gitEnv: BOT_GIT_ENV,
        verify: { sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)), env: process.env },
      });
      core.setOutput('target', result.target);
      core.setOutput('commit', result.commit ?? '');
      core.setOutput('pull-request', result.pullRequest === undefined ? '' : String(result.pullRequest));
      core.summary.addRaw(rollbackSummary(inputs.model, inputs.stage || 'production', result));
      if (result.verification) {
        core.setOutput('verification', result.verification.status);
        core.summary.addRaw(['', '### Verification', '', ...result.verification.summary, ''].join('\n'));
        if (result.verification.status === 'unhealthy')
          core.warning(`the rollback did not restore health: ${result.verification.summary.join(' ')}`);
      }
    } finally {
      actionRun.footnotes.push(describeCalls(client));
    }
  });
}

// Run when this file is the action's entry (the bundle); tests import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
