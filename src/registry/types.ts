// The registry's data model: one interface per file kind, as validated by schemas/<kind>.schema.json.
// Times are ISO-8601 UTC strings; durations are seconds. Names (models, versions, stages, ids) are checked by
// src/registry/names.ts before they reach a path, a branch, a shell or a commit message.

export const API_VERSION = 'tollgate/v1';

export type Kind =
  | 'Policy'
  | 'Model'
  | 'Stages'
  | 'Schedule'
  | 'ModelVersion'
  | 'RetrainRequest'
  | 'Incident'
  | 'AuditEvent';

interface Document<K extends Kind> {
  apiVersion: typeof API_VERSION;
  kind: K;
}

/** Who may fill a role: members of any listed team (`org/team-slug`) or any listed user login. */
export interface RoleMembers {
  description?: string;
  teams?: string[];
  users?: string[];
}

export type Comparison = '>=' | '>' | '<=' | '<' | '==';

/** A validation gate: the version passes when `metrics[metric] <op> threshold`. */
export interface GateSpec {
  metric: string;
  op: Comparison;
  threshold: number;
}

/**
 * The kinds of registry change a sign-off rule can name. `stage-changed` may be narrowed to one stage and to
 * rollbacks (a move back to a version that already held that stage after passing the gate).
 */
export type ChangeKind =
  | 'stage-changed'
  | 'stage-weight-changed'
  | 'version-added'
  | 'version-changed'
  | 'version-removed'
  | 'version-held'
  | 'version-unheld'
  | 'model-added'
  | 'model-changed'
  | 'model-removed'
  | 'policy-changed';

export interface SignoffRule {
  /** Free text shown in the check summary, e.g. "production promotion". */
  name: string;
  change: ChangeKind;
  /** Only for `stage-changed`: the stage this rule applies to; absent = every stage. */
  stage?: string;
  /** Only for `stage-changed`: true = applies to rollbacks only, false = to forward moves only. */
  rollback?: boolean;
  /** Role names from `roles`; `model-owner` means the owners named in the affected model's model.yaml. */
  require: string[];
}

/** Which way a metric improves: `higher` (accuracy, AUC) or `lower` (error rate, latency). */
export type MetricDirection = 'higher' | 'lower';

/**
 * A candidate may not be worse than the version it replaces by more than `tolerance` (an absolute amount in the
 * metric's unit) on `metric`, whose direction comes from the policy's `metrics`.
 */
export interface NoRegressionRule {
  metric: string;
  tolerance: number;
  /** The stage this rule applies to; absent = every stage. */
  stage?: string;
}

export type Severity = 'P0' | 'P1' | 'P2' | 'P3' | 'P4';

/** One row of the severity matrix. */
export interface ResponseLevel {
  /** Seconds within which someone must acknowledge an incident of this severity. */
  respond_within?: number;
  /** Who is escalated to, in order: role names from `roles` (their members are named) or free text. */
  escalate?: string[];
  /** Channel names (keys of `incident.channels`, or the built-in ones) the incident is announced on. */
  channels?: string[];
}

/** A notification integration. Secrets (webhook URLs, routing keys) come from the environment. */
export interface NotificationChannel {
  type: 'slack' | 'pagerduty' | 'webhook' | 'github-issue';
  /** The URL (slack, webhook), when it is not a secret. */
  url?: string;
  /** The environment variable holding the URL (slack, webhook). */
  url_env?: string;
  /** The environment variable holding the PagerDuty integration's routing key (pagerduty). */
  routing_key_env?: string;
}

/** A metric condition used by severity rules and auto-rollback rules: `metrics[metric] <op> value`. */
export interface MetricCondition {
  metric: string;
  op: Comparison;
  value: number;
}

