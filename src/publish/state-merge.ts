// Which of Tollgate's state pull requests the App may merge itself, now. Pure.
//
// GitHub's auto-merge never uses a ruleset's bypass: a state pull request waiting on auto-merge would wait for the
// approval the `tollgate-reviews` ruleset asks for, which nobody gives to a schedule update. So the App merges them
// with a direct merge call, which is where its `pull_request`-mode bypass of that ruleset applies, and only when
// the `tollgate` ruleset (which the App may not bypass) would let it anyway: the gate's own check, from the pinned
// App, and validate passed on the current head. The gate passes a pull request from a state branch only when it
// changes registry state alone, so what merges this way passed the gate and needed no sign-off (docs/gate.md).
import { isStateBranch } from '../gate/requirements.ts';
import { GATE_CHECK_NAME } from '../gate/types.ts';
import { GITHUB_ACTIONS_APP_ID, VALIDATE_CHECK } from '../init/rulesets.ts';

export const STATE_PULL_LABEL = 'tollgate:state';

export interface StatePullFacts {
  number: number;
  headRef: string;
  headSha: string;
  baseRef: string;
  author: string | undefined;
  labels: string[];
  draft: boolean;
  /** The head's latest check runs (GitHub's `latest` filter), with the App that posted each. */
  checks: { name: string; appId: number | undefined; status: string; conclusion: string | null }[];
}

export type StateMergeVerdict =
  | { merge: true }
  /** `skip`: not a Tollgate state pull request at all; `wait`: one, but its checks have not passed yet. */
  | { merge: false; kind: 'skip' | 'wait'; reason: string };

/** The latest run of `name` from `appId` on the head, passed. */
function passed(facts: StatePullFacts, name: string, appId: number): 'passed' | 'failed' | 'pending' {
  const run = facts.checks.filter((c) => c.name === name && c.appId === appId).at(-1);
  if (!run || run.status !== 'completed') return 'pending';
  return run.conclusion === 'success' ? 'passed' : 'failed';
}

export function judgeStatePullRequest(
  facts: StatePullFacts,
  context: { appId: number; appSlug: string; defaultBranch: string },
): StateMergeVerdict {
  const skip = (reason: string): StateMergeVerdict => ({ merge: false, kind: 'skip', reason });
  if (!isStateBranch(facts.headRef)) return skip(`${facts.headRef} is not a Tollgate state branch`);
  if (facts.baseRef !== context.defaultBranch)
    return skip(`it targets ${facts.baseRef}, not ${context.defaultBranch}`);
  if (!facts.labels.includes(STATE_PULL_LABEL)) return skip(`it is not labelled ${STATE_PULL_LABEL}`);
  // Only the Tollgate App's own bot (`<slug>[bot]`; a login cannot contain `[`, and an App's slug is unique). Any
  // other App will not do: a writer's branch workflow opens a pull request as github-actions[bot] with its own
  // GITHUB_TOKEN, from a state branch, labelled, and this merge would land it with no review at all.
  const bot = `${context.appSlug}[bot]`;
  if (facts.author !== bot)
    return skip(`it was opened by ${facts.author ?? 'nobody known'}, not the Tollgate App (${bot})`);
  if (facts.draft) return skip('it is a draft');
  for (const [name, appId] of [
    [GATE_CHECK_NAME, context.appId],
    [VALIDATE_CHECK, GITHUB_ACTIONS_APP_ID],
  ] as const) {
    const state = passed(facts, name, appId);
    if (state === 'failed') return skip(`${name} failed on ${facts.headSha.slice(0, 7)}`);
    if (state === 'pending')
      return {
        merge: false,
        kind: 'wait',
        reason: `${name} (app ${appId}) has not passed ${facts.headSha.slice(0, 7)} yet`,
      };
  }
  return { merge: true };
}
