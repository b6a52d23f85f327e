// The policy with every default filled in. Core modules read EffectivePolicy only, so a default lives here once.
import type {
  Comparison,
  GateSpec,
  MetricCondition,
  MetricDirection,
  NoRegressionRule,
  NotificationChannel,
  MetricsSourceSpec,
  MonitorRule,
  Policy,
  RoleMembers,
  Severity,
  SignoffRule,
} from '../registry/types.ts';

export interface EffectivePolicy {
  defaultBranch: string;
  roles: Record<string, RoleMembers>;
  signoff: {
    rules: SignoffRule[];
    policyOwners: string[];
    allowStaleApprovals: boolean;
    excludeCommitAuthors: boolean;
    allowOnePersonManyRoles: boolean;
    nonDefaultBranch: 'block' | 'none';
    /** DEFAULT_GUARDED_PATHS and the policy's own `guarded_paths`. */
    guardedPaths: string[];
    /** Seconds a sign-off may wait before the digest names it (`signoff.digest_after`, default 24 h). */
    digestAfter: number;
    /** Channels (names in incident.channels) the scheduled job posts the digest to (`signoff.digest_channels`). */
    digestChannels: string[];
  };
  stages: { order: string[]; promoteFrom: Record<string, string[]> };
  gates: GateSpec[];
  /** metric -> which way it improves. */
  metricDirections: Record<string, MetricDirection>;
  noRegression: NoRegressionRule[];
  incident: {
    severity: Record<Exclude<Severity, 'P4'>, MetricCondition[]>;
    autoRollback: MetricCondition[];
    emergencyPush: Severity[];
    notifyWebhook?: string;
    /** The severity matrix, every severity filled in. */
    response: Record<Severity, { respondWithin: number; escalate: string[]; channels: string[] }>;
    /** The built-in channels with the policy's own over them. */
    channels: Record<string, NotificationChannel>;
  };
  rollback: { stableFor: number; forwardFixOnConflict: boolean };
  schedule: {
    defaultInterval: number;
    cooldownBase: number;
    cooldownFactor: number;
    cooldownCap: number;
    pauseAfterFailures: number;
    jitter: number;
    escalateAfterFailures: number;
    escalateSeverity: Severity;
  };
  monitoring: {
    source?: MetricsSourceSpec;
    rules: MonitorRule[];
    canary: { window: number; limits: MetricCondition[]; relative: RelativeCriterion[] };
    rollback: { settle: number; criteria: MetricCondition[] };
  };
  stateWrites: 'pull-request' | 'push';
  dispatch: { allowedSenders: string[] };
}

/**
 * What runs, backs or checks the gate itself: its workflows (and every other workflow, which could post a check of
 * its name or push), the code owners who must review such changes, the registry's schemas and the workflow
 * templates `tollgate init` installs. A change to any of them needs the policy owners; a policy cannot drop them.
 */
export const DEFAULT_GUARDED_PATHS: readonly string[] = [
  '.github/**',
  'CODEOWNERS',
  'docs/CODEOWNERS',
  'schemas/**',
  'templates/workflows/**',
];

/** The role that `model-owner` in a rule resolves to: the owners listed in the model's model.yaml. */
export const MODEL_OWNER_ROLE = 'model-owner';

export const DEFAULT_SIGNOFF_RULES: SignoffRule[] = [
  {
    name: 'production promotion',
    change: 'stage-changed',
    stage: 'production',
    rollback: false,
    require: ['risk', 'compliance', MODEL_OWNER_ROLE],
  },
  {
    name: 'production rollback',
    change: 'stage-changed',
    stage: 'production',
    rollback: true,
    require: [MODEL_OWNER_ROLE],
  },
  { name: 'stage change', change: 'stage-changed', require: [MODEL_OWNER_ROLE] },
  // A canary ramp: the version already passed its promotion; the model's owners decide how much traffic it gets.
  { name: 'canary weight', change: 'stage-weight-changed', require: [MODEL_OWNER_ROLE] },
  { name: 'new version', change: 'version-added', require: [MODEL_OWNER_ROLE] },
  { name: 'version record edited', change: 'version-changed', require: [MODEL_OWNER_ROLE, 'risk'] },
  { name: 'version removed', change: 'version-removed', require: [MODEL_OWNER_ROLE, 'risk'] },
  { name: 'version held', change: 'version-held', require: [] },
  { name: 'version unheld', change: 'version-unheld', require: [MODEL_OWNER_ROLE, 'risk'] },
  { name: 'new model', change: 'model-added', require: ['risk'] },
  { name: 'model settings changed', change: 'model-changed', require: [MODEL_OWNER_ROLE] },
  { name: 'model removed', change: 'model-removed', require: [MODEL_OWNER_ROLE, 'risk'] },
];