/**
 * Where a model's live metrics come from. `prometheus`: one PromQL query per metric, evaluated over the HTTP API;
 * `command`: an argv printing the metrics JSON (docs/monitoring.md); `file`: that JSON in a file. Queries, argv
 * and paths may hold `${model}`, `${stage}` and `${version}`. Credentials are named by environment variable only.
 */
export interface MetricsSourceSpec {
  kind: 'prometheus' | 'command' | 'file';
  /** prometheus: the server's base URL, e.g. http://prometheus:9090. */
  url?: string;
  /** prometheus: metric name -> PromQL query giving one series. */
  queries?: Record<string, string>;
  /** prometheus: the environment variable holding a bearer token (never the token itself). */
  bearer_token_env?: string;
  /** command: argv, run without a shell. */
  command?: string[];
  /** file: repository-relative path of the metrics JSON. */
  path?: string;
  /** command / prometheus: seconds before giving up. Default 30. */
  timeout?: number;
}

/** "metric op threshold for duration": fires when the metric crossed the threshold for the whole duration. */
export interface MonitorRule {
  name: string;
  metric: string;
  op: Comparison;
  threshold: number;
  /** Seconds the condition must hold. 0 = the latest value alone. */
  for: number;
  /** What a rule that starts firing does. */
  action: 'retrain' | 'incident' | 'none';
  /** The stage whose metrics the rule reads. Default production. */
  stage?: string;
}

export interface Policy extends Document<'Policy'> {
  description?: string;
  /** Branch whose stage pointers are live. Default `main`. */
  default_branch?: string;
  roles: Record<string, RoleMembers>;
  signoff?: {
    rules?: SignoffRule[];
    /** Roles that must approve any change to policy.yaml. Default `[policy-owner]`. */
    policy_owners?: string[];
    /** An approval on an earlier commit still counts when the registry change is unchanged since. Default false. */
    allow_stale_approvals?: boolean;
    /** Anyone who authored a commit in the pull request cannot sign off. Default true. */
    exclude_commit_authors?: boolean;
    /** One person may fill several roles. Default false. */
    allow_one_person_many_roles?: boolean;
    /** Pull requests into another branch than default_branch: `block` fails them, `none` needs no sign-off. */
    non_default_branch?: 'block' | 'none';
    /**
     * Repository paths (globs) whose changes need the policy owners' sign-off, as a policy change does. Added to
     * the defaults (the gate's own set-up: `.github/**`, CODEOWNERS, `schemas/**`, ...), which cannot be removed.
     */
    guarded_paths?: string[];
    /**
     * Seconds a promotion pull request may wait for a sign-off before the daily digest names it
     * (`tollgate signoffs pending --digest`). Default 86400 (24 h).
     */
    digest_after?: number;
    /**
     * Where the scheduled workflow posts the digest: names of `incident.channels` (slack or webhook). Default
     * [slack]; a channel whose secret is not set is skipped.
     */
    digest_channels?: string[];
  };
  stages?: {
    /** Lowest to highest, e.g. [canary, staging, production]. Default [staging, production]. */
    order?: string[];
    /** stage -> stages a version must have held first. Default `{production: [staging]}`. */
    promote_from?: Record<string, string[]>;
  };
  /** Gates every model must pass, in addition to its own. */
  gates?: GateSpec[];
  /** metric -> which way it improves; used to mark a candidate better or worse than the version it replaces. */
  metrics?: Record<string, { better: MetricDirection; description?: string }>;
  /** Metrics a candidate may not regress on against the version it replaces, beyond a tolerance. */
  no_regression?: NoRegressionRule[];
  incident?: {
    /** First matching severity wins, checked P0 to P3; nothing matching is P4. */
    severity?: Partial<Record<Exclude<Severity, 'P4'>, MetricCondition[]>>;
    /** Any condition matching triggers an automatic rollback. */
    auto_rollback?: MetricCondition[];
    /** Severities whose rollback may be pushed straight to the default branch. Default [P0]. */
    emergency_push?: Severity[];
    notify_webhook?: string;
    /** The severity matrix: per severity a response time, an escalation list and channels. Default the protocol's. */
    response?: Partial<Record<Severity, ResponseLevel>>;
    /** Channel name -> integration. Built in: slack, pagerduty, webhook, github-issue (see docs/incident-response.md). */
    channels?: Record<string, NotificationChannel>;
  };
  rollback?: {
    /** A version counts as stable once it held the stage this long. Default 86400 (24 h). */
    stable_for?: number;
    /** On a conflicting revert, write the previous pointer forward instead. Default true. */
    forward_fix_on_conflict?: boolean;
  };
  schedule?: {
    default_interval?: number;
    cooldown_base?: number;
    cooldown_factor?: number;
    cooldown_cap?: number;
    /** Escalate once a failure streak reaches this (an incident through the severity matrix). Default 2; 0 = never. */
    escalate_after_failures?: number;
    /** Severity of that incident. Default P3. */
    escalate_severity?: Severity;
    /** Pause automatically after this many consecutive failures. Default 5; 0 = never. */
    pause_after_failures?: number;
    /** Spread runs by up to this many seconds, derived from the model name. Default 0. */
    jitter?: number;
  };
  monitoring?: {
    /** Metrics source for models whose model.yaml names none. */
    source?: MetricsSourceSpec;
    /** Rules every model is watched with, in addition to its own. */
    rules?: MonitorRule[];
    canary?: {
      /** Seconds of canary metrics an analysis compares. Default 3600. */
      window?: number;
      /** Absolute limits the canary must meet, e.g. error_rate < 0.05. */
      limits?: MetricCondition[];
      /** Limits relative to the baseline stage: `canary <op> baseline * factor + offset`. */
      relative?: { metric: string; op: Comparison; factor?: number; offset?: number }[];
    };
    rollback?: {
      /** Seconds to wait after a rollback before its metrics are read. Default 300. */
      settle?: number;
      /** The health criteria after a rollback. Default error_rate < 0.05, latency_p95 < 200, availability > 0.99. */
      criteria?: MetricCondition[];
    };
  };
  /** How state-only changes reach the default branch. Default `pull-request`. */
  state_writes?: 'pull-request' | 'push';
  dispatch?: {
    /** Logins (e.g. `my-monitor[bot]`) whose repository_dispatch may start a rollback or an incident. Default none. */
    allowed_senders?: string[];
  };
}

