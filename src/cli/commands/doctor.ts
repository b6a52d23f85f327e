// `tollgate doctor`: reads a live repository's settings through the GitHub API and reports every weakness that lets
// a writer get around the sign-off gate, with the attack it opens and its fix. Exit 0 clean, 1 when anything is
// found (or could not be read), 3 when GitHub could not be asked.
import { relative } from 'node:path';
import { describeError, TollgateError } from '../../errors.ts';
import { describeCalls, GitHubApiError, githubClientFromEnv } from '../../github/client.ts';
import { parseAppId } from '../../gate/check-runs.ts';
import { doctorFlow } from '../../doctor/doctor-flow.ts';
import { renderDoctor } from '../../doctor/render.ts';
import { parseCommandArgs, type Command } from '../context.ts';
import { commandSpec, FORMAT_OPTION } from '../spec.ts';
import { originRepo, parseRepoOption } from './review-source.ts';

const USAGE = 'tollgate doctor [--repo OWNER/NAME] [--app-id ID] [--format text|json]';

const DOCTOR = commandSpec({
  name: 'doctor',
  summary: "check a live repository's settings: rulesets, environments, secrets, workflows, CODEOWNERS",
  positionals: [0, 0],
  needsRegistry: false,
  options: {
    repo: { type: 'string', value: 'OWNER/NAME', description: 'the repository (default: the origin remote)' },
    'app-id': { type: 'string', value: 'ID', description: 'the gate App id the ruleset should require' },
    ...FORMAT_OPTION,
  },
  examples: [
    ['GITHUB_TOKEN=... tollgate doctor', 'check the repository the origin remote names'],
    ['tollgate doctor --repo acme/models --app-id 123 --format json', 'another repository, as JSON'],
  ],
});

export const doctorCommand: Command = {
  ...DOCTOR,
  async run(args, context) {
    const { values } = parseCommandArgs(DOCTOR, args);
    if (values.format !== 'text' && values.format !== 'json')
      throw new TollgateError(`doctor: --format ${values.format} is not text or json`, {
        kind: 'usage',
        fix: USAGE,
      });
    const repo =
      values.repo !== undefined ? parseRepoOption(values.repo) : await originRepo(context.repoRoot);
    if (!repo)
      throw new TollgateError(
        'doctor: which repository? The origin remote does not name a GitHub repository',
        {
          kind: 'usage',
          fix: USAGE,
        },
      );
    const appId = parseAppId(
      values['app-id'] ?? context.env.TOLLGATE_APP_ID,
      values['app-id'] !== undefined ? '--app-id' : 'TOLLGATE_APP_ID',
    );
    if (!context.env.GITHUB_TOKEN && !context.env.GH_TOKEN) {
      // Nothing to read the settings with: an environment error, like an unreachable GitHub.
      context.err(
        'tollgate doctor: no GitHub token. Fix: GITHUB_TOKEN=$(gh auth token) tollgate doctor (a repository admin, or Administration: read)',
      );
      return 3;
    }
    const client = githubClientFromEnv(context.env);
    let report;
    try {
      report = await doctorFlow(client, repo, {
        registry: relative(context.repoRoot, context.registryDir) || 'registry',
        ...(appId !== undefined ? { appId } : {}),
      });
    } catch (error) {
      // GitHub did not answer (network, 5xx after retries, rate limit, a bad token): an environment error.
      if (!(error instanceof GitHubApiError)) throw error;
      context.err(`tollgate doctor: ${describeError(error)}`);
      return 3;
    }
    if (values.format === 'json') context.out(JSON.stringify({ ...report, calls: client.calls() }, null, 2));
    else context.out(`${renderDoctor(report)}\n\n${describeCalls(client)}`);
    return report.exitCode;
  },
};
