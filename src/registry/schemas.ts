// The JSON Schemas (draft 2020-12) of every registry kind, as data. schemas/<kind>.schema.json are generated from
// here by scripts/write-schemas.ts (a test fails when they drift), so validation, the writer's key order and the
// published files share one source. Property order here is the order the writer emits.
import { API_VERSION, type Kind } from './types.ts';
import { SECRET_ENV_PATTERN } from './env-names.ts';
import {
  MAX_COOLDOWN_FACTOR,
  MAX_DURATION_SECONDS,
  MAX_FAILURE_COUNT,
  MAX_TRAINING_TIMEOUT_SECONDS,
} from './limits.ts';

type JsonSchema = Record<string, unknown>;

export const KINDS: readonly Kind[] = [
  'Policy',
  'Model',
  'Stages',
  'Schedule',
  'ModelVersion',
  'RetrainRequest',
  'Incident',
  'AuditEvent',
];

export const SCHEMA_BASE_URL = 'https://tollgate.dev/schemas/';

/** The schema's file name in schemas/, e.g. `ModelVersion.schema.json`. */
export const schemaFileName = (kind: Kind): string => `${kind}.schema.json`;

// Same rule as names.ts SAFE_NAME plus its "no .." check, for the schema files and editors.
export const SAFE_NAME_PATTERN = '^(?!.*\\.\\.)[a-z0-9](?:[a-z0-9.-]{0,62}[a-z0-9])?$';
export const INCIDENT_ID_PATTERN = '^INC-\\d{8}-\\d{6}-[a-z0-9]{2,12}$';
export const AUDIT_ID_PATTERN = '^\\d{8}T\\d{6}(?:\\d{3})?Z-[a-z0-9.-]{1,48}$';
/** UTC only, so that timestamps compare as strings. */
export const UTC_TIME_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?Z$';
export const SHA256_PATTERN = '^[0-9a-f]{64}$';
export const COMMIT_PATTERN = '^(?:[0-9a-f]{40}|[0-9a-f]{64})$';
export const TEAM_PATTERN = '^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$';
export const LOGIN_PATTERN = '^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\\[bot\\])?$';

const str = (description: string, extra: JsonSchema = {}): JsonSchema => ({
  type: 'string',
  minLength: 1,
  description,
  ...extra,
});
const name = (description: string): JsonSchema => ({ type: 'string', pattern: SAFE_NAME_PATTERN, description });
const time = (description: string): JsonSchema => ({
  type: 'string',
  format: 'date-time',
  pattern: UTC_TIME_PATTERN,
  description,
});
const num = (description: string, extra: JsonSchema = {}): JsonSchema => ({ type: 'number', description, ...extra });
const int = (description: string, extra: JsonSchema = {}): JsonSchema => ({
  type: 'integer',
  description,
  ...extra,
});
const bool = (description: string): JsonSchema => ({ type: 'boolean', description });
const obj = (description: string, properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema => ({
  type: 'object',
  description,
  additionalProperties: false,
  ...(required.length > 0 ? { required } : {}),
  properties,
});
const list = (description: string, items: JsonSchema, extra: JsonSchema = {}): JsonSchema => ({
  type: 'array',
  description,
  items,
  ...extra,
});
const ref = (def: string, description: string): JsonSchema => ({ $ref: `#/$defs/${def}`, description });
const numberMap = (description: string): JsonSchema => ({
  type: 'object',
  description,
  propertyNames: { minLength: 1 },
  additionalProperties: { type: 'number', description: 'The value of this metric.' },
});

/** Metric names as Prometheus and the metrics JSON spell them. */
export const METRIC_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_.-]{0,63}$';

const COMPARISON = { enum: ['>=', '>', '<=', '<', '=='], description: 'How the value compares to the threshold.' };
const CHANGE_KINDS = [
  'stage-changed',
  'stage-weight-changed',
  'version-added',
  'version-changed',
  'version-removed',
  'version-held',
  'version-unheld',
  'model-added',
  'model-changed',
  'model-removed',
  'policy-changed',
];
const SEVERITIES = ['P0', 'P1', 'P2', 'P3', 'P4'];
/** A user login, or an App's bot login (`name[bot]`). */
const GITHUB_LOGIN_PATTERN = '^[A-Za-z0-9][A-Za-z0-9-]{0,38}(\\[bot\\])?$';

