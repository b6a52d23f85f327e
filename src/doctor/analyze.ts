// `tollgate doctor`'s judgement: a live repository's settings, as read through the API, against what keeps the gate
// holding (docs/gate.md "How to set up", which is what `tollgate init` writes). Pure: facts in, findings out. Every
// setting the token could not read is a finding of its own, never a pass.
import { GATE_CHECK_NAME } from '../gate/types.ts';
import { ENVIRONMENTS, GITHUB_ACTIONS_APP_ID, VALIDATE_CHECK } from '../init/rulesets.ts';
import { ownersOf, parseCodeowners } from './codeowners.ts';
import { INIT_APPLY, type Finding } from './findings.ts';
import { analyzeWorkflow, APP_KEY_SECRET, EMERGENCY_KEY_SECRET } from './workflows.ts';

/** A setting as read: its value, or why the token could not read it. */
export type Readable<T> = { ok: true; value: T } | { ok: false; status: number; call: string };

export interface BypassActor {
  actor_id?: number | null;
  actor_type: string;
  bypass_mode?: string;
}

/** A repository or organization ruleset, as `GET /repos/{owner}/{repo}/rulesets/{id}` returns it. */
export interface RulesetFact {
  id: number;
  name: string;
  enforcement: string;
  target?: string;
  source_type?: string;
  conditions?: { ref_name?: { include?: string[]; exclude?: string[] } } | null;
  rules?: { type: string; parameters?: Record<string, unknown> }[];
  /** Absent when the token may not see who can bypass (it cannot edit the ruleset). */
  bypass_actors?: BypassActor[];
}

/** Classic branch protection, as `GET /repos/{owner}/{repo}/branches/{branch}/protection` returns it. */
export interface ProtectionFact {
  required_status_checks?: {
    strict?: boolean;
    contexts?: string[];
    checks?: { context: string; app_id: number | null }[];
  } | null;
  required_pull_request_reviews?: {
    required_approving_review_count?: number;
    require_code_owner_reviews?: boolean;
    dismiss_stale_reviews?: boolean;
    require_last_push_approval?: boolean;
    bypass_pull_request_allowances?: { users?: unknown[]; teams?: unknown[]; apps?: unknown[] };
  } | null;
  enforce_admins?: { enabled: boolean } | null;
  allow_force_pushes?: { enabled: boolean } | null;
  allow_deletions?: { enabled: boolean } | null;
}

export interface EnvironmentFact {
  name: string;
  /** null: any branch; 'protected': protected branches; a list: these patterns. */
  branches: Readable<null | 'protected' | { name: string; type: string }[]>;
  secrets: Readable<string[]>;
}

export interface RepositoryFacts {
  repository: string;
  defaultBranch: string;
  rulesets: Readable<RulesetFact[]>;
  /** null when the default branch has no classic protection. */
  protection: Readable<ProtectionFact | null>;
  /** The environments that exist (Tollgate's are looked for by name). */
  environments: Readable<EnvironmentFact[]>;
  repositorySecrets: Readable<string[]>;
  organizationSecrets: Readable<string[]>;
  actions: Readable<{ defaultWorkflowPermissions: string; canApprovePullRequestReviews: boolean }>;
  /** The workflow files on the default branch. */
  workflows: Readable<{ path: string; text: string }[]>;
  /** The CODEOWNERS file GitHub uses, or null when there is none. */
  codeowners: Readable<{ path: string; text: string } | null>;
  /** The Tollgate App's id (--app-id, TOLLGATE_APP_ID, or the repository variable), when known. */
  appId?: number;
  /** What the policy on the default branch says, when it could be read. */
  policy?: { emergencyPush: boolean; policyOwners: string[] };
  /** Files that need the policy owners' review: the gate's workflow, CODEOWNERS, the policy, a schema. */
  guardedFiles: string[];
}

interface Source {
  label: string;
  /** undefined: the token cannot see the bypass list. */
  bypass?: BypassActor[];
  pullRequest?: {
    approvals: number;
    codeOwners: boolean;
    dismissStale: boolean;
    lastPush: boolean;
  };
  checks?: { strict: boolean; required: { context: string; appId?: number }[] };
  blocksDeletion: boolean;
  blocksForcePush: boolean;
}

