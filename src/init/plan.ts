// What `tollgate init` writes into an existing repository, as plain data: files with their content, and the
// branch-protection ruleset to apply. The shell decides what to do about files that already exist.
import { assertSafeName } from '../registry/names.ts';
import { KINDS, schemaFileName, schemaFileText } from '../registry/schemas.ts';
import type { Kind } from '../registry/types.ts';
import { schemaReference } from '../registry/writer.ts';
import { GATE_CHECK_NAME } from '../gate/types.ts';

export interface InitAnswers {
  /** First model to register. */
  model: string;
  /** `org/team` slugs (or `@user` logins) per role. */
  owners: string[];
  risk: string[];
  compliance: string[];
  policyOwners: string[];
  /** The branch whose stage pointers are live. */
  defaultBranch: string;
  /** Where the registry lives, relative to the repository root. */
  registry: string;
  /** Retrain interval in seconds. */
  interval: number;
  now: Date;
  /** Also install the workflow that publishes the registry as a website (`--with-site`). */
  withSite?: boolean;
}

export interface PlannedFile {
  path: string;
  content: string;
  /** Appended to an existing file instead of replacing it (CODEOWNERS). */
  append?: boolean;
}

export const VALIDATE_CHECK = 'validate';

export const WORKFLOWS = [
  'validate',
  'retrain',
  'scheduler',
  'promote',
  'signoff-gate',
  'review-relay',
  'rollback',
  'incident',
  'evidence',
] as const;

const yamlList = (values: string[]): string => `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;

/** `org/team` entries are teams, anything else (with or without `@`) a user login. */
function members(entries: string[]): string {
  const teams = entries.filter((e) => e.includes('/'));
  const users = entries.filter((e) => !e.includes('/')).map((e) => e.replace(/^@/, ''));
  return [
    teams.length > 0 ? `    teams: ${yamlList(teams)}` : undefined,
    users.length > 0 ? `    users: ${yamlList(users)}` : undefined,
  ]
    .filter((line) => line !== undefined)
    .join('\n');
}

const schemaLine = (kind: Kind): string => `# yaml-language-server: $schema=${schemaReference(kind)}`;

export function planInit(answers: InitAnswers, workflowTemplates: Record<string, string>): PlannedFile[] {
  const model = assertSafeName('model', answers.model);
  const registry = answers.registry.replace(/\/+$/, '');
  // Editors find the schemas next to the registry folder, where every schema comment points.
  const schemasDir = registry.includes('/')
    ? `${registry.slice(0, registry.lastIndexOf('/'))}/schemas`
    : 'schemas';
  const at = answers.now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const nextRun = new Date(answers.now.getTime() + answers.interval * 1000)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
  const policy = `${schemaLine('Policy')}
# Who may sign off what. Roles are filled by GitHub teams (org/team) or user logins; a sign-off is an
# approving pull request review on the current head by someone holding the role who did not author the change.
apiVersion: tollgate/v1
kind: Policy
default_branch: ${answers.defaultBranch}
roles:
  risk:
    description: Model risk management
${members(answers.risk)}
  compliance:
    description: Compliance review
${members(answers.compliance)}
  policy-owner:
    description: May change this policy
${members(answers.policyOwners)}
signoff:
  # Reviews on an earlier commit do not count once the head moves.
  allow_stale_approvals: false
  # Anyone who pushed a commit to the pull request cannot sign it off.
  exclude_commit_authors: true
stages:
  order: [staging, production]
  promote_from:
    production: [staging]
rollback:
  # A version counts as stable once it served a stage this long (seconds).
  stable_for: 86400
incident:
  # Severities whose rollback may be pushed straight to ${answers.defaultBranch}.
  emergency_push: [P0]
`;
  const modelDir = `${registry}/models/${model}`;
  const modelFile = `${schemaLine('Model')}
apiVersion: tollgate/v1
kind: Model
name: ${model}
description: Describe what ${model} predicts and who relies on it.
owners:
${members(answers.owners).replace(/^ {2}/gm, '')}
training:
  # Run without a shell. The command writes metrics.json and an artifact to $TOLLGATE_OUTPUT_DIR (docs/retrain.md).
  command: [python, train.py]
  timeout: 3600
gates:
  - metric: accuracy
    op: '>='
    threshold: 0.8
key_metrics: [accuracy]
schedule:
  enabled: true
  interval: ${answers.interval}
`;
  const stages = `${schemaLine('Stages')}
apiVersion: tollgate/v1
kind: Stages
model: ${model}
stages: {}
`;
  const schedule = `${schemaLine('Schedule')}
apiVersion: tollgate/v1
kind: Schedule
schema_version: 1
model: ${model}
interval: ${answers.interval}
next_run: '${nextRun}'
updated_at: '${at}'
failure_streak: 0
`;
  const owners = [...new Set([...answers.policyOwners, ...answers.risk])].map((o) =>
    o.startsWith('@') ? o : `@${o}`,
  );
  const codeowners = `
# Tollgate: registry changes are reviewed by the policy's owners; the sign-off gate does the rest.
/${registry}/ ${owners.join(' ')}
/${registry}/policy.yaml ${owners.join(' ')}
/.github/workflows/tollgate-*.yml ${owners.join(' ')}
`;
  return [
    { path: `${registry}/policy.yaml`, content: policy },
    { path: `${modelDir}/model.yaml`, content: modelFile },
    { path: `${modelDir}/stages.yaml`, content: stages },
    { path: `${modelDir}/schedule.yaml`, content: schedule },
    ...WORKFLOWS.map((name) => ({
      path: `.github/workflows/tollgate-${name}.yml`,
      content: workflowTemplates[name] ?? '',
    })),
    ...(answers.withSite
      ? [{ path: '.github/workflows/tollgate-site.yml', content: workflowTemplates.site ?? '' }]
      : []),
    ...KINDS.map((kind) => ({
      path: `${schemasDir}/${schemaFileName(kind)}`,
      content: schemaFileText(kind),
    })),
    { path: '.github/CODEOWNERS', content: codeowners, append: true },
  ];
}

/** The repository ruleset `--apply` creates (POST /repos/{owner}/{repo}/rulesets), also printed for manual set-up. */
export function signoffRuleset(defaultBranch: string, gateAppId?: number) {
  return {
    name: 'tollgate',
    target: 'branch',
    enforcement: 'active',
    // The gate's app may push emergency rollbacks (policy emergency_push); `tollgate audit verify` checks each one.
    bypass_actors:
      gateAppId === undefined
        ? []
        : [{ actor_id: gateAppId, actor_type: 'Integration', bypass_mode: 'always' }],
    conditions: { ref_name: { include: [`refs/heads/${defaultBranch}`], exclude: [] } },
    rules: [
      { type: 'deletion' },
      { type: 'non_fast_forward' },
      {
        type: 'pull_request',
        // No approval count here: the sign-off gate decides which approvals a change needs (state-only
        // changes need none), and GitHub's count cannot tell roles apart.
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
          strict_required_status_checks_policy: false,
          // Pinning the gate's app id means no other workflow can post a passing check of the same name.
          required_status_checks: [
            { context: GATE_CHECK_NAME, ...(gateAppId === undefined ? {} : { integration_id: gateAppId }) },
            { context: VALIDATE_CHECK },
          ],
        },
      },
    ],
  };
}
