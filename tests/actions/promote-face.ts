// What the promote action's face hands the promotion flow, for tests that drive the flow with GitHub as a
// workflow_dispatch run would: the dispatch's actor is the requester, the remote's default branch the base.
import { ACTIONS_BOT } from '../../src/actions/checkout.ts';
import type { ActionEnvironment } from '../../src/actions/runtime.ts';
import type { GitHubClient } from '../../src/github/client.ts';
import { promoteFlow, type PromoteOutcome } from '../../src/promotion/flow.ts';
import { promoteSummary } from '../../src/promotion/summary.ts';

export interface PromoteInputs {
  model: string;
  version: string;
  stage: string;
  dryRun: boolean;
  registry: string;
}

export async function runPromote(
  inputs: PromoteInputs,
  env: ActionEnvironment,
  deps: { client?: GitHubClient; now: Date; gitEnv?: NodeJS.ProcessEnv; remote?: string },
): Promise<PromoteOutcome & { summary: string }> {
  const outcome = await promoteFlow(
    {
      model: inputs.model,
      version: inputs.version,
      stage: inputs.stage,
      requestedBy: env.actor,
      registryDir: inputs.registry,
      preferRemote: true,
      dryRun: inputs.dryRun,
      ...(env.runUrl ? { runUrl: env.runUrl } : {}),
      repoUrl: `${env.serverUrl}/${env.owner}/${env.repo}`,
    },
    {
      repoRoot: env.workspace,
      ...(deps.client
        ? {
            github: {
              client: deps.client,
              repo: { owner: env.owner, repo: env.repo },
              ...(deps.remote ? { remote: deps.remote } : {}),
            },
          }
        : {}),
      ...(deps.gitEnv ? { gitEnv: deps.gitEnv } : {}),
      fallbackAuthor: ACTIONS_BOT,
    },
  );
  return { ...outcome, summary: promoteSummary(outcome, deps.now) };
}
