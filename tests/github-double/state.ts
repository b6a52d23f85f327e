// The double's world: repositories (real bare git repos), pull requests, reviews, teams, collaborators,
// check runs, comments, dispatches. Tests arrange it directly and assert on it afterwards.
import { join } from 'node:path';
import type { RepositoryPermission } from '../../src/github/access.ts';
import {
  commitFiles,
  compareAndSwapRef,
  initBare,
  mergeCommit,
  readRef,
  squashCommit,
  ZERO_SHA,
} from './git-store.ts';

export interface UserState {
  login: string;
  id: number;
  type: 'User' | 'Bot';
  email: string;
}

export interface PullState {
  number: number;
  id: number;
  title: string;
  body: string | null;
  head: string;
  base: string;
  state: 'open' | 'closed';
  merged: boolean;
  mergedAt?: string;
  mergedBy?: string;
  mergeCommitSha?: string;
  draft: boolean;
  user: string;
  labels: string[];
  requestedReviewers: string[];
  requestedTeams: string[];
  createdAt: string;
  updatedAt: string;
  /** Set by enablePullRequestAutoMerge: merged when the repository's required checks pass on `expectedHead`. */
  autoMerge?: { method: MergeMethod; expectedHead: string; by: string };
}

export type MergeMethod = 'merge' | 'squash' | 'rebase';

export type ReviewStateName = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';

export interface ReviewState {
  id: number;
  pull: number;
  user: string;
  state: ReviewStateName;
  commitId: string;
  submittedAt: string;
  body: string;
}

export interface AnnotationState {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: string;
  message: string;
  title?: string;
}

/** A GitHub App: the identity a check run is posted under, set by GitHub from the token and never by the caller. */
export interface AppState {
  id: number;
  slug: string;
  name: string;
  /** The account that owns the App. */
  owner: string;
}

/** GitHub Actions' own App (id 15368 on github.com): every GITHUB_TOKEN posts check runs as it. */
export const GITHUB_ACTIONS_APP: AppState = {
  id: 15368,
  slug: 'github-actions',
  name: 'GitHub Actions',
  owner: 'github',
};

/** The Tollgate App the tests install: the token `test-token` is one of its installation tokens. */
export const TOLLGATE_APP: AppState = { id: 934121, slug: 'tollgate-acme', name: 'Tollgate', owner: 'acme' };

export interface CheckRunState {
  id: number;
  /** The App that created it; absent means the state's `defaultAppId` (Tollgate's, as `test-token` posts). */
  appId?: number;
  name: string;
  headSha: string;
  status: string;
  conclusion: string | null;
  title: string | null;
  summary: string | null;
  text: string | null;
  annotations: AnnotationState[];
  detailsUrl: string | null;
  externalId: string | null;
  startedAt: string;
  completedAt: string | null;
}

/** An issue (not a pull request); issues and pull requests share one number sequence, as on GitHub. */
export interface IssueState {
  number: number;
  id: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  stateReason: 'completed' | 'not_planned' | 'reopened' | null;
  labels: string[];
  user: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** The token that opened it, so a test can tell which job's token reached the issues API. */
  openedWith?: string;
}

export interface CommentState {
  id: number;
  issue: number;
  user: string;
  body: string;
  createdAt: string;
  updatedAt: string;
}

/** A workflow artifact, as the Actions API lists it. */
export interface ArtifactState {
  id: number;
  name: string;
  sizeInBytes: number;
  /** `sha256:<hex>`; null for artifacts uploaded before upload-artifact v4. */
  digest: string | null;
  createdAt: string;
  expired: boolean;
  runId: number;
  headBranch: string;
  headSha: string;
}

