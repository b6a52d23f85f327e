// The scheduler action, one job of the scheduled workflow per mode (each with only the token it needs):
//   tick      the scheduler flow (src/scheduler/flow.ts): dispatch the retrain workflow for each due model
//   escalate  the escalation sweep (src/incident/sweep-flow.ts): overdue incidents and failure streaks, published
//   digest    the reviewers' digest (src/gate/digest-flow.ts), posted to the policy's digest channels
// Outputs and the job summary render what each did; none runs repository-defined commands.
import { pathToFileURL } from 'node:url';
import * as core from '@actions/core';
import { TollgateError } from '../errors.ts';
import { digestSummary, signoffDigestFlow } from '../gate/digest-flow.ts';
import { botGitEnv } from '../git/identity.ts';
import { describeCalls, githubClientFromEnv, type GitHubClient } from '../github/client.ts';
import type { WorkflowRun } from '../github/workflow-run.ts';
import { githubIssueChannel } from '../incident/issue.ts';
import { channelNotifier } from '../incident/notify.ts';
import { publishedSweepFlow, sweepSummary } from '../incident/sweep-flow.ts';
import { scheduleTick } from '../scheduler/flow.ts';
import { booleanInput, githubContext, runAction, workflowRunOf, type ActionContext } from './runtime.ts';

export const SCHEDULER_MODES = ['tick', 'escalate', 'digest'] as const;
type Mode = (typeof SCHEDULER_MODES)[number];

interface Job {
  run: WorkflowRun;
  client: GitHubClient;
  registry: string;
  dryRun: boolean;
  defaultBranch?: string;
}

async function tick(job: Job): Promise<void> {
  const workflow = core.getInput('workflow');
  const result = await scheduleTick(
    {
      workflow,
      ref: core.getInput('ref'),
      dryRun: job.dryRun,
      registry: job.registry,
      ...(job.defaultBranch ? { defaultBranch: job.defaultBranch } : {}),
    },
    { repoRoot: job.run.workspace, github: { client: job.client, repo: job.run.repo }, now: new Date() },
  );
  core.setOutput('due', JSON.stringify(result.plan.due));
  core.setOutput('dispatched', JSON.stringify(result.dispatched.map((d) => d.model)));
  core.setOutput('skipped', JSON.stringify(result.plan.skipped));
  core.summary.addRaw(result.summary);
  if (result.failures.length > 0)
    throw new TollgateError(
      `could not dispatch ${result.failures.map((f) => f.model).join(', ')}: ${result.failures[0]!.error}`,
      {
        fix: `check that ${workflow || 'tollgate-retrain.yml'} exists on ${result.ref} and the token has actions: write`,
      },
    );
}

async function escalate(job: Job, issuesClient: GitHubClient | undefined): Promise<void> {
  const clock = () => new Date();
  const result = await publishedSweepFlow(
    {
      repoRoot: job.run.workspace,
      registryDir: job.registry,
      now: clock(),
      actor: 'tollgate-bot',
      issueFollowUps: issuesClient !== undefined,
      gitEnv: botGitEnv(process.env),
      github: { client: job.client, repo: job.run.repo },
      ...(job.defaultBranch ? { baseBranch: job.defaultBranch } : {}),
      notifier: (policy) =>
        channelNotifier(policy, {
          env: process.env,
          now: clock,
          ...(job.run.runUrl ? { link: job.run.runUrl } : {}),
          ...(issuesClient ? { issues: githubIssueChannel(issuesClient, job.run.repo, clock) } : {}),
        }),
    },
    { dryRun: job.dryRun },
  );
  core.setOutput('incidents', JSON.stringify(result.incidents.map((i) => i.id)));
  core.summary.addRaw(sweepSummary(result));
  if (result.recorded?.pullRequest?.merge.status === 'open')
    core.warning(`the sweep's pull request stays open: ${result.recorded.pullRequest.merge.reason}`);
}

async function digest(job: Job): Promise<void> {
  const result = await signoffDigestFlow(
    {
      client: job.client,
      repo: job.run.repo,
      repoRoot: job.run.workspace,
      registry: job.registry,
      now: new Date(),
      env: process.env,
    },
    { post: !job.dryRun },
  );
  core.setOutput('overdue', JSON.stringify(result.digest.overdue.map((r) => r.number)));
  core.summary.addRaw(digestSummary(result));
  for (const post of result.posts.filter((p) => p.outcome === 'failed'))
    core.warning(`the digest was not posted to ${post.channel}: ${post.detail}`);
}

export async function run(context: ActionContext = githubContext): Promise<void> {
  await runAction('Tollgate scheduler', async (actionRun) => {
    const mode = (core.getInput('mode') || 'tick') as Mode;
    if (!SCHEDULER_MODES.includes(mode))
      throw new TollgateError(`mode ${mode} is not one of ${SCHEDULER_MODES.join(', ')}`, {
        kind: 'usage',
        fix: 'mode: tick (default), escalate or digest',
      });
    const client = githubClientFromEnv(process.env, { token: core.getInput('token') });
    const issuesToken = core.getInput('issues-token');
    const issuesClient = issuesToken ? githubClientFromEnv(process.env, { token: issuesToken }) : undefined;
    const job: Job = {
      run: workflowRunOf(context),
      client,
      registry: core.getInput('registry') || 'registry',
      dryRun: booleanInput('dry-run', false),
      ...(context.payload.repository?.default_branch
        ? { defaultBranch: context.payload.repository.default_branch as string }
        : {}),
    };
    try {
      if (mode === 'escalate') await escalate(job, issuesClient);
      else if (mode === 'digest') await digest(job);
      else await tick(job);
    } finally {
      // Counted at the end, so the footnote holds every call of this run.
      actionRun.footnotes.push(describeCalls(client));
      if (issuesClient) actionRun.footnotes.push(describeCalls(issuesClient));
    }
  });
}

// Run when this file is the action's entry (the bundle); tests import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
