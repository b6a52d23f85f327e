// `tollgate app manifest`: the GitHub App Tollgate runs as, for GitHub's "register an App from a manifest" flow.
// JSON by default; `--format html` a page whose button posts it to GitHub (the flow only accepts a form POST).
import { TollgateError } from '../../errors.ts';
import { appCreationUrl, appManifest, appManifestPage } from '../../github/app.ts';
import { installedManifest } from '../../init/installed.ts';
import { repositoryOf } from '../../init/release.ts';
import { parseCommandArgs, type Command } from '../context.ts';
import { commandSpec } from '../spec.ts';
import { originRepo, parseRepoOption } from './review-source.ts';

const USAGE =
  'tollgate app manifest [--org ORG] [--name NAME] [--url URL] [--repo OWNER/NAME] [--format json|html]';

const APP_MANIFEST = commandSpec({
  name: 'app manifest',
  summary: 'the GitHub App manifest (JSON), or a page that creates the App from it (--format html)',
  positionals: [0, 0],
  needsRegistry: false,
  options: {
    org: { type: 'string', value: 'ORG', description: 'create the App in this organisation' },
    name: { type: 'string', value: 'NAME', description: 'the App name (default: Tollgate OWNER)' },
    url: { type: 'string', value: 'URL', description: 'the App homepage (default: the repository)' },
    repo: { type: 'string', value: 'OWNER/NAME', description: 'the repository (default: the origin remote)' },
    format: {
      type: 'string',
      value: 'FORMAT',
      choices: ['json', 'html'],
      default: 'json',
      description: 'the manifest, or a page posting it to GitHub',
    },
  },
  examples: [
    ['tollgate app manifest', 'print the manifest for this repository'],
    ['tollgate app manifest --org acme --format html > app.html', 'a page that creates the App in acme'],
  ],
});

const APP = commandSpec({
  name: 'app',
  summary:
    'app manifest: the GitHub App Tollgate needs (permissions, no events), to create it from a manifest',
  needsRegistry: false,
  options: {},
  subcommands: [APP_MANIFEST],
  examples: APP_MANIFEST.examples,
});

export const appCommand: Command = {
  ...APP,
  async run(args, context) {
    if (args[0] !== 'manifest')
      throw new TollgateError('app: expected `manifest`', { kind: 'usage', fix: USAGE });
    const { values } = parseCommandArgs(APP_MANIFEST, args.slice(1));
    const server = (context.env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, '');
    const repo =
      values.repo !== undefined ? parseRepoOption(values.repo) : await originRepo(context.repoRoot);
    const url = values.url ?? (repo ? `${server}/${repo.owner}/${repo.repo}` : tollgateHomepage());
    if (!/^https?:\/\/\S+$/.test(url))
      throw new TollgateError(`app manifest: --url ${url} is not an http(s) URL`, {
        fix: 'pass the homepage of the App, e.g. the repository that uses Tollgate',
      });
    const manifest = appManifest({
      // GitHub App names are unique across GitHub and at most 34 characters.
      name: (values.name ?? (repo ? `Tollgate ${values.org ?? repo.owner}` : 'Tollgate')).slice(0, 34),
      url,
    });
    context.out(
      values.format === 'html'
        ? appManifestPage(manifest, appCreationUrl(server, values.org))
        : JSON.stringify(manifest, null, 2),
    );
    return 0;
  },
};

function tollgateHomepage(): string {
  return `https://github.com/${repositoryOf(installedManifest())}`;
}
