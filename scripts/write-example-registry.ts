// Writes the example registry (registry/ at the repository root) through the one writer, so it is canonical.
// Deterministic: hashes and commits are derived from names. Run:
//   node --experimental-strip-types --no-warnings scripts/write-example-registry.ts
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  auditPath,
  incidentPath,
  modelPath,
  POLICY_PATH,
  retrainPath,
  schedulePath,
  stagesPath,
  versionPath,
} from '../src/registry/paths.ts';
import type {
  AuditEvent,
  GateSpec,
  Incident,
  Model,
  ModelVersion,
  Policy,
  RetrainRequest,
  Schedule,
  Stages,
} from '../src/registry/types.ts';
import { type RegistryFileWrite, writeRegistryFiles } from '../src/registry/writer.ts';

const hex = (seed: string, length: number) =>
  createHash('sha256').update(seed).digest('hex').slice(0, length);
const day = (n: number) =>
  new Date(Date.UTC(2026, 9, 1) + n * 86_400_000).toISOString().replace('.000Z', 'Z');
const files: RegistryFileWrite[] = [];

const policy: Policy = {
  apiVersion: 'tollgate/v1',
  kind: 'Policy',
  description: 'Example policy: production needs risk, compliance and the model owner.',
  default_branch: 'main',
  roles: {
    risk: { description: 'Model risk management', teams: ['acme/model-risk'], users: ['rita-risk'] },
    compliance: { description: 'Regulatory compliance', teams: ['acme/compliance'] },
    'policy-owner': { description: 'Owns this policy', users: ['paula-policy'] },
  },
  signoff: {
    rules: [
      {
        name: 'production promotion',
        change: 'stage-changed',
        stage: 'production',
        rollback: false,
        require: ['risk', 'compliance', 'model-owner'],
      },
      {
        name: 'production rollback',
        change: 'stage-changed',
        stage: 'production',
        rollback: true,
        require: ['model-owner'],
      },
      { name: 'staging promotion', change: 'stage-changed', stage: 'staging', require: ['model-owner'] },
      { name: 'canary deployment', change: 'stage-changed', stage: 'canary', require: ['model-owner'] },
      { name: 'canary weight', change: 'stage-weight-changed', stage: 'canary', require: ['model-owner'] },
      { name: 'new version', change: 'version-added', require: ['model-owner'] },
      { name: 'version held', change: 'version-held', require: [] },
      { name: 'version unheld', change: 'version-unheld', require: ['model-owner', 'risk'] },
      { name: 'new model', change: 'model-added', require: ['risk'] },
    ],
    policy_owners: ['policy-owner'],
  },
  // A canary serves a share of production traffic (its weight) before the version takes production over.
  stages: {
    order: ['staging', 'canary', 'production'],
    promote_from: { canary: ['staging'], production: ['staging'] },
  },
  gates: [{ metric: 'auc', op: '>=', threshold: 0.8 }],
  // Which way each key metric improves: promotion bodies mark a candidate better or worse than production by it.
  metrics: { auc: { better: 'higher' }, false_positive_rate: { better: 'lower' } },
  // The incident response protocol's numbers: latency_increase_pct is a fraction (2.0 = +200 %).
  incident: {
    severity: {
      P0: [
        { metric: 'error_rate', op: '>', value: 0.5 },
        { metric: 'availability', op: '<', value: 0.5 },
      ],
      P1: [
        { metric: 'accuracy_drop', op: '>', value: 0.2 },
        { metric: 'latency_increase_pct', op: '>', value: 2.0 },
        { metric: 'error_rate', op: '>', value: 0.1 },
      ],
      P2: [
        { metric: 'accuracy_drop', op: '>', value: 0.1 },
        { metric: 'latency_increase_pct', op: '>', value: 0.5 },
        { metric: 'error_rate', op: '>', value: 0.05 },
      ],
      P3: [{ metric: 'accuracy_drop', op: '>', value: 0.05 }],
    },
    auto_rollback: [
      { metric: 'error_rate', op: '>', value: 0.5 },
      { metric: 'availability', op: '<', value: 0.5 },
      { metric: 'accuracy_drop', op: '>', value: 0.3 },
    ],
    emergency_push: ['P0'],
  },
  rollback: { stable_for: 86400, forward_fix_on_conflict: true },
  schedule: {
    default_interval: 604800,
    cooldown_base: 3600,
    cooldown_factor: 2,
    cooldown_cap: 86400,
    pause_after_failures: 5,
  },
  // The operational runbook: drift above 0.8 for 15 minutes starts an urgent retrain; a canary is compared with
  // production; a rollback is verified against the protocol's health criteria (p95 latency in ms).
  monitoring: {
    source: {
      kind: 'prometheus',
      url: 'http://prometheus.acme.internal:9090',
      bearer_token_env: 'PROMETHEUS_TOKEN',
      queries: {
        drift_score: 'max(model_drift_score{model="${model}"})',
        error_rate:
          'sum(rate(model_requests_total{model="${model}",stage="${stage}",code=~"5.."}[5m])) / sum(rate(model_requests_total{model="${model}",stage="${stage}"}[5m]))',
        availability: 'avg_over_time(up{job="model-serving",model="${model}",stage="${stage}"}[5m])',
        latency_p95:
          '1000 * histogram_quantile(0.95, sum by (le) (rate(model_request_duration_seconds_bucket{model="${model}",stage="${stage}"}[5m])))',
      },
    },
    rules: [
      { name: 'drift', metric: 'drift_score', op: '>', threshold: 0.8, for: 900, action: 'retrain' },
      { name: 'outage', metric: 'error_rate', op: '>', threshold: 0.5, for: 300, action: 'incident' },
    ],
    canary: {
      window: 3600,
      limits: [{ metric: 'error_rate', op: '<', value: 0.05 }],
      relative: [
        { metric: 'error_rate', op: '<=', offset: 0.01 },
        { metric: 'latency_p95', op: '<=', factor: 1.2 },
      ],
    },
    rollback: {
      settle: 300,
      criteria: [
        { metric: 'error_rate', op: '<', value: 0.05 },
        { metric: 'latency_p95', op: '<', value: 200 },
        { metric: 'availability', op: '>', value: 0.99 },
      ],
    },
  },
  state_writes: 'pull-request',
  // The monitoring App whose repository_dispatch may start a rollback or declare an incident.
  dispatch: { allowed_senders: ['tollgate-monitor[bot]'] },
};
files.push({ path: POLICY_PATH, document: policy });

