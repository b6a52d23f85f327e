// Rollback by revert: every commit undone in one new commit, or nothing at all.
import { TollgateError } from '../errors.ts';
import { commitIndex, type Author, type Trailers } from './commit.ts';
import { parseCommitMessage, resolveRef } from './history.ts';
import { git, runGit } from './run.ts';

export interface RevertOptions {
  /** Default: `Revert "<subject>"` for one commit, `Revert N commits` for several. */
  message?: string;
  trailers: Trailers;
  author?: Author;
  env?: NodeJS.ProcessEnv;
}

/**
 * Reverts `shas` (each reachable from HEAD) newest first into the index, then makes one commit on the
 * checked-out branch; returns its sha. On a conflict the repository is put back exactly as it was and the
 * error lists the conflicting paths.
 */
export async function revertCommits(
  repoRoot: string,
  shas: string[],
  options: RevertOptions,
): Promise<string> {
  if (shas.length === 0) throw new TollgateError('nothing to revert: no commits given');
  const dirty = await git(repoRoot, ['status', '--porcelain', '--untracked-files=no']);
  if (dirty !== '') {
    throw new TollgateError('the working tree has uncommitted changes; a revert needs a clean checkout', {
      fix: 'commit or stash your changes first (`git stash`)',
    });
  }
  const originalHead = await resolveRef(repoRoot, 'HEAD');
  const resolved = [...new Set(await Promise.all(shas.map((s) => resolveRef(repoRoot, s))))];
  const ordered = await newestFirst(repoRoot, resolved);

  const subjects: string[] = [];
  for (const sha of ordered) {
    const parents = (await git(repoRoot, ['rev-list', '--parents', '-n', '1', sha])).split(' ').slice(1);
    const args = ['revert', '--no-commit', '--no-edit'];
    if (parents.length > 1) args.push('-m', '1');
    // 128 too: git refuses before starting when, say, an untracked file would be overwritten.
    const result = await runGit(repoRoot, [...args, sha], { okCodes: [1, 128] });
    if (result.code !== 0) {
      const conflicted = (await git(repoRoot, ['diff', '--name-only', '--diff-filter=U']))
        .split('\n')
        .filter(Boolean);
      await restore(repoRoot, originalHead);
      const why =
        conflicted.length > 0
          ? `conflicts with later changes in: ${conflicted.join(', ')}`
          : `failed: ${result.stderr.trim().split('\n')[0] ?? ''}`;
      throw new TollgateError(`reverting ${sha.slice(0, 12)} ${why}`, {
        file: conflicted[0],
        fix: 'nothing was changed; resolve by writing the previous value forward (a new commit) instead of reverting',
      });
    }
    subjects.push(
      `This reverts commit ${sha} (${parseCommitMessage(await git(repoRoot, ['log', '-1', '--format=%B', sha])).subject}).`,
    );
  }

  const message =
    options.message ??
    (ordered.length === 1
      ? `Revert "${subjects[0]!.replace(/^This reverts commit \S+ \((.*)\)\.$/, '$1')}"\n\n${subjects[0]}`
      : `Revert ${ordered.length} commits\n\n${subjects.join('\n')}`);
  try {
    return await commitIndex(repoRoot, {
      message,
      trailers: options.trailers,
      author: options.author,
      env: options.env,
    });
  } catch (error) {
    await restore(repoRoot, originalHead);
    throw error;
  }
}

/** Back to `head` with no revert in progress. The tree was clean when we started, so a hard reset loses nothing. */
async function restore(repoRoot: string, head: string): Promise<void> {
  await runGit(repoRoot, ['revert', '--abort'], { okCodes: [1, 128] });
  await git(repoRoot, ['reset', '--hard', '--quiet', head]);
  await runGit(repoRoot, ['revert', '--quit'], { okCodes: [1, 128] });
}

/** Orders commits so that a descendant comes before its ancestors, refusing any not reachable from HEAD. */
async function newestFirst(repoRoot: string, shas: string[]): Promise<string[]> {
  const wanted = new Set(shas);
  const order = new Map<string, number>();
  const list = (await git(repoRoot, ['rev-list', '--topo-order', 'HEAD'])).split('\n');
  list.forEach((sha, i) => {
    if (wanted.has(sha)) order.set(sha, i);
  });
  const missing = shas.filter((s) => !order.has(s));
  if (missing.length > 0) {
    throw new TollgateError(`commit ${missing[0]!.slice(0, 12)} is not in the history of HEAD`, {
      fix: 'revert only commits on the checked-out branch',
    });
  }
  return [...shas].sort((a, b) => order.get(a)! - order.get(b)!);
}
