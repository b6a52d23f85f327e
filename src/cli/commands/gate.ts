// `tollgate gate simulate`: the sign-off gate's verdict for two local commits, with reviews, team memberships
// and permissions given as flags instead of fetched. It judges through the pull request flow's judgeCommits
// (src/gate/judge.ts): the same facts from git and the same evaluation as the action.
import { TollgateError } from '../../errors.ts';
import { givenGateAccess } from '../../gate/access.ts';
import { judgeCommits } from '../../gate/judge.ts';
import { renderVerdictMarkdown } from '../../gate/render.ts';
import type { Permission } from '../../gate/types.ts';
import { resolveRef } from '../../git/history.ts';
import type { ReviewContextReview } from '../../github/review-context.ts';
import { parseCommandArgs, type Command } from '../context.ts';
import { GATE, GATE_SIMULATE } from './gate-options.ts';
import { login, parseMembers, parsePermissions, USAGE } from './gate-args.ts';
import { recordMergeCommand, RECORD_USAGE } from './gate-record.ts';
import { formatOption, registryPrefix } from './registry-prefix.ts';

export { parseMembers, parsePermissions };

export const gateCommand: Command = {
  ...GATE,
  async run(args, context) {
    const [sub, ...rest] = args;
    if (sub === 'record-merge') return recordMergeCommand(rest, context);
    if (sub !== 'simulate')
      throw new TollgateError(`gate: unknown subcommand "${sub ?? ''}"`, {
        kind: 'usage',
        fix: `${USAGE}\n${RECORD_USAGE}`,
      });
    const { values } = parseCommandArgs(GATE_SIMULATE, rest);
    const format = formatOption(values.format, 'gate simulate');
    if (!values.base || !values.head)
      throw new TollgateError('gate simulate needs --base and --head', { kind: 'usage', fix: USAGE });
    const baseSha = await resolveRef(context.repoRoot, values.base);
    const headSha = await resolveRef(context.repoRoot, values.head);

    const start = context.now().getTime();
    const reviews: ReviewContextReview[] = [];
    for (const [i, value] of (values.approve ?? []).entries()) {
      const at = value.indexOf('@', 1);
      const who = login(at < 0 ? value : value.slice(0, at), '--approve');
      const commitSha = at < 0 ? headSha : await resolveRef(context.repoRoot, value.slice(at + 1));
      const submittedAt = new Date(start + i * 1000).toISOString().replace(/\.000Z$/, 'Z');
      reviews.push({
        id: i + 1,
        author: who,
        authorIsBot: false,
        state: 'APPROVED',
        commitSha,
        submittedAt,
        authorCanPush: true,
      });
    }
    // The pull request flow's judging, with the review context and the GitHub answers given as flags: approvers
    // have write access unless told otherwise; memberships not given are 'none'.
    const permissions: Record<string, Permission> = Object.fromEntries(
      reviews.map((r) => [r.author, 'write' as Permission]),
    );
    Object.assign(permissions, parsePermissions(values.permission ?? []));
    const judged = await judgeCommits(
      context.repoRoot,
      {
        number: 0,
        registry: registryPrefix(context),
        baseSha,
        headSha,
        context: {
          number: 0,
          author: values.author ? login(values.author, '--author') : '',
          authorIsBot: false,
          state: 'OPEN',
          draft: false,
          headRef: '',
          headSha,
          baseRef: values['base-branch'] ?? '',
          baseSha,
          commits: [],
          reviews,
        },
        requestedBy: (values['requested-by'] ?? []).map((v) => login(v, '--requested-by')),
      },
      givenGateAccess({ memberships: parseMembers(values.member ?? []), permissions }),
    );
    const { verdict, facts } = judged;
    if (format === 'json')
      context.out(
        JSON.stringify(
          {
            base: baseSha,
            head: headSha,
            mergeBase: facts.mergeBase,
            conclusion: verdict.conclusion,
            verdict,
          },
          null,
          2,
        ),
      );
    else context.out(renderVerdictMarkdown(verdict));
    return verdict.conclusion === 'success' ? 0 : 1;
  },
};