const escape = (s: string) => s.replace(/[.+^${}()|[\]\\]/g, '\\$&');

/** Whether a ruleset's ref_name condition covers the default branch (`~DEFAULT_BRANCH`, `~ALL`, fnmatch patterns). */
export function rulesetCovers(ruleset: RulesetFact, defaultBranch: string): boolean {
  const ref = `refs/heads/${defaultBranch}`;
  const matches = (pattern: string) => {
    if (pattern === '~ALL' || pattern === '~DEFAULT_BRANCH') return true;
    const regex = new RegExp(
      `^${pattern
        .split('**')
        .map((part) => part.split('*').map(escape).join('[^/]*'))
        .join('.*')}$`,
    );
    return regex.test(ref);
  };
  const include = ruleset.conditions?.ref_name?.include ?? [];
  const exclude = ruleset.conditions?.ref_name?.exclude ?? [];
  return include.some(matches) && !exclude.some(matches);
}

function rulesetSource(ruleset: RulesetFact): Source {
  const rules = ruleset.rules ?? [];
  const pr = rules.find((r) => r.type === 'pull_request')?.parameters;
  const checks = rules.find((r) => r.type === 'required_status_checks')?.parameters as
    | {
        strict_required_status_checks_policy?: boolean;
        required_status_checks?: { context: string; integration_id?: number }[];
      }
    | undefined;
  return {
    label: `ruleset "${ruleset.name}"${ruleset.source_type === 'Organization' ? ' (organization)' : ''}`,
    ...(ruleset.bypass_actors ? { bypass: ruleset.bypass_actors } : {}),
    ...(pr
      ? {
          pullRequest: {
            approvals: Number(pr.required_approving_review_count ?? 0),
            codeOwners: pr.require_code_owner_review === true,
            dismissStale: pr.dismiss_stale_reviews_on_push === true,
            lastPush: pr.require_last_push_approval === true,
          },
        }
      : {}),
    ...(checks
      ? {
          checks: {
            strict: checks.strict_required_status_checks_policy === true,
            required: (checks.required_status_checks ?? []).map((c) => ({
              context: c.context,
              ...(Number(c.integration_id) > 0 ? { appId: Number(c.integration_id) } : {}),
            })),
          },
        }
      : {}),
    blocksDeletion: rules.some((r) => r.type === 'deletion'),
    blocksForcePush: rules.some((r) => r.type === 'non_fast_forward'),
  };
}

function protectionSource(protection: ProtectionFact): Source {
  const reviews = protection.required_pull_request_reviews;
  const status = protection.required_status_checks;
  const allowances = reviews?.bypass_pull_request_allowances;
  const bypass: BypassActor[] = [
    ...(protection.enforce_admins?.enabled === true ? [] : [{ actor_type: 'admins', bypass_mode: 'always' }]),
    ...[...(allowances?.users ?? []), ...(allowances?.teams ?? []), ...(allowances?.apps ?? [])].map(() => ({
      actor_type: 'pull request bypass allowance',
      bypass_mode: 'pull_request',
    })),
  ];
  return {
    label: 'classic branch protection',
    bypass,
    ...(reviews
      ? {
          pullRequest: {
            approvals: reviews.required_approving_review_count ?? 0,
            codeOwners: reviews.require_code_owner_reviews === true,
            dismissStale: reviews.dismiss_stale_reviews === true,
            lastPush: reviews.require_last_push_approval === true,
          },
        }
      : {}),
    ...(status
      ? {
          checks: {
            strict: status.strict === true,
            required: (
              status.checks ?? (status.contexts ?? []).map((context) => ({ context, app_id: null }))
            ).map((c) => ({
              context: c.context,
              ...(Number(c.app_id) > 0 ? { appId: Number(c.app_id) } : {}),
            })),
          },
        }
      : {}),
    blocksDeletion: protection.allow_deletions?.enabled !== true,
    blocksForcePush: protection.allow_force_pushes?.enabled !== true,
  };
}

const describeActor = (a: BypassActor) =>
  `${a.actor_type}${a.actor_id ? ` ${a.actor_id}` : ''} (${a.bypass_mode ?? 'always'})`;