const DEFS: Record<string, JsonSchema> = {
  roleMembers: obj('Who may fill a role: members of any listed team or any listed user.', {
    description: str('What the role is for.'),
    teams: list('Teams as `org/team-slug`.', str('A team as `org/team-slug`.', { pattern: TEAM_PATTERN }), {
      uniqueItems: true,
    }),
    users: list('GitHub user logins.', str('A GitHub user login.', { pattern: LOGIN_PATTERN }), {
      uniqueItems: true,
    }),
  }),
  gateSpec: obj(
    'A validation gate: the version passes when `metrics[metric] <op> threshold`.',
    {
      metric: str('The metric name, a key of the version `metrics`.'),
      op: COMPARISON,
      threshold: num('The value the metric is compared with.'),
    },
    ['metric', 'op', 'threshold'],
  ),
  metricCondition: obj(
    'A metric condition: holds when `metrics[metric] <op> value`.',
    {
      metric: str('The metric name, e.g. error_rate.'),
      op: COMPARISON,
      value: num('The value the metric is compared with.'),
    },
    ['metric', 'op', 'value'],
  ),
  metricsSource: obj(
    'Where live metrics come from. Queries, argv and paths may hold ${model}, ${stage} and ${version}.',
    {
      kind: { enum: ['prometheus', 'command', 'file'], description: 'The kind of source.' },
      url: str('prometheus: the server base URL, e.g. http://prometheus:9090.', { format: 'uri' }),
      queries: {
        type: 'object',
        description: 'prometheus: metric name -> PromQL query returning one series.',
        propertyNames: { pattern: METRIC_NAME_PATTERN },
        additionalProperties: str('A PromQL query.'),
      },
      bearer_token_env: str(
        'prometheus: the environment variable that holds a bearer token (never the token); not one the runner sets (INPUT_, ACTIONS_, GITHUB_, RUNNER_).',
        { pattern: SECRET_ENV_PATTERN },
      ),
      command: list('command: argv printing the metrics JSON, run without a shell.', str('One argument.'), {
        minItems: 1,
      }),
      path: str('file: repository-relative path of the metrics JSON.'),
      timeout: int('Seconds before the source is given up on. Default 30.', { minimum: 1, maximum: 3600 }),
    },
    ['kind'],
  ),
  monitorRule: obj(
    'A monitoring rule: fires when `metric <op> threshold` held for the whole duration.',
    {
      name: name('The rule name, unique per model.'),
      metric: str('The metric name.', { pattern: METRIC_NAME_PATTERN }),
      op: COMPARISON,
      threshold: num('The value the metric is compared with.'),
      for: int('Seconds the condition must hold; 0 means the latest value alone.', {
        minimum: 0,
        maximum: MAX_DURATION_SECONDS,
      }),
      action: {
        enum: ['retrain', 'incident', 'none'],
        description: 'What the rule does when it starts firing: an urgent retrain, an incident, or only a record.',
      },
      stage: name('The stage whose metrics the rule reads. Default production.'),
    },
    ['name', 'metric', 'op', 'threshold', 'for', 'action'],
  ),
  dataRef: obj(
    'A reference to training data, recorded as lineage.',
    {
      uri: str('Where the data lives, e.g. s3://bucket/path.'),
      sha256: str('SHA-256 of the data snapshot, 64 lowercase hex digits.', { pattern: SHA256_PATTERN }),
    },
    ['uri'],
  ),
};

function document(kind: Kind, description: string, properties: Record<string, JsonSchema>, required: string[]) {
  const defs = JSON.stringify(properties).match(/#\/\$defs\/(\w+)/g) ?? [];
  const used = [...new Set(defs.map((d) => d.slice('#/$defs/'.length)))].sort();
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `${SCHEMA_BASE_URL}${schemaFileName(kind)}`,
    title: `Tollgate ${kind}`,
    description,
    type: 'object',
    additionalProperties: false,
    required: ['apiVersion', 'kind', ...required],
    properties: {
      apiVersion: { const: API_VERSION, description: `Always \`${API_VERSION}\`.` },
      kind: { const: kind, description: `Always \`${kind}\`.` },
      ...properties,
    },
    ...(used.length > 0 ? { $defs: Object.fromEntries(used.map((d) => [d, DEFS[d]!])) } : {}),
  };
}

