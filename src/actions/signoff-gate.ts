// The sign-off gate action: find the pull request (or merge group), read the facts git holds (policy from the
// base, the semantic diff, Requested-By trailers) and the few GitHub facts that can change the verdict, evaluate,
// and post one check run with a stable name. Any error posts a failing check: the gate never passes on partial data.
// When a pull request merges, it posts nothing and records the merge instead (src/gate/merged.ts).
import { pathToFileURL } from 'node:url';
import * as core from '@actions/core';
import { describeError, TollgateError } from '../errors.ts';
import { collectGateFacts, gateInputOf, normalizeRegistryPrefix, type GateFacts } from '../gate/collect.ts';
import { evaluateGate, rolesToResolve } from '../gate/evaluate.ts';
import { recordMergedPullRequest, type GateCheckRunFact } from '../gate/merged.ts';
import { renderVerdictMarkdown, verdictAnnotations } from '../gate/render.ts';
import { submittedReviews } from '../gate/reviews.ts';
import type { GateInput, GateVerdict, MembershipState, Permission } from '../gate/types.ts';
import { assertFullHistory, commitsTouching } from '../git/history.ts';
import { gitTreeReader } from '../git/reader.ts';
import { runGit } from '../git/run.ts';
import { getCollaboratorPermission, getTeamMembership, listTeamMembers } from '../github/access.ts';
import { listCheckRunsForRef, type CheckAnnotation, type CheckRunInfo } from '../github/checks.ts';
import { describeForeignRun, parseAppId, runsByApp } from '../gate/check-runs.ts';
import { postGateCheckRun, withdrawStandingPass } from '../gate/post-check.ts';
import { describeCalls, githubClientFromEnv, type GitHubClient, type RepoRef } from '../github/client.ts';
import { findOpenPullRequest, getPullRequest } from '../github/pulls.ts';
import { fetchReviewContext, type ReviewContext } from '../github/review-context.ts';
import { readIncidents } from '../incident/read.ts';
import { publishStateChange, type StateChangeResult } from '../publish/state.ts';
import { deepEqual } from '../registry/diff.ts';
import { INCIDENT_ID } from '../registry/names.ts';
import { incidentPath } from '../registry/paths.ts';
import type { RegistryChange } from '../registry/types.ts';
import { serializeDocument } from '../registry/writer.ts';
import { BOT_GIT_ENV } from './checkout.ts';
import {
  actionEnvironmentOf,
  githubContext,
  runAction,
  type ActionContext,
  type ActionEnvironment,
} from './runtime.ts';
import { GATE_CHECK_NAME } from '../gate/types.ts';

export interface SignoffGateInputs {
  /** The check run's name: the one the ruleset requires. */
  checkName: string;
  /** Repository-relative registry folder. */
  registry: string;
  /**
   * The GitHub App the gate runs as (`vars.TOLLGATE_APP_ID`), which the ruleset pins as the check's source: only its
   * runs are the gate's. Unset, the gate learns it from each run it creates and the merge record trusts no run.
   */
  appId?: number;
}

export interface SignoffGateDeps {
  client: GitHubClient;
  now: Date;
  /** The checkout (full history of the base); defaults to the workspace. */
  repoRoot?: string;
  /** Identity (and dates) of the state commit written after a merge. */
  gitEnv?: NodeJS.ProcessEnv;
}

/** What the event asks the gate to judge. */
export type GateTarget =
  | {
      kind: 'pull-request';
      number?: number;
      /** The head the event saw; the gate judges the pull request's current head. */
      headSha?: string;
      /** For workflow_run events without pull_requests (forks): find the pull request by branch. */
      headBranch?: string;
      headOwner?: string;
    }
  | { kind: 'merge-group'; headSha: string; baseSha: string; headRef: string };

export interface PullRequestVerdict {
  number: number;
  headSha: string;
  verdict: GateVerdict;
}

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

const SHA = /^[0-9a-f]{40}$/;
const MAX_SUMMARY = 60_000;
/** Above this many logins to check in one team, one listing is cheaper than a call per login. */
const LIST_TEAM_ABOVE = 3;