interface ModelSpec {
  name: string;
  description: string;
  owners: Model['owners'];
  gates: GateSpec[];
  metrics: Record<string, number>[];
  stages: Record<string, string>;
  schedule?: boolean;
  command?: string[];
  data?: { uri: string; sha256: string };
}

const root = join(import.meta.dirname, '..');
const sha256 = (path: string) =>
  createHash('sha256')
    .update(readFileSync(join(root, path)))
    .digest('hex');
const PENGUINS = 'examples/trainer/data/penguins.csv';

const models: ModelSpec[] = [
  {
    name: 'fraud-detector',
    description: 'Scores card transactions for fraud in real time.',
    owners: { teams: ['acme/fraud-ml'], users: ['alice'] },
    gates: [
      { metric: 'auc', op: '>=', threshold: 0.85 },
      { metric: 'false_positive_rate', op: '<=', threshold: 0.1 },
    ],
    metrics: [
      { auc: 0.91, false_positive_rate: 0.048, latency_p99_ms: 41 },
      { auc: 0.915, false_positive_rate: 0.046, latency_p99_ms: 40 },
      { auc: 0.842, false_positive_rate: 0.112, latency_p99_ms: 44 },
      { auc: 0.924, false_positive_rate: 0.041, latency_p99_ms: 38 },
      { auc: 0.931, false_positive_rate: 0.039, latency_p99_ms: 39 },
    ],
    stages: { staging: 'v5', production: 'v4' },
    schedule: true,
    // The example trainer (no dependencies, deterministic), so `tollgate retrain fraud-detector` really trains,
    // on the synthetic transactions (examples/trainer/data/README.md).
    command: [
      'node',
      'examples/trainer/train.ts',
      '--data',
      'examples/trainer/data/transactions.csv',
      '--label',
      'is_fraud',
      '--log',
      'amount,distance_km',
      '--threshold',
      '0.35',
    ],
  },
  {
    name: 'churn-predictor',
    description: 'Predicts which subscribers will cancel within 30 days.',
    owners: { teams: ['acme/growth-ml'] },
    gates: [{ metric: 'auc', op: '>=', threshold: 0.8 }],
    metrics: [
      { auc: 0.81, recall: 0.62 },
      { auc: 0.84, recall: 0.66 },
      { auc: 0.852, recall: 0.69 },
    ],
    stages: { staging: 'v3', production: 'v2' },
  },
  {
    name: 'penguin-sex',
    description: "Predicts a penguin's sex from its species, island and measurements (Palmer Penguins).",
    owners: { teams: ['acme/field-ml'], users: ['pat'] },
    // The example trainer reaches auc 0.98 and accuracy 0.94 on the held-out quarter of the real dataset.
    gates: [
      { metric: 'auc', op: '>=', threshold: 0.9 },
      { metric: 'accuracy', op: '>=', threshold: 0.85 },
    ],
    metrics: [
      { auc: 0.955, accuracy: 0.88, log_loss: 0.262 },
      { auc: 0.968, accuracy: 0.904, log_loss: 0.231 },
    ],
    stages: { staging: 'v2', production: 'v1' },
    schedule: true,
    command: [
      'node',
      'examples/trainer/train.ts',
      '--data',
      PENGUINS,
      '--label',
      'sex',
      '--positive',
      'MALE',
    ],
    data: { uri: PENGUINS, sha256: sha256(PENGUINS) },
  },
];

