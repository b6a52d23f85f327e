// The commits the gate judges, brought into the checkout as data (never checked out), and the base branch's tip
// as origin has it now.
import { TollgateError } from '../errors.ts';
import { commitOf } from '../git/history.ts';
import { runGit } from '../git/run.ts';
import { SHA } from './target.ts';

const hasCommit = async (repoRoot: string, sha: string): Promise<boolean> =>
  (await commitOf(repoRoot, sha)) !== undefined;

/** Fetches commits into the checkout as data (never checked out); a fork's head comes from refs/pull/N/head. */
export async function fetchCommits(repoRoot: string, shas: string[], pullNumber?: number): Promise<void> {
  for (const sha of shas) {
    if (!SHA.test(sha)) throw new TollgateError(`"${sha}" is not a commit sha`);
    if (await hasCommit(repoRoot, sha)) continue;
    // Raw: a failed fetch is an answer here (the next place is tried), which simple-git would throw.
    await runGit(repoRoot, ['fetch', '--no-tags', '--quiet', 'origin', sha], { okCodes: [1, 128] });
    if (!(await hasCommit(repoRoot, sha)) && pullNumber !== undefined)
      await runGit(
        repoRoot,
        [
          'fetch',
          '--no-tags',
          '--quiet',
          'origin',
          `+refs/pull/${pullNumber}/head:refs/tollgate/pull/${pullNumber}`,
        ],
        { okCodes: [1, 128] },
      );
    if (!(await hasCommit(repoRoot, sha)))
      throw new TollgateError(`cannot fetch commit ${sha} from origin`, {
        fix: 'check out with actions/checkout and `fetch-depth: 0`, with a token that can read the repository',
      });
  }
}

/**
 * The base branch's tip as origin has it now. GitHub's baseRefOid is the tip when the pull request was opened or
 * last synchronised, so a policy tightened (or a version held) on the branch since would not apply.
 */
export async function currentBaseTip(repoRoot: string, baseRef: string): Promise<string> {
  const ref = `refs/heads/${baseRef}`;
  // Raw: simple-git has no check-ref-format; its exit code is the answer.
  const valid = await runGit(repoRoot, ['check-ref-format', ref], { okCodes: [1, 128] });
  if (baseRef.startsWith('-') || valid.code !== 0)
    throw new TollgateError(`the pull request's base branch "${baseRef}" is not a valid branch name`);
  const local = 'refs/tollgate/base';
  // Raw: a failed fetch is reported below, with how to fix it, rather than as git's error.
  const fetched = await runGit(repoRoot, ['fetch', '--no-tags', '--quiet', 'origin', `+${ref}:${local}`], {
    okCodes: [1, 128],
  });
  const sha = (await commitOf(repoRoot, local)) ?? '';
  if (fetched.code !== 0 || !SHA.test(sha))
    throw new TollgateError(`cannot fetch the base branch ${baseRef} from origin`, {
      fix: 'check out with actions/checkout and `fetch-depth: 0`, with a token that can read the repository',
    });
  return sha;
}

/** Subjects of the commits in base..head (a merge group's pull request numbers are in them). */
export async function commitSubjects(repoRoot: string, baseSha: string, headSha: string): Promise<string[]> {
  // Raw: only the subjects are wanted; simple-git's log formats every field of every commit.
  return (await runGit(repoRoot, ['log', '--format=%s', `${baseSha}..${headSha}`, '--'])).stdout
    .split('\n')
    .filter((s) => s !== '');
}
