// `tollgate gate simulate`: the sign-off gate's verdict for two local commits, with reviews, team memberships
// and permissions given as flags instead of fetched. Same facts from git, same pure evaluation as the action.
import { TollgateError } from '../../errors.ts';
import { collectGateFacts } from '../../gate/collect.ts';
import { evaluateGate } from '../../gate/evaluate.ts';
import { renderVerdictMarkdown } from '../../gate/render.ts';
import type { GateInput, MembershipState, Permission, Review } from '../../gate/types.ts';
import { resolveRef } from '../../git/history.ts';
import { PERMISSIONS } from '../../github/access.ts';
import { parseCommandArgs, type Command } from '../context.ts';
import { commandSpec, FORMAT_OPTION } from '../spec.ts';
import { formatOption, registryPrefix } from './registry-prefix.ts';

const USAGE =
  'tollgate gate simulate --base REF --head REF [--author LOGIN] [--requested-by LOGIN]... ' +
  '[--approve LOGIN[@REF]]... [--member ORG/TEAM=LOGIN[:pending],...]... [--permission LOGIN=LEVEL]... ' +
  '[--base-branch NAME] [--format json]';

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;

function login(value: string, flag: string): string {
  const trimmed = value.trim().replace(/^@/, '');
  if (!LOGIN.test(trimmed))
    throw new TollgateError(`gate simulate: ${flag} "${value}" is not a GitHub login`, {
      kind: 'usage',
      fix: USAGE,
    });
  return trimmed;
}

/** `--member acme/compliance=carol,dave:pending` -> memberships (pure). */
export function parseMembers(values: string[]): GateInput['memberships'] {
  const memberships: GateInput['memberships'] = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    const team = value.slice(0, eq).trim();
    if (eq < 0 || !/^[^/\s]+\/[^/\s]+$/.test(team))
      throw new TollgateError(`gate simulate: --member "${value}" is not ORG/TEAM=LOGIN,...`, {
        kind: 'usage',
        fix: USAGE,
      });
    const states = (memberships[team] ??= {});
    for (const entry of value
      .slice(eq + 1)
      .split(',')
      .filter((e) => e.trim() !== '')) {
      const [who = '', state = 'active'] = entry.split(':');
      if (state !== 'active' && state !== 'pending')
        throw new TollgateError(`gate simulate: --member state "${state}" must be active or pending`, {
          kind: 'usage',
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
        { kind: 'usage', fix: USAGE },
      );
    permissions[login(who, '--permission')] = level as Permission;
  }
  return permissions;
}

const SIMULATE = commandSpec({
  name: 'gate simulate',
  summary: 'what the sign-off gate would conclude for BASE..HEAD with the approvals given, offline',
  positionals: [0, 0],
  options: {
    base: { type: 'string', value: 'REF', required: true, description: 'the pull request base' },
    head: { type: 'string', value: 'REF', required: true, description: 'the pull request head' },
    author: { type: 'string', value: 'LOGIN', description: 'the pull request author' },
    'requested-by': {
      type: 'string',
      value: 'LOGIN',
      multiple: true,
      description: 'who requested the change (Requested-By)',
    },
    approve: {
      type: 'string',
      value: 'LOGIN[@REF]',
      multiple: true,
      description: 'an approval, at HEAD or at REF',
    },
    member: {
      type: 'string',
      value: 'ORG/TEAM=LOGIN,...',
      multiple: true,
      description: 'team members (:pending for an invitation)',
    },
    permission: {
      type: 'string',
      value: 'LOGIN=LEVEL',
      multiple: true,
      description: 'repository permissions',
    },
    'base-branch': { type: 'string', value: 'NAME', description: 'the base branch name' },
    ...FORMAT_OPTION,
  },
  examples: [
    ['tollgate gate simulate --base main --head HEAD', 'which sign-offs HEAD still needs'],
    [
      'tollgate gate simulate --base main --head HEAD --approve alice --member acme/risk=alice',
      'would it pass with alice (of acme/risk) approving?',
    ],
  ],
});

const GATE = commandSpec({
  name: 'gate',
  summary: 'Simulate the sign-off gate offline: gate simulate --base REF --head REF [--approve LOGIN]...',
  options: {},
  subcommands: [SIMULATE],
  examples: SIMULATE.examples,
});

export const gateCommand: Command = {
  ...GATE,
  async run(args, context) {
    const [sub, ...rest] = args;
    if (sub !== 'simulate')
      throw new TollgateError(`gate: unknown subcommand "${sub ?? ''}"`, { kind: 'usage', fix: USAGE });
    const { values } = parseCommandArgs(SIMULATE, rest);
    const format = formatOption(values.format, 'gate simulate');
    if (!values.base || !values.head)
      throw new TollgateError('gate simulate needs --base and --head', { kind: 'usage', fix: USAGE });
    const baseSha = await resolveRef(context.repoRoot, values.base);
    const headSha = await resolveRef(context.repoRoot, values.head);

    const start = context.now().getTime();
    const reviews: Review[] = [];
    for (const [i, value] of (values.approve ?? []).entries()) {
      const at = value.indexOf('@', 1);
      const who = login(at < 0 ? value : value.slice(0, at), '--approve');
      const commitId = at < 0 ? headSha : await resolveRef(context.repoRoot, value.slice(at + 1));
      reviews.push({
        login: who,
        state: 'APPROVED',
        commitId,
        submittedAt: new Date(start + i * 1000).toISOString().replace(/\.000Z$/, 'Z'),
      });
    }
    const facts = await collectGateFacts(context.repoRoot, {
      baseSha,
      headSha,
      registryPrefix: registryPrefix(context),
      reviewedCommits: reviews.map((r) => r.commitId),
    });
    // Approvers have write access unless told otherwise; memberships not given are 'none'.
    const permissions: Record<string, Permission> = Object.fromEntries(
      reviews.map((r) => [r.login, 'write' as Permission]),
    );
    Object.assign(permissions, parsePermissions(values.permission ?? []));
    const requestedBy = [
      ...new Set([
        ...facts.requestedBy,
        ...(values['requested-by'] ?? []).map((v) => login(v, '--requested-by')),
      ]),
    ];
    const verdict = evaluateGate({
      policy: facts.policy,
      changes: facts.changes,
      models: facts.models,
      pullRequest: {
        number: 0,
        author: values.author ? login(values.author, '--author') : '',
        headSha,
        baseRef: values['base-branch'] ?? facts.policy.defaultBranch,
        requestedBy,
        commitAuthors: facts.commitAuthorLogins,
      },
      reviews,
      memberships: parseMembers(values.member ?? []),
      permissions,
      registryUnchangedSince: facts.registryUnchangedSince,
      stageHistory: facts.stageHistory,
      versions: facts.versions,
      transientPointers: facts.transientPointers,
      invalidFiles: facts.invalidFiles,
    });
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
