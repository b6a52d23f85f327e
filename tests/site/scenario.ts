// A registry history for the site's tests, in a real git repository with fixed dates: model fraud (a hostile
// description, three stages including a 10 % canary, a failing schedule, versions that pass and fail their gate),
// promotions merged as GitHub merges them with the gate's merge records naming the approvers, incidents resolved in
// and over their targets, and a direct push that the integrity audit flags.
import { commit, dateAt, makeRepo, mergePullRequest, stagesYaml, type TestRepo } from '../evidence/repo.ts';

export const HOSTILE = '<script>alert("desc")</script><img src=x onerror=alert(2)>';

const POLICY = `apiVersion: tollgate/v1
kind: Policy
roles:
  risk:
    users: [rita]
  compliance:
    users: [carl]
stages:
  order: [canary, staging, production]
  promote_from:
    production: [staging]
incident:
  emergency_push: [P0]
`;

const MODEL = `apiVersion: tollgate/v1
kind: Model
name: fraud
description: 'Scores card payments. ${HOSTILE}'
owners:
  users: [olga]
gates:
  - metric: auc
    op: '>='
    threshold: 0.8
key_metrics: [auc, latency_ms]
`;

export function version(
  model: string,
  id: string,
  auc: number,
  latency: number,
  created: string,
  extra = '',
): string {
  const pass = auc >= 0.8;
  return `apiVersion: tollgate/v1
kind: ModelVersion
id: ${id}
model: ${model}
created_at: '${created}'
source:
  commit: 0123456789abcdef0123456789abcdef01234567
  run_url: https://github.com/acme/models/actions/runs/${id.replace(/\D/g, '')}00
  workflow: retrain
data:
  uri: s3://data/${model}/2026-01-01.parquet
  sha256: ${'d'.repeat(64)}
artifact:
  uri: s3://models/${model}/${id}.bin
  sha256: ${'a'.repeat(63)}${id.replace(/\D/g, '').slice(-1)}
  size: 1024
metrics:
  auc: ${auc}
  latency_ms: ${latency}
validation:
  passed: ${pass}
  gates:
    - metric: auc
      op: '>='
      threshold: 0.8
      value: ${auc}
      pass: ${pass}
${extra}`;
}

function mergeRecord(
  id: string,
  at: string,
  stage: string,
  versionId: string,
  pr: number,
  sha: string,
  approvers: [string, string][],
): string {
  return `apiVersion: tollgate/v1
kind: AuditEvent
id: ${id}
at: '${at}'
event: promotion-merged
actor: alice
model: fraud
version: ${versionId}
stage: ${stage}
pull_request: ${pr}
commit: ${sha}
details:
  approvers:
${approvers.map(([role, login]) => `    - role: ${role}\n      login: ${login}`).join('\n')}
  gate_verdict: success
  check_run:
    name: tollgate/signoff
    id: ${pr}0
    status: completed
    conclusion: success
    completed_at: '${at}'
`;
}

export const P0 = 'INC-20260101-200000-open';
export const P1 = 'INC-20260101-120000-slow';

export interface SiteScenario {
  repo: TestRepo;
  /** The first commit, which adopted Tollgate: the integrity audit's trusted baseline. */
  bootstrap: string;
  /** The time between the staging and production promotions: production then was v1. */
  beforeProduction: string;
  /** A time after production moved to v2 through pull request #3, before the direct push. */
  afterProduction: string;
  productionMerge: string;
  directPush: string;
}

