// Posting the gate's verdict as a check run that only the gate can have written: it lists the runs of its name on
// the commit once, writes to its OWN newest run (or a new one: never to another App's, which GitHub would refuse and
// which would leave the forged run standing), and puts a warning at the top of the summary for every run of its name
// another App posted. With no App id pinned it cannot tell its earlier runs from anyone else's, so it creates a new
// run every time and learns its App id from GitHub's answer.
import { TollgateError } from '../errors.ts';
import {
  listCheckRunsForRef,
  upsertCheckRun,
  type CheckAnnotation,
  type CheckRunInfo,
} from '../github/checks.ts';
import type { GitHubClient, RepoRef } from '../github/client.ts';
import { describeForeignRun, forgedRunWarning, runsByApp, weakPinReason } from './check-runs.ts';

export interface GateCheckPost {
  name: string;
  headSha: string;
  conclusion: 'success' | 'failure';
  title: string;
  summary: string;
  detailsUrl?: string;
  annotations?: CheckAnnotation[];
}

export interface PostedGateCheck {
  id: number;
  /** The App GitHub filed the run under (the pinned one, or the one learned from this post). */
  appId: number | undefined;
  /** The summary as posted, warnings included: the job summary shows the same. */
  summary: string;
  /** Runs of the gate's name on the commit from another App. */
  foreign: CheckRunInfo[];
  /** One line per thing the job log should warn about. */
  warnings: string[];
}

const UNPINNED_NOTE =
  "> [!NOTE]\n> No `app-id` is set, so this gate cannot tell its own earlier runs from another App's and posts a new " +
  'run each time. Set `app-id: ${{ vars.TOLLGATE_APP_ID }}` on the action, and pin the same App id as the source of ' +
  'this required check (docs/gate.md).\n';

/**
 * Before the gate re-judges a head on which its own newest run passed, it opens a new run of its name, in progress,
 * which the verdict then completes (GitHub lets no completed run go back to in progress). If this evaluation cannot
 * finish, or its verdict cannot be posted (a 403, a 429), what stands is a pending check, which blocks the merge:
 * never the earlier pass, which a change request since may have withdrawn. Returns the runs of the name on the head,
 * the new one included, so the post need not list them again.
 */
export async function withdrawStandingPass(
  client: GitHubClient,
  repo: RepoRef,
  target: { name: string; headSha: string; detailsUrl?: string },
  appId: number | undefined,
): Promise<CheckRunInfo[]> {
  const listed = await listCheckRunsForRef(client, repo, target.headSha, {
    checkName: target.name,
    filter: 'all',
  });
  const [standing] = runsByApp(listed, target.name, target.headSha, appId).own;
  if (appId === undefined || standing?.conclusion !== 'success') return listed;
  const { data } = await client.octokit.rest.checks.create({
    ...repo,
    name: target.name,
    head_sha: target.headSha,
    status: 'in_progress',
    ...(target.detailsUrl ? { details_url: target.detailsUrl } : {}),
    output: {
      title: 'Re-evaluating: the earlier pass does not stand until this run completes',
      summary: `The gate is judging this pull request again (run ${standing.id} had passed). Until it posts its verdict here, this check is pending.`,
    },
    // Not retried: a create whose answer was lost would leave two runs.
    request: { retries: 0 },
  });
  const opened: CheckRunInfo = {
    id: data.id,
    name: target.name,
    headSha: target.headSha,
    status: data.status,
    conclusion: null,
    startedAt: data.started_at ?? undefined,
    completedAt: undefined,
    app: data.app ? { id: data.app.id, slug: data.app.slug ?? undefined } : undefined,
    annotationsCount: 0,
    htmlUrl: data.html_url ?? undefined,
  };
  return [opened, ...listed];
}

export async function postGateCheckRun(
  client: GitHubClient,
  repo: RepoRef,
  post: GateCheckPost,
  appId: number | undefined,
  maxSummary: number,
  /** The runs of the name on the head, when the caller has just listed them (see withdrawStandingPass). */
  alreadyListed?: CheckRunInfo[],
): Promise<PostedGateCheck> {
  const listed =
    alreadyListed ??
    (await listCheckRunsForRef(client, repo, post.headSha, { checkName: post.name, filter: 'all' }));
  const { own, foreign } = runsByApp(listed, post.name, post.headSha, appId);
  const weak = appId === undefined ? undefined : weakPinReason(appId);
  const header = [
    ...(appId === undefined ? [UNPINNED_NOTE] : forgedRunWarning(post.name, appId, foreign)),
    ...(weak ? [`> [!WARNING]\n> ${weak}\n`] : []),
  ];
  const compose = (lines: string[]) => clip([...lines, post.summary].join('\n'), maxSummary);
  let summary = compose(header);
  const written = await upsertCheckRun(
    client,
    repo,
    {
      name: post.name,
      headSha: post.headSha,
      conclusion: post.conclusion,
      title: post.title,
      summary,
      ...(post.detailsUrl ? { detailsUrl: post.detailsUrl } : {}),
      ...(post.annotations ? { annotations: post.annotations } : {}),
    },
    { candidates: own },
  );
  const actual = written.app?.id;
  if (appId !== undefined && actual !== appId) {
    // The token is another App's: a run it posted is no verdict for a check pinned to `appId`, and in a repository
    // that pins nothing it would pass for one. Make sure what it posted cannot pass, then fail the job.
    const message =
      `the token posts check runs as ${written.app ? `${written.app.slug ?? 'an App'} (App id ${actual})` : 'no App'}, ` +
      `not as App id ${appId} that app-id names`;
    await client.octokit.rest.checks.update({
      ...repo,
      check_run_id: written.id,
      status: 'completed',
      conclusion: 'failure',
      output: {
        title: `Failed closed: ${message}`.slice(0, 200),
        summary: compose([`### ❌ ${message}`, '']),
      },
    });
    throw new TollgateError(message, {
      fix: 'create the token from the App that app-id names (actions/create-github-app-token with the same vars.TOLLGATE_APP_ID), or correct app-id',
    });
  }
  let seen = foreign;
  if (appId === undefined && actual !== undefined) {
    // Learned from GitHub's answer: now the runs listed before can be told apart.
    seen = runsByApp(listed, post.name, post.headSha, actual).foreign;
    if (seen.length > 0 || weakPinReason(actual)) {
      const learnedWeak = weakPinReason(actual);
      summary = compose([
        UNPINNED_NOTE,
        ...forgedRunWarning(post.name, actual, seen),
        ...(learnedWeak ? [`> [!WARNING]\n> ${learnedWeak}\n`] : []),
      ]);
      await client.octokit.rest.checks.update({
        ...repo,
        check_run_id: written.id,
        output: { title: post.title, summary },
      });
    }
  }
  const pinned = appId ?? actual;
  return {
    id: written.id,
    appId: actual,
    summary,
    foreign: seen,
    warnings: [
      ...seen.map(
        (run) =>
          `another App posted a check run named ${post.name} on ${post.headSha.slice(0, 12)}: ${describeForeignRun(run)}; only App id ${pinned ?? '?'} is the gate`,
      ),
      ...(pinned !== undefined && weakPinReason(pinned) ? [weakPinReason(pinned)!] : []),
      ...(appId === undefined
        ? ["app-id is not set: the gate cannot tell its own check runs from another App's"]
        : []),
    ],
  };
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 20)}\n\n…(truncated)`;
}
