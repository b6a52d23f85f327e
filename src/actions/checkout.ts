// What the rollback and incident actions need from the runner's checkout: where the registry is, and the git
// identity of the commits they make (actions/checkout configures none).
import { posix } from 'node:path';

/** The git identity of commits an action makes. */
export const BOT_GIT_ENV: NodeJS.ProcessEnv = {
  GIT_AUTHOR_NAME: 'github-actions[bot]',
  GIT_AUTHOR_EMAIL: '41898282+github-actions[bot]@users.noreply.github.com',
  GIT_COMMITTER_NAME: 'github-actions[bot]',
  GIT_COMMITTER_EMAIL: '41898282+github-actions[bot]@users.noreply.github.com',
};

/** The `registry` input as a repository-relative folder (`.` for the repository root). */
export const registryFolder = (input: string | undefined): string =>
  posix.normalize((input ?? '').trim() || 'registry').replace(/\/+$/, '') || '.';