const audit: AuditEvent[] = [];
const compare = (value: number, op: GateSpec['op'], threshold: number) =>
  op === '>='
    ? value >= threshold
    : op === '<='
      ? value <= threshold
      : op === '>'
        ? value > threshold
        : op === '<'
          ? value < threshold
          : value === threshold;

models.forEach((spec, m) => {
  const model: Model = {
    apiVersion: 'tollgate/v1',
    kind: 'Model',
    name: spec.name,
    description: spec.description,
    owners: spec.owners,
    training: {
      command: spec.command ?? ['python', 'train.py', '--model', spec.name],
      timeout: 3600,
      data: spec.data ?? {
        uri: `s3://acme-data/${spec.name}/snapshots/latest`,
        sha256: hex(`${spec.name}-data`, 64),
      },
    },
    gates: spec.gates,
    key_metrics: Object.keys(spec.metrics[0]!),
    schedule: { enabled: spec.schedule === true, interval: 604800 },
  };
  files.push({ path: modelPath(spec.name), document: model });
  spec.metrics.forEach((metrics, i) => {
    const id = `v${i + 1}`;
    const created = day(m * 3 + i * 7);
    const request = `${spec.name.split('-')[0]}-r${i + 1}`;
    const gates = spec.gates.map((g) => ({
      ...g,
      value: metrics[g.metric] ?? null,
      pass: compare(metrics[g.metric] ?? NaN, g.op, g.threshold),
    }));
    const retrain: RetrainRequest = {
      apiVersion: 'tollgate/v1',
      kind: 'RetrainRequest',
      id: request,
      model: spec.name,
      status: 'completed',
      reason: i === 0 ? 'initial training' : 'weekly retrain',
      trigger: { kind: i === 0 ? 'manual' : 'schedule', actor: i === 0 ? 'alice' : 'tollgate-scheduler' },
      created_at: created,
      started_at: created,
      completed_at: created.replace('T00:', 'T01:'),
      run: {
        url: `https://github.com/acme/models/actions/runs/${1000 + m * 10 + i}`,
        duration: 3400,
        exit_code: 0,
      },
      version: id,
    };
    const version: ModelVersion = {
      apiVersion: 'tollgate/v1',
      kind: 'ModelVersion',
      id,
      model: spec.name,
      created_at: created.replace('T00:', 'T01:'),
      source: {
        commit: hex(`${spec.name}-${id}-commit`, 40),
        run_url: retrain.run!.url,
        workflow: 'retrain',
        actor: retrain.trigger.actor,
      },
      data: model.training!.data,
      artifact: {
        uri: `s3://acme-models/${spec.name}/${id}/model.onnx`,
        sha256: hex(`${spec.name}-${id}`, 64),
        size: 1_048_576 + i * 4096,
      },
      metrics,
      validation: { passed: gates.every((g) => g.pass), gates },
      request,
      ...(i > 0 ? { parent: `v${i}` } : {}),
    };
    files.push({ path: retrainPath(spec.name, request), document: retrain });
    files.push({ path: versionPath(spec.name, id), document: version });
  });
  const stages: Stages = {
    apiVersion: 'tollgate/v1',
    kind: 'Stages',
    model: spec.name,
    stages: Object.fromEntries(Object.entries(spec.stages).map(([stage, version]) => [stage, { version }])),
  };
  files.push({ path: stagesPath(spec.name), document: stages });
  for (const [stage, version] of Object.entries(spec.stages)) {
    const at = day(m * 3 + 30 + (stage === 'production' ? 1 : 0));
    audit.push({
      apiVersion: 'tollgate/v1',
      kind: 'AuditEvent',
      id: `${at.replace(/[-:]/g, '')}-${spec.name.split('-')[0]}-${stage}`,
      at,
      event: 'promotion-merged',
      actor: 'alice',
      model: spec.name,
      version,
      stage,
      pull_request: 40 + audit.length,
      commit: hex(`${spec.name}-${stage}-merge`, 40),
    });
  }
  if (spec.schedule) {
    const schedule: Schedule = {
      apiVersion: 'tollgate/v1',
      kind: 'Schedule',
      schema_version: 1,
      model: spec.name,
      interval: 604800,
      last_run: day(28),
      next_run: day(35),
      updated_at: day(28),
      failure_streak: 0,
    };
    files.push({ path: schedulePath(spec.name), document: schedule });
  }
});