/** A canary criterion relative to the baseline: holds when `canary <op> baseline * factor + offset`. */
export interface RelativeCriterion {
  metric: string;
  op: Comparison;
  factor: number;
  offset: number;
}

/** The protocol's rollback success criteria: error_rate < 0.05, latency_p95 < 200 ms, availability > 0.99. */
export const DEFAULT_ROLLBACK_CRITERIA: MetricCondition[] = [
  { metric: 'error_rate', op: '<', value: 0.05 },
  { metric: 'latency_p95', op: '<', value: 200 },
  { metric: 'availability', op: '>', value: 0.99 },
];

/** Canary defaults: no worse than the baseline's error rate + 1 point, p95 latency at most 1.2 x the baseline. */
export const DEFAULT_CANARY_RELATIVE: RelativeCriterion[] = [
  { metric: 'error_rate', op: '<=', factor: 1, offset: 0.01 },
  { metric: 'latency_p95', op: '<=', factor: 1.2, offset: 0 },
];
export const DEFAULT_CANARY_LIMITS: MetricCondition[] = [{ metric: 'error_rate', op: '<', value: 0.05 }];

export const DEFAULT_SEVERITY: EffectivePolicy['incident']['severity'] = {
  P0: [
    { metric: 'availability', op: '<', value: 0.5 },
    { metric: 'error_rate', op: '>', value: 0.5 },
  ],
  P1: [
    { metric: 'accuracy_drop', op: '>', value: 0.2 },
    // A fraction, as the protocol measures it: 2.0 is +200 %.
    { metric: 'latency_increase_pct', op: '>', value: 2.0 },
    { metric: 'error_rate', op: '>', value: 0.1 },
  ],
  P2: [
    { metric: 'accuracy_drop', op: '>', value: 0.1 },
    { metric: 'latency_increase_pct', op: '>', value: 0.5 },
    { metric: 'error_rate', op: '>', value: 0.05 },
  ],
  P3: [{ metric: 'accuracy_drop', op: '>', value: 0.05 }],
};

/**
 * The incident protocol's matrix: P0 < 5 min (page on-call, ML lead, CTO), P1 < 15 min (on-call, ML lead),
 * P2 < 1 h (on-call), P3 < 4 h (a ticket to the team), P4 < 24 h (logged for review). Channels whose secret is not
 * set are skipped, so the defaults cost nothing until configured. The built-in `github-issue` channel is opt-in (add
 * it to a severity's channels): the incident workflow then needs `issues: write`.
 */
export const DEFAULT_RESPONSE: EffectivePolicy['incident']['response'] = {
  P0: {
    respondWithin: 300,
    escalate: ['on-call', 'ml-lead', 'cto'],
    channels: ['pagerduty', 'slack', 'webhook'],
  },
  P1: {
    respondWithin: 900,
    escalate: ['on-call', 'ml-lead'],
    channels: ['pagerduty', 'slack', 'webhook'],
  },
  P2: { respondWithin: 3600, escalate: ['on-call'], channels: ['slack', 'webhook'] },
  P3: { respondWithin: 14_400, escalate: ['team'], channels: ['slack', 'webhook'] },
  P4: { respondWithin: 86_400, escalate: [], channels: ['webhook'] },
};

/** Built-in channels: each reads its secret from the environment variable named here. */
export const DEFAULT_CHANNELS: Record<string, NotificationChannel> = {
  slack: { type: 'slack', url_env: 'TOLLGATE_SLACK_WEBHOOK' },
  pagerduty: { type: 'pagerduty', routing_key_env: 'TOLLGATE_PAGERDUTY_ROUTING_KEY' },
  webhook: { type: 'webhook', url_env: 'TOLLGATE_NOTIFY_WEBHOOK' },
  'github-issue': { type: 'github-issue' },
};

const SEVERITY_LEVELS: Severity[] = ['P0', 'P1', 'P2', 'P3', 'P4'];

export const DEFAULT_AUTO_ROLLBACK: MetricCondition[] = [
  { metric: 'error_rate', op: '>', value: 0.5 },
  { metric: 'availability', op: '<', value: 0.5 },
  { metric: 'accuracy_drop', op: '>', value: 0.3 },
];

/** `signoff.digest_after` when the policy names none: a day. */
export const DEFAULT_DIGEST_AFTER = 86_400;

