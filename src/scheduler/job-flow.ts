// One job of the scheduled workflow, by mode (the scheduler action's whole use case):
//   tick      the scheduler flow (./flow.ts): dispatch the retrain workflow for each due model
//   escalate  the escalation sweep (src/incident/sweep-flow.ts): overdue incidents and failure streaks, published,
//             with the policy's notification channels and, given an issues client, the incident issue as one
//   digest    the reviewers' digest (src/gate/digest-flow.ts), posted to the policy's digest channels
// It returns what to render (outputs, summary, warnings) and, for a tick that could not dispatch, the failure to
// raise after rendering; none runs repository-defined commands.
import { TollgateError } from '../errors.ts';
import { digestSummary, signoffDigestFlow } from '../gate/digest-flow.ts';
import type { GitHubClient, RepoRef } from '../github/client.ts';
import { githubIssueChannel } from '../incident/issue.ts';
import { channelNotifier } from '../incident/notify.ts';
import { publishedSweepFlow, sweepSummary } from '../incident/sweep-flow.ts';
import { scheduleTick } from './flow.ts';

export const SCHEDULER_MODES = ['tick', 'escalate', 'digest'] as const;
export type SchedulerMode = (typeof SCHEDULER_MODES)[number];

/** The mode input as a mode ('' is tick); anything else is a usage error. */
export function schedulerMode(input: string): SchedulerMode {
  const mode = (input || 'tick') as SchedulerMode;
  if (!SCHEDULER_MODES.includes(mode))
    throw new TollgateError(`mode ${mode} is not one of ${SCHEDULER_MODES.join(', ')}`, {
      kind: 'usage',
      fix: 'mode: tick (default), escalate or digest',
    });
  return mode;
}

export interface SchedulerJobInput {
  mode: SchedulerMode;
  /** The checkout (the repository, read as data). */
  workspace: string;
  repo: RepoRef;
  registry: string;
  dryRun: boolean;
  defaultBranch?: string;
  /** The run's URL, linked from notifications. */
  runUrl?: string;
  /** tick: the retrain workflow and the ref to dispatch it on ('' for the defaults). */
  workflow: string;
  ref: string;
}

export interface SchedulerJobPorts {
  client: GitHubClient;
  /** escalate: the client for incident issues (GITHUB_TOKEN); without it the sweep leaves issues alone. */
  issuesClient?: GitHubClient;
  /** Channels' secrets and the bot's git identity. */
  env: NodeJS.ProcessEnv;
  clock: () => Date;
  /** The environment git commits with (the bot's identity). */
  gitEnv: NodeJS.ProcessEnv;
}

export interface SchedulerJobResult {
  outputs: Record<string, string>;
  summary: string;
  warnings: string[];
  /** Raised once the rest is rendered. */
  failure?: TollgateError;
}

export async function schedulerJobFlow(
  input: SchedulerJobInput,
  ports: SchedulerJobPorts,
): Promise<SchedulerJobResult> {
  if (input.mode === 'escalate') return escalate(input, ports);
  if (input.mode === 'digest') return digest(input, ports);
  return tick(input, ports);
}

async function tick(input: SchedulerJobInput, ports: SchedulerJobPorts): Promise<SchedulerJobResult> {
  const result = await scheduleTick(
    {
      workflow: input.workflow,
      ref: input.ref,
      dryRun: input.dryRun,
      registry: input.registry,
      ...(input.defaultBranch ? { defaultBranch: input.defaultBranch } : {}),
    },
    { repoRoot: input.workspace, github: { client: ports.client, repo: input.repo }, now: ports.clock() },
  );
  const failed = result.failures.map((f) => f.model);
  return {
    outputs: {
      due: JSON.stringify(result.plan.due),
      dispatched: JSON.stringify(result.dispatched.map((d) => d.model)),
      skipped: JSON.stringify(result.plan.skipped),
    },
    summary: result.summary,
    warnings: [],
    ...(result.failures.length > 0
      ? {
          failure: new TollgateError(
            `could not dispatch ${failed.join(', ')}: ${result.failures[0]!.error}`,
            {
              fix: `check that ${input.workflow || 'tollgate-retrain.yml'} exists on ${result.ref} and the token has actions: write`,
            },
          ),
        }
      : {}),
  };
}

async function escalate(input: SchedulerJobInput, ports: SchedulerJobPorts): Promise<SchedulerJobResult> {
  const { clock, issuesClient } = ports;
  const result = await publishedSweepFlow(
    {
      repoRoot: input.workspace,
      registryDir: input.registry,
      now: clock(),
      actor: 'tollgate-bot',
      issueFollowUps: issuesClient !== undefined,
      gitEnv: ports.gitEnv,
      github: { client: ports.client, repo: input.repo },
      ...(input.defaultBranch ? { baseBranch: input.defaultBranch } : {}),
      notifier: (policy) =>
        channelNotifier(policy, {
          env: ports.env,
          now: clock,
          ...(input.runUrl ? { link: input.runUrl } : {}),
          ...(issuesClient ? { issues: githubIssueChannel(issuesClient, input.repo, clock) } : {}),
        }),
    },
    { dryRun: input.dryRun },
  );
  const merge = result.recorded?.pullRequest?.merge;
  return {
    outputs: { incidents: JSON.stringify(result.incidents.map((i) => i.id)) },
    summary: sweepSummary(result),
    warnings: merge?.status === 'open' ? [`the sweep's pull request stays open: ${merge.reason}`] : [],
  };
}

async function digest(input: SchedulerJobInput, ports: SchedulerJobPorts): Promise<SchedulerJobResult> {
  const result = await signoffDigestFlow(
    {
      client: ports.client,
      repo: input.repo,
      repoRoot: input.workspace,
      registry: input.registry,
      now: ports.clock(),
      env: ports.env,
    },
    { post: !input.dryRun },
  );
  return {
    outputs: { overdue: JSON.stringify(result.digest.overdue.map((r) => r.number)) },
    summary: digestSummary(result),
    warnings: result.posts
      .filter((p) => p.outcome === 'failed')
      .map((post) => `the digest was not posted to ${post.channel}: ${post.detail}`),
  };
}