export async function buildSiteScenario(): Promise<SiteScenario> {
  const repo = await makeRepo();
  const created = (h: number) => dateAt(h);
  const bootstrap = await commit(
    repo,
    {
      'registry/policy.yaml': POLICY,
      'registry/models/fraud/model.yaml': MODEL,
      'registry/models/fraud/versions/v1.yaml': version('fraud', 'v1', 0.85, 40, created(0)),
      'registry/models/fraud/stages.yaml': stagesYaml('fraud', { staging: 'v1', production: 'v1' }),
      'registry/models/fraud/schedule.yaml': `apiVersion: tollgate/v1
kind: Schedule
schema_version: 1
model: fraud
interval: 86400
last_run: '2026-01-01T00:00:00Z'
next_run: '2026-01-02T00:00:00Z'
failure_streak: 2
last_failure: '2026-01-01T06:00:00Z'
last_failure_reason: trainer ran out of memory
cooldown_until: '2026-01-03T00:00:00Z'
`,
      'registry/models/churn/model.yaml':
        'apiVersion: tollgate/v1\nkind: Model\nname: churn\nowners:\n  users: [cora]\n',
    },
    'Bootstrap the registry\n\nTollgate-Event: init',
  );
  await mergePullRequest(
    repo,
    1,
    'retrain-fraud',
    'Record fraud v2 and v3',
    {
      'registry/models/fraud/versions/v2.yaml': version('fraud', 'v2', 0.9, 38, created(1)),
      'registry/models/fraud/versions/v3.yaml': version('fraud', 'v3', 0.78, 35, created(1)),
    },
    'Record fraud v2 and v3\n\nTollgate-Event: version-recorded\nModel: fraud\nVersion: v2',
  );
  const staging = await mergePullRequest(
    repo,
    2,
    'tollgate/promote/fraud/staging',
    'Promote fraud v2 to staging',
    { 'registry/models/fraud/stages.yaml': stagesYaml('fraud', { staging: 'v2', production: 'v1' }) },
    'Promote fraud v2 to staging\n\nTollgate-Event: promote\nModel: fraud\nVersion: v2\nStage: staging\nRequested-By: erin',
  );
  const beforeProduction = dateAt(repo.hour);
  await commit(
    repo,
    {
      'registry/audit/2026/01/20260101T050000Z-pr2-stage.yaml': mergeRecord(
        '20260101T050000Z-pr2-stage',
        dateAt(5),
        'staging',
        'v2',
        2,
        staging.merge,
        [['model-owner', 'olga']],
      ),
    },
    'Record the merge of pull request #2\n\nTollgate-Event: promotion-merged',
  );
  const production = await mergePullRequest(
    repo,
    3,
    'tollgate/promote/fraud/production',
    'Promote fraud v2 to production',
    { 'registry/models/fraud/stages.yaml': stagesYaml('fraud', { staging: 'v2', production: 'v2' }) },
    'Promote fraud v2 to production\n\nTollgate-Event: promote\nModel: fraud\nVersion: v2\nStage: production\nRequested-By: erin',
  );
  await commit(
    repo,
    {
      'registry/audit/2026/01/20260101T090000Z-pr3-prod.yaml': mergeRecord(
        '20260101T090000Z-pr3-prod',
        dateAt(8),
        'production',
        'v2',
        3,
        production.merge,
        [
          ['risk', 'rita'],
          ['compliance', 'carl'],
          ['model-owner', 'olga'],
        ],
      ),
    },
    'Record the merge of pull request #3\n\nTollgate-Event: promotion-merged',
  );
  const afterProduction = dateAt(repo.hour);
  await mergePullRequest(
    repo,
    4,
    'tollgate/promote/fraud/canary',
    'Canary fraud v4 at 10%',
    {
      'registry/models/fraud/versions/v4.yaml': version('fraud', 'v4', 0.92, 36, created(10)),
      'registry/models/fraud/stages.yaml':
        stagesYaml('fraud', { staging: 'v2', production: 'v2' }) +
        '  canary:\n    version: v4\n    weight: 0.1\n',
    },
    'Canary fraud v4\n\nTollgate-Event: promote\nModel: fraud\nVersion: v4\nStage: canary\nRequested-By: erin',
  );
  await commit(
    repo,
    {
      [`registry/incidents/${P1}.yaml`]: `apiVersion: tollgate/v1
kind: Incident
id: ${P1}
title: fraud p99 latency doubled
severity: P1
status: resolved
models: [fraud]
metrics:
  latency_increase_pct: 110
detected_at: '2026-01-01T12:00:00Z'
classified_at: '2026-01-01T12:03:00Z'
resolved_at: '2026-01-01T15:00:00Z'
timeline:
  - at: '2026-01-01T12:00:00Z'
    event: detected
  - at: '2026-01-01T12:03:00Z'
    event: classified
    detail: 'P1: latency_increase_pct 110 > 100'
  - at: '2026-01-01T15:00:00Z'
    event: resolved
    detail: cache warmed
    duration: 10800
`,
    },
    `Resolve incident ${P1}\n\nTollgate-Event: incident-resolved\nIncident: ${P1}`,
  );
  const directPush = await commit(
    repo,
    {
      'registry/models/fraud/stages.yaml':
        stagesYaml('fraud', { staging: 'v2', production: 'v3' }) +
        '  canary:\n    version: v4\n    weight: 0.1\n',
    },
    'hotfix: put v3 in production',
  );
  await commit(
    repo,
    {
      [`registry/incidents/${P0}.yaml`]: `apiVersion: tollgate/v1
kind: Incident
id: ${P0}
title: fraud errors on every request
severity: P0
status: open
models: [fraud]
metrics:
  error_rate: 0.9
detected_at: '2026-01-01T20:00:00Z'
timeline:
  - at: '2026-01-01T20:00:00Z'
    event: detected
`,
    },
    `Open incident ${P0}\n\nTollgate-Event: incident-opened\nIncident: ${P0}\nModel: fraud`,
  );
  return {
    repo,
    bootstrap,
    beforeProduction,
    afterProduction,
    productionMerge: production.merge,
    directPush,
  };
}