function unreadable(id: string, where: string, what: string, r: { status: number; call: string }): Finding {
  return {
    id,
    severity: 'unreadable',
    where,
    problem: `the token cannot read ${what} (${r.call}: HTTP ${r.status})`,
    attack: 'doctor cannot tell whether this setting holds, so it does not count it as holding',
    fix:
      'run doctor with a token that can read the repository administration settings (a fine-grained token with ' +
      'Administration: read, Secrets: read, Environments: read and Contents: read, or a repository admin)',
  };
}

function analyzeRules(facts: RepositoryFacts): Finding[] {
  const where = `rules on ${facts.defaultBranch}`;
  const findings: Finding[] = [];
  if (!facts.rulesets.ok)
    findings.push(unreadable('rulesets-unreadable', where, 'the rulesets', facts.rulesets));
  if (!facts.protection.ok)
    findings.push(unreadable('protection-unreadable', where, 'classic branch protection', facts.protection));
  const rulesets = facts.rulesets.ok ? facts.rulesets.value : [];
  const covering = rulesets.filter(
    (r) => (r.target ?? 'branch') === 'branch' && rulesetCovers(r, facts.defaultBranch),
  );
  for (const r of covering.filter((r) => r.enforcement !== 'active'))
    findings.push({
      id: 'ruleset-not-active',
      severity: 'note',
      where: `ruleset "${r.name}"`,
      problem: `the ruleset's enforcement is "${r.enforcement}", so GitHub enforces none of its rules`,
      attack: 'whatever it would require is not required',
      fix: 'set Enforcement status to Active (Settings → Rules → Rulesets)',
    });
  const sources = [
    ...covering.filter((r) => r.enforcement === 'active').map(rulesetSource),
    ...(facts.protection.ok && facts.protection.value ? [protectionSource(facts.protection.value)] : []),
  ];
  // Without a readable set of rules, the requirements below cannot be judged: the unreadable finding says so.
  if (!facts.rulesets.ok && sources.length === 0) return findings;

  const emergency = facts.policy?.emergencyPush ?? true;
  const deployKey = (a: BypassActor) => a.actor_type === 'DeployKey' && emergency;
  const appOnPullRequests = (a: BypassActor) =>
    a.actor_type === 'Integration' &&
    a.bypass_mode === 'pull_request' &&
    facts.appId !== undefined &&
    a.actor_id === facts.appId;

  const hidden = new Map<string, string[]>();
  const bypassed = new Map<string, { source: Source; actor: BypassActor; rules: string[] }>();
  /** One requirement: some source must satisfy it and be bypassable by nobody but `allowed`. */
  const require = (
    id: string,
    satisfies: (s: Source) => boolean,
    allowed: (a: BypassActor) => boolean,
    missing: Omit<Finding, 'id' | 'severity' | 'where'>,
  ) => {
    const holding = sources.filter(satisfies);
    if (holding.length === 0) {
      findings.push({ id, severity: 'weakness', where, ...missing });
      return;
    }
    if (holding.some((s) => s.bypass !== undefined && s.bypass.every(allowed))) return;
    const visible = holding.filter((s) => s.bypass !== undefined);
    if (visible.length === 0) {
      const label = holding.map((s) => s.label).join(', ');
      hidden.set(label, [...(hidden.get(label) ?? []), missing.problem.replace(/^no rule /, '')]);
      return;
    }
    for (const source of visible)
      for (const actor of source.bypass!.filter((a) => !allowed(a))) {
        const key = `${source.label}\u0000${describeActor(actor)}`;
        const entry = bypassed.get(key) ?? { source, actor, rules: [] };
        entry.rules.push(missing.problem.replace(/^no rule /, ''));
        bypassed.set(key, entry);
      }
  };

  const gate = (s: Source) => s.checks?.required.find((c) => c.context === GATE_CHECK_NAME);
  const checksOnly = deployKey;
  const reviewsToo = (a: BypassActor) => deployKey(a) || appOnPullRequests(a);
  require('pull-request-not-required', (s) => s.pullRequest !== undefined, checksOnly, {
    problem: 'no rule requires a pull request before merging',
    attack: 'a writer pushes straight to the default branch: no gate, no review',
    fix: `add the "tollgate" ruleset (Require a pull request before merging): ${INIT_APPLY}`,
  });
  require('gate-check-not-required', (s) => gate(s) !== undefined, checksOnly, {
    problem: `no rule requires the status check ${GATE_CHECK_NAME}`,
    attack: 'a pull request merges without the sign-off gate passing it',
    fix: `require ${GATE_CHECK_NAME} in the "tollgate" ruleset: ${INIT_APPLY}`,
  });
  const pinned = (s: Source) => {
    const check = gate(s);
    if (check?.appId === undefined) return false;
    return facts.appId !== undefined ? check.appId === facts.appId : check.appId !== GITHUB_ACTIONS_APP_ID;
  };
  if (sources.some((s) => gate(s) !== undefined))
    require('gate-check-not-pinned', pinned, checksOnly, {
      problem: `no rule requires ${GATE_CHECK_NAME} from ${facts.appId !== undefined ? `the Tollgate App (id ${facts.appId})` : 'a pinned App other than GitHub Actions'}`,
      attack: `any workflow posts a passing check named ${GATE_CHECK_NAME} with its GITHUB_TOKEN, and the pull request merges on it`,
      fix: `in the required check, select the Tollgate App as its source (integration_id ${facts.appId ?? 'ID'}): ${INIT_APPLY}`,
    });
  require('validate-check-not-pinned', (s) =>
    s.checks?.required.some((c) => c.context === VALIDATE_CHECK && c.appId !== undefined) ===
    true, checksOnly, {
    problem: `no rule requires the check ${VALIDATE_CHECK} from a pinned App`,
    attack: `a status or check named ${VALIDATE_CHECK} posted with any token stands in for the validate job`,
    fix: `require ${VALIDATE_CHECK} with GitHub Actions (app ${GITHUB_ACTIONS_APP_ID}) as its source: ${INIT_APPLY}`,
  });
  if (sources.some((s) => gate(s) !== undefined))
    require('checks-not-strict', (s) => gate(s) !== undefined && s.checks!.strict, checksOnly, {
      problem: `no rule requires ${GATE_CHECK_NAME} with "Require branches to be up to date" (strict)`,
      attack:
        'a pull request merges on a pass the gate gave against an older base: a policy tightened since, or a stage moved since, is not applied to it',
      fix: `turn on strict_required_status_checks_policy in the "tollgate" ruleset: ${INIT_APPLY}`,
    });
  require('no-required-approvals', (s) => (s.pullRequest?.approvals ?? 0) >= 1, reviewsToo, {
    problem: 'no rule requires an approving review',
    attack:
      "GitHub's own review rule does not back the gate: a pull request the gate passes without sign-off (one that changes only code or workflows outside the gate's guard) merges with nobody's review",
    fix: `add the "tollgate-reviews" ruleset (1 approval, code owners): ${INIT_APPLY}`,
  });
  require('code-owner-review-off', (s) => s.pullRequest?.codeOwners === true, reviewsToo, {
    problem: "no rule requires a code owner's review",
    attack:
      'a change to the workflows, CODEOWNERS, the policy or the schemas merges on any approval, not the policy owners',
    fix: `turn on "Require review from Code Owners" in the "tollgate-reviews" ruleset: ${INIT_APPLY}`,
  });
  require('stale-reviews-kept', (s) => s.pullRequest?.dismissStale === true, reviewsToo, {
    problem: 'no rule dismisses approvals when new commits are pushed',
    attack: "a writer gets an approval, then pushes something else, and GitHub's review rule still counts it",
    fix: `turn on "Dismiss stale pull request approvals when new commits are pushed": ${INIT_APPLY}`,
  });
  require('last-push-approval-off', (s) => s.pullRequest?.lastPush === true, reviewsToo, {
    problem: 'no rule requires the most recent push to be approved by someone else',
    attack:
      "a reviewer pushes a commit to a pull request they approved, and their own push needs nobody's review",
    fix: `turn on "Require approval of the most recent reviewable push": ${INIT_APPLY}`,
  });
  require('force-push-allowed', (s) => s.blocksForcePush, checksOnly, {
    problem: 'no rule blocks force pushes to the default branch',
    attack: 'history that `tollgate audit verify` reads can be rewritten',
    fix: `turn on "Block force pushes": ${INIT_APPLY}`,
  });
  require('deletion-allowed', (s) => s.blocksDeletion, checksOnly, {
    problem: 'no rule blocks deleting the default branch',
    attack: 'the default branch, and the registry on it, can be deleted and pushed again from scratch',
    fix: `turn on "Restrict deletions": ${INIT_APPLY}`,
  });
  // The App merges Tollgate's state pull requests past the review rule with its bypass (docs/gate.md "State pull
  // requests and the review ruleset"); without it they wait for an approval nobody gives.
  const reviewing = sources.filter((s) => (s.pullRequest?.approvals ?? 0) >= 1);
  if (
    facts.appId !== undefined &&
    reviewing.length > 0 &&
    reviewing.every((s) => s.bypass !== undefined) &&
    !reviewing.every((s) => s.bypass!.some(appOnPullRequests))
  )
    findings.push({
      id: 'state-merge-blocked',
      severity: 'note',
      where: reviewing
        .filter((s) => !s.bypass!.some(appOnPullRequests))
        .map((s) => s.label)
        .join(', '),
      problem: `the Tollgate App (id ${facts.appId}) may not bypass the rule that requires an approval, in "pull_request" mode`,
      attack:
        "none: Tollgate's state pull requests (schedule updates, audit records) wait for an approval nobody gives",
      fix: `add the App as a bypass actor of that ruleset, mode "pull_request" (the "tollgate-reviews" ruleset ${INIT_APPLY.replace(/^run /, '')} creates has it)`,
    });
  for (const [label, rules] of hidden)
    findings.push({
      id: 'bypass-unreadable',
      severity: 'unreadable',
      where: label,
      problem: `the token cannot see who may bypass the rules that ${rules.join('; ')}`,
      attack: 'a bypass actor (an App in `always` mode, a role) would get around them unseen',
      fix: 'run doctor with a token that may edit the rulesets (Administration: read on the repository)',
    });
  for (const { source, actor, rules } of bypassed.values())
    findings.push({
      id: 'bypass-actor',
      severity: 'weakness',
      where: source.label,
      problem: `${describeActor(actor)} may bypass it, and no rule without that bypass ${rules.join('; ')}`,
      attack:
        actor.actor_type === 'Integration' && actor.bypass_mode !== 'pull_request'
          ? "whoever holds the App's token (any workflow that can mint it) pushes to the default branch without a pull request or the gate"
          : actor.actor_type === 'DeployKey'
            ? "the policy's incident.emergency_push is empty, yet a deploy key may push past the gate"
            : 'that actor merges or pushes without the gate or the reviews the rule requires',
      fix:
        actor.actor_type === 'DeployKey'
          ? 'remove the deploy-key bypass (or set incident.emergency_push in the policy if emergency pushes are meant)'
          : `remove it from the bypass list; Tollgate needs only its App in "pull_request" mode on the review ruleset and, for emergency pushes, a deploy key (${INIT_APPLY})`,
    });
  return findings;
}

