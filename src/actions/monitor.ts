// The monitor action: one monitor tick (src/monitor/tick.ts) on the checkout. On a schedule it reads each watched
// model's metrics; on a repository_dispatch `tollgate-monitor` from a sender the policy lists, the client_payload is
// an Alertmanager webhook payload.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as core from '@actions/core';
import { TollgateError } from '../errors.ts';
import { describeCalls, githubClientFromEnv } from '../github/client.ts';
import { monitorTick } from '../monitor/tick.ts';
import { assertDispatchAccepted } from '../policy/dispatch.ts';
import { effectivePolicy } from '../policy/effective.ts';
import { fileSystemReader, loadRegistry } from '../registry/load.ts';
import { BOT_GIT_ENV } from './checkout.ts';
import { booleanInput, githubContext, runAction, workflowRunOf, type ActionContext } from './runtime.ts';

export async function run(context: ActionContext = githubContext): Promise<void> {
  await runAction('Tollgate monitor', async (actionRun) => {
    const run = workflowRunOf(context);
    const registry = core.getInput('registry') || 'registry';
    const dispatch = context.eventName === 'repository_dispatch';
    if (dispatch) {
      const { registry: loaded } = await loadRegistry(fileSystemReader(join(run.workspace, registry)));
      assertDispatchAccepted(
        effectivePolicy(loaded.policy).dispatch.allowedSenders,
        { eventName: context.eventName, event: context.payload },
        'report alerts',
      );
    }
    const client = githubClientFromEnv(process.env, { token: core.getInput('token') });
    const dispatchToken = core.getInput('dispatch-token');
    const dispatchClient = dispatchToken
      ? githubClientFromEnv(process.env, { token: dispatchToken })
      : undefined;
    try {
      const result = await monitorTick(
        {
          models: core
            .getInput('model')
            .split(/[\s,]+/)
            .filter(Boolean),
          registry,
          dryRun: booleanInput('dry-run', false),
          retrainWorkflow: core.getInput('retrain-workflow') || 'tollgate-retrain.yml',
          incidentWorkflow: core.getInput('incident-workflow') || 'tollgate-incident.yml',
          ref: core.getInput('ref'),
          ...(dispatch
            ? { alertmanager: (context.payload as { client_payload?: unknown }).client_payload }
            : {}),
          ...(context.payload.repository?.default_branch
            ? { defaultBranch: context.payload.repository.default_branch as string }
            : {}),
        },
        {
          repoRoot: run.workspace,
          github: { client, repo: run.repo },
          ...(dispatchClient ? { dispatchClient } : {}),
          now: new Date(),
          env: process.env,
          actor: run.actor || 'tollgate',
          gitEnv: BOT_GIT_ENV,
          ...(run.runUrl ? { runUrl: run.runUrl } : {}),
        },
      );
      core.setOutput(
        'firing',
        JSON.stringify(
          result.plans.flatMap((p) =>
            p.verdicts.filter((v) => v.firing).map((v) => `${p.model}/${v.rule.name}`),
          ),
        ),
      );
      core.setOutput('changed', JSON.stringify(result.plans.flatMap((p) => p.events.map((e) => e.id))));
      core.setOutput('dispatched', JSON.stringify(result.dispatched));
      core.summary.addRaw(result.summary);
      if (result.failures.length > 0)
        throw new TollgateError(
          `monitoring failed for ${result.failures.map((f) => f.model).join(', ')}: ${result.failures[0]!.error}`,
          {
            fix: 'check the model’s monitoring.source and that the workflows to dispatch exist',
          },
        );
    } finally {
      actionRun.footnotes.push(describeCalls(client));
      if (dispatchClient) actionRun.footnotes.push(`dispatches: ${describeCalls(dispatchClient)}`);
    }
  });
}

// Run when this file is the action's entry (the bundle); tests import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
