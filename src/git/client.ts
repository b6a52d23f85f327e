// simple-git, for the git operations it has a typed API for (rev-parse, config, fetch): one client per repository
// and environment, with the same environment as every other git Tollgate runs. Everything that needs stdin,
// exact bytes, streaming or exit codes as answers stays on the raw runner (run.ts, which says why).
import { GitError, ResetMode, simpleGit, type SimpleGit } from 'simple-git';
import { TollgateError } from '../errors.ts';

export { GitError, ResetMode };

/** A simple-git client in `repoRoot`; `env` adds to the process environment (e.g. GIT_AUTHOR_DATE). */
export function gitClient(repoRoot: string, env: NodeJS.ProcessEnv = {}): SimpleGit {
  const full: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...env };
  // The environment is the user's or the runner's own, as for every git Tollgate starts, not one an attacker
  // chose: simple-git's guard against git-steering variables (GIT_*, EDITOR, PAGER...) is told so by name.
  const names = Object.keys(full).filter((name) => full[name] !== undefined);
  return simpleGit({
    baseDir: repoRoot,
    maxConcurrentProcesses: 16,
    trimmed: true,
    allowEnvironment: names,
    unsafe: { allowUnsafeConfigEnvCount: names.includes('GIT_CONFIG_COUNT') },
  }).env(full);
}

/** simple-git's error as Tollgate's: what failed, where, and git's own words. */
export function fromGitError(error: unknown, what: string, repoRoot: string): unknown {
  if (!(error instanceof GitError)) return error;
  return new TollgateError(`${what} failed in ${repoRoot}: ${error.message.trim()}`, {
    cause: error,
    kind: 'environment',
  });
}

/**
 * The origin remote's fetch URL as git resolves it (`url.<base>.insteadOf` applied), from simple-git's typed
 * remotes; undefined when there is no origin or `repoRoot` is not a repository.
 */
export async function originUrl(repoRoot: string): Promise<string | undefined> {
  const remotes = await gitClient(repoRoot)
    .getRemotes(true)
    .catch(() => []);
  return remotes.find((remote) => remote.name === 'origin')?.refs.fetch || undefined;
}
