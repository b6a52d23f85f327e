// `tollgate gate record-merge`: records a pull request merged outside GitHub Actions as the gate action records
// one after a merge (src/gate/record-merge-flow.ts): approvers, requester, verdict, in one registry commit.
import { readFileSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { TollgateError } from '../../errors.ts';
import { GATE_CHECK_NAME, type Permission, type Review } from '../../gate/types.ts';
import type { GateCheckRunFact } from '../../gate/merged.ts';
import { recordMergeLocally } from '../../gate/record-local-merge-flow.ts';
import { commitFields, resolveRef } from '../../git/history.ts';
import { parseCommandArgs, type CliContext } from '../context.ts';
import { commandSpec } from '../spec.ts';
import { login, parseMembers, parsePermissions } from './gate-args.ts';

export const RECORD_USAGE =
  'tollgate gate record-merge --merge REF --pr N --merged-by LOGIN [--approve LOGIN[@REF][=TIME]]... ' +
  '[--member ORG/TEAM=LOGIN,...]... [--permission LOGIN=LEVEL]... [--requested-by LOGIN]... ' +
  '[--check-run ID=CONCLUSION[@TIME]] [--body-file FILE]';

export const RECORD_MERGE = commandSpec({
  name: 'gate record-merge',
  summary: 'record a pull request merged outside GitHub Actions as the gate action records one after a merge',
  positionals: [0, 0],
  writes: true,
  options: {
    merge: { type: 'string', value: 'REF', required: true, description: 'the merge commit' },
    pr: { type: 'string', value: 'N', required: true, description: 'the pull request number' },
    'merged-by': { type: 'string', value: 'LOGIN', required: true, description: 'who merged it' },
    approve: {
      type: 'string',
      value: 'LOGIN[@REF][=TIME]',
      multiple: true,
      description: 'an approval, at the head or at REF, at TIME',
    },
    member: {
      type: 'string',
      value: 'ORG/TEAM=LOGIN,...',
      multiple: true,
      description: 'team members',
    },
    permission: {
      type: 'string',
      value: 'LOGIN=LEVEL',
      multiple: true,
      description: 'repository permissions',
    },
    'requested-by': {
      type: 'string',
      value: 'LOGIN',
      multiple: true,
      description: 'who requested the change',
    },
    'check-run': { type: 'string', value: 'ID=CONCLUSION[@TIME]', description: "the gate's check run" },
    'body-file': {
      type: 'string',
      value: 'FILE',
      description: 'the pull request description the reviewers saw, kept in the record with its sha256',
    },
  },
  examples: [
    [
      'tollgate gate record-merge --merge HEAD --pr 12 --merged-by alice --approve rita --member acme/risk=rita',
      'record the merge of pull request 12 with rita approving for risk',
    ],
  ],
});

export async function recordMergeCommand(args: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs(RECORD_MERGE, args);
  const number = Number(values.pr);
  if (!values.merge || !Number.isInteger(number) || number <= 0 || !values['merged-by'])
    throw new TollgateError('gate record-merge needs --merge, --pr (a positive number) and --merged-by', {
      fix: RECORD_USAGE,
    });
  const mergeSha = await resolveRef(context.repoRoot, values.merge);
  const head = await resolveRef(context.repoRoot, `${mergeSha}^2`).catch(() => {
    throw new TollgateError(`${values.merge} is not a merge commit of a pull request`, {
      fix: 'name the merge commit (`git merge --no-ff`): its first parent is the base, its second the head',
    });
  });
  // Approvals without a time were given just before the merge, a second apart.
  const start = Date.parse((await commitFields(context.repoRoot, mergeSha, { at: '%cI' })).at);
  const reviews: Review[] = [];
  for (const [i, value] of (values.approve ?? []).entries()) {
    // LOGIN[@REF][=TIME]: TIME is when the approval was submitted.
    const [who_ref = '', time] = value.split('=');
    const at = who_ref.indexOf('@', 1);
    const who = login(at < 0 ? who_ref : who_ref.slice(0, at), '--approve');
    const commitId = at < 0 ? head : await resolveRef(context.repoRoot, who_ref.slice(at + 1));
    const submittedAt = time ?? new Date(start - (values.approve!.length - i) * 1000).toISOString();
    if (Number.isNaN(Date.parse(submittedAt)))
      throw new TollgateError(`gate record-merge: --approve "${value}" has no valid time`, {
        fix: RECORD_USAGE,
      });
    reviews.push({
      login: who,
      state: 'APPROVED',
      commitId,
      submittedAt: new Date(submittedAt).toISOString().replace(/\.000Z$/, 'Z'),
    });
  }
  const permissions: Record<string, Permission> = Object.fromEntries(reviews.map((r) => [r.login, 'write']));
  Object.assign(permissions, parsePermissions(values.permission ?? []));
  const checkRun = checkRunOption(values['check-run']);
  const registryDir = relative(context.repoRoot, context.registryDir).split(sep).join('/') || '.';
  const result = await recordMergeLocally({
    repoRoot: context.repoRoot,
    registryDir,
    mergeSha,
    number,
    mergedBy: login(values['merged-by'], '--merged-by'),
    reviews,
    memberships: parseMembers(values.member ?? []),
    permissions,
    requestedBy: (values['requested-by'] ?? []).map((v) => login(v, '--requested-by')),
    checkName: GATE_CHECK_NAME,
    ...(checkRun ? { checkRun } : {}),
    ...(values['body-file'] !== undefined ? { body: readBody(context, values['body-file']) } : {}),
    env: { GIT_COMMITTER_DATE: context.now().toISOString() },
    dryRun: values['dry-run'],
  });
  const lines = result.record.audit.map(
    (a) =>
      `${a.event} ${a.model} ${a.stage} ${(a.details?.from_version as string | null) ?? '(none)'} → ${a.version ?? '(none)'}: ` +
      `approvers ${(a.details?.approvers as { role: string; login: string }[]).map((x) => `${x.login} (${x.role})`).join(', ') || 'none'}; ` +
      `gate ${result.verdict.conclusion}`,
  );
  if (lines.length === 0) context.out(`pull request #${number} moved no stage pointer: nothing to record`);
  else
    context.out(
      [
        ...lines,
        values['dry-run'] && result.written.length > 0
          ? `dry run: would record ${result.written.join(', ')} in one commit; nothing written`
          : result.commit
            ? `recorded in commit ${result.commit.slice(0, 12)}`
            : 'already recorded: nothing to commit',
        ...result.already.map((p) => `kept as first written: ${p}`),
      ].join('\n'),
    );
  return 0;
}

/** `--check-run 1001=success@2026-11-21T09:59:00Z`: the gate's check run as GitHub listed it on the merged head. */
function checkRunOption(value: string | undefined): GateCheckRunFact | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)=(success|failure|neutral|cancelled|timed_out|action_required|skipped)(?:@(.+))?$/.exec(
    value,
  );
  if (!m || (m[3] !== undefined && Number.isNaN(Date.parse(m[3]))))
    throw new TollgateError(`gate record-merge: --check-run "${value}" is not ID=CONCLUSION[@TIME]`, {
      fix: RECORD_USAGE,
    });
  return {
    name: GATE_CHECK_NAME,
    id: Number(m[1]),
    status: 'completed',
    conclusion: m[2]!,
    ...(m[3] !== undefined ? { completedAt: new Date(m[3]).toISOString().replace(/\.000Z$/, 'Z') } : {}),
  };
}

function readBody(context: CliContext, file: string): string {
  try {
    return readFileSync(resolve(context.cwd, file), 'utf8');
  } catch (error) {
    throw new TollgateError(`gate record-merge: cannot read --body-file ${file}`, {
      kind: 'usage',
      cause: error,
      fix: 'name a file holding the pull request description',
    });
  }
}