type Payload = Record<string, unknown>;
const obj = (value: unknown): Payload | undefined =>
  value && typeof value === 'object' ? (value as Payload) : undefined;
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The pull request or merge group an event is about (pure). */
export function gateTargetOf(eventName: string, payload: object): GateTarget {
  const event = payload as Payload;
  if (eventName === 'pull_request_target' || eventName === 'pull_request') {
    const pull = obj(event.pull_request);
    const number = typeof pull?.number === 'number' ? pull.number : Number(event.number);
    if (!Number.isInteger(number) || number <= 0)
      throw new TollgateError(`the ${eventName} event carries no pull request number`);
    return { kind: 'pull-request', number, headSha: str(obj(pull?.head)?.sha) };
  }
  if (eventName === 'workflow_run') {
    const workflowRun = obj(event.workflow_run);
    if (!workflowRun) throw new TollgateError('the workflow_run event carries no workflow_run');
    const pulls = Array.isArray(workflowRun.pull_requests) ? workflowRun.pull_requests : [];
    const number = obj(pulls[0])?.number;
    const headSha = str(workflowRun.head_sha);
    if (typeof number === 'number') return { kind: 'pull-request', number, headSha };
    // Pull requests from forks are not listed on the run; the branch (and its owner) find them.
    const headBranch = str(workflowRun.head_branch);
    const headOwner = str(obj(obj(workflowRun.head_repository)?.owner)?.login);
    if (!headBranch)
      throw new TollgateError('the workflow_run event names no pull request and no head branch', {
        fix: 'trigger the gate from tollgate-review-relay.yml (pull_request_review), see docs/gate.md',
      });
    return { kind: 'pull-request', headSha, headBranch, headOwner };
  }
  if (eventName === 'merge_group') {
    const group = obj(event.merge_group);
    const headSha = str(group?.head_sha);
    const baseSha = str(group?.base_sha);
    const headRef = str(group?.head_ref) ?? '';
    if (!headSha || !baseSha) throw new TollgateError('the merge_group event carries no head_sha/base_sha');
    return { kind: 'merge-group', headSha, baseSha, headRef };
  }
  throw new TollgateError(`the sign-off gate does not run on ${eventName || 'this'} events`, {
    fix: 'trigger it on pull_request_target, workflow_run (from tollgate-review-relay) and merge_group; see templates/workflows/tollgate-signoff-gate.yml',
  });
}

/**
 * Pull requests a merge group contains: its head ref (`gh-readonly-queue/<base>/pr-<N>-<sha>`) names the last,
 * and merge or squash commit subjects (`Merge pull request #N from ...`, `Title (#N)`) name each (pure).
 */
export function pullNumbersInMergeGroup(headRef: string, subjects: string[]): number[] {
  const numbers = new Set<number>();
  const fromRef = /\/pr-(\d+)-[0-9a-f]+$/.exec(headRef)?.[1];
  if (fromRef) numbers.add(Number(fromRef));
  for (const subject of subjects) {
    const n =
      /^Merge pull request #(\d+) from /.exec(subject)?.[1] ?? /\(#(\d+)\)$/.exec(subject.trim())?.[1];
    if (n) numbers.add(Number(n));
  }
  return [...numbers].sort((a, b) => a - b);
}

async function hasCommit(repoRoot: string, sha: string): Promise<boolean> {
  const result = await runGit(repoRoot, ['cat-file', '-e', `${sha}^{commit}`], { okCodes: [1, 128] });
  return result.code === 0;
}

/** Fetches commits into the checkout as data (never checked out); a fork's head comes from refs/pull/N/head. */
export async function fetchCommits(repoRoot: string, shas: string[], pullNumber?: number): Promise<void> {
  for (const sha of shas) {
    if (!SHA.test(sha)) throw new TollgateError(`"${sha}" is not a commit sha`);
    if (await hasCommit(repoRoot, sha)) continue;
    await runGit(repoRoot, ['fetch', '--no-tags', '--quiet', 'origin', sha], { okCodes: [1, 128] });
    if (!(await hasCommit(repoRoot, sha)) && pullNumber !== undefined)
      await runGit(
        repoRoot,
        [
          'fetch',
          '--no-tags',
          '--quiet',
          'origin',
          `+refs/pull/${pullNumber}/head:refs/tollgate/pull/${pullNumber}`,
        ],
        { okCodes: [1, 128] },
      );
    if (!(await hasCommit(repoRoot, sha)))
      throw new TollgateError(`cannot fetch commit ${sha} from origin`, {
        fix: 'check out with actions/checkout and `fetch-depth: 0`, with a token that can read the repository',
      });
  }
}

/**
 * The base branch's tip as origin has it now. GitHub's baseRefOid is the tip when the pull request was opened or
 * last synchronised, so a policy tightened (or a version held) on the branch since would not apply.
 */