const signoffRule = obj(
  'A sign-off rule: which roles must approve a kind of registry change.',
  {
    name: str('Free text shown in the check summary, e.g. "production promotion".'),
    change: { enum: CHANGE_KINDS, description: 'The kind of registry change this rule applies to.' },
    stage: name('Only for stage-changed and stage-weight-changed: the stage this rule applies to; absent means every stage.'),
    rollback: bool('Only for stage-changed: true applies to rollbacks only, false to forward moves only.'),
    require: list(
      'Role names from `roles`; `model-owner` means the owners in the model.yaml.',
      name('A role name.'),
      { uniqueItems: true },
    ),
  },
  ['name', 'change', 'require'],
);

const severityList = (severity: string) =>
  list(`Conditions that make an incident ${severity}; any one matching is enough.`, ref('metricCondition', 'A condition.'));

const ENV_NAME = { pattern: SECRET_ENV_PATTERN };
const responseLevel = (severity: string) =>
  obj(`How a ${severity} incident is answered.`, {
    respond_within: int('Seconds within which someone must acknowledge it; past that it is escalated.', {
      minimum: 1,
      maximum: MAX_DURATION_SECONDS,
    }),
    escalate: list('Who is escalated to: role names from `roles` (their members are named) or free text.', str('A role or a name.'), {
      uniqueItems: true,
    }),
    channels: list('Channels it is announced on: names from incident.channels or the built-in ones.', name('A channel name.'), {
      uniqueItems: true,
    }),
  });
const notificationChannel = obj(
  'A notification integration; secrets come from environment variables.',
  {
    type: {
      enum: ['slack', 'pagerduty', 'webhook', 'github-issue'],
      description: 'slack: incoming webhook; pagerduty: Events API v2; webhook: generic JSON POST; github-issue: an issue per incident.',
    },
    url: str('The URL (slack, webhook), when it is no secret.', { format: 'uri' }),
    url_env: str('Environment variable holding the URL (slack, webhook).', ENV_NAME),
    routing_key_env: str("Environment variable holding the PagerDuty integration's routing key.", ENV_NAME),
  },
  ['type'],
);

