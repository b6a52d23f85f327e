// `tollgate promote --to canary --weight` and `tollgate canary analyze` against a real Prometheus: a healthy canary
// is promoted (the production pull request carries the analysis), a bad one on another model is aborted through
// the rollback path.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Policy, Stages } from '../../src/registry/types.ts';
import { cleanupRepos, type Repo } from '../git/repo-fixture.ts';
import { ensurePrometheus, startPrometheus, type PrometheusServer } from '../monitor/prometheus-server.ts';
import { cli, registryRepo } from './registry-repo.ts';

const available = ensurePrometheus('tollgate canary analyze against Prometheus');
let server: PrometheusServer;

beforeAll(async () => {
  if (!available) return;
  const series = (model: string, stage: string, error: number, p95: number) => [
    { name: 'model_error_rate', labels: { model, stage }, value: () => error },
    { name: 'model_latency_p95_ms', labels: { model, stage }, value: () => p95 },
  ];
  server = await startPrometheus(
    [
      ...series('fraud-detector', 'production', 0.01, 100),
      ...series('fraud-detector', 'canary', 0.012, 105),
      ...series('churn-predictor', 'production', 0.01, 100),
      ...series('churn-predictor', 'canary', 0.04, 180),
    ],
    { history: 5400, step: 30 },
  );
}, 60_000);
afterAll(async () => server?.stop());
afterEach(cleanupRepos);

const edit = <T>(repo: Repo, path: string, change: (doc: T) => void) => {
  const file = join(repo.dir, path);
  const doc = load(readFileSync(file, 'utf8')) as T;
  change(doc);
  writeFileSync(file, dump(doc));
};

async function canaryRepo(): Promise<Repo> {
  const repo = await registryRepo((r) => {
    edit<Policy>(r, 'registry/policy.yaml', (p) => {
      p.monitoring = {
        ...p.monitoring,
        source: {
          kind: 'prometheus',
          url: server.url,
          queries: {
            error_rate: 'max(model_error_rate{model="${model}",stage="${stage}"})',
            latency_p95: 'max(model_latency_p95_ms{model="${model}",stage="${stage}"})',
          },
        },
      };
    });
    edit<Stages>(r, 'registry/models/churn-predictor/stages.yaml', (s) => {
      s.stages.canary = { version: 'v2', weight: 0.1 };
    });
  });
  // churn-predictor's canary moves on to v3: the version the analysis judges, and the move an abort reverts.
  edit<Stages>(repo, 'registry/models/churn-predictor/stages.yaml', (s) => {
    s.stages.canary = { version: 'v3', weight: 0.1 };
  });
  // The candidate's training commit must be on main for its promotion.
  const seed = await repo.head();
  edit<{ source: { commit: string } }>(repo, 'registry/models/fraud-detector/versions/v5.yaml', (v) => {
    v.source.commit = seed;
  });
  edit<Stages>(repo, 'registry/models/fraud-detector/stages.yaml', (s) => {
    s.stages.canary = { version: 'v5', weight: 0.1 };
  });
  await repo.commitAll('canary v3 of churn-predictor and v5 of fraud-detector at 10%');
  return repo;
}

const env = () => ({ TOLLGATE_NOW: new Date(server.now).toISOString() });

describe.skipIf(!available)('canary', () => {
  it('promote --weight writes the weight; changing only the weight is a change of its own', async () => {
    const repo = await canaryRepo();
    const run = await cli(
      [
        '-C',
        repo.dir,
        'promote',
        'fraud-detector',
        'v5',
        '--to',
        'canary',
        '--weight',
        '50%',
        '--requested-by',
        'bob',
      ],
      env(),
    );
    expect(run.err).toBe('');
    expect(run.out).toContain('Set fraud-detector canary (v5) weight 10% -> 50%');
    const stages = load(
      await repo.git([
        'show',
        'tollgate/promote/fraud-detector/canary:registry/models/fraud-detector/stages.yaml',
      ]),
    ) as Stages;
    expect(stages.stages.canary).toEqual({ version: 'v5', weight: 0.5 });
    expect(run.out).toMatch(/reviewers: .*alice/);
  });

  it('a healthy canary is promoted: the table, then the production promotion with the analysis in its body', async () => {
    const repo = await canaryRepo();
    const run = await cli(
      ['-C', repo.dir, 'canary', 'analyze', 'fraud-detector', '--act', '--requested-by', 'bob'],
      env(),
    );
    expect(run.err).toBe('');
    expect(run.out).toContain('| `error_rate <= baseline + 0.01` | 0.012 | 0.01 | 0.02 | pass |');
    expect(run.out).toContain('| `latency_p95 <= 1.2 x baseline` | 105 | 100 | 120 | pass |');
    expect(run.out).toContain('**Decision: promote**');
    expect(run.code).toBe(0);
    const body = await repo.git(['log', '-1', '--format=%B', 'tollgate/promote/fraud-detector/production']);
    expect(body).toMatch(/^Promote fraud-detector v5 to production \(replacing v4\)/);
    expect(run.out).toContain('promotion of fraud-detector v5 to production proposed');
  });

  it('a bad canary is aborted: exit 1, rolled back through the rollback path', async () => {
    const repo = await canaryRepo();
    const dry = await cli(['-C', repo.dir, 'canary', 'analyze', 'churn-predictor'], env());
    expect(dry.code).toBe(1);
    expect(dry.out).toContain('| `latency_p95 <= 1.2 x baseline` | 180 | 100 | 120 | **fail** |');
    expect(dry.out).toContain('**Decision: abort**');
    const before = await repo.head();
    const run = await cli(['-C', repo.dir, 'canary', 'analyze', 'churn-predictor', '--act'], env());
    expect(run.err).toBe('');
    expect(run.code).toBe(1);
    expect(run.out).toContain('rolled back churn-predictor canary: v3 -> v2');
    expect(await repo.git(['rev-parse', 'HEAD~1'])).toBe(before);
  });
});