export async function currentBaseTip(repoRoot: string, baseRef: string): Promise<string> {
  const ref = `refs/heads/${baseRef}`;
  const valid = await runGit(repoRoot, ['check-ref-format', ref], { okCodes: [1, 128] });
  if (baseRef.startsWith('-') || valid.code !== 0)
    throw new TollgateError(`the pull request's base branch "${baseRef}" is not a valid branch name`);
  const local = 'refs/tollgate/base';
  const fetched = await runGit(repoRoot, ['fetch', '--no-tags', '--quiet', 'origin', `+${ref}:${local}`], {
    okCodes: [1, 128],
  });
  const sha = (
    await runGit(repoRoot, ['rev-parse', '--verify', '--quiet', local], { okCodes: [1] })
  ).stdout.trim();
  if (fetched.code !== 0 || !SHA.test(sha))
    throw new TollgateError(`cannot fetch the base branch ${baseRef} from origin`, {
      fix: 'check out with actions/checkout and `fetch-depth: 0`, with a token that can read the repository',
    });
  return sha;
}

const lower = (login: string) => login.toLowerCase();

/**
 * Evaluates, asking GitHub about team memberships only while a role is still unfilled, one (team, login) at a
 * time, approvers not already signing another role first. More memberships can only fill more roles, so a
 * success with some pairs unasked is a success with all of them; a failure asks every pair that could matter.
 * A team with many pairs left is listed once instead.
 */
async function evaluateAsking(
  client: GitHubClient,
  repo: RepoRef,
  input: Omit<GateInput, 'memberships' | 'permissions'>,
  context: ReviewContext,
): Promise<GateVerdict> {
  const lookups = rolesToResolve(input);
  const pairs = lookups.memberships;
  // Write access comes free with the reviews (authorCanPushToRepository); the exact level is asked only for an
  // approver without it who holds an unfilled role, so the summary can say what they have.
  const permissions: Record<string, Permission> = {};
  const toAsk = new Set<string>();
  for (const login of lookups.permissions) {
    const canPush = context.reviews.some(
      (r) => r.author && lower(r.author) === lower(login) && r.authorCanPush,
    );
    if (canPush) permissions[login] = 'write';
    else toAsk.add(login);
  }
  const memberships: GateInput['memberships'] = {};
  const asked = new Set<string>();
  const key = (p: { team: string; login: string }) => `${lower(p.team)} ${lower(p.login)}`;
  const record = (team: string, login: string, state: MembershipState) => {
    (memberships[team] ??= {})[login] = state;
    asked.add(key({ team, login }));
  };
  for (;;) {
    const verdict = evaluateGate({ ...input, memberships, permissions });
    if (verdict.conclusion === 'success' || verdict.blocking.length > 0) return verdict;
    const assigned = new Set(
      verdict.requirements.flatMap((r) => (r.satisfiedBy ? [lower(r.satisfiedBy.login)] : [])),
    );
    const unfilledTeams = new Set(
      verdict.requirements
        .filter((r) => !r.satisfiedBy)
        .flatMap((r) => r.candidates.filter((c) => c.includes('/')).map((c) => lower(c.replace(/^@/, '')))),
    );
    const holdsUnfilled = (login: string) =>
      verdict.requirements.some(
        (r) =>
          !r.satisfiedBy &&
          r.candidates.some(
            (c) =>
              lower(c) === `@${lower(login)}` ||
              memberships[Object.keys(memberships).find((t) => `@${lower(t)}` === lower(c)) ?? '']?.[
                login
              ] === 'active',
          ),
      );
    const permissionFor = [...toAsk].find(holdsUnfilled);
    if (permissionFor !== undefined) {
      toAsk.delete(permissionFor);
      permissions[permissionFor] = await getCollaboratorPermission(client, repo, permissionFor);
      continue;
    }
    const open = pairs
      .filter((p) => unfilledTeams.has(lower(p.team)) && !asked.has(key(p)))
      .sort((a, b) => Number(assigned.has(lower(a.login))) - Number(assigned.has(lower(b.login))));
    const next = open[0];
    if (!next) return verdict;
    const team = teamRef(next.team);
    const sameTeam = open.filter((p) => lower(p.team) === lower(next.team));
    if (sameTeam.length > LIST_TEAM_ABOVE) {
      const members = new Set((await listTeamMembers(client, team)).map(lower));
      for (const p of sameTeam) record(p.team, p.login, members.has(lower(p.login)) ? 'active' : 'none');
    } else {
      record(next.team, next.login, await getTeamMembership(client, team, next.login));
    }
  }
}

