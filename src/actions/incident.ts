// The incident action: parse the inputs (or a repository_dispatch client_payload), run the open-incident flow
// (src/incident/open-flow.ts: classify, auto-rollback, notify, record), and render its outputs and summary.
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import * as core from '@actions/core';
import { describeCalls, githubClientFromEnv, type GitHubClient } from '../github/client.ts';
import { githubIssueChannel } from '../incident/issue.ts';
import { channelNotifier } from '../incident/notify.ts';
import { openIncidentFlow, type OpenIncidentResult } from '../incident/open-flow.ts';
import type { IncidentInputs } from '../incident/request.ts';
import { incidentSummary } from '../incident/summary.ts';
import { BOT_GIT_ENV, registryFolder } from './checkout.ts';
import { actionEnvironmentOf, booleanInput, githubContext, runAction } from './runtime.ts';
import type { ActionContext, ActionEnvironment } from './runtime.ts';

export { incidentRequest, parseMetricsText, type IncidentInputs } from '../incident/request.ts';
export { INCIDENT_LABEL } from '../incident/open-publish.ts';

export interface IncidentDeps {
  client?: GitHubClient;
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
}

export type IncidentActionResult = OpenIncidentResult & { summary: string };

export async function runIncident(
  inputs: IncidentInputs,
  env: ActionEnvironment,
  deps: IncidentDeps,
): Promise<IncidentActionResult> {
  const registryDir = registryFolder(inputs.registry);
  const clock = deps.clock ?? (() => deps.now);
  const secrets = {
    ...deps.env,
    ...(deps.notifyWebhook ? { TOLLGATE_NOTIFY_WEBHOOK: deps.notifyWebhook } : {}),
  };
  const fetchPort = deps.fetch ? { fetch: deps.fetch } : {};
  const link = env.runUrl ? { link: env.runUrl } : {};
  const result = await openIncidentFlow(
    { inputs, event: env },
    {
      repoRoot: env.workspace,
      registryDir,
      now: deps.now,
      clock,
      suffix: () => deps.suffix,
      actor: env.actor,
      origin: env,
      ...(deps.gitEnv ? { gitEnv: deps.gitEnv } : {}),
      notifier: (policy) =>
        channelNotifier(policy, {
          env: secrets,
          now: clock,
          ...fetchPort,
          ...link,
          ...(deps.client
            ? { issues: githubIssueChannel(deps.client, { owner: env.owner, repo: env.repo }, clock) }
            : {}),
        }),
      ...(deps.client
        ? {
            github: {
              client: deps.client,
              repo: { owner: env.owner, repo: env.repo },
              remote: deps.remote ?? 'origin',
            },
          }
        : {}),
    },
    { dryRun: inputs.dryRun, write: 'publish', autoRollback: true },
  );
  return { ...result, summary: incidentSummary(result, inputs.dryRun) };
}

export async function run(context: ActionContext = githubContext): Promise<void> {
  let client: GitHubClient | undefined;
  await runAction('Tollgate incident', async (action) => {
    client = githubClientFromEnv(process.env, { token: core.getInput('token') });
    try {
      const input = (name: string) => core.getInput(name);
      const result = await runIncident(
        {
          model: input('model'),
          metrics: input('metrics'),
          alert: input('alert'),
          description: input('description'),
          registry: input('registry'),
          dryRun: booleanInput('dry-run', false),
        },
        actionEnvironmentOf(context),
        {
          client,
          now: new Date(),
          clock: () => new Date(),
          suffix: randomBytes(2).toString('hex'),
          gitEnv: BOT_GIT_ENV,
          env: process.env,
        },
      );
      core.setOutput('id', result.incident.id);
      core.setOutput('severity', result.incident.severity);
      core.setOutput('rolled-back', String(result.rolledBack));
      core.setOutput(
        'rollback-pull-request',
        result.rollbackPullRequest === undefined ? '' : String(result.rollbackPullRequest),
      );
      core.summary.addRaw(result.summary);
      if (result.record.merge?.status === 'open')
        core.warning(`the incident record's pull request stays open: ${result.record.merge.reason}`);
    } finally {
      action.footnotes.push(describeCalls(client));
    }
  });
}

// Run when this file is the action's entry (the bundle); tests import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
