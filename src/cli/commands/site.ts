// `tollgate site --out DIR [--at REF|DATE]`: the registry as a static website (overview, a page per model,
// incidents, audit log), from git history and, with a token, GitHub. Parses options, calls the flow, writes files.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TollgateError } from '../../errors.ts';
import { githubClientFromEnv } from '../../github/client.ts';
import { buildSite } from '../../site/flow.ts';
import { gitSiteSource } from '../../site/git-source.ts';
import { githubSiteSource } from '../../site/github-source.ts';
import { repoLinks } from '../../site/html.ts';
import { siteSummaryLines } from '../../site/summary.ts';
import { writeSite } from '../../site/write.ts';
import { parseCommandArgs, type Command } from '../context.ts';
import { formatOption, registryPrefix } from './registry-prefix.ts';
import { originRepo, parseRepoOption, REVIEW_SOURCE_OPTIONS } from './review-source.ts';
import { commandSpec, FORMAT_OPTION } from '../spec.ts';

const USAGE =
  'usage: tollgate site --out DIR [--at DATE|TIME|REF] [--since REF] [--ref BRANCH] [--repo OWNER/NAME] [--github] [--check-name NAME] [--format text|json]';

const SITE = commandSpec({
  name: 'site',
  summary:
    'build the registry as a static website: overview, models, incidents, audit log (--at for the past)',
  positionals: [0, 0],
  options: {
    out: { type: 'string', value: 'DIR', required: true, description: 'the folder to write the site to' },
    at: {
      type: 'string',
      value: 'DATE|TIME|REF',
      description: 'show the registry as it was at that time or commit',
    },
    ref: { type: 'string', value: 'BRANCH', description: 'the branch to read (default: the default branch)' },
    since: { type: 'string', value: 'REF', description: 'the audit log starts at REF' },
    repo: REVIEW_SOURCE_OPTIONS.repo,
    github: { ...REVIEW_SOURCE_OPTIONS.github, default: false },
    'check-name': REVIEW_SOURCE_OPTIONS['check-name'],
    ...FORMAT_OPTION,
  },
  examples: [
    ['tollgate site --out site', 'build the site from the default branch into site/'],
    ['tollgate site --out site-then --at 2026-10-01', 'the registry as it stood on 1 October'],
    ['GITHUB_TOKEN=... tollgate site --out site --github', 'with approvals and gate checks from GitHub'],
  ],
});

export const siteCommand: Command = {
  ...SITE,
  async run(args, context) {
    const { values } = parseCommandArgs(SITE, args);
    const format = formatOption(values.format, 'site');
    if (!values.out) throw new TollgateError('site: --out DIR is required', { kind: 'usage', fix: USAGE });
    const out = resolve(context.cwd, values.out);
    const prefix = registryPrefix(context);
    const repo =
      values.repo !== undefined ? parseRepoOption(values.repo) : await originRepo(context.repoRoot);
    const server = context.env.GITHUB_SERVER_URL || 'https://github.com';
    if (values.github && !repo)
      throw new TollgateError('site --github: which repository? The origin remote does not name one', {
        fix: 'pass --repo OWNER/NAME',
      });
    const github =
      values.github && repo
        ? githubSiteSource({
            client: githubClientFromEnv(context.env),
            repo,
            server,
            ...(values['check-name'] ? { checkName: values['check-name'] } : {}),
          })
        : undefined;
    const started = performance.now();
    const build = await buildSite(
      { git: gitSiteSource(context.repoRoot, prefix), ...(github ? { github } : {}), clock: context.now },
      {
        registryPrefix: prefix,
        ...(values.at !== undefined ? { at: values.at } : {}),
        ...(values.ref !== undefined ? { ref: values.ref } : {}),
        ...(values.since !== undefined ? { since: values.since } : {}),
        ...(repo ? { repo: repoLinks(`${repo.owner}/${repo.repo}`, server) } : {}),
      },
    );
    const written = writeSite(out, build.files);
    const seconds = (performance.now() - started) / 1000;
    // Joined after resolving: the bundler would otherwise take `resolve(<unknown>, 'index.html')` for an asset to copy.
    const index = `${pathToFileURL(resolve(out)).href}/index.html`;
    if (format === 'json') {
      const { files, ...summary } = build;
      context.out(
        JSON.stringify(
          { ...summary, out, index, pages: files.map((f) => f.path), ...written, seconds },
          null,
          2,
        ),
      );
      return 0;
    }
    context.out(
      [...siteSummaryLines(build, written, out), `built in ${seconds.toFixed(2)} s`, `open ${index}`].join(
        '\n',
      ),
    );
    return 0;
  },
};