function teamRef(team: string): { org: string; team: string } {
  const [org, slug, ...rest] = team.split('/');
  if (!org || !slug || rest.length > 0)
    throw new TollgateError(`team "${team}" in registry/policy.yaml is not org/team-slug`, {
      file: 'policy.yaml',
      fix: 'name teams as org/team-slug',
    });
  return { org, team: slug };
}

interface Judged extends PullRequestVerdict {
  facts: GateFacts;
  /** The pull request's base branch, when it is not the default branch. */
  otherBase?: string;
}

/**
 * A check run belongs to a commit, not a pull request: a pass for a pull request into another branch (which the
 * policy may let through unsigned) must not stand for a pull request into the default branch with the same head.
 */
export function checkNameFor(checkName: string, otherBase: string | undefined): string {
  return otherBase === undefined ? checkName : `${checkName} (into ${otherBase})`;
}

async function judgePullRequest(
  number: number,
  options: {
    client: GitHubClient;
    repo: RepoRef;
    repoRoot: string;
    registry: string;
    defaultBranch?: string;
    /** Already fetched by the caller, to spend one query per pull request. */
    context?: ReviewContext;
  },
  onHead: (sha: string) => void,
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
  const reviews = submittedReviews(context);
  const facts = await collectGateFacts(repoRoot, {
    baseSha,
    headSha,
    registryPrefix: options.registry,
    reviewedCommits: reviews.map((r) => r.commitId),
  });
  const input = gateInputOf(facts, context, {
    number,
    headSha,
    reviews,
    ...(options.defaultBranch ? { defaultBranch: options.defaultBranch } : {}),
  });
  const verdict = await evaluateAsking(client, repo, input, context);
  const intoDefault = context.baseRef === (options.defaultBranch ?? facts.policy.defaultBranch);
  return { number, headSha, verdict, facts, ...(intoDefault ? {} : { otherBase: context.baseRef }) };
}

/** The pull request the event names, or (a fork's, by branch) the open one; undefined when none is open. */
async function resolvePullNumber(
  target: Extract<GateTarget, { kind: 'pull-request' }>,
  client: GitHubClient,
  repo: RepoRef,
): Promise<number | undefined> {
  if (target.number !== undefined) return target.number;
  const owner = target.headOwner ?? repo.owner;
  return (await findOpenPullRequest(client, repo, `${owner}:${target.headBranch ?? ''}`))?.number;
}

/** Changes in the merge group that no contained pull request's own diff explains. */
export function unexplainedChanges(group: RegistryChange[], pulls: RegistryChange[][]): RegistryChange[] {
  return group.filter((change) => !pulls.some((changes) => changes.some((c) => deepEqual(c, change))));
}