export interface RepoState {
  owner: string;
  name: string;
  id: number;
  gitDir: string;
  defaultBranch: string;
  pulls: PullState[];
  issues: IssueState[];
  reviews: ReviewState[];
  checkRuns: CheckRunState[];
  comments: CommentState[];
  labels: Set<string>;
  collaborators: Map<string, RepositoryPermission>;
  workflowDispatches: { workflow: string; ref: string; inputs: Record<string, unknown> }[];
  repositoryDispatches: { eventType: string; clientPayload: Record<string, unknown> }[];
  /** Rulesets created through the API, as sent. */
  rulesets: Record<string, unknown>[];
  /**
   * Check names that must have passed on a pull request's head before it merges (what a ruleset requires). An entry
   * with `appId` is pinned as a ruleset's `integration_id` pins it: only that App's runs of the name count.
   */
  requiredChecks: (string | { context: string; appId: number })[];
  /** Repository settings: "Allow auto-merge" and the merge methods allowed. */
  allowAutoMerge: boolean;
  mergeMethods: MergeMethod[];
  environments: DeploymentEnvironmentState[];
  /** Workflow artifacts, newest first as GitHub lists them. */
  artifacts: ArtifactState[];
  /** Classic branch protection per branch, in GitHub's response shape (absent: not protected). */
  protection: Record<string, Record<string, unknown>>;
  /** Names of the repository's Actions secrets, and of the organization's secrets shared with it. */
  secrets: string[];
  organizationSecrets: string[];
  /** Settings → Actions → General → Workflow permissions. */
  workflowPermissions: {
    defaultWorkflowPermissions: 'read' | 'write';
    canApprovePullRequestReviews: boolean;
  };
  /** Repository Actions variables. */
  variables: Record<string, string>;
  /**
   * A ruleset's review rule, once `enforceRulesets` derived it: approvals on the head from someone other than the
   * author. Apps in `bypassApps` skip it on a direct merge call; GitHub's auto-merge never uses a bypass.
   */
  reviewRule?: { approvals: number; bypassApps: number[] };
}

/** A deployment environment: who may deploy to it (its branch policy) and the names of its secrets. */
export interface DeploymentEnvironmentState {
  id: number;
  name: string;
  /** null: any branch; 'protected': protected branches only; a list: these branch and tag patterns only. */
  branchPolicy: null | 'protected' | { name: string; type: 'branch' | 'tag' }[];
  secrets: string[];
}

export interface TeamState {
  org: string;
  slug: string;
  id: number;
  members: Set<string>;
  pending: Set<string>;
}

/**
 * What the token may see of the organization: 'members-read' (a GitHub App with Members: read),
 * 'forbidden' (403, e.g. GITHUB_TOKEN), 'hidden' (404 for every team).
 */
export type OrgAccess = 'members-read' | 'forbidden' | 'hidden';

const EPOCH = Date.parse('2026-01-01T00:00:00Z');

export class GitHubState {
  readonly root: string;
  readonly repos = new Map<string, RepoState>();
  readonly teams = new Map<string, TeamState>();
  readonly users = new Map<string, UserState>();
  /** The login the API token acts as (author of pull requests, comments and check runs it creates). */
  actor = 'tollgate-bot';
  orgAccess: OrgAccess = 'members-read';
  /** Newer GitHub answers a workflow dispatch with 200 and run details; older servers with 204. */
  returnRunDetails = true;
  /** Apps known to the double, by id. */
  readonly apps = new Map<number, AppState>([
    [GITHUB_ACTIONS_APP.id, GITHUB_ACTIONS_APP],
    [TOLLGATE_APP.id, TOLLGATE_APP],
  ]);
  /** Installation tokens by the App they belong to; a token not listed acts as `defaultAppId`. */
  readonly tokenApps = new Map<string, number>();
  /** Personal tokens by the user they act as (GET /user); a token not listed is an App's and has no user. */
  readonly tokenUsers = new Map<string, string>();
  defaultAppId = TOLLGATE_APP.id;
  /** The token's primary budget: every request spends one; at zero GitHub answers 403 until the reset. */
  rateLimit = { limit: 5000, remaining: 5000, resetInSeconds: 3600 };
  private ids = 1000;
  private ticks = 0;

  constructor(root: string) {
    this.root = root;
    this.user('tollgate-bot', 'Bot');
  }