const QUEUE = (branch: string) => `gh-readonly-queue/${branch}/*`;

/** The workflow file that publishes the site, and the environment GitHub Pages deploys through. */
const SITE_WORKFLOW = '.github/workflows/tollgate-site.yml';
const PAGES_ENVIRONMENT = 'github-pages';

/**
 * The site is the face auditors read (promotions, sign-offs, evidence bundles). tollgate-site.yml may be dispatched
 * on any ref, and then runs that ref's copy of itself: only the `github-pages` environment's deployment branches stop
 * a writer's branch from publishing a site of their own making.
 */
function analyzePagesEnvironment(facts: RepositoryFacts): Finding[] {
  if (!facts.environments.ok || !facts.workflows.ok) return [];
  if (!facts.workflows.value.some((w) => w.path === SITE_WORKFLOW)) return [];
  const pages = facts.environments.value.find((e) => e.name === PAGES_ENVIRONMENT);
  if (!pages || !pages.branches.ok) return [];
  const branches = pages.branches.value;
  const others =
    branches === null
      ? 'any branch'
      : branches === 'protected'
        ? 'any protected branch'
        : branches
            .filter((p) => !(p.type === 'branch' && p.name === facts.defaultBranch))
            .map((p) => `${p.type} "${p.name}"`)
            .join(', ');
  if (others === '') return [];
  return [
    {
      id: 'pages-environment-not-default-branch',
      severity: 'weakness',
      where: `environment "${PAGES_ENVIRONMENT}"`,
      problem: `${others} may deploy to it${branches !== null && branches !== 'protected' ? ` besides ${facts.defaultBranch}` : ''}`,
      attack:
        'a writer dispatches tollgate-site.yml on their own branch, whose copy publishes a site of their making: ' +
        'promotions, sign-offs and evidence bundles that never were, under the repository’s own Pages address',
      fix: `Settings → Environments → ${PAGES_ENVIRONMENT} → Deployment branches and tags → Selected, with only ${facts.defaultBranch}`,
    },
  ];
}

