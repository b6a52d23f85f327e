// The retrain action: inputs and the dispatch's branch, then the retrain flow (src/retrain/flow.ts) with GitHub,
// which guards against a duplicate, trains, and pushes the change as a pull request (or a failure as a state
// change); outputs and the job summary render its outcome.
import { pathToFileURL } from 'node:url';
import * as core from '@actions/core';
import { describeCalls, githubClientFromEnv } from '../github/client.ts';
import { branchOfRef } from '../github/workflow-run.ts';
import { runRetrainFlow, type RetrainOutcome } from '../retrain/flow.ts';
import { retrainSummary } from '../retrain/summary.ts';
import { retrainRequestOf } from '../retrain/trigger.ts';
import { booleanInput, githubContext, runAction, workflowRunOf, type ActionContext } from './runtime.ts';

const fromEnv = (name: string, fallback: string) => process.env[name] ?? fallback;

export async function run(context: ActionContext = githubContext): Promise<void> {
  await runAction('Tollgate retrain', async (actionRun) => {
    const run = workflowRunOf(context);
    const request = retrainRequestOf({
      model: core.getInput('model', { required: true }),
      reason: core.getInput('reason'),
      trigger: core.getInput('trigger'),
      command: core.getInput('command'),
      metrics: core.getInput('metrics'),
      thresholds: core.getInput('thresholds'),
    });
    const client = githubClientFromEnv(process.env, { token: core.getInput('token') });
    const controller = new AbortController();
    const cancel = () => controller.abort();
    process.once('SIGINT', cancel);
    process.once('SIGTERM', cancel);
    let outcome: RetrainOutcome;
    try {
      outcome = await runRetrainFlow({
        ...request,
        repoRoot: run.workspace,
        registryPrefix: core.getInput('registry') || 'registry',
        actor: run.actor || 'unknown',
        dryRun: booleanInput('dry-run', false),
        baseBranch: branchOfRef(context.ref, 'the retrain workflow'),
        ...(run.runUrl ? { runUrl: run.runUrl } : {}),
        now: () => new Date(),
        github: { client, repo: run.repo },
        gitEnv: {
          GIT_AUTHOR_NAME: fromEnv('GIT_AUTHOR_NAME', 'tollgate[bot]'),
          GIT_AUTHOR_EMAIL: fromEnv('GIT_AUTHOR_EMAIL', 'tollgate[bot]@users.noreply.github.com'),
          GIT_COMMITTER_NAME: fromEnv('GIT_COMMITTER_NAME', 'tollgate[bot]'),
          GIT_COMMITTER_EMAIL: fromEnv('GIT_COMMITTER_EMAIL', 'tollgate[bot]@users.noreply.github.com'),
        },
        onOutput: (line) => core.info(line),
        signal: controller.signal,
        ...(process.env.RUNNER_TEMP ? { tempDir: process.env.RUNNER_TEMP } : {}),
      });
    } finally {
      process.off('SIGINT', cancel);
      process.off('SIGTERM', cancel);
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