  nextId(): number {
    return (this.ids += 1);
  }

  /** A deterministic clock: each call is one minute after the last. */
  now(): string {
    return new Date(EPOCH + (this.ticks += 1) * 60_000).toISOString().replace('.000Z', 'Z');
  }

  user(login: string, type: UserState['type'] = 'User'): UserState {
    let user = this.users.get(login);
    if (!user) {
      user = { login, id: this.nextId(), type, email: `${login}@users.noreply.example.com` };
      this.users.set(login, user);
    }
    return user;
  }

  /** Registers `token` as an installation token of `app` (added to the known apps). */
  appToken(token: string, app: AppState): void {
    this.apps.set(app.id, app);
    this.tokenApps.set(token, app.id);
  }

  /** The App a request's token acts as. */
  appOfToken(token: string | undefined): AppState {
    const id = (token !== undefined ? this.tokenApps.get(token) : undefined) ?? this.defaultAppId;
    const app = this.apps.get(id);
    if (!app) throw new Error(`the double knows no app ${id}`);
    return app;
  }

  /** The App that created a check run. */
  appOfRun(run: CheckRunState): AppState {
    const app = this.apps.get(run.appId ?? this.defaultAppId);
    if (!app) throw new Error(`the double knows no app ${run.appId ?? this.defaultAppId}`);
    return app;
  }

  userByEmail(email: string): UserState | undefined {
    return [...this.users.values()].find((user) => user.email === email);
  }

  repo(fullName: string): RepoState {
    const repo = this.repos.get(fullName);
    if (!repo) throw new Error(`the double has no repository ${fullName}`);
    return repo;
  }

  /** A repository with one commit on its default branch. */
  async createRepo(
    fullName: string,
    options: { files?: Record<string, string>; defaultBranch?: string } = {},
  ): Promise<RepoState> {
    const [owner = '', name = ''] = fullName.split('/');
    const gitDir = join(this.root, `${owner}--${name}.git`);
    await initBare(gitDir);
    const repo: RepoState = {
      owner,
      name,
      id: this.nextId(),
      gitDir,
      defaultBranch: options.defaultBranch ?? 'main',
      pulls: [],
      issues: [],
      reviews: [],
      checkRuns: [],
      comments: [],
      labels: new Set(),
      collaborators: new Map([[owner, 'admin']]),
      workflowDispatches: [],
      repositoryDispatches: [],
      rulesets: [],
      requiredChecks: [],
      allowAutoMerge: true,
      mergeMethods: ['merge', 'squash', 'rebase'],
      environments: [],
      artifacts: [],
      protection: {},
      secrets: [],
      organizationSecrets: [],
      // GitHub's default for new repositories (since 2023): read-only, and Actions may not approve.
      workflowPermissions: { defaultWorkflowPermissions: 'read', canApprovePullRequestReviews: false },
      variables: {},
    };
    this.repos.set(fullName, repo);
    this.user(owner);
    await this.commit(
      fullName,
      repo.defaultBranch,
      options.files ?? { 'README.md': '# registry\n' },
      'Initial commit',
    );
    return repo;
  }

  /** Commits on a branch of the repository (created from the default branch if new). */
  async commit(
    fullName: string,
    branch: string,
    files: Record<string, string | null>,
    message: string,
    authorLogin?: string,
  ): Promise<string> {
    const repo = this.repo(fullName);
    const author = this.user(authorLogin ?? repo.owner);
    if (branch !== repo.defaultBranch && !(await readRef(repo.gitDir, `refs/heads/${branch}`))) {
      const from = await readRef(repo.gitDir, `refs/heads/${repo.defaultBranch}`);
      if (from) {
        await compareAndSwapRef(repo.gitDir, `refs/heads/${branch}`, from, ZERO_SHA);
      }
    }
    return commitFiles(
      repo.gitDir,
      branch,
      files,
      message,
      { name: author.login, email: author.email },
      this.now(),
    );
  }

