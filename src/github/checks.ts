// One check run per (name, head sha): created the first time, updated after.
import type { GitHubClient, RepoRef } from './client.ts';

export const ANNOTATIONS_PER_REQUEST = 50;

export interface CheckAnnotation {
  path: string;
  startLine: number;
  endLine?: number;
  level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
}

export interface CheckRunInput {
  name: string;
  headSha: string;
  status?: 'queued' | 'in_progress' | 'completed';
  /** Required when status is completed (the default). */
  conclusion?: 'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required';
  title: string;
  summary: string;
  text?: string;
  detailsUrl?: string;
  externalId?: string;
  annotations?: CheckAnnotation[];
}

export interface CheckRunResult {
  id: number;
  created: boolean;
  /** The App GitHub says wrote the run: the identity the token acts as (null for a token that is no App's). */
  app: { id: number; slug: string | undefined } | undefined;
  /** The run this one replaced because it already had annotations. */
  superseded?: number;
  /** API requests used to write the annotations (one per batch of 50). */
  requests: number;
}

export interface CheckRunInfo {
  id: number;
  name: string;
  headSha: string;
  status: string;
  /** null while the run has not completed. */
  conclusion: string | null;
  startedAt: string | undefined;
  completedAt: string | undefined;
  /** The GitHub App that posted it: a check's verdict counts only from the app the ruleset pins. */
  app: { id: number; slug: string | undefined } | undefined;
  annotationsCount: number;
  /** The run's page on GitHub. */
  htmlUrl: string | undefined;
}

/**
 * Check runs on a commit (a sha, branch or tag), all pages; `checkName` narrows to one name, `appId` to the runs one
 * GitHub App posted, and `filter: 'latest'` (the default, as GitHub's) keeps only the most recent run of each name
 * within a check suite: runs of one name from two Apps are in two suites, so both are listed.
 */
export async function listCheckRunsForRef(
  client: GitHubClient,
  repo: RepoRef,
  ref: string,
  options: { checkName?: string; filter?: 'latest' | 'all'; appId?: number } = {},
): Promise<CheckRunInfo[]> {
  const runs = await client.octokit.paginate(client.octokit.rest.checks.listForRef, {
    ...repo,
    ref,
    ...(options.checkName ? { check_name: options.checkName } : {}),
    ...(options.appId !== undefined ? { app_id: options.appId } : {}),
    filter: options.filter ?? 'latest',
    per_page: 100,
  });
  return runs.map((run) => ({
    id: run.id,
    name: run.name,
    headSha: run.head_sha,
    status: run.status,
    conclusion: run.conclusion ?? null,
    startedAt: run.started_at ?? undefined,
    completedAt: run.completed_at ?? undefined,
    app: run.app ? { id: run.app.id, slug: run.app.slug ?? undefined } : undefined,
    annotationsCount: run.output.annotations_count,
    htmlUrl: run.html_url ?? undefined,
  }));
}

function toApi(annotation: CheckAnnotation) {
  return {
    path: annotation.path,
    start_line: annotation.startLine,
    end_line: annotation.endLine ?? annotation.startLine,
    annotation_level: annotation.level,
    message: annotation.message,
    ...(annotation.title ? { title: annotation.title } : {}),
  };
}

export interface UpsertOptions {
  /**
   * The runs of this name on the commit that the caller may update: its own App's, as it listed them. When given,
   * nothing is listed and no other run is ever updated (an empty list always creates a run); when absent, the
   * newest run of the name is updated, whoever posted it.
   */
  candidates?: CheckRunInfo[];
}

type RunAnswer = { id: number; app?: { id: number; slug?: string } | null };
const appOf = (data: RunAnswer): CheckRunResult['app'] =>
  data.app ? { id: data.app.id, slug: data.app.slug ?? undefined } : undefined;

/**
 * Creates or updates the check run named `name` on `headSha`. GitHub takes at most 50 annotations per
 * request, so the rest follow in updates of the same run.
 */
export async function upsertCheckRun(
  client: GitHubClient,
  repo: RepoRef,
  input: CheckRunInput,
  options: UpsertOptions = {},
): Promise<CheckRunResult> {
  const status = input.status ?? 'completed';
  const annotations = (input.annotations ?? []).map(toApi);
  const batches: (typeof annotations)[] = [];
  for (let i = 0; i < annotations.length; i += ANNOTATIONS_PER_REQUEST)
    batches.push(annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
  const output = (batch: typeof annotations | undefined) => ({
    title: input.title,
    summary: input.summary,
    ...(input.text ? { text: input.text } : {}),
    ...(batch ? { annotations: batch } : {}),
  });
  const fields = {
    status,
    ...(status === 'completed' ? { conclusion: input.conclusion ?? 'neutral' } : {}),
    ...(input.detailsUrl ? { details_url: input.detailsUrl } : {}),
    ...(input.externalId ? { external_id: input.externalId } : {}),
  };

  const existing =
    options.candidates ?? (await listCheckRunsForRef(client, repo, input.headSha, { checkName: input.name }));
  const latest = existing
    .filter((run) => run.name === input.name && run.headSha === input.headSha)
    .sort((a, b) => b.id - a.id)[0];
  // GitHub appends annotations on update and cannot remove them: a run that already carries some is
  // superseded by a fresh run (GitHub shows the latest run of a name), so a re-run never doubles them.
  const match = latest && !(annotations.length > 0 && latest.annotationsCount > 0) ? latest : undefined;
  let id: number;
  let app: CheckRunResult['app'];
  if (match) {
    id = match.id;
    const { data } = await client.octokit.rest.checks.update({
      ...repo,
      check_run_id: id,
      ...fields,
      output: output(batches[0]),
    });
    app = appOf(data);
  } else {
    const { data } = await client.octokit.rest.checks.create({
      ...repo,
      name: input.name,
      head_sha: input.headSha,
      ...fields,
      output: output(batches[0]),
      // Not retried: a create whose answer was lost would leave two runs. A re-run updates the first.
      request: { retries: 0 },
    });
    id = data.id;
    app = appOf(data);
  }
  for (const batch of batches.slice(1))
    await client.octokit.rest.checks.update({ ...repo, check_run_id: id, output: output(batch) });
  return {
    id,
    created: !match,
    app,
    ...(latest && !match ? { superseded: latest.id } : {}),
    requests: Math.max(1, batches.length),
  };
}
