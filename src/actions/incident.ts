// The incident action: parse the inputs (or a repository_dispatch client_payload), run the incident's action flow
// (src/incident/action-flow.ts: classify, auto-rollback and verify it, notify, record), render outputs and summary.
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import * as core from '@actions/core';
import { describeCalls, githubClientFromEnv, type GitHubClient } from '../github/client.ts';
import { runIncident } from '../incident/action-flow.ts';
import { BOT_GIT_ENV } from './checkout.ts';
import {
  actionEnvironmentOf,
  booleanInput,
  githubContext,
  runAction,
  type ActionContext,
} from './runtime.ts';

export { runIncident, type IncidentActionResult, type IncidentDeps } from '../incident/action-flow.ts';
export { incidentRequest, parseMetricsText, type IncidentInputs } from '../incident/request.ts';
export { INCIDENT_LABEL } from '../incident/open-publish.ts';

export async function run(context: ActionContext = githubContext): Promise<void> {
  let client: GitHubClient | undefined;
  await runAction('Tollgate incident', async (action) => {
    client = githubClientFromEnv(process.env, { token: core.getInput('token') });
    const issuesToken = core.getInput('issues-token');
    try {
      const [model, metrics, alert, description, registry] = [
        'model',
        'metrics',
        'alert',
        'description',
        'registry',
      ].map((name) => core.getInput(name));
      const inputs = { model, metrics, alert, description, registry, dryRun: booleanInput('dry-run', false) };
      const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
      const result = await runIncident(inputs, actionEnvironmentOf(context), {
        client,
        now: new Date(),
        clock: () => new Date(),
        suffix: randomBytes(2).toString('hex'),
        gitEnv: BOT_GIT_ENV,
        env: process.env,
        ...(issuesToken ? { issuesClient: githubClientFromEnv(process.env, { token: issuesToken }) } : {}),
        // A command metrics source is refused here: this job holds the App token and the emergency push key.
        verify: { sleep, env: process.env, commands: 'refuse' },
      });
      const verification = result.rollbacks.find((r) => r.verification)?.verification?.status ?? '';
      const outputs = {
        id: result.incident.id,
        severity: result.incident.severity,
        'rolled-back': String(result.rolledBack),
        'rollback-pull-request':
          result.rollbackPullRequest === undefined ? '' : String(result.rollbackPullRequest),
        verification,
      };
      for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
      core.summary.addRaw(result.summary);
      if (verification === 'unhealthy')
        core.warning(
          `the rollback did not restore health: ${result.incident.id} stays open, escalated to ${result.incident.severity}`,
        );
      if (result.record.merge?.status === 'open')
        core.warning(`the incident record's pull request stays open: ${result.record.merge.reason}`);
    } finally {
      action.footnotes.push(describeCalls(client));
    }
  });
}

// Run when this file is the action's entry (the bundle); tests import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
