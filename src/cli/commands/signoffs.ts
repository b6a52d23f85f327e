// `tollgate signoffs pending`: the reviewers' inbox. Parses, runs the pending flow (src/gate/pending-flow.ts) and
// renders the rows (src/gate/inbox.ts) as a table or JSON.
import { TollgateError } from '../../errors.ts';
import { signoffDigestFlow } from '../../gate/digest-flow.ts';
import { pendingSignoffsFlow } from '../../gate/pending-flow.ts';
import type { InboxRow } from '../../gate/inbox.ts';
import { describeCalls, githubClientFromEnv, type RepoRef } from '../../github/client.ts';
import { formatDuration, parseDuration } from '../../scheduler/schedule.ts';
import { parseCommandArgs, type CliContext, type Command } from '../context.ts';
import { commandSpec, FORMAT_OPTION } from '../spec.ts';
import { renderTable } from '../table.ts';
import { registryPrefix } from './registry-prefix.ts';
import { originRepo, parseRepoOption } from './review-source.ts';

export const SIGNOFFS_PENDING = commandSpec({
  name: 'signoffs pending',
  summary:
    'open promotion pull requests, oldest first, with the roles that still owe a sign-off and who can give them',
  positionals: [0, 0],
  options: {
    role: {
      type: 'string',
      value: 'ROLE',
      description: 'only this role (model-owner matches every model’s owners)',
    },
    me: { type: 'boolean', description: 'only roles the token’s user can sign (GET /user and its teams)' },
    'older-than': {
      type: 'string',
      value: 'DURATION',
      description: 'only pull requests open at least this long (24h, 2d, 90m)',
    },
    digest: {
      type: 'boolean',
      description:
        'print the daily digest: what waited longer than signoff.digest_after (or --older-than); empty when nothing did',
    },
    post: {
      type: 'boolean',
      description:
        'with --digest: post it to the policy’s signoff.digest_channels when anything is late (the scheduled workflow’s digest job)',
    },
    repo: {
      type: 'string',
      value: 'OWNER/NAME',
      description: 'the repository (default: GITHUB_REPOSITORY, then origin)',
    },
    ...FORMAT_OPTION,
  },
  examples: [
    ['tollgate signoffs pending --me', 'what I can sign, oldest first, with who else can'],
    [
      'tollgate signoffs pending --role risk --older-than 24h --format json',
      'risk sign-offs waiting over a day',
    ],
    ['tollgate signoffs pending --digest', 'the digest a scheduled job posts (empty when nothing is late)'],
  ],
});

const SIGNOFFS = commandSpec({
  name: 'signoffs',
  summary:
    'the reviewers’ inbox: sign-offs that open promotion pull requests still wait for (signoffs pending)',
  options: {},
  subcommands: [SIGNOFFS_PENDING],
  examples: SIGNOFFS_PENDING.examples,
});

async function repositoryOf(context: CliContext, flag: string | undefined): Promise<RepoRef> {
  const named = flag ?? context.env.GITHUB_REPOSITORY;
  if (named) {
    try {
      return parseRepoOption(named);
    } catch (error) {
      throw new TollgateError(
        `${flag !== undefined ? '--repo' : 'GITHUB_REPOSITORY'} ${named} is not OWNER/NAME`,
        { kind: 'usage', fix: '--repo acme/models', cause: error },
      );
    }
  }
  const repo = await originRepo(context.repoRoot);
  if (!repo)
    throw new TollgateError(
      'which repository? No --repo, no GITHUB_REPOSITORY, and origin names no GitHub repository',
      { kind: 'usage', fix: 'tollgate signoffs pending --repo OWNER/NAME' },
    );
  return repo;
}

