// What the rollback action's face hands the rollback flow, for tests that drive it as a workflow_dispatch or
// repository_dispatch run would: the inputs (or the payload), the checkout, GitHub, and the dispatch's actor.
import type { ActionEnvironment } from '../../src/actions/runtime.ts';
import type { GitHubClient } from '../../src/github/client.ts';
import {
  rollbackFlow,
  rollbackRequest,
  type RollbackInputs,
  type RollbackResult,
} from '../../src/rollback/flow.ts';
import { rollbackSummary } from '../../src/rollback/summary.ts';

export async function runRollback(
  inputs: RollbackInputs,
  env: ActionEnvironment,
  deps: { client?: GitHubClient; now: Date; gitEnv?: NodeJS.ProcessEnv; clock?: () => Date },
): Promise<RollbackResult & { summary: string }> {
  const request = rollbackRequest(inputs, { eventName: env.eventName, payload: env.event });
  const result = await rollbackFlow(request, {
    repoRoot: env.workspace,
    ...(deps.client ? { github: { client: deps.client, repo: { owner: env.owner, repo: env.repo } } } : {}),
    actor: env.actor,
    now: deps.now,
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.gitEnv ? { gitEnv: deps.gitEnv } : {}),
  });
  return { ...result, summary: rollbackSummary(request.model, request.stage || 'production', result) };
}