export interface Model extends Document<'Model'> {
  name: string;
  description?: string;
  /** Who fills the `model-owner` role for this model. */
  owners: RoleMembers;
  training?: {
    /** argv, run without a shell. The command's contract is in docs/retrain.md. */
    command: string[];
    timeout?: number;
    /** Training data reference recorded as lineage. */
    data?: { uri: string; sha256?: string };
    /** Repository path of a JSON Schema the (JSON) artifact's content must meet; a failure fails the retrain. */
    artifact_schema?: string;
    /**
     * argv of a command that checks the artifact's content (run without a shell, after training, in the same job);
     * a non-zero exit fails the retrain with the command's output. Contract in docs/retrain.md.
     */
    artifact_validator?: string[];
  };
  gates?: GateSpec[];
  /** Metrics shown first in tables and charts. */
  key_metrics?: string[];
  schedule?: { enabled?: boolean; interval?: number };
  /** Where this model's live metrics come from, and rules of its own. */
  monitoring?: { source?: MetricsSourceSpec; rules?: MonitorRule[] };
}

export interface StagePointer {
  version: string;
  /** Only for canary-style stages: share of traffic, 0..1. */
  weight?: number;
}

export interface Stages extends Document<'Stages'> {
  model: string;
  stages: Record<string, StagePointer>;
}