function renderRows(rows: InboxRow[]): string[][] {
  const table = [['PR', 'AGE', 'MODEL', 'STAGE', 'OWES', 'WHO CAN SIGN']];
  for (const row of rows) {
    const head = [
      `#${row.number}${row.draft ? ' (draft)' : ''}`,
      row.age,
      row.model ?? '-',
      row.stage ?? '-',
    ];
    if (row.owed.length === 0) table.push([...head, '?', `not judged: ${row.problem ?? ''}`]);
    row.owed.forEach((owed, i) =>
      table.push([
        ...(i === 0 ? head : ['', '', '', '']),
        owed.role,
        owed.candidates.join(' ') || '(nobody)',
      ]),
    );
  }
  return table;
}

async function pending(args: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs(SIGNOFFS_PENDING, args);
  let olderThanSeconds: number | undefined;
  if (values['older-than'] !== undefined) {
    try {
      olderThanSeconds = parseDuration(values['older-than']);
    } catch (error) {
      throw new TollgateError(`--older-than ${values['older-than']} is not a duration`, {
        kind: 'usage',
        fix: '--older-than 24h (or 90m, 2d, 1h30m)',
        cause: error,
      });
    }
  }
  if (!context.env.GITHUB_TOKEN && !context.env.GH_TOKEN)
    throw new TollgateError('signoffs pending reads open pull requests from GitHub: no GitHub token', {
      kind: 'environment',
      fix: 'set GITHUB_TOKEN (or GH_TOKEN), e.g. GH_TOKEN=$(gh auth token)',
    });
  if (values.post && !values.digest)
    throw new TollgateError('--post posts the digest: it needs --digest', {
      kind: 'usage',
      fix: 'tollgate signoffs pending --digest --post',
    });
  const repo = await repositoryOf(context, values.repo);
  const client = githubClientFromEnv(context.env);
  const ports = {
    client,
    repo,
    repoRoot: context.repoRoot,
    registry: registryPrefix(context),
    now: context.now(),
  };
  const filter = {
    ...(values.role !== undefined ? { role: values.role } : {}),
    ...(values.me ? { me: true } : {}),
  };
  const json = (value: unknown) => context.out(JSON.stringify(value, null, 2));
  if (values.digest) {
    const { repository, threshold, digest, posts } = await signoffDigestFlow(
      { ...ports, env: context.env },
      { ...(olderThanSeconds !== undefined ? { olderThanSeconds } : {}), post: values.post === true, filter },
    );
    const { due, text, overdue } = digest;
    if (values.format === 'json') json({ repository, threshold, due, text, overdue, posts });
    else if (digest.due) context.out(digest.text);
    else context.err(`nothing has waited longer than ${formatDuration(threshold)} for a sign-off`);
    for (const post of posts) context.err(`digest ${post.channel}: ${post.outcome}, ${post.detail}`);
    context.err(describeCalls(client));
    return 0;
  }
  const result = await pendingSignoffsFlow(ports, {
    ...filter,
    ...(olderThanSeconds !== undefined ? { olderThanSeconds } : {}),
  });
  const repository = `${repo.owner}/${repo.repo}`;
  if (values.format === 'json') {
    json({ repository, ...(result.me ? { me: result.me } : {}), open: result.open, pending: result.rows });
    return 0;
  }
  const whose = result.me ? ` for ${result.me}` : '';
  if (result.rows.length === 0) {
    context.out(`nothing waits for a sign-off${whose} (${result.open} open promotion pull request(s))`);
  } else {
    context.out(renderTable(renderRows(result.rows), { width: context.columns, flexible: [5] }));
    for (const row of result.rows)
      for (const reason of row.blocking)
        context.out(`#${row.number} is blocked whatever the sign-offs: ${reason}`);
    context.out(
      `${result.rows.length} of ${result.open} open promotion pull request(s) wait for a sign-off${whose}`,
    );
  }
  context.err(describeCalls(client));
  return 0;
}

export const signoffsCommand: Command = {
  ...SIGNOFFS,
  async run(args, context) {
    const [sub, ...rest] = args;
    if (sub === 'pending') return pending(rest, context);
    throw new TollgateError(`signoffs: unknown subcommand "${sub ?? ''}"`, {
      kind: 'usage',
      fix: 'tollgate signoffs pending',
    });
  },
};
