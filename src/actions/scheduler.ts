// The scheduler action, one job of the scheduled workflow per mode (each with only the token it needs): tick,
// escalate or digest, all in the scheduler job flow (src/scheduler/job-flow.ts). This face reads the inputs, calls
// the flow and renders its outputs, job summary and warnings; none runs repository-defined commands.
import { pathToFileURL } from 'node:url';
import * as core from '@actions/core';
import { botGitEnv } from '../git/identity.ts';
import { describeCalls, githubClientFromEnv } from '../github/client.ts';
import { schedulerJobFlow, schedulerMode } from '../scheduler/job-flow.ts';
import { booleanInput, githubContext, runAction, workflowRunOf, type ActionContext } from './runtime.ts';

export async function run(context: ActionContext = githubContext): Promise<void> {
  await runAction('Tollgate scheduler', async (actionRun) => {
    const mode = schedulerMode(core.getInput('mode'));
    const client = githubClientFromEnv(process.env, { token: core.getInput('token') });
    const issuesToken = core.getInput('issues-token');
    const issuesClient = issuesToken ? githubClientFromEnv(process.env, { token: issuesToken }) : undefined;
    const where = workflowRunOf(context);
    const defaultBranch = context.payload.repository?.default_branch as string | undefined;
    const input = {
      mode,
      workspace: where.workspace,
      repo: where.repo,
      registry: core.getInput('registry') || 'registry',
      dryRun: booleanInput('dry-run', false),
      ...(defaultBranch ? { defaultBranch } : {}),
      ...(where.runUrl ? { runUrl: where.runUrl } : {}),
      workflow: core.getInput('workflow'),
      ref: core.getInput('ref'),
    };
    const ports = {
      client,
      ...(issuesClient ? { issuesClient } : {}),
      env: process.env,
      gitEnv: botGitEnv(process.env),
      clock: () => new Date(),
    };
    try {
      const result = await schedulerJobFlow(input, ports);
      for (const [name, value] of Object.entries(result.outputs)) core.setOutput(name, value);
      core.summary.addRaw(result.summary);
      for (const warning of result.warnings) core.warning(warning);
      if (result.failure) throw result.failure;
    } finally {
      // Counted at the end, so the footnote holds every call of this run.
      actionRun.footnotes.push(describeCalls(client));
      if (issuesClient) actionRun.footnotes.push(describeCalls(issuesClient));
    }
  });
}

// Run when this file is the action's entry (the bundle); tests import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