export interface Schedule extends Document<'Schedule'> {
  schema_version: 1;
  model: string;
  interval: number;
  last_run?: string;
  next_run?: string;
  updated_at?: string;
  last_failure?: string;
  failure_streak: number;
  last_failure_reason?: string;
  cooldown_until?: string;
  paused_until?: string;
  paused_reason?: string;
  paused_by?: string;
  /** The last service reset of the streak and cooldown: who, why, and the streak it cleared. */
  last_reset?: { at: string; by: string; reason: string; failure_streak?: number };
  /** When the current failure streak was escalated (once per streak). */
  streak_escalated_at?: string;
}

export interface GateResult extends GateSpec {
  value: number | null;
  pass: boolean;
}

export interface ModelVersion extends Document<'ModelVersion'> {
  id: string;
  model: string;
  created_at: string;
  source: { commit: string; run_url?: string; workflow?: string; actor?: string };
  data?: { uri: string; sha256?: string };
  /** The data the metrics were measured on; two versions compare alike only on the same evaluation data. */
  evaluation?: { uri: string; sha256?: string };
  artifact: { uri: string; sha256: string; size: number };
  metrics: Record<string, number>;
  validation: { passed: boolean; gates: GateResult[] };
  /** The RetrainRequest that produced it. */
  request?: string;
  /** The version it was trained to replace (lineage). */
  parent?: string;
  /** Set by a rollback; promotion refuses a held version until `tollgate unhold`. */
  held?: { reason: string; at: string; by: string; incident?: string };
  drift?: Record<string, number>;
  fairness?: Record<string, number>;
}

export type RetrainStatus = 'queued' | 'running' | 'completed' | 'failed';

export interface RetrainRequest extends Document<'RetrainRequest'> {
  id: string;
  model: string;
  status: RetrainStatus;
  reason: string;
  trigger: {
    kind: 'manual' | 'schedule' | 'incident' | 'drift';
    actor: string;
    /** Snapshot of the metrics and thresholds that triggered the retrain, when any. */
    metrics?: Record<string, number>;
    thresholds?: GateSpec[];
  };
  created_at: string;
  started_at?: string;
  completed_at?: string;
  run?: { url?: string; duration?: number; command?: string[]; exit_code?: number | null };
  version?: string;
  error?: string;
}

export interface TimelineEntry {
  at: string;
  event:
    | 'detected'
    | 'classified'
    | 'rollback-started'
    | 'rollback-completed'
    | 'rollback-skipped'
    | 'rollback-failed'
    | 'notified'
    | 'notification-failed'
    | 'resolved'
    | 'acknowledged'
    | 'escalated'
    | 'note';
  detail?: string;
  /** Seconds since `detected`, for rollback-completed and resolved. */
  duration?: number;
}

export interface Incident extends Document<'Incident'> {
  id: string;
  title: string;
  severity: Severity;
  status: 'open' | 'resolved';
  models: string[];
  metrics: Record<string, number>;
  alert?: string;
  description?: string;
  detected_at: string;
  classified_at?: string;
  resolved_at?: string;
  /** When someone acknowledged it (`tollgate incident ack`), and who. */
  acknowledged_at?: string;
  acknowledged_by?: string;
  /** Escalations made, one per level at most (`incident escalate`, or the scheduled job past the response time). */
  escalations?: { at: string; severity: Severity; by: string; reason?: string }[];
  timeline: TimelineEntry[];
  rollback?: { model: string; stage: string; from: string; to: string; commit?: string; pull_request?: number };
}

export interface AuditEvent extends Document<'AuditEvent'> {
  id: string;
  at: string;
  event: string;
  actor: string;
  model?: string;
  version?: string;
  stage?: string;
  incident?: string;
  request?: string;
  pull_request?: number;
  commit?: string;
  details?: Record<string, unknown>;
}

export type RegistryDocument =
  | Policy
  | Model
  | Stages
  | Schedule
  | ModelVersion
  | RetrainRequest
  | Incident
  | AuditEvent;