export const SCHEMAS: Record<Kind, JsonSchema> = {
  Policy: document(
    'Policy',
    'The governance policy: roles, sign-off rules, gates, incident rules and defaults.',
    {
      description: str('What this policy is for.'),
      default_branch: str('Branch whose stage pointers are live. Default main.'),
      roles: {
        type: 'object',
        description: 'Role name -> who may fill it.',
        propertyNames: { pattern: SAFE_NAME_PATTERN },
        additionalProperties: ref('roleMembers', 'Members of this role.'),
      },
      signoff: obj('Sign-off rules and how approvals count.', {
        rules: list('Sign-off rules; every rule matching a change applies.', signoffRule),
        policy_owners: list('Roles that must approve any change to policy.yaml.', name('A role name.'), {
          uniqueItems: true,
        }),
        allow_stale_approvals: bool('An approval on an earlier commit counts when the registry change is unchanged.'),
        exclude_commit_authors: bool('Anyone who authored a commit in the pull request cannot sign off.'),
        allow_one_person_many_roles: bool('One person may fill several roles.'),
        non_default_branch: {
          enum: ['block', 'none'],
          description: 'Pull requests into another branch: block fails them, none needs no sign-off.',
        },
        guarded_paths: list(
          "Repository paths whose changes need the policy owners' sign-off, added to the defaults that guard the gate itself (.github/**, CODEOWNERS, docs/CODEOWNERS, schemas/**, templates/workflows/**), which cannot be removed.",
          str('A path glob: ** any depth, * and ? within one folder, a trailing / for a whole folder.', {
            minLength: 1,
          }),
          { uniqueItems: true },
        ),
        digest_after: int(
          'Seconds a promotion pull request may wait for a sign-off before the daily digest (`tollgate signoffs pending --digest`) names it. Default 86400 (24 h).',
          { minimum: 1, maximum: MAX_DURATION_SECONDS },
        ),
        digest_channels: list(
          'Where the scheduled workflow posts the daily digest: names of incident.channels of type slack or webhook (built in: slack, webhook). Default [slack]; a channel whose secret is not set is skipped.',
          name('A channel name.'),
          { uniqueItems: true },
        ),
      }),
      stages: obj('Stage order and promotion paths.', {
        order: list('Stages from lowest to highest.', name('A stage name.'), { uniqueItems: true }),
        promote_from: {
          type: 'object',
          description: 'stage -> stages a version must have held first.',
          propertyNames: { pattern: SAFE_NAME_PATTERN },
          additionalProperties: list('Stages that must come first.', name('A stage name.')),
        },
      }),
      gates: list('Gates every model must pass, in addition to its own.', ref('gateSpec', 'A gate.')),
      metrics: {
        type: 'object',
        description: 'Metric name -> which way it improves; the promotion body marks a candidate better or worse by it.',
        propertyNames: { minLength: 1 },
        additionalProperties: obj(
          'How to read one metric.',
          {
            better: { enum: ['higher', 'lower'], description: 'Whether a higher or a lower value is better.' },
            description: str('What the metric measures.'),
          },
          ['better'],
        ),
      },
      no_regression: list(
        'Metrics a candidate may not regress on against the version it replaces; the gate blocks a larger regression.',
        obj(
          'A no-regression rule.',
          {
            metric: str('The metric name; its direction comes from `metrics`.'),
            tolerance: num('How much worse (absolute, in the metric unit) the candidate may be.', { minimum: 0 }),
            stage: name('The stage this rule applies to; absent means every stage.'),
          },
          ['metric', 'tolerance'],
        ),
      ),
      incident: obj('Incident classification and automatic rollback.', {
        severity: obj('Severity -> conditions; checked P0 to P3, nothing matching is P4.', {
          P0: severityList('P0'),
          P1: severityList('P1'),
          P2: severityList('P2'),
          P3: severityList('P3'),
        }),
        auto_rollback: list('Any condition matching triggers an automatic rollback.', ref('metricCondition', 'A condition.')),
        emergency_push: list(
          'Severities whose rollback may be pushed straight to the default branch.',
          { enum: SEVERITIES, description: 'A severity.' },
          { uniqueItems: true },
        ),
        notify_webhook: str('URL that receives incident notifications.', { format: 'uri' }),
        response: obj(
          'The severity matrix: per severity a response time, an escalation list and the channels it is announced on. Default the incident protocol\'s.',
          Object.fromEntries(SEVERITIES.map((s) => [s, responseLevel(s)])),
        ),
        channels: {
          type: 'object',
          description: 'Channel name -> integration; the built-in slack, pagerduty, webhook and github-issue need no entry.',
          propertyNames: { pattern: SAFE_NAME_PATTERN },
          additionalProperties: notificationChannel,
        },
      }),
      rollback: obj('Rollback behaviour.', {
        stable_for: int('Seconds a version must hold a stage to count as stable.', { minimum: 0, maximum: MAX_DURATION_SECONDS }),
        forward_fix_on_conflict: bool('On a conflicting revert, write the previous pointer forward instead.'),
      }),
      schedule: obj('Retrain scheduler defaults.', {
        default_interval: int('Seconds between scheduled retrains.', { minimum: 1, maximum: MAX_DURATION_SECONDS }),
        cooldown_base: int('Seconds of cooldown after the first failure.', { minimum: 0, maximum: MAX_DURATION_SECONDS }),
        cooldown_factor: num('Cooldown multiplier per further consecutive failure.', {
          minimum: 1,
          maximum: MAX_COOLDOWN_FACTOR,
        }),
        cooldown_cap: int('Longest cooldown in seconds.', { minimum: 0, maximum: MAX_DURATION_SECONDS }),
        escalate_after_failures: int('Escalate (open an incident through the severity matrix) once a failure streak reaches this; 0 = never. Default 2.', {
          minimum: 0,
          maximum: MAX_FAILURE_COUNT,
        }),
        escalate_severity: { enum: SEVERITIES, description: 'Severity of the incident a failure streak opens. Default P3.' },
        pause_after_failures: int('Pause after this many consecutive failures; 0 = never.', {
          minimum: 0,
          maximum: MAX_FAILURE_COUNT,
        }),
        jitter: int('Spread runs by up to this many seconds.', { minimum: 0, maximum: MAX_DURATION_SECONDS }),
      }),
      monitoring: obj('Live metrics, monitoring rules, canary analysis and rollback verification.', {
        source: ref('metricsSource', 'The metrics source of models whose model.yaml names none.'),
        rules: list('Rules every model is watched with, in addition to its own.', ref('monitorRule', 'A rule.')),
        canary: obj('Canary analysis.', {
          window: int('Seconds of canary metrics an analysis compares. Default 3600.', {
            minimum: 1,
            maximum: MAX_DURATION_SECONDS,
          }),
          limits: list('Absolute limits the canary must meet.', ref('metricCondition', 'A limit.')),
          relative: list(
            'Limits relative to the baseline stage: holds when canary <op> baseline * factor + offset.',
            obj(
              'A relative criterion, e.g. error_rate <= baseline + 0.01, or latency_p95 <= 1.2 * baseline.',
              {
                metric: str('The metric name.', { pattern: METRIC_NAME_PATTERN }),
                op: COMPARISON,
                factor: num('Multiplies the baseline value. Default 1.', { minimum: 0 }),
                offset: num('Added to the scaled baseline value. Default 0.'),
              },
              ['metric', 'op'],
            ),
          ),
        }),
        rollback: obj('Rollback verification.', {
          settle: int('Seconds to wait after a rollback before reading its metrics. Default 300.', {
            minimum: 0,
            maximum: 86_400,
          }),
          criteria: list(
            'Health criteria after a rollback; default error_rate < 0.05, latency_p95 < 200 (ms), availability > 0.99.',
            ref('metricCondition', 'A criterion.'),
          ),
        }),
      }),
      state_writes: {
        enum: ['pull-request', 'push'],
        description: 'How state-only changes reach the default branch.',
      },
      dispatch: obj('Who may start Tollgate workflows with a repository_dispatch.', {
        allowed_senders: list(
          'GitHub logins whose tollgate-rollback or tollgate-incident dispatch is accepted, e.g. my-monitor[bot]; a dispatch from anyone else is refused.',
          str('A user or bot login.', { pattern: GITHUB_LOGIN_PATTERN }),
          { uniqueItems: true },
        ),
      }),
    },
    ['roles'],
  ),

  Model: document(
    'Model',
    'A model: its owners, training command, gates and schedule settings.',
    {
      name: name('The model name; equals its folder name under models/.'),
      description: str('What the model does.'),
      owners: ref('roleMembers', 'Who fills the model-owner role for this model.'),
      training: obj(
        'How to train the model.',
        {
          command: list('argv of the training command, run without a shell.', str('One argument.'), {
            minItems: 1,
          }),
          timeout: int('Seconds before the training command is stopped.', {
            minimum: 1,
            maximum: MAX_TRAINING_TIMEOUT_SECONDS,
          }),
          data: ref('dataRef', 'Training data reference recorded as lineage.'),
          artifact_schema: str(
            "Repository path of a JSON Schema the artifact's content must meet (JSON artifacts); a failure fails the retrain.",
          ),
          artifact_validator: list(
            "argv of a command that checks the artifact's content, run without a shell after training (TOLLGATE_ARTIFACT names the file); a non-zero exit fails the retrain with its output.",
            str('One argument.'),
            { minItems: 1 },
          ),
        },
        ['command'],
      ),
      gates: list('Gates a version must pass.', ref('gateSpec', 'A gate.')),
      key_metrics: list('Metrics shown first in tables and charts.', str('A metric name.'), { uniqueItems: true }),
      schedule: obj('Scheduled retraining.', {
        enabled: bool('Whether the scheduler retrains this model.'),
        interval: int('Seconds between retrains; overrides the policy default.', { minimum: 1, maximum: MAX_DURATION_SECONDS }),
      }),
      monitoring: obj('Where the live metrics come from, and rules of its own.', {
        source: ref('metricsSource', 'The metrics source; overrides the policy one.'),
        rules: list('Rules added to the policy ones.', ref('monitorRule', 'A rule.')),
      }),
    },
    ['name', 'owners'],
  ),

  Stages: document(
    'Stages',
    'Which version serves at each stage of one model.',
    {
      model: name('The model; equals its folder name.'),
      stages: {
        type: 'object',
        description: 'Stage name -> the version it serves.',
        propertyNames: { pattern: SAFE_NAME_PATTERN },
        additionalProperties: obj(
          'A stage pointer.',
          {
            version: name('The version this stage serves.'),
            weight: num('Only for canary-style stages: share of traffic, 0..1.', { minimum: 0, maximum: 1 }),
          },
          ['version'],
        ),
      },
    },
    ['model', 'stages'],
  ),

  Schedule: document(
    'Schedule',
    'Retrain scheduler state of one model.',
    {
      schema_version: { const: 1, description: 'Version of this state format. Always 1.' },
      model: name('The model; equals its folder name.'),
      interval: int('Seconds between scheduled runs.', { minimum: 1, maximum: MAX_DURATION_SECONDS }),
      last_run: time('When the last successful run happened.'),
      next_run: time('When the next run is due.'),
      updated_at: time('When this state last changed.'),
      last_failure: time('When the last run failed.'),
      failure_streak: int('Consecutive failed runs.', { minimum: 0, maximum: MAX_FAILURE_COUNT }),
      last_failure_reason: str('Why the last run failed.'),
      cooldown_until: time('No run before this time after a failure.'),
      paused_until: time('The schedule is paused until this time.'),
      paused_reason: str('Why the schedule is paused.'),
      paused_by: str('Who paused the schedule.'),
      last_reset: obj(
        'The last service reset of the failure streak and cooldown (`tollgate schedule reset`, the runbook\'s mark-executed).',
        {
          at: time('When.'),
          by: str('Who.'),
          reason: str('Why: the cause that was fixed.'),
          failure_streak: int('The streak it cleared.', { minimum: 0, maximum: MAX_FAILURE_COUNT }),
        },
        ['at', 'by', 'reason'],
      ),
      streak_escalated_at: time('When the current failure streak was escalated through the severity matrix; cleared with the streak.'),
    },
    ['schema_version', 'model', 'interval', 'failure_streak'],
  ),

  ModelVersion: document(
    'ModelVersion',
    'One trained version of a model: lineage, artifact, metrics and validation.',
    {
      id: name('The version id; equals the file name.'),
      model: name('The model; equals the folder name.'),
      created_at: time('When the version was recorded.'),
      source: obj(
        'The commit and workflow run that produced the version.',
        {
          commit: str('The full commit sha of the training code.', { pattern: COMMIT_PATTERN }),
          run_url: str('Link to the workflow run.', { format: 'uri' }),
          workflow: str('The workflow name.'),
          actor: str('Who started the run.'),
        },
        ['commit'],
      ),
      data: ref('dataRef', 'Training data reference.'),
      evaluation: ref('dataRef', 'The data the metrics were measured on.'),
      artifact: obj(
        'The trained artifact.',
        {
          uri: str('Where the artifact lives.'),
          sha256: str('SHA-256 of the artifact, 64 lowercase hex digits.', { pattern: SHA256_PATTERN }),
          size: int('Size in bytes.', { minimum: 0 }),
        },
        ['uri', 'sha256', 'size'],
      ),
      metrics: numberMap('Metric name -> value measured on the evaluation set.'),
      validation: obj(
        "The result of the model's gates.",
        {
          passed: bool('True when every gate passed.'),
          gates: list(
            'One result per gate.',
            obj(
              'A gate and its result.',
              {
                metric: str('The metric name.'),
                op: COMPARISON,
                threshold: num('The value the metric is compared with.'),
                value: { type: ['number', 'null'], description: 'The measured value; null when missing.' },
                pass: bool('Whether the gate passed.'),
              },
              ['metric', 'op', 'threshold', 'value', 'pass'],
            ),
          ),
        },
        ['passed', 'gates'],
      ),
      request: name('The RetrainRequest that produced it.'),
      parent: name('The version it was trained to replace.'),
      held: obj(
        'Set by a rollback; promotion refuses a held version.',
        {
          reason: str('Why the version is held.'),
          at: time('When it was held.'),
          by: str('Who held it.'),
          incident: str('The incident that caused the hold.', { pattern: INCIDENT_ID_PATTERN }),
        },
        ['reason', 'at', 'by'],
      ),
      drift: numberMap('Drift measure -> value.'),
      fairness: numberMap('Fairness measure -> value.'),
    },
    ['id', 'model', 'created_at', 'source', 'artifact', 'metrics', 'validation'],
  ),

  RetrainRequest: document(
    'RetrainRequest',
    'The lifecycle of one retrain: queued, running, completed or failed.',
    {
      id: name('The request id; equals the file name.'),
      model: name('The model; equals the folder name.'),
      status: { enum: ['queued', 'running', 'completed', 'failed'], description: 'Where the retrain is.' },
      reason: str('Why the retrain was requested.'),
      trigger: obj(
        'What started the retrain.',
        {
          kind: { enum: ['manual', 'schedule', 'incident', 'drift'], description: 'The kind of trigger.' },
          actor: str('Who or what triggered it.'),
          metrics: numberMap('Metrics that triggered the retrain.'),
          thresholds: list('Thresholds that were crossed.', ref('gateSpec', 'A threshold.')),
        },
        ['kind', 'actor'],
      ),
      created_at: time('When the request was created.'),
      started_at: time('When training started.'),
      completed_at: time('When training finished.'),
      run: obj('The training run.', {
        url: str('Link to the workflow run.', { format: 'uri' }),
        duration: num('Seconds the run took.', { minimum: 0 }),
        command: list('argv that was run.', { type: 'string', description: 'One argument.' }),
        exit_code: { type: ['integer', 'null'], description: 'Exit code; null when killed by a signal.' },
      }),
      version: name('The version it produced.'),
      error: str('Why it failed.'),
    },
    ['id', 'model', 'status', 'reason', 'trigger', 'created_at'],
  ),

  Incident: document(
    'Incident',
    'One incident: severity, metrics, timeline and actions taken.',
    {
      id: str('The incident id, INC-YYYYMMDD-HHMMSS-<suffix>; equals the file name.', {
        pattern: INCIDENT_ID_PATTERN,
      }),
      title: str('One line that says what happened.'),
      severity: { enum: SEVERITIES, description: 'P0 (worst) to P4.' },
      status: { enum: ['open', 'resolved'], description: 'Whether the incident is still open.' },
      models: list('Models affected.', name('A model name.'), { uniqueItems: true }),
      metrics: numberMap('Metrics at detection time.'),
      alert: str('The alert that raised it.'),
      description: str('What is known.'),
      detected_at: time('When it was detected.'),
      classified_at: time('When its severity was set.'),
      resolved_at: time('When it was resolved.'),
      acknowledged_at: time('When someone acknowledged it.'),
      acknowledged_by: str('Who acknowledged it.'),
      escalations: list(
        'Escalations made, at most one per severity level.',
        obj(
          'One escalation.',
          {
            at: time('When.'),
            severity: { enum: SEVERITIES, description: 'The level escalated to.' },
            by: str('Who (or tollgate-bot for the scheduled job).'),
            reason: str('Why.'),
          },
          ['at', 'severity', 'by'],
        ),
      ),
      timeline: list(
        'What happened, in order.',
        obj(
          'One timeline entry.',
          {
            at: time('When it happened.'),
            event: {
              enum: [
                'detected',
                'classified',
                'rollback-started',
                'rollback-completed',
                'rollback-skipped',
                'rollback-failed',
                'notified',
                'notification-failed',
                'resolved',
                'acknowledged',
                'escalated',
                'note',
              ],
              description: 'What happened.',
            },
            detail: str('More about it.'),
            duration: num('Seconds since detected, for rollback-completed and resolved.', { minimum: 0 }),
          },
          ['at', 'event'],
        ),
      ),
      rollback: obj(
        'The rollback taken.',
        {
          model: name('The model rolled back.'),
          stage: name('The stage rolled back.'),
          from: name('The version it served before.'),
          to: name('The version it serves after.'),
          commit: str('The rollback commit.', { pattern: COMMIT_PATTERN }),
          pull_request: int('The rollback pull request number.', { minimum: 1 }),
        },
        ['model', 'stage', 'from', 'to'],
      ),
    },
    ['id', 'title', 'severity', 'status', 'models', 'metrics', 'detected_at', 'timeline'],
  ),

  AuditEvent: document(
    'AuditEvent',
    'One audit event; never edited once on the default branch.',
    {
      id: str('The event id, <timestamp>-<suffix>; equals the file name.', { pattern: AUDIT_ID_PATTERN }),
      at: time('When it happened.'),
      event: str('What happened, e.g. promotion-merged.', { pattern: '^[a-z][a-z0-9-]*$' }),
      actor: str('Who did it.'),
      model: name('The model concerned.'),
      version: name('The version concerned.'),
      stage: name('The stage concerned.'),
      incident: str('The incident concerned.', { pattern: INCIDENT_ID_PATTERN }),
      request: name('The retrain request concerned.'),
      pull_request: int('The pull request concerned.', { minimum: 1 }),
      commit: str('The commit concerned.', { pattern: COMMIT_PATTERN }),
      details: { type: 'object', description: 'Anything else worth keeping.' },
    },
    ['id', 'at', 'event', 'actor'],
  ),
};

/** The schema file as written to schemas/: two-space JSON with a final newline. */
export const schemaFileText = (kind: Kind): string => `${JSON.stringify(SCHEMAS[kind], null, 2)}\n`;
