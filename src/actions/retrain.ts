// The retrain action: inputs and the dispatch's branch, then the retrain flow for the mode (src/retrain/run-mode.ts:
// all, or train and record in two jobs, docs/retrain.md "Two jobs") with GitHub; outputs and the summary render it.
import { pathToFileURL } from 'node:url';
import * as core from '@actions/core';
import { botGitEnv } from '../git/identity.ts';
import { describeCalls, githubClientFromEnv } from '../github/client.ts';
import { branchOfRef } from '../github/workflow-run.ts';
import { runRetrainMode, type ModeOutcome } from '../retrain/run-mode.ts';
import { retrainOutputs, retrainSummary, trainingSummary } from '../retrain/summary.ts';
import { retrainModeOf, retrainRequestOf } from '../retrain/trigger.ts';
import { booleanInput, githubContext, runAction, workflowRunOf, type ActionContext } from './runtime.ts';

function setOutputs(result: ModeOutcome): void {
  for (const [name, value] of Object.entries(retrainOutputs(result))) core.setOutput(name, value);
  core.summary.addRaw(
    result.mode === 'train' ? trainingSummary(result.outcome) : retrainSummary(result.outcome),
  );
  if (result.mode !== 'train' && result.outcome.stateMerge?.status === 'open')
    core.warning(`the failure record's pull request stays open: ${result.outcome.stateMerge.reason}`);
}

export async function run(context: ActionContext = githubContext): Promise<void> {
  await runAction('Tollgate retrain', async (actionRun) => {
    const run = workflowRunOf(context);
    const mode = retrainModeOf(core.getInput('mode'));
    const request = retrainRequestOf({
      model: core.getInput('model', { required: true }),
      reason: core.getInput('reason'),
      trigger: core.getInput('trigger'),
      command: core.getInput('command'),
      metrics: core.getInput('metrics'),
      thresholds: core.getInput('thresholds'),
    });
    const client = githubClientFromEnv(process.env, { token: core.getInput('token') });
    let result: ModeOutcome;
    try {
      result = await runRetrainMode(
        mode,
        {
          ...request,
          repoRoot: run.workspace,
          registryPrefix: core.getInput('registry') || 'registry',
          actor: run.actor || 'unknown',
          dryRun: mode !== 'record' && booleanInput('dry-run', false),
          baseBranch: branchOfRef(context.ref, 'the retrain workflow'),
          ...(run.runUrl ? { runUrl: run.runUrl } : {}),
          now: () => new Date(),
          // In mode train the flow only lists pull requests with it: the training job's token can only read.
          github: { client, repo: run.repo },
          gitEnv: botGitEnv(process.env),
          onOutput: (line: string) => core.info(line),
          ...(process.env.RUNNER_TEMP ? { tempDir: process.env.RUNNER_TEMP } : {}),
        },
        { report: core.getInput('report'), outputDir: core.getInput('output-dir') },
      );
    } finally {
      actionRun.footnotes.push(describeCalls(client));
    }
    setOutputs(result);
    if (result.outcome.error) throw result.outcome.error;
  });
}

// Run when this file is the action's entry (the bundle); tests import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
