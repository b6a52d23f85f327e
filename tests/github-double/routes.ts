// The REST routes the double serves, named by GitHub's own OpenAPI path templates, over GitHubState.
import type {
  GitHubState,
  PullState,
  RepoState,
  AppState,
  CheckRunState,
  CommentState,
  IssueState,
  ReviewState,
  TeamState,
  MergeMethod,
} from './state.ts';
import { skeleton } from './openapi.ts';
import {
  changedFiles,
  commitExists,
  compareAndSwapRef,
  deleteRef,
  isAncestor,
  mergesCleanly,
  readPath,
  readRef,
  ZERO_SHA,
} from './git-store.ts';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteContext {
  state: GitHubState;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  /** Public URL of this request, for Link headers. */
  url: URL;
  /** The API base URL (https://api.github.com or https://HOST/api/v3), for URLs in bodies. */
  api: string;
  /** The token from the Authorization header: which App (installation) is calling. */
  token?: string;
}

export interface Route {
  method: string;
  /** GitHub's OpenAPI path template. */
  template: string;
  handle: (context: RouteContext) => Promise<Reply>;
}

const DOCS = 'https://docs.github.com/rest';

export function errorReply(status: number, message: string, extra: Record<string, unknown> = {}): Reply {
  return { status, body: { message, documentation_url: DOCS, ...extra } };
}

const notFound = () => errorReply(404, 'Not Found');
const invalid = (message: string, errors?: unknown[]) => errorReply(422, message, errors ? { errors } : {});

function merge(base: unknown, overlay: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(overlay)) {
    const current = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object'
        ? merge(current, value as Record<string, unknown>)
        : value;
  }
  return out;
}

/** A full object of GitHub's schema `name`, with the double's real fields on top. */
const skeletons = new Map<string, unknown>();
function shaped(name: string, overlay: Record<string, unknown>): Record<string, unknown> {
  if (!skeletons.has(name)) skeletons.set(name, skeleton(name));
  return merge(structuredClone(skeletons.get(name)), overlay);
}

function userBody(context: RouteContext, login: string, schema = 'simple-user'): Record<string, unknown> {
  const user = context.state.user(login);
  return shaped(schema, {
    login: user.login,
    id: user.id,
    node_id: `U_${user.id}`,
    type: user.type,
    // A bot's login has brackets (`name[bot]`), which a URL escapes.
    url: `${context.api}/users/${encodeURIComponent(user.login)}`,
    html_url: `https://github.com/${encodeURIComponent(user.login)}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${user.id}`,
  });
}

function repoOf(context: RouteContext): RepoState | undefined {
  return context.state.repos.get(`${context.params.owner}/${context.params.repo}`);
}

function repoBody(context: RouteContext, repo: RepoState): Record<string, unknown> {
  return shaped('repository', {
    id: repo.id,
    node_id: `R_${repo.id}`,
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    owner: userBody(context, repo.owner),
    private: true,
    default_branch: repo.defaultBranch,
    url: `${context.api}/repos/${repo.owner}/${repo.name}`,
    html_url: `https://github.com/${repo.owner}/${repo.name}`,
  });
}

