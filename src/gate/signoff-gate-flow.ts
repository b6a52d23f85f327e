// The sign-off gate's one use case: from the event, judge a pull request, judge a merge group, or record a merge
// after a pull request merged (src/gate/*-flow.ts). The action reads the event and renders what this returns.
import type { GitHubClient, RepoRef } from '../github/client.ts';
import { gateMergeGroupFlow } from './merge-group-flow.ts';
import { failedClosed, type SignoffGateResult } from './outcome.ts';
import { gatePullRequestFlow } from './pull-request-flow.ts';
import { recordFailed, recordMergeFlow } from './record-merge-flow.ts';
import { closedPullOf, gateRequestOf, gateTargetOf, isCloseEvent } from './target.ts';

export type SignoffGateInputs = Parameters<typeof gateRequestOf>[0];

/** The event as the runner delivered it: its name, its webhook payload and the run's page. */
export interface SignoffGateEvent {
  eventName: string;
  payload: Record<string, unknown>;
  runUrl?: string;
}

export interface SignoffGatePorts {
  client: GitHubClient;
  repo: RepoRef;
  /** The checkout (full history of the base). */
  repoRoot: string;
  /** Identity (and dates) of the state commit written after a merge. */
  gitEnv?: NodeJS.ProcessEnv;
}

export async function signoffGateFlow(
  inputs: SignoffGateInputs,
  event: SignoffGateEvent,
  ports: SignoffGatePorts,
): Promise<SignoffGateResult> {
  const { client, repo, repoRoot } = ports;
  const request = gateRequestOf(inputs, event.payload, event.runUrl);
  const closing = isCloseEvent(event.eventName, event.payload);
  try {
    if (closing)
      return await recordMergeFlow(
        { ...request, pull: closedPullOf(event.payload) },
        { client, repo, repoRoot, gitEnv: ports.gitEnv },
      );
    const target = gateTargetOf(event.eventName, event.payload);
    return target.kind === 'pull-request'
      ? await gatePullRequestFlow({ ...request, target }, { client, repo, repoRoot })
      : await gateMergeGroupFlow({ ...request, target }, { client, repo, repoRoot });
  } catch (error) {
    // The flows return their own failures; what reaches here is an event the gate cannot read.
    return closing ? recordFailed(error, client) : failedClosed(error, client);
  }
}
