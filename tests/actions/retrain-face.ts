// What the retrain action's face hands the retrain flow, for tests that drive the flow with GitHub as a
// workflow_dispatch run would: the request parsed from the action's text inputs, and the branch from the
// dispatch's ref (GitHub's own workflow_dispatch example payload unless a test names another ref).
import type { GitHubClient } from '../../src/github/client.ts';
import { branchOfRef, type WorkflowRun } from '../../src/github/workflow-run.ts';
import { runRetrainFlow, type RetrainOutcome } from '../../src/retrain/flow.ts';
import { retrainRequestOf, type RetrainInputs } from '../../src/retrain/trigger.ts';
import { webhookExample } from '../github-double/webhook-examples.ts';

export interface RetrainActionInputs extends RetrainInputs {
  dryRun: boolean;
  registry: string;
}

export interface DispatchRun extends WorkflowRun {
  ref: string;
}

export function dispatchRun(workspace: string, actor: string, runId: string, ref?: string): DispatchRun {
  return {
    repo: { owner: 'acme', repo: 'models' },
    serverUrl: 'https://github.com',
    workspace,
    actor,
    runUrl: `https://github.com/acme/models/actions/runs/${runId}`,
    ref: ref ?? webhookExample('workflow_dispatch').ref,
  };
}

export async function runRetrain(
  inputs: RetrainActionInputs,
  run: DispatchRun,
  deps: {
    client?: GitHubClient;
    now: () => Date;
    gitEnv?: NodeJS.ProcessEnv;
    requestSuffix?: string;
    tempDir?: string;
  },
): Promise<RetrainOutcome> {
  return runRetrainFlow({
    ...retrainRequestOf(inputs),
    repoRoot: run.workspace,
    registryPrefix: inputs.registry || 'registry',
    actor: run.actor || 'unknown',
    dryRun: inputs.dryRun,
    baseBranch: branchOfRef(run.ref, 'the retrain workflow'),
    ...(run.runUrl ? { runUrl: run.runUrl } : {}),
    now: deps.now,
    ...(deps.client ? { github: { client: deps.client, repo: run.repo } } : {}),
    ...(deps.gitEnv ? { gitEnv: deps.gitEnv } : {}),
    ...(deps.requestSuffix ? { requestSuffix: deps.requestSuffix } : {}),
    ...(deps.tempDir ? { tempDir: deps.tempDir } : {}),
  });
}
