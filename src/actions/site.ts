// The site action: the registry as a static website from the checkout's full history (and GitHub, with a token that
// can read pull requests, checks and Actions), written to a folder for actions/upload-pages-artifact.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as core from '@actions/core';
import { GATE_CHECK_NAME } from '../gate/types.ts';
import { describeCalls, githubClientFromEnv } from '../github/client.ts';
import { buildSite } from '../site/flow.ts';
import { gitSiteSource } from '../site/git-source.ts';
import { githubSiteSource } from '../site/github-source.ts';
import { repoLinks } from '../site/html.ts';
import { siteSummaryLines } from '../site/summary.ts';
import { writeSite } from '../site/write.ts';
import { githubContext, runAction, workflowRunOf, type ActionContext } from './runtime.ts';

export async function run(context: ActionContext = githubContext): Promise<void> {
  await runAction('Tollgate site', async (actionRun) => {
    const run = workflowRunOf(context);
    const input = (name: string) => core.getInput(name);
    const prefix = `${input('registry').replace(/^\.\/|\/+$/g, '') || 'registry'}/`;
    const out = resolve(run.workspace, input('out') || '_site');
    const repo = run.repo.owner ? run.repo : undefined;
    const token = input('token');
    const payloadRepository = context.payload.repository as { default_branch?: unknown } | undefined;
    const defaultBranch =
      typeof payloadRepository?.default_branch === 'string' ? payloadRepository.default_branch : undefined;
    const client = token && repo ? githubClientFromEnv(process.env, { token }) : undefined;
    try {
      const github =
        client && repo
          ? githubSiteSource({
              client,
              repo,
              server: run.serverUrl,
              checkName: input('check-name') || GATE_CHECK_NAME,
              ...(defaultBranch ? { defaultBranch } : {}),
            })
          : undefined;
      const build = await buildSite(
        { git: gitSiteSource(run.workspace, prefix), ...(github ? { github } : {}), clock: () => new Date() },
        {
          registryPrefix: prefix,
          ...(input('since') ? { since: input('since') } : {}),
          ...(repo ? { repo: repoLinks(`${repo.owner}/${repo.repo}`, run.serverUrl) } : {}),
        },
      );
      const written = writeSite(out, build.files);
      core.setOutput('path', out);
      core.setOutput('pages', String(build.files.length));
      core.summary.addRaw(
        ['## Tollgate site', '', ...siteSummaryLines(build, written, out).map((l) => `- ${l}`)].join('\n'),
      );
    } finally {
      if (client) actionRun.footnotes.push(describeCalls(client));
    }
  });
}

// Run when this file is the action's entry (the bundle); tests import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
