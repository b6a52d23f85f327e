// What a gate flow returns for its faces to render, the fail-closed result, and posting a verdict as the gate's
// check run (shared by the pull request and merge group flows).
import { describeError } from '../errors.ts';
import type { CheckAnnotation, CheckRunInfo } from '../github/checks.ts';
import { describeCalls, type GitHubClient } from '../github/client.ts';
import type { StateChangeResult } from '../publish/state.ts';
import type { PullRequestVerdict } from './judge.ts';
import { postGateCheckRun } from './post-check.ts';
import { checkNameFor, SHA, type GateRequest } from './target.ts';

export type { PullRequestVerdict } from './judge.ts';
export type { GateRequest } from './target.ts';

export interface SignoffGateResult {
  conclusion: 'success' | 'failure';
  title: string;
  /** The check run's summary (Markdown). */
  summary: string;
  /** The commit the check run was posted on, when known. */
  headSha?: string;
  pullRequests: PullRequestVerdict[];
  checkRunId?: number;
  /** Set when the gate failed closed on an error (the check says so; the job must fail). */
  error?: string;
  /** After a merge: the registry files recorded (repository-relative), and how they were published. */
  recorded?: string[];
  state?: StateChangeResult;
  /** What the job log should warn about: check runs of the gate's name from another App, a weak or missing pin. */
  warnings?: string[];
  /** Annotations for the check run: the lines of invalid registry files. */
  annotations?: CheckAnnotation[];
}

const MAX_SUMMARY = 60_000;

/** The call count so far; posting adds one call, plus one to list the runs unless they were listed already. */
export function gateFootnote(client: GitHubClient, runsListed = false): string {
  return `<sub>${describeCalls(client)} to decide; posting this check run adds ${runsListed ? 1 : 2}.</sub>`;
}

/** The gate could not evaluate: a failing result (posted on `headSha` when known), never a pass. */
export function failedClosed(error: unknown, client: GitHubClient, headSha?: string): SignoffGateResult {
  const message = describeError(error);
  return {
    conclusion: 'failure',
    title: `Could not evaluate, failed closed: ${message.split('\n')[0]!.slice(0, 150)}`,
    summary: [
      '### ❌ The sign-off gate could not evaluate this pull request, so it fails closed',
      '',
      'No sign-off counts until this is fixed; then re-run this job.',
      '',
      '```',
      message,
      '```',
      '',
      gateFootnote(client),
      '',
    ].join('\n'),
    ...(headSha ? { headSha } : {}),
    pullRequests: [],
    error: message,
  };
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 20)}\n\n…(truncated)`;
}

/**
 * Posts `result` as the gate's check run on its head (nothing without a head) and returns it with the run's id,
 * the summary as posted and the warnings. A post that fails turns the result into a failure with the error.
 */
export async function postVerdict(
  result: SignoffGateResult,
  client: GitHubClient,
  repo: { owner: string; repo: string },
  request: GateRequest & { otherBase?: string; listed?: { headSha: string; runs: CheckRunInfo[] } },
): Promise<SignoffGateResult> {
  if (!result.headSha || !SHA.test(result.headSha)) return result;
  try {
    const posted = await postGateCheckRun(
      client,
      repo,
      {
        name: checkNameFor(request.checkName, request.otherBase),
        headSha: result.headSha,
        conclusion: result.conclusion,
        title: clip(result.title, 200),
        summary: result.summary,
        ...(request.runUrl ? { detailsUrl: request.runUrl } : {}),
        ...(result.annotations?.length ? { annotations: result.annotations } : {}),
      },
      request.appId,
      MAX_SUMMARY,
      request.listed?.headSha === result.headSha ? request.listed.runs : undefined,
    );
    result.checkRunId = posted.id;
    result.summary = posted.summary;
    if (posted.warnings.length > 0) result.warnings = posted.warnings;
  } catch (error) {
    // The verdict could not be posted: the job fails, and a check this run did not post can only be absent or older.
    const message = `could not post the ${request.checkName} check run: ${describeError(error)}`;
    result.conclusion = 'failure';
    result.error = result.error ? `${result.error}\n${message}` : message;
  }
  return result;
}
