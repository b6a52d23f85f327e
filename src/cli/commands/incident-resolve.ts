// `tollgate incident resolve ID`: parse, run the resolve flow (src/incident/resolve-flow.ts), render. The resolution
// and its postmortem draft are one commit on tollgate/postmortem/<id>, pushed and opened as a pull request with a
// GitHub token, else committed to that branch only; the checkout is never touched.
import { TollgateError } from '../../errors.ts';
import { describeCalls, githubClientFromEnv } from '../../github/client.ts';
import { githubIssueChannel } from '../../incident/issue.ts';
import { channelNotifier } from '../../incident/notify.ts';
import { formatDuration } from '../../incident/record.ts';
import { assertIncidentId, resolveIncidentFlow } from '../../incident/resolve-flow.ts';
import type { GitHubTarget } from '../../publish/propose.ts';
import { INCIDENT_RESOLVE } from './incident-options.ts';
import { parseCommandArgs, type CliContext } from '../context.ts';
import { actor, registryRelDir } from './incident-common.ts';
import { originRepo, parseRepoOption } from './review-source.ts';

/** The GitHub repository to open the pull request in, when a token says to: --repo, GITHUB_REPOSITORY, origin. */
export async function githubTarget(
  context: CliContext,
  repoFlag: string | undefined,
): Promise<GitHubTarget | undefined> {
  if (!context.env.GITHUB_TOKEN && !context.env.GH_TOKEN) return undefined;
  const fromEnv = context.env.GITHUB_REPOSITORY;
  const repo =
    repoFlag !== undefined
      ? parseRepoOption(repoFlag)
      : fromEnv
        ? parseRepoOption(fromEnv)
        : await originRepo(context.repoRoot);
  if (!repo) {
    throw new TollgateError('a GitHub token is set, but which repository? The origin remote names none', {
      kind: 'usage',
      fix: 'pass --repo OWNER/NAME (or unset GITHUB_TOKEN / GH_TOKEN to commit the branch locally only)',
    });
  }
  return { client: githubClientFromEnv(context.env), repo, remote: 'origin' };
}

export async function resolve(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(INCIDENT_RESOLVE, args);
  const id = assertIncidentId(
    positionals[0],
    'tollgate incident resolve INC-20261124-033000-ab12 [--note TEXT] [--dry-run]',
  );
  const dryRun = values['dry-run'];
  const github = dryRun ? undefined : await githubTarget(context, values.repo);
  const r = await resolveIncidentFlow(
    {
      id,
      noPostmortem: values['no-postmortem'],
      dryRun,
      ...(values.note !== undefined ? { note: values.note } : {}),
      ...(values.base !== undefined ? { base: values.base } : {}),
    },
    {
      repoRoot: context.repoRoot,
      registryDir: registryRelDir(context),
      now: context.now(),
      actor: actor(context, values.by),
      ...(github ? { github } : {}),
      notifier: (policy) =>
        channelNotifier(policy, {
          env: context.env,
          now: context.now,
          ...(github ? { issues: githubIssueChannel(github.client, github.repo, context.now) } : {}),
        }),
    },
  );
  const after = formatDuration(r.resolved.timeline.findLast((e) => e.event === 'resolved')?.duration ?? 0);
  const described = [
    `The pull request ${github ? '' : 'to open '}(${r.branch} -> ${r.policy.defaultBranch}):`,
    `  title:  ${r.pullRequest.title}`,
    `  labels: ${r.pullRequest.labels.join(', ')}`,
    '',
    r.pullRequest.body.trimEnd(),
  ];
  if (!r.proposal) {
    context.out(
      [
        `would resolve ${id} after ${after} and commit ${r.recordFile}${r.draftFile !== undefined ? ` and ${r.draftFile}` : ''} to ${r.branch} (dry run: nothing written)`,
        '',
        ...described,
      ].join('\n'),
    );
    return 0;
  }
  const { proposal } = r;
  context.out(
    [
      `resolved ${id} after ${after}: committed to ${r.branch} (${proposal.commit.slice(0, 12)}), on ${r.base.ref}`,
      ...(r.draftFile !== undefined
        ? [`  drafted ${r.draftFile} in the same commit: fill in its TODO(author) parts`]
        : []),
      ...(proposal.pullRequest
        ? [
            `  pull request #${proposal.pullRequest.number} ${proposal.pullRequest.created ? 'opened' : 'updated'}: ${proposal.pullRequest.url}`,
            `  ${describeCalls(github!.client)}`,
          ]
        : [
            '',
            ...described,
            '',
            `Nothing was pushed: \`git push origin ${r.branch}\` and open the pull request (or set GITHUB_TOKEN).`,
          ]),
    ].join('\n'),
  );
  return 0;
}
