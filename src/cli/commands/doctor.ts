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
import { originRepo, parseRepoOption } from './review-source.ts';

const USAGE = 'tollgate doctor [--repo OWNER/NAME] [--app-id ID] [--format text|json]';

export const doctorCommand: Command = {
  name: 'doctor',
  summary: "check a live repository's settings: rulesets, environments, secrets, workflows, CODEOWNERS",
  async run(args, context) {
    const { values } = parseCommandArgs(
      'doctor',
      args,
      {
        repo: { type: 'string' },
        'app-id': { type: 'string' },
        format: { type: 'string', default: 'text' },
      },
      false,
    );
    if (values.format !== 'text' && values.format !== 'json')
      throw new TollgateError(`doctor: --format ${values.format} is not text or json`, { fix: USAGE });
    const repo =
      values.repo !== undefined ? parseRepoOption(values.repo) : await originRepo(context.repoRoot);
    if (!repo)
      throw new TollgateError(
        'doctor: which repository? The origin remote does not name a GitHub repository',
        {
          fix: USAGE,
        },
      );
    const appId = parseAppId(
      values['app-id'] ?? context.env.TOLLGATE_APP_ID,
      values['app-id'] !== undefined ? '--app-id' : 'TOLLGATE_APP_ID',
    );
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