/** One page of `items` and GitHub's Link header (per_page default 30, at most 100). */
function page<T>(context: RouteContext, items: T[]): { items: T[]; headers: Record<string, string> } {
  const perPage = Math.min(100, Math.max(1, Number(context.query.get('per_page') ?? 30) || 30));
  const current = Math.max(1, Number(context.query.get('page') ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (n: number, rel: string) => {
    const url = new URL(context.url);
    url.searchParams.set('page', String(n));
    return `<${url.href}>; rel="${rel}"`;
  };
  const links = [];
  if (current < last) links.push(link(current + 1, 'next'), link(last, 'last'));
  if (current > 1) links.push(link(1, 'first'), link(current - 1, 'prev'));
  return {
    items: items.slice((current - 1) * perPage, current * perPage),
    headers: links.length ? { link: links.join(', ') } : {},
  };
}

async function refBody(context: RouteContext, repo: RepoState, ref: string, sha: string) {
  return shaped('git-ref', {
    ref,
    node_id: `REF_${Buffer.from(ref).toString('base64')}`,
    url: `${context.api}/repos/${repo.owner}/${repo.name}/git/${ref}`,
    object: {
      type: 'commit',
      sha,
      url: `${context.api}/repos/${repo.owner}/${repo.name}/git/commits/${sha}`,
    },
  });
}

async function pullBody(context: RouteContext, repo: RepoState, pull: PullState, schema: string) {
  const headSha = (await readRef(repo.gitDir, `refs/heads/${pull.head}`)) ?? ZERO_SHA;
  const baseSha = (await readRef(repo.gitDir, `refs/heads/${pull.base}`)) ?? ZERO_SHA;
  const side = (ref: string, sha: string) => ({
    label: `${repo.owner}:${ref}`,
    ref,
    sha,
    user: userBody(context, repo.owner),
    repo: repoBody(context, repo),
  });
  const base = `${context.api}/repos/${repo.owner}/${repo.name}`;
  const html = `https://github.com/${repo.owner}/${repo.name}/pull/${pull.number}`;
  const overlay: Record<string, unknown> = {
    id: pull.id,
    node_id: `PR_${pull.id}`,
    number: pull.number,
    url: `${base}/pulls/${pull.number}`,
    html_url: html,
    state: pull.state,
    title: pull.title,
    body: pull.body,
    draft: pull.draft,
    locked: false,
    user: userBody(context, pull.user),
    labels: pull.labels.map((name) => labelBody(context, repo, name)),
    requested_reviewers: pull.requestedReviewers.map((login) => userBody(context, login)),
    requested_teams: [],
    head: side(pull.head, headSha),
    base: side(pull.base, baseSha),
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    merged_at: pull.merged ? (pull.mergedAt ?? pull.updatedAt) : null,
    merge_commit_sha: pull.mergeCommitSha ?? null,
    author_association: 'OWNER',
  };
  if (schema === 'pull-request') {
    const mergeable = pull.state === 'open' ? await mergesCleanly(repo.gitDir, baseSha, headSha) : null;
    Object.assign(overlay, {
      merged: pull.merged,
      merged_by: pull.mergedBy ? userBody(context, pull.mergedBy) : null,
      mergeable,
      mergeable_state: mergeable === null ? 'unknown' : mergeable ? 'clean' : 'dirty',
      commits: 1,
      changed_files: 0,
    });
  }
  return shaped(schema, overlay);
}

function labelBody(context: RouteContext, repo: RepoState, name: string) {
  return shaped('label', {
    id: [...name].reduce((sum, c) => sum * 31 + c.charCodeAt(0), 7) % 1_000_000,
    node_id: `LA_${name}`,
    name,
    color: 'ededed',
    description: '',
    default: false,
    url: `${context.api}/repos/${repo.owner}/${repo.name}/labels/${encodeURIComponent(name)}`,
  });
}

function reviewBody(context: RouteContext, repo: RepoState, review: ReviewState) {
  const html = `https://github.com/${repo.owner}/${repo.name}/pull/${review.pull}`;
  return shaped('pull-request-review', {
    id: review.id,
    node_id: `PRR_${review.id}`,
    user: userBody(context, review.user),
    body: review.body,
    state: review.state,
    commit_id: review.commitId,
    submitted_at: review.submittedAt,
    html_url: `${html}#pullrequestreview-${review.id}`,
    pull_request_url: `${context.api}/repos/${repo.owner}/${repo.name}/pulls/${review.pull}`,
    author_association: 'MEMBER',
    _links: { html: { href: html }, pull_request: { href: html } },
  });
}

function issueBody(context: RouteContext, repo: RepoState, issue: IssueState) {
  const base = `${context.api}/repos/${repo.owner}/${repo.name}/issues/${issue.number}`;
  return shaped('issue', {
    id: issue.id,
    node_id: `I_${issue.id}`,
    number: issue.number,
    url: base,
    repository_url: `${context.api}/repos/${repo.owner}/${repo.name}`,
    labels_url: `${base}/labels{/name}`,
    comments_url: `${base}/comments`,
    events_url: `${base}/events`,
    html_url: `https://github.com/${repo.owner}/${repo.name}/issues/${issue.number}`,
    state: issue.state,
    state_reason: issue.stateReason,
    title: issue.title,
    body: issue.body,
    locked: false,
    user: userBody(context, issue.user),
    labels: issue.labels.map((name) => labelBody(context, repo, name)),
    assignee: null,
    assignees: [],
    milestone: null,
    comments: repo.comments.filter((c) => c.issue === issue.number).length,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    author_association: 'OWNER',
  });
}

function findIssue(repo: RepoState, context: RouteContext): IssueState | undefined {
  const number = Number(context.params.issue_number);
  return repo.issues.find((issue) => issue.number === number);
}

/** The labels of an issue-or-pull request body: names, or objects with a name, as GitHub accepts. */
const labelNames = (raw: unknown): string[] | undefined =>
  Array.isArray(raw)
    ? raw.map((l) => (typeof l === 'string' ? l : String((l as { name?: unknown }).name ?? '')))
    : undefined;

function commentBody(context: RouteContext, repo: RepoState, comment: CommentState) {
  return shaped('issue-comment', {
    id: comment.id,
    node_id: `IC_${comment.id}`,
    body: comment.body,
    user: userBody(context, comment.user),
    url: `${context.api}/repos/${repo.owner}/${repo.name}/issues/comments/${comment.id}`,
    html_url: `https://github.com/${repo.owner}/${repo.name}/issues/${comment.issue}#issuecomment-${comment.id}`,
    issue_url: `${context.api}/repos/${repo.owner}/${repo.name}/issues/${comment.issue}`,
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: 'NONE',
  });
}

function appBody(context: RouteContext, app: AppState): Record<string, unknown> {
  return shaped('integration', {
    id: app.id,
    slug: app.slug,
    node_id: `A_${app.id}`,
    name: app.name,
    description: null,
    owner: userBody(context, app.owner),
    created_at: '2025-01-01T00:00:00Z',
    updated_at: '2025-01-01T00:00:00Z',
    external_url: `https://github.com/apps/${app.slug}`,
    html_url: `https://github.com/apps/${app.slug}`,
    permissions: { checks: 'write', contents: 'write', metadata: 'read', pull_requests: 'write' },
    events: ['check_run', 'pull_request'],
  });
}

function checkRunBody(context: RouteContext, repo: RepoState, run: CheckRunState) {
  return shaped('check-run', {
    app: appBody(context, context.state.appOfRun(run)),
    id: run.id,
    node_id: `CR_${run.id}`,
    name: run.name,
    head_sha: run.headSha,
    status: run.status,
    conclusion: run.conclusion,
    external_id: run.externalId,
    details_url: run.detailsUrl,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    url: `${context.api}/repos/${repo.owner}/${repo.name}/check-runs/${run.id}`,
    html_url: `https://github.com/${repo.owner}/${repo.name}/runs/${run.id}`,
    output: {
      title: run.title,
      summary: run.summary,
      text: run.text,
      annotations_count: run.annotations.length,
      annotations_url: `${context.api}/repos/${repo.owner}/${repo.name}/check-runs/${run.id}/annotations`,
    },
    pull_requests: [],
  });
}

function teamOf(context: RouteContext): TeamState | Reply {
  if (context.state.orgAccess === 'forbidden')
    return errorReply(403, 'Resource not accessible by integration');
  const team = context.state.teams.get(`${context.params.org}/${context.params.team_slug}`);
  if (!team || context.state.orgAccess === 'hidden') return notFound();
  return team;
}

const isReply = (value: unknown): value is Reply => typeof (value as Reply).status === 'number';

type Handler = (context: RouteContext, repo: RepoState) => Promise<Reply>;

/** Routes under /repos/{owner}/{repo}: 404 when the repository does not exist, as GitHub does. */
function inRepo(handler: Handler) {
  return async (context: RouteContext): Promise<Reply> => {
    const repo = repoOf(context);
    return repo ? handler(context, repo) : notFound();
  };
}

function findPull(repo: RepoState, context: RouteContext): PullState | undefined {
  const number = Number(context.params.pull_number ?? context.params.issue_number);
  return repo.pulls.find((pull) => pull.number === number);
}

// Commits are immutable, so a diff between two shas is computed once, not once per page.
const diffs = new Map<string, ReturnType<typeof changedFiles>>();
function diffOnce(gitDir: string, base: string, head: string): ReturnType<typeof changedFiles> {
  const key = `${gitDir} ${base}...${head}`;
  if (!diffs.has(key)) diffs.set(key, changedFiles(gitDir, base, head));
  return diffs.get(key)!;
}

function mapLegacyPermission(role: string): string {
  return role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
}

export const ROUTES: Route[] = [
  {
    // The authenticated user: only a personal token has one; GitHub answers an App installation token 403.
    method: 'GET',
    template: '/user',
    handle: async (context) => {
      const login = context.token !== undefined ? context.state.tokenUsers.get(context.token) : undefined;
      if (login === undefined) return errorReply(403, 'Resource not accessible by integration');
      return { status: 200, body: userBody(context, login, 'public-user') };
    },
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/git/ref/{ref}',
    handle: inRepo(async (context, repo) => {
      const ref = `refs/${context.params.ref}`;
      const sha = await readRef(repo.gitDir, ref);
      return sha ? { status: 200, body: await refBody(context, repo, ref, sha) } : notFound();
    }),
  },
  {
    method: 'POST',
    template: '/repos/{owner}/{repo}/git/refs',
    handle: inRepo(async (context, repo) => {
      const { ref, sha } = context.body as { ref?: string; sha?: string };
      if (typeof ref !== 'string' || !/^refs\/[^/]+\/.+/.test(ref))
        return invalid('Reference name is invalid');
      if (typeof sha !== 'string' || !(await commitExists(repo.gitDir, sha)))
        return invalid('Object does not exist');
      if (!(await compareAndSwapRef(repo.gitDir, ref, sha, ZERO_SHA)))
        return invalid('Reference already exists');
      return { status: 201, body: await refBody(context, repo, ref, sha) };
    }),
  },
  {
    method: 'PATCH',
    template: '/repos/{owner}/{repo}/git/refs/{ref}',
    handle: inRepo(async (context, repo) => {
      const ref = `refs/${context.params.ref}`;
      const { sha, force } = context.body as { sha?: string; force?: boolean };
      const current = await readRef(repo.gitDir, ref);
      if (!current) return invalid('Reference does not exist');
      if (typeof sha !== 'string' || !(await commitExists(repo.gitDir, sha)))
        return invalid('Object does not exist');
      if (!force && !(await isAncestor(repo.gitDir, current, sha)))
        return invalid('Update is not a fast forward');
      if (!(await compareAndSwapRef(repo.gitDir, ref, sha, current)))
        return invalid('Update is not a fast forward');
      return { status: 200, body: await refBody(context, repo, ref, sha) };
    }),
  },
  {
    method: 'DELETE',
    template: '/repos/{owner}/{repo}/git/refs/{ref}',
    handle: inRepo(async (context, repo) => {
      const ref = `refs/${context.params.ref}`;
      if (!(await readRef(repo.gitDir, ref))) return invalid('Reference does not exist');
      await deleteRef(repo.gitDir, ref);
      // As GitHub does: deleting a pull request's head branch closes the pull request.
      for (const pull of repo.pulls)
        if (pull.state === 'open' && ref === `refs/heads/${pull.head}`) {
          pull.state = 'closed';
          pull.updatedAt = context.state.now();
        }
      return { status: 204 };
    }),
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/pulls',
    handle: inRepo(async (context, repo) => {
      const state = context.query.get('state') ?? 'open';
      const head = context.query.get('head');
      const base = context.query.get('base');
      const matching = repo.pulls.filter(
        (pull) =>
          (state === 'all' || pull.state === state) &&
          (!head || head === `${repo.owner}:${pull.head}`) &&
          (!base || base === pull.base),
      );
      const { items, headers } = page(context, matching);
      const body = await Promise.all(
        items.map((pull) => pullBody(context, repo, pull, 'pull-request-simple')),
      );
      return { status: 200, body, headers };
    }),
  },
  {
    method: 'POST',
    template: '/repos/{owner}/{repo}/pulls',
    handle: inRepo(async (context, repo) => {
      const {
        title,
        head: rawHead,
        base,
        body,
        draft,
      } = context.body as Record<string, string | boolean | undefined>;
      const head = String(rawHead ?? '').replace(/^[^:]+:/, '');
      const headSha = await readRef(repo.gitDir, `refs/heads/${head}`);
      const baseSha = await readRef(repo.gitDir, `refs/heads/${String(base)}`);
      if (!headSha)
        return invalid('Validation Failed', [{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
      if (!baseSha)
        return invalid('Validation Failed', [{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
      if (repo.pulls.some((pull) => pull.state === 'open' && pull.head === head && pull.base === base))
        return invalid('Validation Failed', [
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `A pull request already exists for ${repo.owner}:${head}.`,
          },
        ]);
      if (headSha === baseSha || (await isAncestor(repo.gitDir, headSha, baseSha)))
        return invalid('Validation Failed', [
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `No commits between ${String(base)} and ${head}`,
          },
        ]);
      const pull = context.state.openPull(`${repo.owner}/${repo.name}`, {
        head,
        base: String(base),
        title: String(title ?? ''),
        user: context.state.actor,
        ...(typeof body === 'string' ? { body } : {}),
      });
      pull.draft = draft === true;
      return { status: 201, body: await pullBody(context, repo, pull, 'pull-request') };
    }),
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/pulls/{pull_number}',
    handle: inRepo(async (context, repo) => {
      const pull = findPull(repo, context);
      return pull ? { status: 200, body: await pullBody(context, repo, pull, 'pull-request') } : notFound();
    }),
  },
  {
    method: 'PATCH',
    template: '/repos/{owner}/{repo}/pulls/{pull_number}',
    handle: inRepo(async (context, repo) => {
      const pull = findPull(repo, context);
      if (!pull) return notFound();
      const { title, body, state, base } = context.body as Record<string, string | undefined>;
      if (title !== undefined) pull.title = title;
      if (body !== undefined) pull.body = body;
      if (state === 'open' || state === 'closed') pull.state = state;
      if (base !== undefined) pull.base = base;
      pull.updatedAt = context.state.now();
      return { status: 200, body: await pullBody(context, repo, pull, 'pull-request') };
    }),
  },
  {
    method: 'PUT',
    template: '/repos/{owner}/{repo}/pulls/{pull_number}/merge',
    handle: inRepo(async (context, repo) => {
      const pull = findPull(repo, context);
      if (!pull) return notFound();
      const { sha, merge_method: method = 'merge' } = context.body as {
        sha?: string;
        merge_method?: MergeMethod;
      };
      if (pull.state !== 'open') return errorReply(405, 'Pull Request is not mergeable');
      const full = `${repo.owner}/${repo.name}`;
      const head = (await readRef(repo.gitDir, `refs/heads/${pull.head}`)) ?? '';
      if (sha !== undefined && sha !== head)
        return errorReply(409, 'Head branch was modified. Review and try the merge again.');
      if (!repo.mergeMethods.includes(method))
        return errorReply(
          405,
          `${method[0]!.toUpperCase()}${method.slice(1)} merges are not allowed on this repository.`,
        );
      const missing = context.state.missingChecks(full, head);
      if (missing.length > 0)
        return errorReply(
          405,
          `Repository rule violations found\n\nRequired status check "${missing[0]}" is expected.`,
        );
      // A direct merge call is where a ruleset's bypass applies: the calling App's own.
      const reviews = await context.state.reviewBlock(
        full,
        pull,
        head,
        context.state.appOfToken(context.token),
      );
      if (reviews) return errorReply(405, `Repository rule violations found\n\n${reviews}`);
      const base = (await readRef(repo.gitDir, `refs/heads/${pull.base}`)) ?? '';
      if (!(await mergesCleanly(repo.gitDir, base, head)))
        return errorReply(405, 'Pull Request is not mergeable');
      const merged = await context.state.mergePull(full, pull.number, context.state.actor, method);
      return {
        status: 200,
        body: shaped('pull-request-merge-result', {
          sha: merged,
          merged: true,
          message: 'Pull Request successfully merged',
        }),
      };
    }),
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/pulls/{pull_number}/files',
    handle: inRepo(async (context, repo) => {
      const pull = findPull(repo, context);
      if (!pull) return notFound();
      const head = await readRef(repo.gitDir, `refs/heads/${pull.head}`);
      const base = await readRef(repo.gitDir, `refs/heads/${pull.base}`);
      // GitHub lists at most 3,000 files of a pull request.
      const files = head && base ? (await diffOnce(repo.gitDir, base, head)).slice(0, 3000) : [];
      const { items, headers } = page(context, files);
      const api = `${context.api}/repos/${repo.owner}/${repo.name}`;
      const body = items.map((file) =>
        shaped('diff-entry', {
          sha: head,
          filename: file.filename,
          status: file.status,
          ...(file.previousFilename ? { previous_filename: file.previousFilename } : {}),
          additions: 0,
          deletions: 0,
          changes: 0,
          blob_url: `https://github.com/${repo.owner}/${repo.name}/blob/${head}/${file.filename}`,
          raw_url: `https://github.com/${repo.owner}/${repo.name}/raw/${head}/${file.filename}`,
          contents_url: `${api}/contents/${file.filename}?ref=${head}`,
        }),
      );
      return { status: 200, body, headers };
    }),
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/pulls/{pull_number}/reviews',
    handle: inRepo(async (context, repo) => {
      const pull = findPull(repo, context);
      if (!pull) return notFound();
      const { items, headers } = page(
        context,
        repo.reviews.filter((review) => review.pull === pull.number),
      );
      return { status: 200, body: items.map((review) => reviewBody(context, repo, review)), headers };
    }),
  },
  {
    method: 'POST',
    template: '/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers',
    handle: inRepo(async (context, repo) => {
      const pull = findPull(repo, context);
      if (!pull) return notFound();
      const { reviewers = [], team_reviewers: teams = [] } = context.body as {
        reviewers?: string[];
        team_reviewers?: string[];
      };
      if (reviewers.some((login) => !repo.collaborators.has(login)))
        return invalid(
          'Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the repository.',
        );
      for (const login of reviewers)
        if (!pull.requestedReviewers.includes(login)) pull.requestedReviewers.push(login);
      for (const slug of teams) if (!pull.requestedTeams.includes(slug)) pull.requestedTeams.push(slug);
      return { status: 201, body: await pullBody(context, repo, pull, 'pull-request-simple') };
    }),
  },
  {
    method: 'POST',
    template: '/repos/{owner}/{repo}/issues/{issue_number}/labels',
    handle: inRepo(async (context, repo) => {
      const pull = findPull(repo, context) ?? findIssue(repo, context);
      if (!pull) return notFound();
      const raw = context.body as unknown;
      const labels = Array.isArray(raw)
        ? (raw as string[])
        : ((context.body.labels as string[] | undefined) ?? []);
      for (const label of labels) {
        repo.labels.add(label);
        if (!pull.labels.includes(label)) pull.labels.push(label);
      }
      return { status: 200, body: pull.labels.map((name) => labelBody(context, repo, name)) };
    }),
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/issues',
    handle: inRepo(async (context, repo) => {
      const state = context.query.get('state') ?? 'open';
      const wanted = (context.query.get('labels') ?? '').split(',').filter(Boolean);
      const chosen = repo.issues
        .filter((issue) => state === 'all' || issue.state === state)
        .filter((issue) => wanted.every((label) => issue.labels.includes(label)))
        .sort((a, b) => b.number - a.number);
      const { items, headers } = page(context, chosen);
      return { status: 200, body: items.map((issue) => issueBody(context, repo, issue)), headers };
    }),
  },
  {
    method: 'POST',
    template: '/repos/{owner}/{repo}/issues',
    handle: inRepo(async (context, repo) => {
      const title = context.body.title;
      if (typeof title !== 'string' || title === '')
        return invalid('Validation Failed', [{ resource: 'Issue', field: 'title', code: 'missing_field' }]);
      const at = context.state.now();
      const issue: IssueState = {
        number: repo.pulls.length + repo.issues.length + 1,
        id: context.state.nextId(),
        title,
        body: typeof context.body.body === 'string' ? context.body.body : null,
        state: 'open',
        stateReason: null,
        labels: labelNames(context.body.labels) ?? [],
        user: context.state.actor,
        createdAt: at,
        updatedAt: at,
        closedAt: null,
        ...(context.token ? { openedWith: context.token } : {}),
      };
      for (const label of issue.labels) repo.labels.add(label);
      repo.issues.push(issue);
      return { status: 201, body: issueBody(context, repo, issue) };
    }),
  },
  {
    method: 'PATCH',
    template: '/repos/{owner}/{repo}/issues/{issue_number}',
    handle: inRepo(async (context, repo) => {
      const issue = findIssue(repo, context);
      if (!issue) return notFound();
      const body = context.body;
      if (typeof body.title === 'string') issue.title = body.title;
      if (typeof body.body === 'string' || body.body === null) issue.body = body.body as string | null;
      const labels = labelNames(body.labels);
      if (labels) {
        issue.labels = labels;
        for (const label of labels) repo.labels.add(label);
      }
      if (body.state === 'closed' || body.state === 'open') {
        const at = context.state.now();
        if (body.state === 'closed' && issue.state === 'open') {
          issue.closedAt = at;
          issue.stateReason = body.state_reason === 'not_planned' ? 'not_planned' : 'completed';
        }
        if (body.state === 'open' && issue.state === 'closed') {
          issue.closedAt = null;
          issue.stateReason = 'reopened';
        }
        issue.state = body.state;
      }
      issue.updatedAt = context.state.now();
      return { status: 200, body: issueBody(context, repo, issue) };
    }),
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    handle: inRepo(async (context, repo) => {
      const number = Number(context.params.issue_number);
      const { items, headers } = page(
        context,
        repo.comments.filter((comment) => comment.issue === number),
      );
      return { status: 200, body: items.map((comment) => commentBody(context, repo, comment)), headers };
    }),
  },
  {
    method: 'POST',
    template: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    handle: inRepo(async (context, repo) => {
      const number = Number(context.params.issue_number);
      if (!repo.pulls.some((pull) => pull.number === number) && !findIssue(repo, context)) return notFound();
      const at = context.state.now();
      const comment: CommentState = {
        id: context.state.nextId(),
        issue: number,
        user: context.state.actor,
        body: String(context.body.body ?? ''),
        createdAt: at,
        updatedAt: at,
      };
      repo.comments.push(comment);
      return { status: 201, body: commentBody(context, repo, comment) };
    }),
  },
  {
    method: 'PATCH',
    template: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
    handle: inRepo(async (context, repo) => {
      const comment = repo.comments.find((candidate) => candidate.id === Number(context.params.comment_id));
      if (!comment) return notFound();
      comment.body = String(context.body.body ?? '');
      comment.updatedAt = context.state.now();
      return { status: 200, body: commentBody(context, repo, comment) };
    }),
  },
  {
    method: 'GET',
    template: '/orgs/{org}/teams/{team_slug}',
    handle: async (context) => {
      const team = teamOf(context);
      if (isReply(team)) return team;
      return {
        status: 200,
        body: shaped('team-full', {
          id: team.id,
          node_id: `T_${team.id}`,
          name: team.slug,
          slug: team.slug,
          privacy: 'closed',
          permission: 'pull',
          members_count: team.members.size,
          url: `${context.api}/orgs/${team.org}/teams/${team.slug}`,
          html_url: `https://github.com/orgs/${team.org}/teams/${team.slug}`,
          members_url: `${context.api}/orgs/${team.org}/teams/${team.slug}/members{/member}`,
          repositories_url: `${context.api}/orgs/${team.org}/teams/${team.slug}/repos`,
          organization: { login: team.org, id: 1, node_id: 'O_1', url: `${context.api}/orgs/${team.org}` },
        }),
      };
    },
  },
  {
    method: 'GET',
    template: '/orgs/{org}/teams/{team_slug}/memberships/{username}',
    handle: async (context) => {
      const team = teamOf(context);
      if (isReply(team)) return team;
      const login = context.params.username ?? '';
      const state = team.members.has(login) ? 'active' : team.pending.has(login) ? 'pending' : undefined;
      if (!state) return notFound();
      return {
        status: 200,
        body: shaped('team-membership', {
          url: `${context.api}/teams/${team.id}/memberships/${login}`,
          role: 'member',
          state,
        }),
      };
    },
  },
  {
    method: 'GET',
    template: '/orgs/{org}/teams/{team_slug}/members',
    handle: async (context) => {
      const team = teamOf(context);
      if (isReply(team)) return team;
      const { items, headers } = page(context, [...team.members].sort());
      return { status: 200, body: items.map((login) => userBody(context, login)), headers };
    },
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/collaborators/{username}/permission',
    handle: inRepo(async (context, repo) => {
      const login = context.params.username ?? '';
      if (!context.state.users.has(login)) return notFound();
      const role = repo.collaborators.get(login) ?? 'none';
      return {
        status: 200,
        body: shaped('repository-collaborator-permission', {
          permission: mapLegacyPermission(role),
          role_name: role,
          user: { ...userBody(context, login, 'collaborator'), role_name: role },
        }),
      };
    }),
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/commits/{ref}/check-runs',
    handle: inRepo(async (context, repo) => {
      const ref = context.params.ref ?? '';
      const sha = /^[0-9a-f]{40}$/.test(ref) ? ref : await readRef(repo.gitDir, `refs/heads/${ref}`);
      if (!sha) return invalid(`No commit found for SHA: ${ref}`);
      const name = context.query.get('check_name');
      const appId = context.query.get('app_id');
      const appOf = (run: CheckRunState) => context.state.appOfRun(run).id;
      let runs = repo.checkRuns.filter(
        (run) =>
          run.headSha === sha && (!name || run.name === name) && (!appId || appOf(run) === Number(appId)),
      );
      // `latest` deduplicates within a check suite, and each App's runs on a commit are in a suite of their own: runs
      // of one name from two Apps are both listed, whichever is newer.
      if ((context.query.get('filter') ?? 'latest') === 'latest')
        runs = runs.filter(
          (run) =>
            !runs.some(
              (other) => other.name === run.name && appOf(other) === appOf(run) && other.id > run.id,
            ),
        );
      const { items, headers } = page(context, runs);
      return {
        status: 200,
        body: { total_count: runs.length, check_runs: items.map((run) => checkRunBody(context, repo, run)) },
        headers,
      };
    }),
  },
  {
    method: 'POST',
    template: '/repos/{owner}/{repo}/check-runs',
    handle: inRepo(async (context, repo) => {
      const body = context.body as Record<string, unknown>;
      const sha = String(body.head_sha ?? '');
      if (!(await commitExists(repo.gitDir, sha))) return invalid('No commit found for SHA: ' + sha);
      const at = context.state.now();
      const run: CheckRunState = {
        id: context.state.nextId(),
        // GitHub sets the App from the token; a request body cannot name it.
        appId: context.state.appOfToken(context.token).id,
        name: String(body.name ?? ''),
        headSha: sha,
        status: 'queued',
        conclusion: null,
        title: null,
        summary: null,
        text: null,
        annotations: [],
        detailsUrl: null,
        externalId: null,
        startedAt: at,
        completedAt: null,
      };
      const problem = applyCheckRun(run, body, at);
      if (problem) return problem;
      repo.checkRuns.push(run);
      await context.state.settleAutoMerges(`${repo.owner}/${repo.name}`);
      return { status: 201, body: checkRunBody(context, repo, run) };
    }),
  },
  {
    method: 'PATCH',
    template: '/repos/{owner}/{repo}/check-runs/{check_run_id}',
    handle: inRepo(async (context, repo) => {
      const run = repo.checkRuns.find((candidate) => candidate.id === Number(context.params.check_run_id));
      if (!run) return notFound();
      // Only the App that created a check run may change it.
      if (context.state.appOfRun(run).id !== context.state.appOfToken(context.token).id)
        return errorReply(403, 'Resource not accessible by integration');
      const problem = applyCheckRun(run, context.body, context.state.now());
      if (problem) return problem;
      await context.state.settleAutoMerges(`${repo.owner}/${repo.name}`);
      return { status: 200, body: checkRunBody(context, repo, run) };
    }),
  },
  {
    method: 'POST',
    template: '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches',
    handle: inRepo(async (context, repo) => {
      const {
        ref,
        inputs,
        return_run_details: details,
      } = context.body as {
        ref?: string;
        inputs?: Record<string, unknown>;
        return_run_details?: boolean;
      };
      const branch = String(ref ?? '').replace(/^refs\/heads\//, '');
      if (!(await readRef(repo.gitDir, `refs/heads/${branch}`)))
        return invalid(`No ref found for: ${String(ref)}`);
      if (inputs && Object.keys(inputs).length > 25) return invalid('inputs are too large');
      repo.workflowDispatches.push({
        workflow: context.params.workflow_id ?? '',
        ref: branch,
        inputs: inputs ?? {},
      });
      if (!details || !context.state.returnRunDetails) return { status: 204 };
      const runId = context.state.nextId();
      return {
        status: 200,
        body: shaped('workflow-dispatch-response', {
          workflow_run_id: runId,
          run_url: `${context.api}/repos/${repo.owner}/${repo.name}/actions/runs/${runId}`,
          html_url: `https://github.com/${repo.owner}/${repo.name}/actions/runs/${runId}`,
        }),
      };
    }),
  },
  {
    method: 'PATCH',
    template: '/repos/{owner}/{repo}',
    handle: inRepo(async (context, repo) => {
      const { allow_auto_merge: auto } = context.body as { allow_auto_merge?: boolean };
      if (auto !== undefined) repo.allowAutoMerge = auto;
      return {
        status: 200,
        body: shaped('full-repository', {
          ...repoBody(context, repo),
          allow_auto_merge: repo.allowAutoMerge,
          created_at: '2026-01-01T00:00:00Z',
          updated_at: context.state.now(),
          pushed_at: context.state.now(),
        }),
      };
    }),
  },
  {
    method: 'POST',
    template: '/repos/{owner}/{repo}/rulesets',
    handle: inRepo(async (context, repo) => {
      const { name, enforcement, target, rules, conditions, bypass_actors: bypass } = context.body;
      if (typeof name !== 'string' || typeof enforcement !== 'string')
        return invalid('Invalid request.\n\n"name" and "enforcement" are required.');
      if (repo.rulesets.some((r) => r.name === name)) return invalid('Name must be unique');
      const id = context.state.nextId();
      repo.rulesets.push({ id, ...context.body });
      return {
        status: 201,
        body: shaped('repository-ruleset', {
          id,
          name,
          target,
          source_type: 'Repository',
          source: `${repo.owner}/${repo.name}`,
          enforcement,
          bypass_actors: bypass ?? [],
          conditions: conditions ?? null,
          rules: rules ?? [],
        }),
      };
    }),
  },
  {
    method: 'PUT',
    template: '/repos/{owner}/{repo}/environments/{environment_name}',
    handle: inRepo(async (context, repo) => {
      const name = context.params.environment_name!;
      const policy = (context.body ?? {}).deployment_branch_policy as
        { protected_branches?: boolean; custom_branch_policies?: boolean } | null | undefined;
      if (policy && policy.protected_branches === policy.custom_branch_policies)
        return invalid(
          'Validation Failed: protected_branches and custom_branch_policies cannot have the same value',
        );
      let environment = repo.environments.find((e) => e.name === name);
      if (!environment) {
        environment = { id: context.state.nextId(), name, branchPolicy: null, secrets: [] };
        repo.environments.push(environment);
      }
      if (policy === null || policy === undefined) environment.branchPolicy = null;
      else if (policy.protected_branches) environment.branchPolicy = 'protected';
      else if (!Array.isArray(environment.branchPolicy)) environment.branchPolicy = [];
      return { status: 200, body: environmentBody(context, repo, environment) };
    }),
  },
  {
    method: 'POST',
    template: '/repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies',
    handle: inRepo(async (context, repo) => {
      const environment = repo.environments.find((e) => e.name === context.params.environment_name);
      // GitHub answers 404 too when the environment does not use custom branch policies.
      if (!environment || !Array.isArray(environment.branchPolicy)) return notFound();
      const { name, type } = context.body as { name?: string; type?: 'branch' | 'tag' };
      if (typeof name !== 'string' || name === '')
        return invalid('Invalid request.\n\n"name" wasn\'t supplied.');
      if (environment.branchPolicy.some((p) => p.name === name && p.type === (type ?? 'branch')))
        return { status: 303 };
      environment.branchPolicy.push({ name, type: type ?? 'branch' });
      return {
        status: 200,
        body: shaped('deployment-branch-policy', {
          id: context.state.nextId(),
          name,
          type: type ?? 'branch',
        }),
      };
    }),
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/actions/artifacts',
    handle: inRepo(async (context, repo) => {
      const name = context.query.get('name');
      const matching = repo.artifacts.filter((a) => !name || a.name === name);
      const { items, headers } = page(context, matching);
      const body = items.map((a) =>
        shaped('artifact', {
          id: a.id,
          node_id: `MDg6QXJ0aWZhY3Q${a.id}`,
          name: a.name,
          size_in_bytes: a.sizeInBytes,
          url: `${context.api}/repos/${repo.owner}/${repo.name}/actions/artifacts/${a.id}`,
          archive_download_url: `${context.api}/repos/${repo.owner}/${repo.name}/actions/artifacts/${a.id}/zip`,
          expired: a.expired,
          created_at: a.createdAt,
          updated_at: a.createdAt,
          expires_at: null,
          digest: a.digest,
          workflow_run: {
            id: a.runId,
            repository_id: repo.id,
            head_repository_id: repo.id,
            head_branch: a.headBranch,
            head_sha: a.headSha,
          },
        }),
      );
      return { status: 200, body: { total_count: matching.length, artifacts: body }, headers };
    }),
  },
  {
    method: 'POST',
    template: '/repos/{owner}/{repo}/dispatches',
    handle: inRepo(async (context, repo) => {
      const { event_type: eventType, client_payload: payload } = context.body as {
        event_type?: string;
        client_payload?: Record<string, unknown>;
      };
      if (!eventType) return invalid('Invalid request.\n\n"event_type" wasn\'t supplied.');
      repo.repositoryDispatches.push({ eventType, clientPayload: payload ?? {} });
      return { status: 204 };
    }),
  },

  {
    method: 'GET',
    template: '/repos/{owner}/{repo}',
    handle: inRepo(async (context, repo) => ({
      status: 200,
      body: shaped('full-repository', {
        ...repoBody(context, repo),
        allow_auto_merge: repo.allowAutoMerge,
        created_at: '2026-01-01T00:00:00Z',
        updated_at: '2026-01-01T00:00:00Z',
        pushed_at: '2026-01-01T00:00:00Z',
      }),
    })),
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/rulesets',
    handle: inRepo(async (context, repo) => {
      const { items, headers } = page(context, repo.rulesets);
      // The list leaves out rules, conditions and bypass actors: GET each ruleset for them.
      const body = items.map((r) =>
        shaped('repository-ruleset', {
          id: r.id,
          name: r.name,
          target: r.target ?? 'branch',
          source_type: 'Repository',
          source: `${repo.owner}/${repo.name}`,
          enforcement: r.enforcement,
        }),
      );
      return { status: 200, body, headers };
    }),
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/rulesets/{ruleset_id}',
    handle: inRepo(async (context, repo) => {
      const r = repo.rulesets.find((candidate) => candidate.id === Number(context.params.ruleset_id));
      if (!r) return notFound();
      return {
        status: 200,
        body: shaped('repository-ruleset', {
          id: r.id,
          name: r.name,
          target: r.target ?? 'branch',
          source_type: 'Repository',
          source: `${repo.owner}/${repo.name}`,
          enforcement: r.enforcement,
          bypass_actors: r.bypass_actors ?? [],
          conditions: r.conditions ?? null,
          rules: r.rules ?? [],
        }),
      };
    }),
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/branches/{branch}/protection',
    handle: inRepo(async (context, repo) => {
      const protection = repo.protection[context.params.branch ?? ''];
      if (!protection) return errorReply(404, 'Branch not protected');
      const url = `${context.api}/repos/${repo.owner}/${repo.name}/branches/${context.params.branch}/protection`;
      return { status: 200, body: shaped('branch-protection', { url, ...protection }) };
    }),
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/environments',
    handle: inRepo(async (context, repo) => {
      const { items, headers } = page(context, repo.environments);
      return {
        status: 200,
        body: {
          total_count: repo.environments.length,
          environments: items.map((e) => environmentBody(context, repo, e)),
        },
        headers,
      };
    }),
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies',
    handle: inRepo(async (context, repo) => {
      const environment = repo.environments.find((e) => e.name === context.params.environment_name);
      if (!environment) return notFound();
      const policies = Array.isArray(environment.branchPolicy) ? environment.branchPolicy : [];
      return {
        status: 200,
        body: {
          total_count: policies.length,
          branch_policies: policies.map((p, index) =>
            shaped('deployment-branch-policy', {
              id: environment.id * 100 + index,
              node_id: `DBP_${environment.id}_${index}`,
              name: p.name,
              type: p.type,
            }),
          ),
        },
      };
    }),
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/environments/{environment_name}/secrets',
    handle: inRepo(async (context, repo) => {
      const environment = repo.environments.find((e) => e.name === context.params.environment_name);
      if (!environment) return notFound();
      return { status: 200, body: secretsBody(environment.secrets) };
    }),
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/actions/secrets',
    handle: inRepo(async (_context, repo) => ({ status: 200, body: secretsBody(repo.secrets) })),
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/actions/organization-secrets',
    handle: inRepo(async (_context, repo) => ({ status: 200, body: secretsBody(repo.organizationSecrets) })),
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/actions/permissions/workflow',
    handle: inRepo(async (_context, repo) => ({
      status: 200,
      body: {
        default_workflow_permissions: repo.workflowPermissions.defaultWorkflowPermissions,
        can_approve_pull_request_reviews: repo.workflowPermissions.canApprovePullRequestReviews,
      },
    })),
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/actions/variables/{name}',
    handle: inRepo(async (context, repo) => {
      const name = context.params.name ?? '';
      const value = repo.variables[name];
      if (value === undefined) return notFound();
      return {
        status: 200,
        body: { name, value, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' },
      };
    }),
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/contents/{path}',
    handle: inRepo(async (context, repo) => {
      const path = context.params.path ?? '';
      const ref = context.query.get('ref') ?? repo.defaultBranch;
      const found = await readPath(repo.gitDir, ref.replace(/^refs\/heads\//, ''), path);
      if (!found) return notFound();
      const base = `${context.api}/repos/${repo.owner}/${repo.name}`;
      const entry = (p: string, name: string, type: 'file' | 'dir', sha: string) => ({
        type,
        size: 0,
        name,
        path: p,
        sha,
        url: `${base}/contents/${p}?ref=${ref}`,
        git_url: `${base}/git/${type === 'dir' ? 'trees' : 'blobs'}/${sha}`,
        html_url: `https://github.com/${repo.owner}/${repo.name}/${type === 'dir' ? 'tree' : 'blob'}/${ref}/${p}`,
        download_url: null,
        _links: {
          self: `${base}/contents/${p}?ref=${ref}`,
          git: `${base}/git/${type === 'dir' ? 'trees' : 'blobs'}/${sha}`,
          html: `https://github.com/${repo.owner}/${repo.name}/blob/${ref}/${p}`,
        },
      });
      if (found.type === 'dir')
        return {
          status: 200,
          body: found.entries.map((e) => entry(e.path, e.name, e.type, e.sha)),
        };
      const name = path.split('/').pop() ?? path;
      return {
        status: 200,
        body: {
          ...entry(path, name, 'file', found.sha),
          size: found.content.length,
          encoding: 'base64',
          content: found.content.toString('base64'),
        },
      };
    }),
  },
];

function secretsBody(names: string[]) {
  return {
    total_count: names.length,
    secrets: names.map((name) => ({
      name,
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
    })),
  };
}

function environmentBody(
  context: RouteContext,
  repo: RepoState,
  environment: RepoState['environments'][number],
): Record<string, unknown> {
  const policy = environment.branchPolicy;
  return shaped('environment', {
    id: environment.id,
    name: environment.name,
    url: `${context.api}/repos/${repo.owner}/${repo.name}/environments/${environment.name}`,
    html_url: `https://github.com/${repo.owner}/${repo.name}/deployments/activity_log?environments_filter=${environment.name}`,
    created_at: context.state.now(),
    updated_at: context.state.now(),
    protection_rules: [],
    deployment_branch_policy:
      policy === null
        ? null
        : { protected_branches: policy === 'protected', custom_branch_policies: Array.isArray(policy) },
  });
}

function applyCheckRun(run: CheckRunState, body: Record<string, unknown>, at: string): Reply | undefined {
  const output = body.output as
    | { title?: string; summary?: string; text?: string; annotations?: CheckRunState['annotations'] }
    | undefined;
  if (output?.annotations && output.annotations.length > 50)
    return invalid('Only 50 annotations are allowed per request');
  if (typeof body.name === 'string') run.name = body.name;
  if (typeof body.details_url === 'string') run.detailsUrl = body.details_url;
  if (typeof body.external_id === 'string') run.externalId = body.external_id;
  if (typeof body.conclusion === 'string') {
    run.conclusion = body.conclusion;
    run.status = 'completed';
  }
  if (typeof body.status === 'string') run.status = body.status;
  if (run.status === 'completed' && !run.conclusion)
    return invalid('conclusion is required when status is completed');
  if (run.status === 'completed') run.completedAt ??= at;
  if (output) {
    if (output.title !== undefined) run.title = output.title;
    if (output.summary !== undefined) run.summary = output.summary;
    if (output.text !== undefined) run.text = output.text;
    // GitHub appends the annotations of every update to those already on the run.
    run.annotations.push(...(output.annotations ?? []));
  }
  return undefined;
}