/** The call count so far; posting adds one call, plus one to list the runs unless they were listed already. */
function footnote(client: GitHubClient, runsListed = false): string {
  return `<sub>${describeCalls(client)} to decide; posting this check run adds ${runsListed ? 1 : 2}.</sub>`;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 20)}\n\n…(truncated)`;
}

export async function runSignoffGate(
  inputs: SignoffGateInputs,
  env: ActionEnvironment,
  deps: SignoffGateDeps,
): Promise<SignoffGateResult> {
  const { client } = deps;
  const repo: RepoRef = { owner: env.owner, repo: env.repo };
  const repoRoot = deps.repoRoot ?? env.workspace;
  const checkName = inputs.checkName || GATE_CHECK_NAME;
  const defaultBranch = str(obj(env.event.repository)?.default_branch);
  const options = { client, repo, repoRoot, registry: inputs.registry || 'registry', defaultBranch };
  if (env.eventName === 'pull_request_target' && env.event.action === 'closed')
    return recordAfterClose(env, {
      ...options,
      checkName,
      ...(inputs.appId !== undefined ? { appId: inputs.appId } : {}),
      gitEnv: deps.gitEnv,
    });
  let headSha: string | undefined;
  let otherBase: string | undefined;
  let listed: { headSha: string; runs: CheckRunInfo[] } | undefined;
  let result: SignoffGateResult;
  try {
    const target = gateTargetOf(env.eventName, env.event);
    headSha = target.headSha;
    // Before any fetch: a shallow checkout would give a wrong diff and wrong history, so it fails here.
    await assertFullHistory(repoRoot);
    if (target.kind === 'pull-request') {
      const number = await resolvePullNumber(target, client, repo);
      if (number === undefined) {
        // A review relayed from a fork's pull request that is merged or closed: the run lists no pull request,
        // and none is open from that branch. Its check stays as it stood; failing closed here would post a
        // failure on the merged head and rewrite the verdict auditors read.
        const from = `${target.headOwner ?? repo.owner}:${target.headBranch ?? '?'}`;
        return {
          conclusion: 'success',
          title: `No open pull request from ${from}: nothing to judge, no check posted`,
          summary: `No open pull request from ${from}; a review on a merged or closed pull request leaves its check run as it stood.\n`,
          pullRequests: [],
        };
      }
      const context = await fetchReviewContext(client, repo, number);
      const state = context.state;
      if (state !== 'OPEN') {
        // A review on a merged or closed pull request re-runs the gate; re-judging would overwrite the verdict that
        // stood at the merge, which is what auditors read. Nothing is posted.
        return {
          conclusion: 'success',
          title: `Pull request #${number} is ${state.toLowerCase()}: its check stays as it was`,
          summary: `Pull request #${number} is ${state.toLowerCase()}; the gate leaves its check run as it stood.\n`,
          pullRequests: [],
        };
      }
      // The name is known before judging when the event names the default branch; otherwise nothing is withdrawn.
      if (defaultBranch !== undefined)
        listed = {
          headSha: context.headSha,
          runs: await withdrawStandingPass(
            client,
            repo,
            {
              name: checkNameFor(checkName, context.baseRef === defaultBranch ? undefined : context.baseRef),
              headSha: context.headSha,
              ...(env.runUrl ? { detailsUrl: env.runUrl } : {}),
            },
            inputs.appId,
          ),
        };
      const judged = await judgePullRequest(number, { ...options, context }, (sha) => (headSha = sha));
      otherBase = judged.otherBase;
      result = {
        conclusion: judged.verdict.conclusion,
        title: judged.verdict.title,
        summary: `${renderVerdictMarkdown(judged.verdict)}\n${footnote(client, listed !== undefined)}\n`,
        headSha: judged.headSha,
        pullRequests: [{ number, headSha: judged.headSha, verdict: judged.verdict }],
        annotations: verdictAnnotations(judged.verdict),
      };
    } else {
      result = await judgeMergeGroup(target, options);
    }
  } catch (error) {
    const message = describeError(error);
    result = {
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
        footnote(client),
        '',
      ].join('\n'),
      ...(headSha ? { headSha } : {}),
      pullRequests: [],
      error: message,
    };
  }
  if (!result.headSha || !SHA.test(result.headSha)) return result;
  try {
    const posted = await postGateCheckRun(
      client,
      repo,
      {
        name: checkNameFor(checkName, otherBase),
        headSha: result.headSha,
        conclusion: result.conclusion,
        title: clip(result.title, 200),
        summary: result.summary,
        ...(env.runUrl ? { detailsUrl: env.runUrl } : {}),
        ...(result.annotations?.length ? { annotations: result.annotations } : {}),
      },
      inputs.appId,
      MAX_SUMMARY,
      listed?.headSha === result.headSha ? listed.runs : undefined,
    );
    result.checkRunId = posted.id;
    result.summary = posted.summary;
    if (posted.warnings.length > 0) result.warnings = posted.warnings;
  } catch (error) {
    // The verdict could not be posted: the job fails, and a check this run did not post can only be absent or older.
    const message = `could not post the ${checkName} check run: ${describeError(error)}`;
    result.conclusion = 'failure';
    result.error = result.error ? `${result.error}\n${message}` : message;
  }
  return result;
}

function checkRunFact(run: CheckRunInfo): GateCheckRunFact {
  return {
    name: run.name,
    id: run.id,
    status: run.status,
    conclusion: run.conclusion,
    ...(run.htmlUrl ? { url: run.htmlUrl } : {}),
    ...(run.completedAt ? { completedAt: run.completedAt } : {}),
    ...(run.app ? { appId: run.app.id, ...(run.app.slug ? { appSlug: run.app.slug } : {}) } : {}),
  };
}

/** A closed pull request's facts from the event (GitHub's own payload, the same on a re-run). */
function closedPullOf(event: Payload) {
  const pull = obj(event.pull_request);
  const number = typeof pull?.number === 'number' ? pull.number : Number(event.number);
  if (!pull || !Number.isInteger(number) || number <= 0)
    throw new TollgateError('the pull_request_target closed event carries no pull request');
  return {
    number,
    merged: pull.merged === true,
    title: str(pull.title) ?? '',
    mergeSha: str(pull.merge_commit_sha) ?? '',
    mergedAt: str(pull.merged_at) ?? '',
    mergedBy: str(obj(pull.merged_by)?.login) ?? '',
  };
}