function analyzeEnvironments(facts: RepositoryFacts): Finding[] {
  const findings: Finding[] = [];
  if (!facts.environments.ok)
    return [unreadable('environments-unreadable', 'environments', 'the environments', facts.environments)];
  for (const name of Object.values(ENVIRONMENTS)) {
    const where = `environment "${name}"`;
    const environment = facts.environments.value.find((e) => e.name === name);
    if (!environment) {
      findings.push({
        id: 'environment-missing',
        severity: 'weakness',
        where,
        problem: 'the environment does not exist',
        attack:
          'GitHub creates it unrestricted the first time a job names it, and the App key then has to live where any branch can read it',
        fix: `create it with deployment branches limited to ${facts.defaultBranch}: ${INIT_APPLY}`,
      });
      continue;
    }
    const branches = environment.branches;
    if (!branches.ok)
      findings.push(unreadable('environment-unreadable', where, 'its deployment branches', branches));
    else if (branches.value === null || branches.value === 'protected')
      findings.push({
        id: 'environment-not-default-branch',
        severity: 'weakness',
        where,
        problem:
          branches.value === null
            ? 'any branch may deploy to it (no deployment branch policy)'
            : 'any protected branch may deploy to it',
        attack:
          "a writer pushes a branch whose workflow names this environment and reads its secrets: the App key (and the emergency push key), which mint a token that posts the gate's check and pushes",
        fix: `Settings → Environments → ${name} → Deployment branches and tags → Selected, with only ${facts.defaultBranch}: ${INIT_APPLY}`,
      });
    else {
      const extra = branches.value.filter(
        (p) =>
          !(p.type === 'branch' && (p.name === facts.defaultBranch || p.name === QUEUE(facts.defaultBranch))),
      );
      if (extra.length > 0)
        findings.push({
          id: 'environment-not-default-branch',
          severity: 'weakness',
          where,
          problem: `besides ${facts.defaultBranch}, ${extra.map((p) => `${p.type} "${p.name}"`).join(', ')} may deploy to it`,
          attack:
            'a writer who can push such a ref runs their own workflow in this environment and reads the App key',
          fix: `remove every deployment branch but ${facts.defaultBranch} (and ${QUEUE(facts.defaultBranch)} for a merge queue)`,
        });
      if (branches.value.length === 0)
        findings.push({
          id: 'environment-no-branch',
          severity: 'note',
          where,
          problem: 'no branch may deploy to it, so the jobs that use it cannot start',
          attack: 'none: the gate cannot run, so nothing merges',
          fix: `add ${facts.defaultBranch} as its deployment branch: ${INIT_APPLY}`,
        });
    }
    if (!environment.secrets.ok) {
      findings.push(unreadable('environment-secrets-unreadable', where, 'its secrets', environment.secrets));
      continue;
    }
    if (!environment.secrets.value.includes(APP_KEY_SECRET))
      findings.push({
        id: 'app-key-missing',
        severity: 'note',
        where,
        problem: `it has no secret ${APP_KEY_SECRET}, so Tollgate's jobs in it cannot mint the App token`,
        attack: 'none by itself; but a key kept elsewhere instead is (see the other findings)',
        fix: `add the App's private key as the environment secret ${APP_KEY_SECRET}`,
      });
    if (name !== ENVIRONMENTS.emergency && environment.secrets.value.includes(EMERGENCY_KEY_SECRET))
      findings.push({
        id: 'emergency-key-misplaced',
        severity: 'weakness',
        where,
        problem: `the emergency push key ${EMERGENCY_KEY_SECRET} is a secret of this environment`,
        attack:
          'every job in it (the gate, promote, retrain recording) can push past the rulesets; only rollback and incident should',
        fix: `delete it here and keep it only in "${ENVIRONMENTS.emergency}"`,
      });
  }
  return findings;
}

