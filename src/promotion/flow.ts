// The promote use case, shared by `tollgate promote` and the promote action: check the move, commit the new stage
// pointer on tollgate/promote/<model>/<stage> without touching the checkout, and, with GitHub, push it and open
// (or update) the one pull request for that model and stage with its labels and reviewers.
import type { Author } from '../git/commit.ts';
import { fromGitError, gitClient } from '../git/client.ts';
import { proposeChange, type GitHubTarget } from '../publish/propose.ts';
import type { PromotionProposal } from './plan.ts';
import { preparePromotion, type PreparedPromotion } from './prepare.ts';

export interface PromoteRequest {
  model: string;
  version: string;
  stage: string;
  /** Who asked: recorded as Requested-By, never asked to review, never counted by the gate. */
  requestedBy: string;
  /** Repository-relative registry folder. */
  registryDir: string;
  /** The ref to build on; default the default branch (origin's, when `preferRemote`). */
  baseRef?: string;
  /** Replace the promotion branch even when it holds commits Tollgate did not make. */
  force?: boolean;
  /** Build on the remote's default branch rather than a local one (an action's fresh checkout). */
  preferRemote?: boolean;
  dryRun: boolean;
  /** Links in the pull request body. */
  runUrl?: string;
  repoUrl?: string;
  /** A canary-style stage's share of traffic, 0..1. */
  weight?: number;
  /** Markdown appended to the pull request body (a canary analysis). */
  evidence?: string;
}

export interface PromotePorts {
  /** The checkout (git). */
  repoRoot: string;
  /** Where to push and open the pull request; without it the commit stays on a local branch. */
  github?: GitHubTarget;
  /** Extra environment for git (tests: isolated config, fixed dates). */
  gitEnv?: NodeJS.ProcessEnv;
  /** The commit identity to use when the checkout has none configured (a runner's). */
  fallbackAuthor?: Author;
}

export type PromoteOutcome =
  | { status: 'refused'; reason: string; fix: string; prepared: PreparedPromotion }
  | { status: 'dry-run'; plan: PromotionProposal; prepared: PreparedPromotion }
  | {
      status: 'proposed';
      plan: PromotionProposal;
      prepared: PreparedPromotion;
      commit: string;
      branch: string;
      /** Absent when there is no GitHub port: the commit is on a local branch. */
      pullRequest?: { number: number; url: string; created: boolean };
    };

async function configuredIdentity(repoRoot: string, env: NodeJS.ProcessEnv | undefined): Promise<boolean> {
  const email = await gitClient(repoRoot, env)
    .getConfig('user.email')
    .catch((error: unknown) => {
      throw fromGitError(error, 'git config user.email', repoRoot);
    });
  return (email.value ?? '').trim() !== '';
}

export async function promoteFlow(request: PromoteRequest, ports: PromotePorts): Promise<PromoteOutcome> {
  const { repoRoot, github, gitEnv } = ports;
  const prepared = await preparePromotion(repoRoot, {
    model: request.model,
    version: request.version,
    stage: request.stage,
    requestedBy: request.requestedBy,
    registryDir: request.registryDir,
    ...(request.preferRemote ? { preferRemote: true } : {}),
    ...(request.baseRef !== undefined ? { baseRef: request.baseRef } : {}),
    ...(github?.remote ? { remote: github.remote } : {}),
    ...(request.runUrl ? { runUrl: request.runUrl } : {}),
    ...(request.repoUrl ? { repoUrl: request.repoUrl } : {}),
    ...(request.weight !== undefined ? { weight: request.weight } : {}),
    ...(request.evidence ? { evidence: request.evidence } : {}),
  });
  const { plan } = prepared;
  if (!plan.ok) return { status: 'refused', reason: plan.reason, fix: plan.fix, prepared };
  if (request.dryRun) return { status: 'dry-run', plan, prepared };
  const fallback = ports.fallbackAuthor;
  const identity =
    fallback && !(await configuredIdentity(repoRoot, gitEnv))
      ? {
          author: fallback,
          env: { ...gitEnv, GIT_COMMITTER_NAME: fallback.name, GIT_COMMITTER_EMAIL: fallback.email },
        }
      : {};
  const result = await proposeChange(
    repoRoot,
    {
      branch: plan.branch,
      baseRef: prepared.baseSha,
      baseBranch: plan.baseBranch,
      files: [{ path: plan.path, content: plan.content }],
      message: plan.subject,
      trailers: plan.trailers,
      ...(gitEnv ? { env: gitEnv } : {}),
      ...identity,
      pullRequest: plan.pullRequest,
      ...(request.force ? { force: true } : {}),
    },
    github,
  );
  return {
    status: 'proposed',
    plan,
    prepared,
    commit: result.commit,
    branch: result.branch,
    ...(result.pullRequest ? { pullRequest: result.pullRequest } : {}),
  };
}