/** Who merged, when the event does not say: the pull request as the API has it, else the merge commit's author. */
async function mergerOf(
  client: GitHubClient,
  repo: RepoRef,
  repoRoot: string,
  number: number,
  mergeSha: string,
): Promise<string> {
  const fromApi = (await getPullRequest(client, repo, number)).mergedBy;
  if (fromApi) return fromApi;
  const author = (await runGit(repoRoot, ['log', '-1', '--format=%an <%ae>', mergeSha])).stdout.trim();
  return `${author} (merge commit author; GitHub named no merger)`;
}

/**
 * After a merge into the default branch: re-evaluate the gate on the head that merged (base = the merge commit's
 * first parent, reviews up to the merge) and record an audit event per stage pointer moved, plus rollback-completed
 * on the incident of a rollback, through the registry-state path. The gate's check run is read, never posted.
 */
async function recordAfterClose(
  env: ActionEnvironment,
  options: {
    client: GitHubClient;
    repo: RepoRef;
    repoRoot: string;
    registry: string;
    defaultBranch?: string;
    checkName: string;
    appId?: number;
    gitEnv?: NodeJS.ProcessEnv;
  },
): Promise<SignoffGateResult> {
  const { client, repo, repoRoot } = options;
  const done = (title: string, extra: Partial<SignoffGateResult> = {}, lines: string[] = []) => ({
    conclusion: 'success' as const,
    title,
    summary: [`### ${title}`, '', ...lines, '', `<sub>${describeCalls(client)}.</sub>`, ''].join('\n'),
    pullRequests: [],
    ...extra,
  });
  let number: number | undefined;
  try {
    const pull = closedPullOf(env.event);
    number = pull.number;
    if (!pull.merged) return done(`Pull request #${number} was closed without merging: nothing to record`);
    if (!SHA.test(pull.mergeSha) || Number.isNaN(Date.parse(pull.mergedAt)))
      throw new TollgateError(`the event for merged pull request #${number} lacks its merge commit or time`);
    await assertFullHistory(repoRoot);
    await fetchCommits(repoRoot, [pull.mergeSha]);
    // GitHub sends merged_by null for some merges (a merge queue, a deleted account): the merge is recorded all the
    // same, with the merger GitHub's API names, else the merge commit's author.
    const mergedBy = pull.mergedBy || (await mergerOf(client, repo, repoRoot, number, pull.mergeSha));
    const firstParent = (
      await runGit(repoRoot, ['rev-parse', '--verify', `${pull.mergeSha}^1`])
    ).stdout.trim();
    const fetched = await fetchReviewContext(client, repo, number);
    if (fetched.state !== 'MERGED')
      throw new TollgateError(
        `pull request #${number} is ${fetched.state.toLowerCase()} on GitHub, not merged`,
      );
    // The verdict that stood at the merge: a review submitted afterwards changes nothing that merged.
    const mergedAt = Date.parse(pull.mergedAt);
    const context: ReviewContext = {
      ...fetched,
      reviews: fetched.reviews.filter(
        (r) => r.submittedAt !== undefined && Date.parse(r.submittedAt) <= mergedAt,
      ),
    };
    const judged = await judgePullRequest(number, { ...options, context }, () => {}, firstParent);
    const headSha = judged.headSha;
    if (judged.otherBase !== undefined)
      return done(
        `Pull request #${number} merged into ${judged.otherBase}, not the default branch: nothing to record`,
      );
    if (!judged.facts.changes.some((c) => c.kind === 'stage-changed'))
      return done(`Pull request #${number} moved no stage pointer: nothing to record`);

    const name = checkNameFor(options.checkName, undefined);
    // Only the pinned App's runs are the gate's; another App's run of the same name is recorded as a forgery.
    const { own, foreign } = runsByApp(
      await listCheckRunsForRef(client, repo, headSha, { checkName: name, filter: 'all' }),
      name,
      headSha,
      options.appId,
    );
    const run = own[0];
    const checkRun: GateCheckRunFact | undefined = run && checkRunFact(run);
    const commits = (
      await commitsTouching(repoRoot, [], { ref: `${judged.facts.mergeBase}..${headSha}` })
    ).map((c) => ({ sha: c.sha, authorDate: c.authorDate, trailers: c.trailers }));
    // Records are read (and written) as the base branch holds them now: a re-run then finds its own earlier work.
    const tip = await currentBaseTip(repoRoot, fetched.baseRef);
    const tipReader = gitTreeReader(repoRoot, tip, options.registry);
    try {
      const incidentIds = [
        ...new Set(
          commits.flatMap((c) =>
            Object.entries(c.trailers)
              .filter(([key]) => key.toLowerCase() === 'incident')
              .flatMap(([, values]) => values.map((v) => v.trim())),
          ),
        ),
      ].filter((id) => INCIDENT_ID.test(id));
      const incidents = await readIncidents(tipReader, incidentIds.map(incidentPath));
      const record = recordMergedPullRequest({
        pull: {
          number,
          title: pull.title,
          mergeSha: pull.mergeSha,
          mergedAt: pull.mergedAt,
          mergedBy,
          headSha,
        },
        changes: judged.facts.changes,
        verdict: judged.verdict,
        checkName: name,
        ...(checkRun ? { checkRun } : {}),
        ...(options.appId !== undefined ? { pinnedAppId: options.appId } : {}),
        ...(foreign.length > 0 ? { foreignCheckRuns: foreign.map(checkRunFact) } : {}),
        commits,
        incidents,
      });
      // Audit events are never edited: one already on the branch stands, whatever a re-run would write.
      const writes = [];
      const already: string[] = [];
      for (const write of record.writes) {
        const onTip = write.document.kind === 'AuditEvent' ? await tipReader.read(write.path) : undefined;
        if (onTip === undefined) writes.push(write);
        else
          already.push(
            `${write.path}${onTip.toString('utf8') === serializeDocument(write.document) ? '' : ' (kept as first written)'}`,
          );
      }
      const prefix = normalizeRegistryPrefix(options.registry);
      const shown = (path: string) => (prefix === '' ? path : `${prefix}/${path}`);
      const lines = [
        ...record.audit.map(
          (a) =>
            `- \`${a.event}\` ${a.model} ${a.stage} → ${a.version ?? '(none)'}, approvers: ${
              (a.details?.approvers as { role: string; login: string }[])
                .map((x) => `${x.login} (${x.role})`)
                .join(', ') || 'none'
            }; gate check: ${checkRun ? `${checkRun.conclusion ?? checkRun.status} (run ${checkRun.id})` : 'missing'}`,
        ),
        ...(record.rollback
          ? [
              `- rollback of ${record.rollback.incident} completed ${record.rollback.seconds} s after it started`,
            ]
          : []),
        ...foreign.map(
          (r) => `- ⚠️ forged check: ${describeForeignRun(r)} (only App id ${options.appId} is the gate)`,
        ),
        ...already.map((path) => `- already recorded: \`${shown(path)}\``),
      ];
      if (writes.length === 0)
        return done(`Pull request #${number} is already recorded`, { recorded: [] }, lines);
      if (judged.facts.policy.stateWrites === 'push')
        // The state commit is pushed from the checkout: bring it to the tip the records were read from.
        await runGit(repoRoot, ['merge', '--ff-only', '--quiet', tip]);
      const state = await publishStateChange(
        {
          repoRoot,
          registryDir: options.registry,
          writes,
          message: record.message,
          trailers: record.trailers,
          baseBranch: fetched.baseRef,
          baseRef: tip,
          stateWrites: judged.facts.policy.stateWrites,
          branch: `tollgate/state/merged/${number}`,
          pullRequest: {
            title: record.message.split('\n')[0]!,
            body: [
              `Records what pull request #${number} merged (${pull.mergeSha.slice(0, 12)}):`,
              '',
              ...lines,
              '',
              'A state change: the sign-off gate passes it without sign-offs, and Tollgate merges it.',
              '',
            ].join('\n'),
            labels: ['tollgate:state'],
          },
          mergeMethod: 'squash',
          ...(options.gitEnv ? { env: options.gitEnv } : {}),
        },
        { client, repo },
      );
      const where =
        state.mode === 'pushed'
          ? `pushed to ${fetched.baseRef} in ${state.commit.slice(0, 12)}`
          : state.pullRequest
            ? `in state pull request #${state.pullRequest.number} (${state.pullRequest.merge.status === 'open' ? `open: ${state.pullRequest.merge.reason}` : state.pullRequest.merge.status})`
            : `committed on ${state.branch}`;
      return done(`Recorded the merge of pull request #${number}`, { recorded: state.files, state }, [
        ...lines,
        ...state.files.map((f) => `- wrote \`${f}\``),
        `- ${where}`,
      ]);
    } finally {
      tipReader.close();
    }
  } catch (error) {
    // Never a check run here: the check of a merged pull request stays as it stood at the merge.
    const message = describeError(error);
    return {
      conclusion: 'failure',
      title: `Could not record the merge of pull request #${number ?? '?'}: ${message.split('\n')[0]!.slice(0, 150)}`,
      summary: [
        '### ❌ Could not record the merge',
        '',
        'Nothing half-written reached the default branch, and the check run stays as it stood at the merge. Fix the cause, then re-run this job.',
        '',
        '```',
        message,
        '```',
        '',
        `<sub>${describeCalls(client)}.</sub>`,
        '',
      ].join('\n'),
      pullRequests: [],
      error: message,
    };
  }
}