export function effectivePolicy(policy: Policy | undefined): EffectivePolicy {
  const p = policy ?? ({ apiVersion: 'tollgate/v1', kind: 'Policy', roles: {} } satisfies Policy);
  return {
    defaultBranch: p.default_branch ?? 'main',
    roles: p.roles,
    signoff: {
      rules: p.signoff?.rules ?? DEFAULT_SIGNOFF_RULES,
      policyOwners: p.signoff?.policy_owners ?? ['policy-owner'],
      allowStaleApprovals: p.signoff?.allow_stale_approvals ?? false,
      excludeCommitAuthors: p.signoff?.exclude_commit_authors ?? true,
      allowOnePersonManyRoles: p.signoff?.allow_one_person_many_roles ?? false,
      nonDefaultBranch: p.signoff?.non_default_branch ?? 'block',
      guardedPaths: [...new Set([...DEFAULT_GUARDED_PATHS, ...(p.signoff?.guarded_paths ?? [])])],
      digestAfter: p.signoff?.digest_after ?? DEFAULT_DIGEST_AFTER,
      digestChannels: p.signoff?.digest_channels ?? ['slack'],
    },
    stages: {
      order: p.stages?.order ?? ['staging', 'production'],
      promoteFrom: p.stages?.promote_from ?? { production: ['staging'] },
    },
    gates: p.gates ?? [],
    metricDirections: Object.fromEntries(Object.entries(p.metrics ?? {}).map(([m, d]) => [m, d.better])),
    noRegression: p.no_regression ?? [],
    incident: {
      severity: { ...DEFAULT_SEVERITY, ...p.incident?.severity },
      autoRollback: p.incident?.auto_rollback ?? DEFAULT_AUTO_ROLLBACK,
      emergencyPush: p.incident?.emergency_push ?? ['P0'],
      notifyWebhook: p.incident?.notify_webhook,
      response: Object.fromEntries(
        SEVERITY_LEVELS.map((severity) => {
          const given = p.incident?.response?.[severity];
          const fallback = DEFAULT_RESPONSE[severity];
          return [
            severity,
            {
              respondWithin: given?.respond_within ?? fallback.respondWithin,
              escalate: given?.escalate ?? fallback.escalate,
              channels: given?.channels ?? fallback.channels,
            },
          ];
        }),
      ) as EffectivePolicy['incident']['response'],
      channels: { ...DEFAULT_CHANNELS, ...p.incident?.channels },
    },
    rollback: {
      stableFor: p.rollback?.stable_for ?? 86_400,
      forwardFixOnConflict: p.rollback?.forward_fix_on_conflict ?? true,
    },
    schedule: {
      defaultInterval: p.schedule?.default_interval ?? 86_400,
      cooldownBase: p.schedule?.cooldown_base ?? 300,
      cooldownFactor: p.schedule?.cooldown_factor ?? 2,
      cooldownCap: p.schedule?.cooldown_cap ?? 21_600,
      pauseAfterFailures: p.schedule?.pause_after_failures ?? 5,
      jitter: p.schedule?.jitter ?? 0,
      escalateAfterFailures: p.schedule?.escalate_after_failures ?? 2,
      escalateSeverity: p.schedule?.escalate_severity ?? 'P3',
    },
    monitoring: {
      ...(p.monitoring?.source ? { source: p.monitoring.source } : {}),
      rules: p.monitoring?.rules ?? [],
      canary: {
        window: p.monitoring?.canary?.window ?? 3600,
        limits: p.monitoring?.canary?.limits ?? DEFAULT_CANARY_LIMITS,
        relative: (p.monitoring?.canary?.relative ?? DEFAULT_CANARY_RELATIVE).map((r) => ({
          metric: r.metric,
          op: r.op,
          factor: r.factor ?? 1,
          offset: r.offset ?? 0,
        })),
      },
      rollback: {
        settle: p.monitoring?.rollback?.settle ?? 300,
        criteria: p.monitoring?.rollback?.criteria ?? DEFAULT_ROLLBACK_CRITERIA,
      },
    },
    stateWrites: p.state_writes ?? 'pull-request',
    dispatch: { allowedSenders: p.dispatch?.allowed_senders ?? [] },
  };
}

/** Evaluates `value <op> threshold`; a missing value never satisfies a condition. */
export function compare(value: number | undefined | null, op: GateSpec['op'], threshold: number): boolean {
  if (value === undefined || value === null || Number.isNaN(value)) return false;
  switch (op) {
    case '>=':
      return value >= threshold;
    case '>':
      return value > threshold;
    case '<=':
      return value <= threshold;
    case '<':
      return value < threshold;
    case '==':
      return value === threshold;
  }
}
