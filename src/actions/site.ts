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
import { writeSite } from '../site/write.ts';
import { readActionEnvironment, runAction } from './runtime.ts';

export async function run(): Promise<void> {
  await runAction('Tollgate site', async (run) => {
    const env = readActionEnvironment(process.env);
    const prefix = `${(core.getInput('registry') || 'registry').replace(/^\.\/|\/+$/g, '')}/`;
    const out = resolve(env.workspace, core.getInput('out') || '_site');
    const since = core.getInput('since');
    const token = core.getInput('token');
    const repo = env.owner && env.repo ? { owner: env.owner, repo: env.repo } : undefined;
    const client = token && repo ? githubClientFromEnv(process.env, { token }) : undefined;
    try {
      const build = await buildSite(
        {
          git: gitSiteSource(env.workspace, prefix),
          ...(client && repo
            ? {
                github: githubSiteSource({
                  client,
                  repo,
                  server: env.serverUrl,
                  checkName: core.getInput('check-name') || GATE_CHECK_NAME,
                }),
              }
            : {}),
          clock: () => new Date(),
        },
        {
          registryPrefix: prefix,
          ...(since ? { since } : {}),
          ...(repo ? { repo: repoLinks(`${repo.owner}/${repo.repo}`, env.serverUrl) } : {}),
        },
      );
      const written = writeSite(out, build.files);
      core.setOutput('path', out);
      core.setOutput('pages', String(build.files.length));
      const integrity =
        'error' in build.integrity
          ? `not checked: ${build.integrity.error}`
          : `${build.integrity.findings} finding(s), ${build.integrity.allowed} allowed emergency push(es)`;
      core.summary.addRaw(
        [
          '## Tollgate site',
          '',
          `${build.files.length} pages (${build.models} models, ${build.versions} versions) from \`${build.shown.sha.slice(0, 12)}\`, ${written.written.length} written to \`${out}\`.`,
          '',
          `Gate integrity: ${integrity}.`,
          build.github && 'error' in build.github ? `\nGitHub could not be read: ${build.github.error}` : '',
        ].join('\n'),
      );
    } finally {
      if (client) run.footnotes.push(describeCalls(client));
    }
  });
}

// Run when this file is the action's entry (the bundle); tests import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
