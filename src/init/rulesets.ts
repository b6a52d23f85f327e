// The repository rulesets `tollgate init` prints and `init --apply` creates, as plain data, and the rule that
// refuses any whose required checks are not pinned to the app that posts them. docs/github.md says which setting
// closes which attack.
import { TollgateError } from '../errors.ts';
import { GATE_CHECK_NAME } from '../gate/types.ts';

export const VALIDATE_CHECK = 'validate';

/**
 * The GitHub Actions app: every check run a workflow job reports (here the `validate` job) comes from it. Pinning
 * validate to it means a commit status posted with some token cannot stand in for the job.
 */
export const GITHUB_ACTIONS_APP_ID = 15368;

/**
 * The deployment environments the workflow templates use, restricted by `init --apply` to the default branch:
 * `tollgate` holds the App key (TOLLGATE_APP_KEY) for the gate, promote and retrain-recording jobs;
 * `tollgate-emergency` holds the App key and the emergency push key for the rollback and incident jobs only.
 */
export const ENVIRONMENTS = { app: 'tollgate', emergency: 'tollgate-emergency' } as const;

export const GATE_RULESET = 'tollgate';
export const REVIEW_RULESET = 'tollgate-reviews';

export interface RulesetOptions {
  defaultBranch: string;
  /** The Tollgate App's id (the `TOLLGATE_APP_ID` variable). Without it no ruleset can pin the gate's check. */
  appId?: number;
  /** The policy lets some incidents push their rollback (incident.emergency_push is not empty). */
  emergencyPush: boolean;
}

interface StatusCheck {
  context: string;
  integration_id?: number;
}

export interface Ruleset {
  name: string;
  target: 'branch';
  enforcement: 'active';
  bypass_actors: { actor_id: number | null; actor_type: 'Integration' | 'DeployKey'; bypass_mode: string }[];
  conditions: { ref_name: { include: string[]; exclude: string[] } };
  rules: (
    | { type: 'deletion' | 'non_fast_forward' }
    | { type: 'pull_request'; parameters: Record<string, boolean | number> }
    | {
        type: 'required_status_checks';
        parameters: { strict_required_status_checks_policy: boolean; required_status_checks: StatusCheck[] };
      }
  )[];
}

/**
 * The only actor that may push to the default branch without a pull request: a deploy key, whose private half is
 * the `TOLLGATE_EMERGENCY_PUSH_KEY` secret of the `tollgate-emergency` environment (default branch only), checked
 * out by the rollback and incident jobs alone. A deploy key can push and do nothing else: it cannot post a check,
 * open or merge a pull request. `always` is the narrowest mode that allows a push (`pull_request` does not apply
 * to deploy keys; `exempt` would leave no bypass entry in the rule insights).
 */
const EMERGENCY_PUSH = { actor_id: null, actor_type: 'DeployKey', bypass_mode: 'always' } as const;

/**
 * Two rulesets on the default branch, so that no bypass covers the required checks except the emergency push:
 * - `tollgate`: no deletion, no force push, every change through a pull request, and both checks required, strict
 *   (the head must contain the base) and pinned to the app that posts them.
 * - `tollgate-reviews`: GitHub's own review rule backing the gate: one approval, a code owner's where CODEOWNERS
 *   names one, dismissed on push, and the last push approved by someone else. The Tollgate App may bypass it, in
 *   `pull_request` mode only, to merge the state-only pull requests the gate passed without sign-offs (its other
 *   pull requests still need the gate's pass, which the `tollgate` ruleset enforces for it too).
 */
export function tollgateRulesets(options: RulesetOptions): Ruleset[] {
  const conditions = { ref_name: { include: [`refs/heads/${options.defaultBranch}`], exclude: [] } };
  const emergency = options.emergencyPush ? [EMERGENCY_PUSH] : [];
  const gateCheck: StatusCheck =
    options.appId === undefined
      ? { context: GATE_CHECK_NAME }
      : { context: GATE_CHECK_NAME, integration_id: options.appId };
  return [
    {
      name: GATE_RULESET,
      target: 'branch',
      enforcement: 'active',
      bypass_actors: [...emergency],
      conditions,
      rules: [
        { type: 'deletion' },
        { type: 'non_fast_forward' },
        {
          type: 'pull_request',
          parameters: {
            required_approving_review_count: 0,
            dismiss_stale_reviews_on_push: true,
            require_code_owner_review: false,
            require_last_push_approval: false,
            required_review_thread_resolution: false,
          },
        },
        {
          type: 'required_status_checks',
          parameters: {
            strict_required_status_checks_policy: true,
            required_status_checks: [
              gateCheck,
              { context: VALIDATE_CHECK, integration_id: GITHUB_ACTIONS_APP_ID },
            ],
          },
        },
      ],
    },
    {
      name: REVIEW_RULESET,
      target: 'branch',
      enforcement: 'active',
      bypass_actors: [
        ...(options.appId === undefined
          ? []
          : [{ actor_id: options.appId, actor_type: 'Integration' as const, bypass_mode: 'pull_request' }]),
        ...emergency,
      ],
      conditions,
      rules: [
        {
          type: 'pull_request',
          parameters: {
            required_approving_review_count: 1,
            dismiss_stale_reviews_on_push: true,
            require_code_owner_review: true,
            require_last_push_approval: true,
            required_review_thread_resolution: false,
          },
        },
      ],
    },
  ];
}

export const APP_ID_HELP =
  "find your Tollgate App's id on its settings page (Settings → Developer settings → GitHub Apps → the App → " +
  '"App ID"; for an organization\'s App, the organization\'s settings), or list the installations with ' +
  "`gh api /orgs/ORG/installations --jq '.installations[] | [.app_slug, .app_id]'`; then run " +
  '`tollgate init --app-id ID` (the same id goes in the TOLLGATE_APP_ID variable)';

/**
 * Refuses rulesets whose required checks any app could satisfy: without `integration_id` a workflow on any branch
 * can post a passing check of the same name. Also refuses a ruleset that does not make the head be up to date.
 */
export function assertChecksPinned(rulesets: Ruleset[]): void {
  for (const ruleset of rulesets)
    for (const rule of ruleset.rules) {
      if (rule.type !== 'required_status_checks') continue;
      const loose = rule.parameters.required_status_checks.find((c) => !(Number(c.integration_id) > 0));
      if (loose)
        throw new TollgateError(
          `refusing the ruleset "${ruleset.name}": its required check "${loose.context}" is not pinned to the app ` +
            'that posts it, so any workflow could post a passing check of that name',
          { field: 'app-id', fix: APP_ID_HELP },
        );
      if (!rule.parameters.strict_required_status_checks_policy)
        throw new TollgateError(
          `refusing the ruleset "${ruleset.name}": its required checks are not strict, so a pull request can ` +
            'merge on checks that judged an older base',
          { fix: 'set strict_required_status_checks_policy: true' },
        );
    }
}
