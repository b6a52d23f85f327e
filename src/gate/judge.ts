// Judging one pull request: the facts git holds (policy from the base, the semantic diff, Requested-By trailers),
// the review context, and the verdict, with the memberships and permissions it needs from the access port. The
// gate flows judge through GitHub; `tollgate gate simulate` judges the same way with answers given as flags.
import { TollgateError } from '../errors.ts';
import type { GitHubClient, RepoRef } from '../github/client.ts';
import { fetchReviewContext, type ReviewContext } from '../github/review-context.ts';
import { githubGateAccess, type GateAccess } from './access.ts';
import { collectGateFacts, gateInputOf, type GateFacts } from './collect.ts';
import { currentBaseTip, fetchCommits } from './fetch.ts';
import { submittedReviews } from './reviews.ts';
import { SHA } from './target.ts';
import type { GateVerdict } from './types.ts';

export interface PullRequestVerdict {
  number: number;
  headSha: string;
  verdict: GateVerdict;
}

export interface Judged extends PullRequestVerdict {
  facts: GateFacts;
  /** The pull request's base branch, when it is not the default branch. */
  otherBase?: string;
}

export interface JudgeRequest {
  number: number;
  /** Repository-relative registry folder. */
  registry: string;
  baseSha: string;
  headSha: string;
  /** The pull request as GitHub describes it; its submitted reviews are the ones judged. A baseRef of '' (a
   * simulation that names no base branch) means the policy's default branch. */
  context: ReviewContext;
  defaultBranch?: string;
  /** Requested-By logins beyond the head's trailers (a simulation's --requested-by). */
  requestedBy?: string[];
  /** Tollgate's App slug: only its bot may add merge records. */
  recordWriter?: string;
}

/** The verdict on base..head, both already in the checkout. */
export async function judgeCommits(
  repoRoot: string,
  request: JudgeRequest,
  access: GateAccess,
): Promise<Judged> {
  const { number, headSha } = request;
  const reviews = submittedReviews(request.context);
  const facts = await collectGateFacts(repoRoot, {
    baseSha: request.baseSha,
    headSha,
    registryPrefix: request.registry,
    reviewedCommits: reviews.map((r) => r.commitId),
  });
  const context =
    request.context.baseRef === ''
      ? { ...request.context, baseRef: facts.policy.defaultBranch }
      : request.context;
  const input = gateInputOf(facts, context, {
    number,
    headSha,
    reviews,
    ...(request.defaultBranch ? { defaultBranch: request.defaultBranch } : {}),
    ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}),
    ...(request.recordWriter ? { recordWriter: request.recordWriter } : {}),
  });
  const verdict = await access.evaluate(input);
  const intoDefault = context.baseRef === (request.defaultBranch ?? facts.policy.defaultBranch);
  return { number, headSha, verdict, facts, ...(intoDefault ? {} : { otherBase: context.baseRef }) };
}

export interface GateGitHubPorts {
  client: GitHubClient;
  repo: RepoRef;
  /** The checkout (full history of the base). */
  repoRoot: string;
}

/**
 * Judges pull request `number` as GitHub has it now: its current head against the base branch's current tip
 * (or `baseOverride`), fetching both into the checkout. `onHead` learns the head before anything can fail.
 */
export async function judgePullRequest(
  number: number,
  options: GateGitHubPorts & {
    registry: string;
    defaultBranch?: string;
    /** Already fetched by the caller, to spend one query per pull request. */
    context?: ReviewContext;
    /** Tollgate's App slug (GateRequest.appSlug): only its bot may add merge records. */
    recordWriter?: string;
  },
  onHead: (sha: string) => void = () => {},
  baseOverride?: string,
): Promise<Judged> {
  const { client, repo, repoRoot } = options;
  const context = options.context ?? (await fetchReviewContext(client, repo, number));
  const headSha = context.headSha;
  onHead(headSha);
  const baseSha = baseOverride ?? (await currentBaseTip(repoRoot, context.baseRef));
  if (!baseSha || !SHA.test(baseSha) || !SHA.test(headSha))
    throw new TollgateError(`pull request #${number} has no base or head commit GitHub could name`);
  await fetchCommits(repoRoot, [baseSha, headSha], number);
  return judgeCommits(
    repoRoot,
    {
      number,
      registry: options.registry,
      baseSha,
      headSha,
      context,
      ...(options.defaultBranch ? { defaultBranch: options.defaultBranch } : {}),
      ...(options.recordWriter ? { recordWriter: options.recordWriter } : {}),
    },
    githubGateAccess(client, repo, context),
  );
}
