// What a sign-off gate event asks for, read from its payload (pure): a pull request to judge, a merge group to
// judge, or a closed pull request whose merge is to be recorded; and the small rules the gate flows share.
import { TollgateError } from '../errors.ts';
import { deepEqual } from '../registry/diff.ts';
import type { RegistryChange } from '../registry/types.ts';
import { GATE_CHECK_NAME } from './types.ts';

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

export type PullRequestTarget = Extract<GateTarget, { kind: 'pull-request' }>;
export type MergeGroupTarget = Extract<GateTarget, { kind: 'merge-group' }>;

/** A closed pull request's facts from the event (GitHub's own payload, the same on a re-run). */
export interface ClosedPull {
  number: number;
  merged: boolean;
  title: string;
  mergeSha: string;
  mergedAt: string;
  /** '' when GitHub sent merged_by null (a merge queue, a deleted account). */
  mergedBy: string;
  /** The description as it stood at the merge ('' for none); absent when the event did not carry it. */
  body?: string;
}

/** What the gate flows are told besides their target. */
export interface GateRequest {
  /** The check run's name: the one the ruleset requires. */
  checkName: string;
  /** Repository-relative registry folder. */
  registry: string;
  /**
   * The GitHub App the gate runs as (`vars.TOLLGATE_APP_ID`), which the ruleset pins as the check's source: only its
   * runs are the gate's. Unset, the gate learns it from each run it creates and the merge record trusts no run.
   */
  appId?: number;
  /**
   * The same App's slug (the token step's `app-slug` output): only a pull request its bot opened may add merge
   * records. Unset, any bot may (a writer's workflow can open one as github-actions[bot]).
   */
  appSlug?: string;
  /** The repository's default branch, when the event names it. */
  defaultBranch?: string;
  /** The workflow run's page: the check run's details link. */
  runUrl?: string;
}

type Payload = Record<string, unknown>;
const obj = (value: unknown): Payload | undefined =>
  value && typeof value === 'object' ? (value as Payload) : undefined;
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export const SHA = /^[0-9a-f]{40}$/;

/** The repository's default branch as the event's payload names it. */
export function defaultBranchOf(payload: object): string | undefined {
  return str(obj((payload as Payload).repository)?.default_branch);
}

/** The request from the action's inputs (empty means the default) and the event (pure). */
export function gateRequestOf(
  inputs: { checkName?: string; registry?: string; appId?: number | undefined; appSlug?: string },
  payload: object,
  runUrl?: string,
): GateRequest {
  const defaultBranch = defaultBranchOf(payload);
  return {
    checkName: inputs.checkName || GATE_CHECK_NAME,
    registry: inputs.registry || 'registry',
    ...(inputs.appId !== undefined ? { appId: inputs.appId } : {}),
    ...(inputs.appSlug ? { appSlug: inputs.appSlug } : {}),
    ...(defaultBranch !== undefined ? { defaultBranch } : {}),
    ...(runUrl ? { runUrl } : {}),
  };
}

/** A pull_request_target event that closed a pull request: the gate records the merge instead of judging. */
export function isCloseEvent(eventName: string, payload: object): boolean {
  return eventName === 'pull_request_target' && (payload as Payload).action === 'closed';
}

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

/** A closed pull request's facts from a pull_request_target closed event (pure). */
export function closedPullOf(payload: object): ClosedPull {
  const event = payload as Payload;
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
    ...(typeof pull.body === 'string' || pull.body === null ? { body: pull.body ?? '' } : {}),
  };
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

/** Changes in the merge group that no contained pull request's own diff explains. */
export function unexplainedChanges(group: RegistryChange[], pulls: RegistryChange[][]): RegistryChange[] {
  return group.filter((change) => !pulls.some((changes) => changes.some((c) => deepEqual(c, change))));
}

/**
 * A check run belongs to a commit, not a pull request: a pass for a pull request into another branch (which the
 * policy may let through unsigned) must not stand for a pull request into the default branch with the same head.
 */
export function checkNameFor(checkName: string, otherBase: string | undefined): string {
  return otherBase === undefined ? checkName : `${checkName} (into ${otherBase})`;
}
