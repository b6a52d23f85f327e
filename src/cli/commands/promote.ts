// `tollgate promote MODEL VERSION --to STAGE`: checks the move, commits the new stage pointer to
// tollgate/promote/<model>/<stage> on top of the default branch (the checkout is left exactly as it was) and
// prints the pull request it would open. Nothing is pushed: the promote action does that.
import { relative, sep } from 'node:path';
import { TollgateError } from '../../errors.ts';
import { gitClient } from '../../git/client.ts';
import { isGitHubLogin } from '../../promotion/check.ts';
import { parseWeight } from '../../monitor/canary.ts';
import { promoteFlow } from '../../promotion/flow.ts';
import type { PromotionProposal } from '../../promotion/plan.ts';
import type { PreparedPromotion } from '../../promotion/prepare.ts';
import { parseCommandArgs, type CliContext, type Command } from '../context.ts';
import { formatOption } from './registry-prefix.ts';
import { commandSpec, FORMAT_OPTION } from '../spec.ts';

const USAGE =
  'tollgate promote MODEL VERSION --to STAGE [--weight 10%] [--requested-by LOGIN] [--base REF] [--force] [--dry-run] [--format json]';

/** --requested-by, else GITHUB_ACTOR (a workflow), else git's user.name when it is a login. */
async function requester(context: CliContext, given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  if (context.env.GITHUB_ACTOR) return context.env.GITHUB_ACTOR;
  const name = await gitClient(context.repoRoot)
    .getConfig('user.name')
    .catch(() => undefined);
  const login = name?.value?.trim() ?? '';
  if (isGitHubLogin(login)) return login;
  throw new TollgateError('who asked for this promotion? It is recorded as Requested-By', {
    kind: 'usage',
    fix: 'pass --requested-by YOUR-GITHUB-LOGIN (git user.name is not a GitHub login here)',
  });
}

function registryDirOf(context: CliContext): string {
  const rel = relative(context.repoRoot, context.registryDir);
  if (rel.startsWith('..'))
    throw new TollgateError(
      `the registry ${context.registryDir} is not inside the repository ${context.repoRoot}`,
      {
        fix: 'run from the repository holding the registry, or point --registry at a folder inside it',
      },
    );
  return rel.split(sep).join('/');
}

function describeProposal(plan: PromotionProposal, prepared: PreparedPromotion, commit?: string): string {
  const { pullRequest } = plan;
  const reviewers = [
    ...pullRequest.reviewers.users.map((u) => `@${u}`),
    ...pullRequest.reviewers.teams.map((t) => `@${t}`),
  ];
  return [
    commit
      ? `committed ${plan.subject} to ${plan.branch} (${commit.slice(0, 12)}), on ${prepared.baseRef}`
      : `${plan.subject} (dry run: nothing written)`,
    `  ${plan.path}: ${plan.stage} ${plan.from ?? '(none)'} -> ${plan.version}`,
    ...prepared.notes.map((note) => `  note: ${note}`),
    '',
    `The pull request ${commit ? 'to open' : 'it would open'} (${plan.branch} -> ${plan.baseBranch}):`,
    `  title:     ${pullRequest.title}`,
    `  labels:    ${pullRequest.labels.join(', ')}`,
    `  reviewers: ${reviewers.join(', ') || '(none)'}`,
    '',
    pullRequest.body,
    ...(commit
      ? [
          `Nothing was pushed: \`git push origin ${plan.branch}\` and open the pull request, or run the promote action.`,
        ]
      : []),
  ].join('\n');
}

const PROMOTE = commandSpec({
  name: 'promote',
  summary:
    'propose moving a stage to a version: MODEL VERSION --to STAGE (a branch and the pull request to open)',
  args: 'MODEL VERSION',
  positionals: [2, 2],
  writes: true,
  options: {
    to: { type: 'string', value: 'STAGE', required: true, description: 'the stage to move' },
    weight: {
      type: 'string',
      value: 'SHARE',
      description: 'for a canary stage: its share of traffic, as 10% or 0.1',
    },
    'requested-by': {
      type: 'string',
      value: 'LOGIN',
      description: 'who asks (default: GITHUB_ACTOR, or git user.name when it is a login)',
    },
    base: { type: 'string', value: 'REF', description: 'build on REF (default: the default branch)' },
    force: { type: 'boolean', default: false, description: 'replace an open promotion branch for the stage' },
    ...FORMAT_OPTION,
  },
  examples: [
    ['tollgate promote fraud-detector v5 --to staging', 'commit the move to a promotion branch'],
    ['tollgate promote fraud-detector v6 --to canary --weight 10%', 'a 10 % canary of v6'],
    [
      'tollgate promote fraud-detector v5 --to production --dry-run',
      'check the move and show the pull request',
    ],
  ],
});

export const promoteCommand: Command = {
  ...PROMOTE,
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(PROMOTE, args);
    const format = formatOption(values.format, 'promote');
    if (positionals.length !== 2 || values.to === undefined)
      throw new TollgateError('promote needs a model, a version and --to STAGE', {
        kind: 'usage',
        fix: USAGE,
      });
    const [model, version] = positionals as [string, string];
    const dryRun = values['dry-run'];
    const outcome = await promoteFlow(
      {
        model,
        version,
        stage: values.to,
        requestedBy: await requester(context, values['requested-by']),
        registryDir: registryDirOf(context),
        dryRun,
        force: values.force,
        ...(values.weight !== undefined ? { weight: parseWeight(values.weight) } : {}),
        ...(values.base !== undefined ? { baseRef: values.base } : {}),
      },
      { repoRoot: context.repoRoot },
    );
    if (outcome.status === 'refused') {
      if (format === 'json')
        context.out(JSON.stringify({ ok: false, reason: outcome.reason, fix: outcome.fix }, null, 2));
      else context.err(`tollgate: promotion refused: ${outcome.reason}\n  fix: ${outcome.fix}`);
      return 1;
    }
    const { plan, prepared } = outcome;
    const commit = outcome.status === 'proposed' ? outcome.commit : undefined;
    if (format === 'json') {
      context.out(
        JSON.stringify(
          {
            ok: true,
            dryRun,
            model: plan.model,
            version: plan.version,
            stage: plan.stage,
            from: plan.from ?? null,
            requestedBy: plan.requestedBy,
            branch: plan.branch,
            base: prepared.baseRef,
            commit: commit ?? null,
            path: plan.path,
            trailers: plan.trailers,
            pullRequest: { ...plan.pullRequest, base: plan.baseBranch },
            requirements: plan.requirements,
            notes: prepared.notes,
          },
          null,
          2,
        ),
      );
    } else {
      context.out(describeProposal(plan, prepared, commit));
    }
    return 0;
  },
};