  async headSha(fullName: string, branch: string): Promise<string | undefined> {
    return readRef(this.repo(fullName).gitDir, `refs/heads/${branch}`);
  }

  openPull(
    fullName: string,
    pull: { head: string; base?: string; title?: string; body?: string; user?: string; labels?: string[] },
  ): PullState {
    const repo = this.repo(fullName);
    const at = this.now();
    const state: PullState = {
      number: repo.pulls.length + repo.issues.length + 1,
      id: this.nextId(),
      title: pull.title ?? `Change ${pull.head}`,
      body: pull.body ?? null,
      head: pull.head,
      base: pull.base ?? repo.defaultBranch,
      state: 'open',
      merged: false,
      draft: false,
      user: this.user(pull.user ?? repo.owner).login,
      labels: pull.labels ?? [],
      requestedReviewers: [],
      requestedTeams: [],
      createdAt: at,
      updatedAt: at,
    };
    repo.pulls.push(state);
    return state;
  }

  pull(fullName: string, number: number): PullState {
    const pull = this.repo(fullName).pulls.find((candidate) => candidate.number === number);
    if (!pull) throw new Error(`the double has no pull request ${fullName}#${number}`);
    return pull;
  }

  /**
   * Merges an open pull request as GitHub's merge button would (a merge commit on the base branch),
   * for flows that continue after the merge. Fails on conflicts.
   */
  async mergePull(
    fullName: string,
    number: number,
    mergerLogin?: string,
    method: MergeMethod = 'merge',
  ): Promise<string> {
    const repo = this.repo(fullName);
    const pull = this.pull(fullName, number);
    const base = await readRef(repo.gitDir, `refs/heads/${pull.base}`);
    const head = await readRef(repo.gitDir, `refs/heads/${pull.head}`);
    if (!base || !head || pull.state !== 'open') throw new Error(`${fullName}#${number} cannot be merged`);
    const merger = this.user(mergerLogin ?? repo.owner);
    const who = { name: merger.login, email: merger.email };
    const sha =
      method === 'merge'
        ? await mergeCommit(
            repo.gitDir,
            base,
            head,
            `Merge pull request #${number} from ${repo.owner}/${pull.head}\n\n${pull.title}`,
            who,
            this.now(),
          )
        : await squashCommit(repo.gitDir, base, head, `${pull.title} (#${number})`, who, this.now());
    if (!(await compareAndSwapRef(repo.gitDir, `refs/heads/${pull.base}`, sha, base)))
      throw new Error(`${pull.base} moved while merging ${fullName}#${number}`);
    pull.state = 'closed';
    pull.merged = true;
    pull.mergedAt = pull.updatedAt = this.now();
    pull.mergedBy = merger.login;
    pull.mergeCommitSha = sha;
    delete pull.autoMerge;
    return sha;
  }

  /** The required checks that have not passed (latest run per name, from the pinned App if any) on `sha`. */
  missingChecks(fullName: string, sha: string): string[] {
    const repo = this.repo(fullName);
    return repo.requiredChecks
      .filter((check) => {
        const { context, appId } = typeof check === 'string' ? { context: check, appId: undefined } : check;
        const latest = repo.checkRuns
          .filter(
            (run) =>
              run.name === context &&
              run.headSha === sha &&
              (appId === undefined || this.appOfRun(run).id === appId),
          )
          .at(-1);
        return latest?.conclusion !== 'success';
      })
      .map((check) => (typeof check === 'string' ? check : check.context));
  }

