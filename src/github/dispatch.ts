// Starting other workflows through the API: pushes and pull requests made with GITHUB_TOKEN start none.
import type { GitHubClient, RepoRef } from './client.ts';

export interface WorkflowDispatch {
  /** Workflow file name (e.g. retrain.yml) or id. */
  workflow: string | number;
  ref: string;
  inputs?: Record<string, string | number | boolean>;
}

export interface DispatchedRun {
  /** Present when GitHub returns run details (200); absent on servers that answer 204. */
  runId?: number;
  runUrl?: string;
  htmlUrl?: string;
}

export async function dispatchWorkflow(
  client: GitHubClient,
  repo: RepoRef,
  dispatch: WorkflowDispatch,
): Promise<DispatchedRun> {
  const response = await client.octokit.request(
    'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches',
    {
      ...repo,
      workflow_id: dispatch.workflow,
      ref: dispatch.ref,
      inputs: dispatch.inputs ?? {},
      return_run_details: true,
    },
  );
  const data = (response.status === 200 ? response.data : undefined) as
    { workflow_run_id?: number; run_url?: string; html_url?: string } | undefined;
  if (!data || typeof data !== 'object') return {};
  return {
    ...(data.workflow_run_id !== undefined ? { runId: data.workflow_run_id } : {}),
    ...(data.run_url ? { runUrl: data.run_url } : {}),
    ...(data.html_url ? { htmlUrl: data.html_url } : {}),
  };
}

export async function repositoryDispatch(
  client: GitHubClient,
  repo: RepoRef,
  eventType: string,
  clientPayload: Record<string, unknown> = {},
): Promise<void> {
  await client.octokit.rest.repos.createDispatchEvent({
    ...repo,
    event_type: eventType,
    client_payload: clientPayload,
  });
}