function analyzeSecrets(facts: RepositoryFacts): Finding[] {
  const findings: Finding[] = [];
  const places = [
    [
      'repository',
      facts.repositorySecrets,
      'Settings → Secrets and variables → Actions → Repository secrets',
    ],
    [
      'organization',
      facts.organizationSecrets,
      "the organization's Actions secrets (or its repository access)",
    ],
  ] as const;
  for (const [level, secrets, page] of places) {
    if (!secrets.ok) {
      findings.push(
        unreadable(`${level}-secrets-unreadable`, `${level} secrets`, `the ${level} secrets`, secrets),
      );
      continue;
    }
    for (const name of [APP_KEY_SECRET, EMERGENCY_KEY_SECRET].filter((n) => secrets.value.includes(n)))
      findings.push({
        id: name === APP_KEY_SECRET ? `app-key-${level}-secret` : `emergency-key-${level}-secret`,
        severity: 'weakness',
        where: `${level} secrets`,
        problem: `${name} is a ${level} secret, which every workflow of the repository can read`,
        attack:
          name === APP_KEY_SECRET
            ? "a writer pushes a branch with a workflow that reads it (no environment needed), mints the App's token, posts a passing tollgate/signoff and merges"
            : 'a writer pushes a branch with a workflow that reads it (no environment needed) and pushes anything to the default branch past the rulesets',
        fix: `delete it from ${page}; keep it only as a secret of the ${name === APP_KEY_SECRET ? `"${ENVIRONMENTS.app}" and "${ENVIRONMENTS.emergency}" environments` : `"${ENVIRONMENTS.emergency}" environment`}`,
      });
  }
  return findings;
}

