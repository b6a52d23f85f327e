// The scheduler action: one tick of the scheduler flow (src/scheduler/flow.ts) on the checkout, with GitHub;
// outputs and the job summary render what it planned and dispatched.
import { pathToFileURL } from 'node:url';
import * as core from '@actions/core';
import { TollgateError } from '../errors.ts';
import { describeCalls, githubClientFromEnv } from '../github/client.ts';
import { scheduleTick } from '../scheduler/flow.ts';
import { booleanInput, githubContext, runAction, workflowRunOf, type ActionContext } from './runtime.ts';

export async function run(context: ActionContext = githubContext): Promise<void> {
  await runAction('Tollgate scheduler', async (actionRun) => {
    const run = workflowRunOf(context);
    const client = githubClientFromEnv(process.env, { token: core.getInput('token') });
    const workflow = core.getInput('workflow');
    try {
      const result = await scheduleTick(
        {
          workflow,
          ref: core.getInput('ref'),
          dryRun: booleanInput('dry-run', false),
          registry: core.getInput('registry') || 'registry',
          ...(context.payload.repository?.default_branch
            ? { defaultBranch: context.payload.repository.default_branch as string }
            : {}),
        },
        { repoRoot: run.workspace, github: { client, repo: run.repo }, now: new Date() },
      );
      core.setOutput('due', JSON.stringify(result.plan.due));
      core.setOutput('dispatched', JSON.stringify(result.dispatched.map((d) => d.model)));
      core.setOutput('skipped', JSON.stringify(result.plan.skipped));
      core.summary.addRaw(result.summary);
      if (result.failures.length > 0)
        throw new TollgateError(
          `could not dispatch ${result.failures.map((f) => f.model).join(', ')}: ${result.failures[0]!.error}`,
          {
            fix: `check that ${workflow || 'tollgate-retrain.yml'} exists on ${result.ref} and the token has actions: write`,
          },
        );
    } finally {
      // Counted at the end, so the footnote holds every call of this run.
      actionRun.footnotes.push(describeCalls(client));
    }
  });
}

// Run when this file is the action's entry (the bundle); tests import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
