// The incident action's use case on a runner: the notification channels built from the environment's secrets and
// GitHub, then the open-incident flow (open-flow.ts) in its `publish` writer with automatic rollback, and the job
// summary. The action face (src/actions/incident.ts) parses the inputs and renders the outputs.
import type { GitHubClient } from '../github/client.ts';
import { registryFolder } from '../registry/paths.ts';
import { githubIssueChannel } from './issue.ts';
import { channelNotifier } from './notify.ts';
import { openIncidentFlow, type OpenIncidentResult, type RollbackVerifyPorts } from './open-flow.ts';
import type { IncidentEvent, IncidentInputs } from './request.ts';
import { incidentSummary } from './summary.ts';

/** The run, as the action face reads it (src/actions/runtime.ts ActionEnvironment). */
export interface IncidentRunEnvironment extends IncidentEvent {
  owner: string;
  repo: string;
  workspace: string;
  actor: string;
  runUrl?: string;
}

export interface IncidentDeps {
  client?: GitHubClient;
  /**
   * For the github-issue channel: the job's own GITHUB_TOKEN with issues: write, since the App that
   * `tollgate app manifest` creates has no Issues permission. Default: `client`.
   */
  issuesClient?: GitHubClient;
  now: Date;
  clock?: () => Date;
  suffix: string;
  gitEnv?: NodeJS.ProcessEnv;
  remote?: string;
  /** The generic webhook channel's URL (a secret, TOLLGATE_NOTIFY_WEBHOOK); default the policy's notify_webhook. */
  notifyWebhook?: string;
  /** The environment holding the channels' secrets (TOLLGATE_SLACK_WEBHOOK, TOLLGATE_PAGERDUTY_ROUTING_KEY, ...). */
  env?: NodeJS.ProcessEnv;
  fetch?: typeof globalThis.fetch;
  /** Verifies each automatic rollback that went live (verify.ts); without it none is verified. */
  verify?: RollbackVerifyPorts;
}

export type IncidentActionResult = OpenIncidentResult & { summary: string };

export async function runIncident(
  inputs: IncidentInputs,
  env: IncidentRunEnvironment,
  deps: IncidentDeps,
): Promise<IncidentActionResult> {
  const clock = deps.clock ?? (() => deps.now);
  const secrets = {
    ...deps.env,
    ...(deps.notifyWebhook ? { TOLLGATE_NOTIFY_WEBHOOK: deps.notifyWebhook } : {}),
  };
  const repo = { owner: env.owner, repo: env.repo };
  const github = deps.client ? { client: deps.client, repo, remote: deps.remote ?? 'origin' } : undefined;
  const channels = {
    env: secrets,
    now: clock,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(env.runUrl ? { link: env.runUrl } : {}),
    ...(github ? { issues: githubIssueChannel(deps.issuesClient ?? github.client, repo, clock) } : {}),
  };
  const result = await openIncidentFlow(
    { inputs, event: env },
    {
      repoRoot: env.workspace,
      registryDir: registryFolder(inputs.registry),
      now: deps.now,
      clock,
      suffix: () => deps.suffix,
      actor: env.actor,
      origin: env,
      notifier: (policy) => channelNotifier(policy, channels),
      ...(deps.gitEnv ? { gitEnv: deps.gitEnv } : {}),
      ...(deps.verify ? { verify: deps.verify } : {}),
      ...(github ? { github } : {}),
    },
    { dryRun: inputs.dryRun, write: 'publish', autoRollback: true },
  );
  return { ...result, summary: incidentSummary(result, inputs.dryRun) };
}