function analyzeActions(facts: RepositoryFacts): Finding[] {
  if (!facts.actions.ok)
    return [
      unreadable(
        'actions-permissions-unreadable',
        'Actions settings',
        'the Actions workflow permissions',
        facts.actions,
      ),
    ];
  const findings: Finding[] = [];
  const where = 'Actions settings (Settings → Actions → General → Workflow permissions)';
  if (facts.actions.value.defaultWorkflowPermissions !== 'read')
    findings.push({
      id: 'default-token-write',
      severity: 'weakness',
      where,
      problem: 'the default GITHUB_TOKEN permissions are "Read and write"',
      attack:
        'any workflow without a `permissions:` block (one a writer adds on a branch, or a third-party one) gets a token that writes contents, pull requests and checks',
      fix: 'choose "Read repository contents and packages permissions"',
    });
  if (facts.actions.value.canApprovePullRequestReviews)
    findings.push({
      id: 'actions-can-approve',
      severity: 'weakness',
      where,
      problem: '"Allow GitHub Actions to create and approve pull requests" is on',
      attack:
        "a workflow approves a pull request with its GITHUB_TOKEN, which counts toward GitHub's required approvals",
      fix: 'turn "Allow GitHub Actions to create and approve pull requests" off',
    });
  return findings;
}

