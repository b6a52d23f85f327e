// What `tollgate init` writes into an existing repository, as plain data: files with their content, and the
// branch-protection ruleset to apply. The shell decides what to do about files that already exist.
import { assertSafeName } from '../registry/names.ts';
import { KINDS, schemaFileName, schemaFileText } from '../registry/schemas.ts';
import type { Kind } from '../registry/types.ts';
import { schemaReference } from '../registry/canonical.ts';
import type { Severity } from '../registry/types.ts';

export { ENVIRONMENTS, VALIDATE_CHECK } from './rulesets.ts';

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
  /** Severities whose rollback may be pushed to the default branch (policy incident.emergency_push). Default [P0]. */
  emergencyPush?: Severity[];
  /** Logins allowed to send tollgate-rollback / tollgate-incident repository dispatches. Default none. */
  dispatchSenders?: string[];
  /** Also install the workflow that publishes the registry as a website (`--with-site`). */
  withSite?: boolean;
}

export interface PlannedFile {
  path: string;
  content: string;
  /** Appended to an existing file instead of replacing it (CODEOWNERS). */
  append?: boolean;
}

export const WORKFLOWS = [
  'validate',
  'retrain',
  'scheduler',
  'promote',
  'signoff-gate',
  'review-relay',
  'rollback',
  'incident',
  'monitor',
  'evidence',
  'state-merge',
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
  const emergencyPush = answers.emergencyPush ?? ['P0'];
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
  # The incident response protocol's classification: the first severity with a condition holding wins.
  # latency_increase_pct is a fraction (2.0 = +200 %).
  severity:
    P0:
      - { metric: error_rate, op: '>', value: 0.5 }
      - { metric: availability, op: '<', value: 0.5 }
    P1:
      - { metric: accuracy_drop, op: '>', value: 0.2 }
      - { metric: latency_increase_pct, op: '>', value: 2.0 }
      - { metric: error_rate, op: '>', value: 0.1 }
    P2:
      - { metric: accuracy_drop, op: '>', value: 0.1 }
      - { metric: latency_increase_pct, op: '>', value: 0.5 }
      - { metric: error_rate, op: '>', value: 0.05 }
    P3:
      - { metric: accuracy_drop, op: '>', value: 0.05 }
  # Roll back automatically when any of these holds.
  auto_rollback:
    - { metric: error_rate, op: '>', value: 0.5 }
    - { metric: availability, op: '<', value: 0.5 }
    - { metric: accuracy_drop, op: '>', value: 0.3 }
  # Severities whose rollback may be pushed straight to ${answers.defaultBranch}, with the emergency push key
  # (docs/github.md); [] sends every rollback through a pull request.
  emergency_push: ${yamlList(emergencyPush)}
monitoring:
  # Name where live metrics come from (a Prometheus server, a command or a file: docs/monitoring.md), here or in
  # a model.yaml, e.g. source: { kind: prometheus, url: http://prometheus:9090, queries: { drift_score: ... } }.
  # The operational runbook: drift above 0.8 for 15 minutes starts an urgent retrain.
  rules:
    - { name: drift, metric: drift_score, op: '>', threshold: 0.8, for: 900, action: retrain }
  rollback:
    # Seconds to wait after a rollback before checking its health; the protocol's success criteria (p95 in ms).
    settle: 300
    criteria:
      - { metric: error_rate, op: '<', value: 0.05 }
      - { metric: latency_p95, op: '<', value: 200 }
      - { metric: availability, op: '>', value: 0.99 }
dispatch:
  # Who may start a rollback or declare an incident with a repository_dispatch: your monitoring's login (an
  # App's bot, e.g. my-monitor[bot]). A dispatch from anyone else is refused.
  allowed_senders: ${yamlList(answers.dispatchSenders ?? [])}
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
  const codeowners = codeownersBlock(answers, registry, schemasDir);
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

const handles = (entries: string[]): string =>
  [...new Set(entries)].map((o) => (o.startsWith('@') ? o : `@${o}`)).join(' ');

/**
 * The CODEOWNERS block init appends. Appended last, its lines win over earlier ones for the same paths (the last
 * matching pattern decides). The registry needs its owners' review; what would weaken the gate needs the policy
 * owners': the workflows, Tollgate's action pins in them and CODEOWNERS itself (all under .github/), the policy,
 * and the schemas the registry is validated against. The ruleset requires a code owner's approval.
 */
export function codeownersBlock(answers: InitAnswers, registry: string, schemasDir: string): string {
  const registryOwners = handles([...answers.policyOwners, ...answers.risk]);
  const policyOwners = handles(answers.policyOwners);
  return `
# Tollgate: registry changes are reviewed by its owners; what would weaken the gate by the policy owners.
/${registry}/ ${registryOwners}
/${registry}/policy.yaml ${policyOwners}
/${schemasDir}/ ${policyOwners}
/.github/ ${policyOwners}
`;
}