async function judgeMergeGroup(
  target: Extract<GateTarget, { kind: 'merge-group' }>,
  options: {
    client: GitHubClient;
    repo: RepoRef;
    repoRoot: string;
    registry: string;
    defaultBranch?: string;
  },
): Promise<SignoffGateResult> {
  const { repoRoot, client } = options;
  await fetchCommits(repoRoot, [target.baseSha, target.headSha]);
  const subjects = (
    await runGit(repoRoot, ['log', '--format=%s', `${target.baseSha}..${target.headSha}`, '--'])
  ).stdout
    .split('\n')
    .filter((s) => s !== '');
  const numbers = pullNumbersInMergeGroup(target.headRef, subjects);
  if (numbers.length === 0)
    throw new TollgateError(`merge group ${target.headRef || target.headSha} names no pull request`, {
      fix: 'use the merge queue with the merge or squash method, so each pull request number is in a commit subject',
    });
  const judged: Judged[] = [];
  for (const number of numbers)
    judged.push(await judgePullRequest(number, options, () => {}, target.baseSha));
  const group = await collectGateFacts(repoRoot, {
    baseSha: target.baseSha,
    headSha: target.headSha,
    registryPrefix: options.registry,
  });
  const unexplained = unexplainedChanges(
    group.changes,
    judged.map((j) => j.facts.changes),
  );
  const failed = judged.filter((j) => j.verdict.conclusion !== 'success');
  const conclusion = failed.length === 0 && unexplained.length === 0 ? 'success' : 'failure';
  const title =
    conclusion === 'success'
      ? `All ${judged.length} pull request(s) in the merge group signed off`
      : unexplained.length > 0
        ? 'Blocked: the merge group changes what no pull request in it changes'
        : `Pull request(s) ${failed.map((j) => `#${j.number}`).join(', ')} lack sign-off`;
  const sections = [`### ${conclusion === 'success' ? '✅' : '❌'} ${title}`, ''];
  if (unexplained.length > 0) {
    sections.push('**Changes no pull request in the group explains:**', '');
    for (const change of unexplained) sections.push(`- \`${JSON.stringify(change)}\``);
    sections.push('');
  }
  for (const j of judged)
    sections.push(
      `#### Pull request #${j.number} (\`${j.headSha.slice(0, 7)}\`)`,
      '',
      renderVerdictMarkdown(j.verdict),
    );
  sections.push(footnote(client), '');
  return {
    conclusion,
    title,
    summary: sections.join('\n'),
    headSha: target.headSha,
    pullRequests: judged.map(({ number, headSha, verdict }) => ({ number, headSha, verdict })),
  };
}