function analyzeWorkflowFiles(facts: RepositoryFacts): Finding[] {
  if (!facts.workflows.ok)
    return [unreadable('workflows-unreadable', '.github/workflows', 'the workflow files', facts.workflows)];
  const defaultReadOnly = facts.actions.ok
    ? facts.actions.value.defaultWorkflowPermissions === 'read'
    : undefined;
  const findings = facts.workflows.value.flatMap(({ path, text }) =>
    analyzeWorkflow(path, text, {
      full: /(^|\/)tollgate-[^/]*\.ya?ml$/.test(path),
      ...(defaultReadOnly === undefined ? {} : { defaultReadOnly }),
    }),
  );
  for (const name of ['signoff-gate', 'validate', 'state-merge'])
    if (!facts.workflows.value.some((w) => w.path === `.github/workflows/tollgate-${name}.yml`))
      findings.push({
        id: 'workflow-missing',
        severity: 'note',
        where: `.github/workflows/tollgate-${name}.yml`,
        problem: 'the workflow is not on the default branch',
        attack:
          'none by itself: pull requests wait for the check it posts (or, for state-merge, state pull requests wait to be merged)',
        fix: 'install it with `tollgate init` (or `tollgate init --upgrade`)',
      });
  return findings;
}

function analyzeCodeowners(facts: RepositoryFacts): Finding[] {
  if (!facts.codeowners.ok)
    return [unreadable('codeowners-unreadable', 'CODEOWNERS', 'the CODEOWNERS file', facts.codeowners)];
  const fix =
    'append the block `tollgate init` writes to .github/CODEOWNERS (docs/gate.md "How to set up", step 4)';
  if (facts.codeowners.value === null)
    return [
      {
        id: 'codeowners-missing',
        severity: 'weakness',
        where: '.github/CODEOWNERS',
        problem: 'there is no CODEOWNERS file (.github/, the root or docs/)',
        attack:
          "a change to the gate's workflows, the policy or the schemas needs nobody in particular: any approval lets a writer weaken the gate",
        fix,
      },
    ];
  const { path, text } = facts.codeowners.value;
  const rules = parseCodeowners(text);
  const policyOwners = facts.policy?.policyOwners.map((h) => h.toLowerCase());
  const findings: Finding[] = [];
  for (const file of [...new Set([...facts.guardedFiles, path])]) {
    const { owners, line } = ownersOf(rules, file);
    const at = line === undefined ? path : `${path}:${line}`;
    if (owners.length === 0)
      findings.push({
        id: 'codeowners-gap',
        severity: 'weakness',
        where: at,
        problem: `${file} has no code owner`,
        attack: `a writer changes ${file} (weakening what the gate checks or runs) with any approval`,
        fix,
      });
    else if (
      policyOwners &&
      policyOwners.length > 0 &&
      !owners.some((o) => policyOwners.includes(o.toLowerCase()))
    )
      findings.push({
        id: 'codeowners-not-policy-owners',
        severity: 'weakness',
        where: at,
        problem: `${file} is owned by ${owners.join(' ')}, none of them the policy owners (${facts.policy!.policyOwners.join(' ')})`,
        attack: `a change to ${file} merges without the policy owners' review GitHub would otherwise require`,
        fix,
      });
  }
  return findings;
}

/** Every weakness in the repository's set-up. */
export function analyzeRepository(facts: RepositoryFacts): Finding[] {
  const findings = [
    ...analyzeRules(facts),
    ...analyzeEnvironments(facts),
    ...analyzePagesEnvironment(facts),
    ...analyzeSecrets(facts),
    ...analyzeActions(facts),
    ...analyzeWorkflowFiles(facts),
    ...analyzeCodeowners(facts),
  ];
  if (facts.appId === undefined)
    findings.push({
      id: 'app-id-unknown',
      severity: 'note',
      where: 'TOLLGATE_APP_ID',
      problem:
        "the Tollgate App's id is not known, so doctor checks only that the gate's check is pinned to some App",
      attack: 'a check pinned to another App than the one the gate runs as would not be noticed',
      fix: 'pass --app-id ID, or set the repository variable TOLLGATE_APP_ID',
    });
  if (facts.policy === undefined)
    findings.push({
      id: 'policy-unread',
      severity: 'note',
      where: 'registry/policy.yaml',
      problem:
        'the policy on the default branch could not be read, so doctor allowed a deploy-key bypass and did not check who owns CODEOWNERS paths',
      attack: 'a deploy-key bypass without emergency pushes in the policy would not be noticed',
      fix: 'run doctor where the policy is on the default branch (or pass --registry PATH)',
    });
  return findings;
}
