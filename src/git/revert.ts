// Rollback by revert: every commit undone in one new commit, or nothing at all. The reverts are applied in a
// transaction's private index, so a conflict never leaves REVERT_HEAD, conflict markers or a staged half-revert.
import { TollgateError } from '../errors.ts';
import type { Author, Trailers } from './message.ts';
import { parseCommitMessage, resolveRef } from './history.ts';
import { git } from './run.ts';
import { runTransaction } from './transaction.ts';

export interface RevertOptions {
  /** Default: `Revert "<subject>"` for one commit, `Revert N commits` for several. */
  message?: string;
  trailers: Trailers;
  author?: Author;
  env?: NodeJS.ProcessEnv;
}

/**
 * Reverts `shas` (each reachable from HEAD) newest first and makes one commit on the checked-out branch; returns
 * its sha. On a conflict nothing changes and the error names the conflicting paths.
 */
export async function revertCommits(
  repoRoot: string,
  shas: string[],
  options: RevertOptions,
): Promise<string> {
  if (shas.length === 0) throw new TollgateError('nothing to revert: no commits given');
  const resolved = [...new Set(await Promise.all(shas.map((s) => resolveRef(repoRoot, s))))];
  const result = await runTransaction(repoRoot, {
    build: async (stage) => {
      const ordered = await newestFirst(repoRoot, stage.parent ?? 'HEAD', resolved);
      const subjects: string[] = [];
      for (const sha of ordered) {
        const why = await stage.revert(sha);
        if (why !== undefined) {
          throw new TollgateError(why, {
            fix: 'nothing was changed; resolve by writing the previous value forward (a new commit) instead of reverting',
          });
        }
        const subject = parseCommitMessage(await git(repoRoot, ['log', '-1', '--format=%B', sha])).subject;
        subjects.push(`This reverts commit ${sha} (${subject}).`);
      }
      const message =
        options.message ??
        (ordered.length === 1
          ? `Revert "${subjects[0]!.replace(/^This reverts commit \S+ \((.*)\)\.$/, '$1')}"\n\n${subjects[0]}`
          : `Revert ${ordered.length} commits\n\n${subjects.join('\n')}`);
      return {
        value: undefined,
        commit: { message, trailers: options.trailers, author: options.author, env: options.env },
      };
    },
  });
  if (!result.commit) throw new TollgateError('nothing to commit: reverting changes nothing');
  return result.commit;
}

/** Orders commits so that a descendant comes before its ancestors, refusing any not reachable from `tip`. */
async function newestFirst(repoRoot: string, tip: string, shas: string[]): Promise<string[]> {
  const wanted = new Set(shas);
  const order = new Map<string, number>();
  const list = (await git(repoRoot, ['rev-list', '--topo-order', tip])).split('\n');
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
