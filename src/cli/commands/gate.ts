// `tollgate gate simulate`: the sign-off gate's verdict for two local commits, with reviews, team memberships
// and permissions given as flags instead of fetched. It judges through the pull request flow's judgeCommits
// (src/gate/judge.ts): the same facts from git and the same evaluation as the action.
import { TollgateError } from '../../errors.ts';
import { givenGateAccess } from '../../gate/access.ts';
import { judgeCommits } from '../../gate/judge.ts';
import { renderVerdictMarkdown } from '../../gate/render.ts';
import type { GateInput, MembershipState, Permission } from '../../gate/types.ts';
import { resolveRef } from '../../git/history.ts';
import { PERMISSIONS } from '../../github/access.ts';
import type { ReviewContextReview } from '../../github/review-context.ts';
import { parseCommandArgs, type Command } from '../context.ts';
import { formatOption, registryPrefix } from './registry-prefix.ts';

const USAGE =
  'tollgate gate simulate --base REF --head REF [--author LOGIN] [--requested-by LOGIN]... ' +
  '[--approve LOGIN[@REF]]... [--member ORG/TEAM=LOGIN[:pending],...]... [--permission LOGIN=LEVEL]... ' +
  '[--base-branch NAME] [--format json]';

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;

function login(value: string, flag: string): string {
  const trimmed = value.trim().replace(/^@/, '');
  if (!LOGIN.test(trimmed))
    throw new TollgateError(`gate simulate: ${flag} "${value}" is not a GitHub login`, { fix: USAGE });
  return trimmed;
}

/** `--member acme/compliance=carol,dave:pending` -> memberships (pure). */
export function parseMembers(values: string[]): GateInput['memberships'] {
  const memberships: GateInput['memberships'] = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    const team = value.slice(0, eq).trim();
    if (eq < 0 || !/^[^/\s]+\/[^/\s]+$/.test(team))
      throw new TollgateError(`gate simulate: --member "${value}" is not ORG/TEAM=LOGIN,...`, { fix: USAGE });
    const states = (memberships[team] ??= {});
    for (const entry of value
      .slice(eq + 1)
      .split(',')
      .filter((e) => e.trim() !== '')) {
      const [who = '', state = 'active'] = entry.split(':');
      if (state !== 'active' && state !== 'pending')
        throw new TollgateError(`gate simulate: --member state "${state}" must be active or pending`, {
          fix: USAGE,
        });
      states[login(who, '--member')] = state as MembershipState;
    }
  }
  return memberships;
}

/** `--permission rita=read` -> permissions (pure). */
export function parsePermissions(values: string[]): Record<string, Permission> {
  const permissions: Record<string, Permission> = {};
  for (const value of values) {
    const [who = '', level = ''] = value.split('=');
    if (!(PERMISSIONS as readonly string[]).includes(level))
      throw new TollgateError(
        `gate simulate: --permission "${value}" needs LOGIN=LEVEL, LEVEL one of ${PERMISSIONS.join(', ')}`,
        { fix: USAGE },
      );
    permissions[login(who, '--permission')] = level as Permission;
  }
  return permissions;
}

export const gateCommand: Command = {
  name: 'gate',
  summary: 'Simulate the sign-off gate offline: gate simulate --base REF --head REF [--approve LOGIN]...',
  async run(args, context) {
    const [sub, ...rest] = args;
    if (sub !== 'simulate')
      throw new TollgateError(`gate: unknown subcommand "${sub ?? ''}"`, { fix: USAGE });
    const { values } = parseCommandArgs(
      'gate simulate',
      rest,
      {
        base: { type: 'string' },
        head: { type: 'string' },
        author: { type: 'string' },
        'requested-by': { type: 'string', multiple: true },
        approve: { type: 'string', multiple: true },
        member: { type: 'string', multiple: true },
        permission: { type: 'string', multiple: true },
        'base-branch': { type: 'string' },
        format: { type: 'string' },
      },
      false,
    );
    const format = formatOption(values.format, 'gate simulate');
    if (!values.base || !values.head)
      throw new TollgateError('gate simulate needs --base and --head', { fix: USAGE });
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
