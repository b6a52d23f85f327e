// `tollgate app manifest`: the GitHub App Tollgate runs as, for GitHub's "register an App from a manifest" flow.
// JSON by default; `--format html` a page whose button posts it to GitHub (the flow only accepts a form POST).
import { TollgateError } from '../../errors.ts';
import { appCreationUrl, appManifest, appManifestPage } from '../../github/app.ts';
import { runGit } from '../../git/run.ts';
import { installedManifest } from '../../init/installed.ts';
import { repositoryOf } from '../../init/release.ts';
import { parseCommandArgs, type Command } from '../context.ts';
import { parseRepoOption, repoFromRemoteUrl } from './review-source.ts';

const USAGE =
  'tollgate app manifest [--org ORG] [--name NAME] [--url URL] [--repo OWNER/NAME] [--format json|html]';

export const appCommand: Command = {
  name: 'app',
  summary:
    'app manifest: the GitHub App Tollgate needs (permissions, no events), to create it from a manifest',
  async run(args, context) {
    const { values, positionals } = parseCommandArgs('app', args, {
      org: { type: 'string' },
      name: { type: 'string' },
      url: { type: 'string' },
      repo: { type: 'string' },
      format: { type: 'string', default: 'json' },
    });
    if (positionals[0] !== 'manifest' || positionals.length > 1)
      throw new TollgateError(`app: expected \`manifest\`, got ${JSON.stringify(positionals.join(' '))}`, {
        fix: USAGE,
      });
    if (values.format !== 'json' && values.format !== 'html')
      throw new TollgateError(`app manifest: --format ${values.format} is not json or html`, { fix: USAGE });
    const server = (context.env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, '');
    const origin = await runGit(context.repoRoot, ['config', '--get', 'remote.origin.url'], {
      okCodes: [1, 128],
    });
    const repo =
      values.repo !== undefined
        ? parseRepoOption(values.repo)
        : origin.code === 0
          ? repoFromRemoteUrl(origin.stdout)
          : undefined;
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
