// Where a reading command gets reviews and gate checks: GitHub when a token (or --github) and the repository are
// known, git alone otherwise. The choice is always said in the output, so an auditor knows what was checked.
import { TollgateError } from '../../errors.ts';
import { githubReviews, type GitHubReviewSource } from '../../evidence/github-reviews.ts';
import { describeCalls, githubClientFromEnv, type GitHubClient, type RepoRef } from '../../github/client.ts';
import { originUrl } from '../../git/client.ts';
import type { CliContext } from '../context.ts';
import type { OptionTable } from '../spec.ts';
import { parseAppId } from '../../gate/check-runs.ts';
import { GATE_CHECK_NAME } from '../../gate/types.ts';

/** The options every command that can read GitHub takes. */
export const REVIEW_SOURCE_OPTIONS = {
  github: {
    type: 'boolean',
    description: 'read reviews and gate checks from GitHub (also when GITHUB_TOKEN is set)',
  },
  repo: {
    type: 'string',
    value: 'OWNER/NAME',
    description: 'the GitHub repository (default: the origin remote)',
  },
  'check-name': {
    type: 'string',
    value: 'NAME',
    description: 'the gate check run name (default: the gate’s own)',
  },
  'app-id': {
    type: 'string',
    value: 'ID',
    description: 'trust only this App’s check runs (default: TOLLGATE_APP_ID)',
  },
} as const satisfies OptionTable;

export interface ReviewSourceChoice {
  source?: GitHubReviewSource;
  /** The client behind `source` (GitHub mode only), for further questions counted in the same footnote. */
  client?: GitHubClient;
  /** One line for the output: which source, and why. */
  description: string;
  /** The API call count, for a footnote (GitHub mode only). */
  calls(): string | undefined;
}

const REPO_NAME = /^[A-Za-z0-9_.-]+$/;

/** `OWNER/NAME` as given to --repo. */
export function parseRepoOption(value: string): RepoRef {
  const [owner, repo, ...rest] = value.split('/');
  if (!owner || !repo || rest.length > 0 || !REPO_NAME.test(owner) || !REPO_NAME.test(repo))
    throw new TollgateError(`--repo ${value} is not OWNER/NAME`, { fix: '--repo acme/models' });
  return { owner, repo };
}

/**
 * The repository a remote URL names: `https://HOST/OWNER/NAME(.git)`, `git@HOST:OWNER/NAME(.git)` or
 * `ssh://git@HOST(:port)/OWNER/NAME(.git)`; undefined for anything else (a local path, a file:// URL).
 */
export function repoFromRemoteUrl(url: string): RepoRef | undefined {
  const m =
    /^(?:https?|ssh|git):\/\/(?:[^@/]+@)?[^/:]+(?::\d+)?\/([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(url.trim()) ??
    /^[^@/:]+@[^/:]+:([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(url.trim());
  if (!m || !REPO_NAME.test(m[1]!) || !REPO_NAME.test(m[2]!)) return undefined;
  return { owner: m[1]!, repo: m[2]! };
}

/** The repository the origin remote names, when it is a GitHub-style URL. */
export async function originRepo(repoRoot: string): Promise<RepoRef | undefined> {
  const url = await originUrl(repoRoot);
  return url === undefined ? undefined : repoFromRemoteUrl(url);
}

export async function chooseReviewSource(
  context: CliContext,
  values: { github?: boolean; repo?: string; 'check-name'?: string; 'app-id'?: string },
): Promise<ReviewSourceChoice> {
  const gitOnly = (why: string): ReviewSourceChoice => ({
    description: `Reviews and gate checks: git only (${why}).`,
    calls: () => undefined,
  });
  const wanted = values.github === true || !!context.env.GITHUB_TOKEN;
  if (!wanted) return gitOnly('set GITHUB_TOKEN or pass --github to read them from GitHub');
  const repo = values.repo !== undefined ? parseRepoOption(values.repo) : await originRepo(context.repoRoot);
  if (!repo) {
    if (values.github)
      throw new TollgateError(
        '--github: which repository? The origin remote does not name a GitHub repository',
        {
          fix: 'pass --repo OWNER/NAME',
        },
      );
    return gitOnly('GITHUB_TOKEN is set but no repository is known: pass --repo OWNER/NAME');
  }
  const client = githubClientFromEnv(context.env);
  const checkName = values['check-name'] ?? GATE_CHECK_NAME;
  const appId = parseAppId(
    values['app-id'] ?? context.env.TOLLGATE_APP_ID,
    values['app-id'] !== undefined ? '--app-id' : 'TOLLGATE_APP_ID',
  );
  const source = githubReviews({ client, repo, checkName, ...(appId !== undefined ? { appId } : {}) });
  const from =
    appId === undefined
      ? ' Check runs of that name count from any App: pass --app-id (or set TOLLGATE_APP_ID) to trust only the gate App the ruleset pins.'
      : ` Only App id ${appId}'s runs are the gate's; another App's run of that name is a finding.`;
  return {
    source,
    client,
    description: `Reviews and gate checks: GitHub (${repo.owner}/${repo.repo}, check run ${checkName}).${from}`,
    calls: () => describeCalls({ calls: () => source.calls() }),
  };
}
