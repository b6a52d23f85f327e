// The promote action: the promotion flow (src/promotion/flow.ts) with GitHub. The workflow_dispatch actor is the
// requester: recorded as Requested-By, never asked to review, and never counted by the gate.
import { pathToFileURL } from 'node:url';
import * as core from '@actions/core';
import { TollgateError } from '../errors.ts';
import { describeCalls, githubClientFromEnv } from '../github/client.ts';
import { parseWeight } from '../monitor/canary.ts';
import { promoteFlow } from '../promotion/flow.ts';
import { promoteSummary } from '../promotion/summary.ts';
import { ACTIONS_BOT } from './checkout.ts';
import { booleanInput, githubContext, runAction, workflowRunOf, type ActionContext } from './runtime.ts';

export async function run(context: ActionContext = githubContext): Promise<void> {
  await runAction('Tollgate promote', async (actionRun) => {
    const run = workflowRunOf(context);
    const dryRun = booleanInput('dry-run', false);
    if (!run.actor)
      throw new TollgateError('no GITHUB_ACTOR: the requester of a promotion must be known', {
        fix: 'run the action from a workflow (workflow_dispatch records who asked)',
      });
    const client = dryRun ? undefined : githubClientFromEnv(process.env, { token: core.getInput('token') });
    try {
      const result = await promoteFlow(
        {
          model: core.getInput('model', { required: true }),
          version: core.getInput('version', { required: true }),
          stage: core.getInput('stage') || 'production',
          requestedBy: run.actor,
          registryDir: core.getInput('registry') || 'registry',
          preferRemote: true,
          dryRun,
          ...(core.getInput('weight') ? { weight: parseWeight(core.getInput('weight')) } : {}),
          ...(run.runUrl ? { runUrl: run.runUrl } : {}),
          ...(run.repo.owner ? { repoUrl: `${run.serverUrl}/${run.repo.owner}/${run.repo.repo}` } : {}),
        },
        {
          repoRoot: run.workspace,
          ...(client ? { github: { client, repo: run.repo } } : {}),
          fallbackAuthor: ACTIONS_BOT,
        },
      );
      core.summary.addRaw(promoteSummary(result, new Date()));
      if (result.status === 'refused')
        throw new TollgateError(`promotion refused: ${result.reason}`, { fix: result.fix });
      core.setOutput('branch', result.status === 'proposed' ? result.branch : result.plan.branch);
      if (result.status === 'proposed' && result.pullRequest) {
        core.setOutput('pull-request', result.pullRequest.number);
        core.info(`${result.pullRequest.created ? 'Opened' : 'Updated'} ${result.pullRequest.url}`);
      }
    } finally {
      if (client) actionRun.footnotes.push(describeCalls(client));
    }
  });
}

// Run when this file is the action's entry (the bundle); tests import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
