// The state-merge action: merges the state pull requests whose pinned checks passed (src/publish/state-merge-flow.ts),
// and lists in the job summary what it merged and what still waits.
import { pathToFileURL } from 'node:url';
import * as core from '@actions/core';
import { parseAppId } from '../gate/check-runs.ts';
import { describeCalls, githubClientFromEnv } from '../github/client.ts';
import { repositoryDefaultBranch } from '../github/repository-settings.ts';
import { mergePassedStatePullRequests } from '../publish/state-merge-flow.ts';
import { TollgateError } from '../errors.ts';
import { githubContext, runAction, workflowRunOf, type ActionContext } from './runtime.ts';

export async function run(context: ActionContext = githubContext): Promise<void> {
  await runAction('Tollgate state merge', async (actionRun) => {
    const appId = parseAppId(core.getInput('app-id'), 'app-id');
    if (appId === undefined)
      throw new TollgateError('app-id is empty', {
        field: 'app-id',
        fix: 'pass app-id: ${{ vars.TOLLGATE_APP_ID }}',
      });
    const appSlug = core.getInput('app-slug').trim();
    if (!appSlug)
      throw new TollgateError(
        'app-slug is empty: without it any App could open a pull request this job merges',
        {
          field: 'app-slug',
          fix: 'pass app-slug: ${{ steps.app.outputs.app-slug }} (templates/workflows/tollgate-state-merge.yml)',
        },
      );
    const { repo } = workflowRunOf(context);
    const client = githubClientFromEnv(process.env, { token: core.getInput('token') });
    try {
      const defaultBranch =
        (context.payload.repository?.default_branch as string | undefined) ??
        (await repositoryDefaultBranch(client, repo));
      const outcomes = await mergePassedStatePullRequests(client, repo, { appId, appSlug, defaultBranch });
      core.setOutput(
        'merged',
        JSON.stringify(outcomes.filter((o) => o.status === 'merged').map((o) => o.number)),
      );
      core.summary.addRaw(
        outcomes.length === 0
          ? 'No Tollgate state pull request is open.\n'
          : [
              '| pull request | outcome |',
              '| --- | --- |',
              ...outcomes.map((o) => `| #${o.number} | ${o.status}: ${o.detail} |`),
            ].join('\n') + '\n',
      );
      const blocked = outcomes.filter((o) => o.status === 'blocked');
      if (blocked.length > 0)
        throw new TollgateError(`GitHub refused to merge #${blocked[0]!.number}: ${blocked[0]!.detail}`, {
          fix: 'check that the Tollgate App is a pull_request-mode bypass actor of the review ruleset (`tollgate doctor`)',
        });
    } finally {
      actionRun.footnotes.push(describeCalls(client));
    }
  });
}

// Run when this file is the action's entry (the bundle); tests import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
