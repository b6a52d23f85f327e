// `tollgate diff [BASE [HEAD]]`: the semantic registry diff the gate would see, for a local checkout.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { load } from 'js-yaml';
import { TollgateError } from '../../errors.ts';
import { commitOf, mergeBase, WORKTREE } from '../../git/history.ts';
import { runGit } from '../../git/run.ts';
import { describeChange } from '../../registry/diff.ts';
import { registryDiffBetweenRefs } from '../../registry/diff-refs.ts';
import { parseCommandArgs, type Command, type CliContext } from '../context.ts';
import { commandSpec, FORMAT_OPTION } from '../spec.ts';

const refExists = async (repoRoot: string, ref: string): Promise<boolean> =>
  (await commitOf(repoRoot, ref)) !== undefined;

/** The branch the registry is live on: the policy's default_branch, origin's HEAD, then main/master. */
async function defaultBranchCandidates(context: CliContext): Promise<string[]> {
  const candidates: string[] = [];
  const policyFile = join(context.registryDir, 'policy.yaml');
  if (existsSync(policyFile)) {
    try {
      const policy = load(readFileSync(policyFile, 'utf8')) as { default_branch?: unknown } | undefined;
      if (typeof policy?.default_branch === 'string')
        candidates.push(`origin/${policy.default_branch}`, policy.default_branch);
    } catch {
      // A broken policy is `tollgate validate`'s business; here it only means no hint.
    }
  }
  // Raw: simple-git has no symbolic-ref call; exit 1 (origin names no HEAD) is an answer.
  const originHead = await runGit(
    context.repoRoot,
    ['symbolic-ref', '-q', '--short', 'refs/remotes/origin/HEAD'],
    {
      okCodes: [1, 128],
    },
  );
  if (originHead.code === 0) candidates.push(originHead.stdout.trim());
  candidates.push('origin/main', 'main', 'origin/master', 'master');
  return candidates;
}

async function defaultBase(context: CliContext): Promise<string> {
  for (const candidate of await defaultBranchCandidates(context)) {
    if (!(await refExists(context.repoRoot, candidate))) continue;
    const base = await mergeBase(context.repoRoot, 'HEAD', candidate);
    if (base !== undefined) return base;
  }
  return 'HEAD';
}

const DIFF = commandSpec({
  name: 'diff',
  summary:
    'the semantic registry diff: [BASE [HEAD]] (default: merge base with the default branch .. working tree)',
  args: '[BASE [HEAD]]',
  positionals: [0, 2],
  options: { ...FORMAT_OPTION },
  examples: [
    ['tollgate diff', 'what the working tree changes against the merge base with the default branch'],
    ['tollgate diff main HEAD', 'what HEAD changes against main, in registry terms'],
    ['tollgate diff v1.2.0 main --format json', 'the same between two refs, as JSON'],
  ],
});

export const diffCommand: Command = {
  ...DIFF,
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(DIFF, args);
    if (values.format !== 'text' && values.format !== 'json') {
      throw new TollgateError(`diff: unknown --format "${String(values.format)}"`, {
        fix: 'use --format text or --format json',
      });
    }
    if (positionals.length > 2)
      throw new TollgateError('diff takes at most two refs', { fix: 'tollgate diff [BASE [HEAD]]' });
    const prefix = relative(context.repoRoot, context.registryDir).split(sep).join('/');
    if (prefix.startsWith('..') || isAbsolute(prefix)) {
      throw new TollgateError(
        `the registry ${context.registryDir} is not inside the repository ${context.repoRoot}`,
        {
          fix: 'run tollgate inside the repository that holds the registry, or pass --registry',
        },
      );
    }
    const base = positionals[0] ?? (await defaultBase(context));
    const head = positionals[1] ?? WORKTREE;
    const { changes, outside } = await registryDiffBetweenRefs(context.repoRoot, base, head, prefix);
    if (values.format === 'json') {
      context.out(JSON.stringify({ base, head, registry: prefix, changes, outside }, null, 2));
      return 0;
    }
    const headLabel = head === WORKTREE ? 'working tree' : head;
    if (changes.length === 0) {
      context.out(`no changes between ${base} and the ${headLabel}`);
      return 0;
    }
    context.out(`${changes.length} change${changes.length === 1 ? '' : 's'} from ${base} to ${headLabel}:`);
    for (const change of changes) context.out(`  ${describeChange(change)}`);
    return 0;
  },
};