/** Everything known about one model, as loaded from models/<name>/. */
export interface ModelEntry {
  model: Model;
  stages?: Stages;
  schedule?: Schedule;
  versions: Map<string, ModelVersion>;
  retrains: Map<string, RetrainRequest>;
}

/** A loaded registry. Paths are relative to the registry root and use `/`. */
export interface Registry {
  policy?: Policy;
  models: Map<string, ModelEntry>;
  incidents: Map<string, Incident>;
  audit: Map<string, AuditEvent>;
  /** Every parsed document by registry-relative path, including ones that failed validation. */
  documents: Map<string, RegistryDocument>;
}

/** A problem found while loading or validating. `fix` tells the user what to do. */
export interface Problem {
  file: string;
  line?: number;
  column?: number;
  /** The offending line with a caret under the column (YAML syntax errors). */
  excerpt?: string;
  field?: string;
  message: string;
  fix?: string;
  severity: 'error' | 'warning';
}

/**
 * One entry of a semantic diff between two registry states. `path` is the registry-relative file (or, for
 * `file-changed`, the repository-relative path of a file outside the registry).
 */
export type RegistryChange =
  | { kind: 'stage-changed'; path: string; model: string; stage: string; from?: string; to?: string }
  /** Only the traffic weight of a stage changed (its version did not): a canary ramp, judged by its own rules. */
  | {
      kind: 'stage-weight-changed';
      path: string;
      model: string;
      stage: string;
      version: string;
      from?: number;
      to?: number;
    }
  | { kind: 'version-added'; path: string; model: string; version: string }
  | { kind: 'version-changed'; path: string; model: string; version: string; fields: string[] }
  | { kind: 'version-removed'; path: string; model: string; version: string }
  | { kind: 'version-held'; path: string; model: string; version: string }
  | { kind: 'version-unheld'; path: string; model: string; version: string }
  | {
      kind: 'model-added' | 'model-changed' | 'model-removed';
      path: string;
      model: string;
      /** Guarded model.yaml fields this change sets or edits (GUARDED_MODEL_FIELDS): the policy owners sign off. */
      guarded?: string[];
    }
  | { kind: 'policy-changed'; path: string; fields: string[] }
  | { kind: 'schedule-changed'; path: string; model: string; fields: string[] }
  | { kind: 'retrain-added' | 'retrain-changed'; path: string; model: string; request: string }
  | { kind: 'incident-opened' | 'incident-changed'; path: string; incident: string }
  | { kind: 'postmortem-changed'; path: string; incident: string }
  | { kind: 'audit-appended'; path: string; id: string }
  | { kind: 'audit-rewritten'; path: string; id: string }
  /** A registry file that is not a known kind in a known place, or could not be parsed. */
  | { kind: 'unknown-registry-file'; path: string }
  /**
   * Any file outside the registry (workflows, action code, ...). `tollgatePin`: the change adds, removes or moves a
   * `uses: …/tollgate/actions/…` line (the gate then guards it like its own workflow).
   */
  | { kind: 'file-changed'; path: string; tollgatePin?: boolean };

/** Changes the gate passes without sign-offs: they record state, they do not decide what serves. */
export const STATE_CHANGE_KINDS: ReadonlySet<RegistryChange['kind']> = new Set([
  'schedule-changed',
  'retrain-added',
  'retrain-changed',
  'incident-opened',
  'incident-changed',
  'postmortem-changed',
  'audit-appended',
]);

/**
 * Reads registry files from one place: the working tree, or a git ref. Paths are registry-relative with `/`.
 * A reader never follows a symbolic link: a link where a registry file should be is an error it reports.
 */
export interface RegistryReader {
  /** Shown in messages, e.g. "working tree" or "origin/main". */
  readonly label: string;
  /** Every file below `dir` ('' for the registry root), recursively, sorted. */
  list(dir: string): Promise<string[]>;
  /** The file's bytes, or undefined when there is no such file. */
  read(path: string): Promise<Buffer | undefined>;
}