  /**
   * Makes the double enforce the rulesets created through the API, as GitHub does: their required checks (pinned by
   * integration_id) and the strictest review rule, with the Apps that may bypass it.
   */
  enforceRulesets(fullName: string): void {
    const repo = this.repo(fullName);
    type Rule = { type: string; parameters?: Record<string, unknown> };
    type Actor = { actor_id: number | null; actor_type: string; bypass_mode: string };
    repo.requiredChecks = [];
    for (const ruleset of repo.rulesets) {
      if (ruleset.enforcement !== 'active') continue;
      const rules = (ruleset.rules ?? []) as Rule[];
      for (const check of (rules.find((r) => r.type === 'required_status_checks')?.parameters
        ?.required_status_checks ?? []) as { context: string; integration_id?: number }[])
        repo.requiredChecks.push(
          check.integration_id ? { context: check.context, appId: check.integration_id } : check.context,
        );
      const approvals = Number(
        rules.find((r) => r.type === 'pull_request')?.parameters?.required_approving_review_count ?? 0,
      );
      if (approvals > (repo.reviewRule?.approvals ?? 0))
        repo.reviewRule = {
          approvals,
          bypassApps: ((ruleset.bypass_actors ?? []) as Actor[])
            .filter((a) => a.actor_type === 'Integration' && a.actor_id !== null)
            .map((a) => a.actor_id!),
        };
    }
  }

  /** Why the review rule blocks merging the pull request at `head` (undefined when it does not, or `app` bypasses it). */
  async reviewBlock(
    fullName: string,
    pull: PullState,
    head: string,
    app?: AppState,
  ): Promise<string | undefined> {
    const rule = this.repo(fullName).reviewRule;
    if (!rule || (app && rule.bypassApps.includes(app.id))) return undefined;
    const latest = new Map<string, ReviewState>();
    for (const review of this.repo(fullName).reviews.filter((r) => r.pull === pull.number))
      if (review.state !== 'COMMENTED') latest.set(review.user, review);
    const approvals = [...latest.values()].filter(
      (r) => r.state === 'APPROVED' && r.commitId === head && r.user !== pull.user,
    ).length;
    return approvals >= rule.approvals
      ? undefined
      : `At least ${rule.approvals} approving review${rule.approvals === 1 ? ' is' : 's are'} required by reviewers with write access.`;
  }

  /** What GitHub's auto-merge does after a check completes: merge each waiting pull request now satisfied. */
  async settleAutoMerges(fullName: string): Promise<void> {
    const repo = this.repo(fullName);
    for (const pull of repo.pulls) {
      if (pull.state !== 'open' || !pull.autoMerge) continue;
      const head = await readRef(repo.gitDir, `refs/heads/${pull.head}`);
      if (head !== pull.autoMerge.expectedHead || this.missingChecks(fullName, head).length > 0) continue;
      // Auto-merge waits for every rule, a review included: it never uses anyone's bypass.
      if (await this.reviewBlock(fullName, pull, head)) continue;
      await this.mergePull(fullName, pull.number, pull.autoMerge.by, pull.autoMerge.method);
    }
  }

  /** A submitted review; by default on the pull request's current head commit. */
  async addReview(
    fullName: string,
    number: number,
    review: {
      user: string;
      state: ReviewStateName;
      commitId?: string;
      body?: string;
      type?: UserState['type'];
    },
  ): Promise<ReviewState> {
    const pull = this.pull(fullName, number);
    const commitId = review.commitId ?? (await this.headSha(fullName, pull.head));
    if (!commitId) throw new Error(`branch ${pull.head} has no commits`);
    const state: ReviewState = {
      id: this.nextId(),
      pull: number,
      user: this.user(review.user, review.type).login,
      state: review.state,
      commitId,
      submittedAt: this.now(),
      body: review.body ?? '',
    };
    this.repo(fullName).reviews.push(state);
    return state;
  }

  addTeam(org: string, slug: string, people: { members?: string[]; pending?: string[] } = {}): TeamState {
    const team: TeamState = {
      org,
      slug,
      id: this.nextId(),
      members: new Set(people.members ?? []),
      pending: new Set(people.pending ?? []),
    };
    for (const login of [...team.members, ...team.pending]) this.user(login);
    this.teams.set(`${org}/${slug}`, team);
    return team;
  }

  setCollaborator(fullName: string, login: string, permission: RepositoryPermission): void {
    this.user(login);
    this.repo(fullName).collaborators.set(login, permission);
  }
}