const incident: Incident = {
  apiVersion: 'tollgate/v1',
  kind: 'Incident',
  id: 'INC-20261102-031500-lat',
  title: 'fraud-detector p99 latency up 70%',
  severity: 'P2',
  status: 'resolved',
  models: ['fraud-detector'],
  metrics: { latency_increase_pct: 0.7, error_rate: 0.01 },
  alert: 'fraud-detector-latency',
  detected_at: '2026-11-02T03:15:00Z',
  classified_at: '2026-11-02T03:15:05Z',
  resolved_at: '2026-11-02T04:00:00Z',
  timeline: [
    { at: '2026-11-02T03:15:00Z', event: 'detected', detail: 'alert fraud-detector-latency fired' },
    { at: '2026-11-02T03:15:05Z', event: 'classified', detail: 'P2: latency_increase_pct 0.7 > 0.5' },
    { at: '2026-11-02T03:15:06Z', event: 'rollback-skipped', detail: 'no auto-rollback condition matched' },
    { at: '2026-11-02T04:00:00Z', event: 'resolved', detail: 'feature store cache warmed', duration: 2700 },
  ],
};
files.push({ path: incidentPath(incident.id), document: incident });
audit.push({
  apiVersion: 'tollgate/v1',
  kind: 'AuditEvent',
  id: '20261102T031505Z-inc-lat',
  at: '2026-11-02T03:15:05Z',
  event: 'incident-opened',
  actor: 'tollgate-monitor',
  model: 'fraud-detector',
  incident: incident.id,
  details: { severity: 'P2' },
});
for (const event of audit) files.push({ path: auditPath(event.id), document: event });

const written = await writeRegistryFiles(join(root, 'registry'), files);
process.stdout.write(`${written.length} file(s) written\n`);