export async function run(context: ActionContext = githubContext): Promise<void> {
  await runAction('Tollgate sign-off gate', async (actionRun) => {
    const env = actionEnvironmentOf(context);
    const client = githubClientFromEnv(process.env, { token: core.getInput('token') });
    const result = await runSignoffGate(
      {
        checkName: core.getInput('check-name') || GATE_CHECK_NAME,
        registry: core.getInput('registry') || 'registry',
        appId: parseAppId(core.getInput('app-id'), 'app-id'),
      },
      env,
      { client, now: new Date(), gitEnv: BOT_GIT_ENV },
    );
    actionRun.footnotes.push(describeCalls(client));
    core.setOutput('conclusion', result.conclusion);
    core.setOutput('recorded', (result.recorded ?? []).join('\n'));
    for (const warning of result.warnings ?? []) core.warning(warning);
    core.summary.addRaw(result.summary);
    if (result.error)
      throw new TollgateError(
        env.event.action === 'closed'
          ? `the sign-off gate could not record the merge: ${result.error}`
          : `the sign-off gate failed closed: ${result.error}`,
      );
    // A failing verdict fails the job too, so a ruleset that requires the job instead of the check still blocks.
    if (result.conclusion !== 'success') core.setFailed(`sign-off gate: ${result.title}`);
  });
}

// Run when this file is the action's entry (the bundle); tests import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
