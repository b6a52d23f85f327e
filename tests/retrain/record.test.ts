import { describe, expect, it } from 'vitest';
import { effectivePolicy } from '../../src/policy/effective.ts';
import { AUDIT_ID } from '../../src/registry/names.ts';
import type { Model, ModelVersion } from '../../src/registry/types.ts';
import {
  buildModelVersion,
  formatMetric,
  nextVersionId,
  renderRetrainBody,
  retrainAuditEvent,
} from '../../src/retrain/record.ts';
import { complete, fail, newRetrainRequest, start } from '../../src/retrain/request.ts';

const T0 = Date.parse('2026-11-25T22:13:00Z');
const SHA = 'a'.repeat(64);
const COMMIT = '0123456789abcdef0123456789abcdef01234567';

const model: Model = {
  apiVersion: 'tollgate/v1',
  kind: 'Model',
  name: 'fraud',
  owners: { users: ['alice'] },
  training: { command: ['node', 'train.ts'], data: { uri: 'examples/trainer/data/transactions.csv' } },
  gates: [{ metric: 'auc', op: '>=', threshold: 0.85 }],
  key_metrics: ['auc', 'recall'],
};
const policy = effectivePolicy({
  apiVersion: 'tollgate/v1',
  kind: 'Policy',
  roles: {},
  gates: [
    { metric: 'auc', op: '>=', threshold: 0.7 },
    { metric: 'loss', op: '<', threshold: 0.3 },
  ],
});

function version(
  id: string,
  metrics: Record<string, number>,
  extra: Partial<Parameters<typeof buildModelVersion>[0]> = {},
) {
  return buildModelVersion({
    model,
    policy,
    id,
    now: T0,
    training: {
      metrics,
      artifact: { path: '/tmp/x/model.json', name: 'model.json', sha256: SHA, size: 2048 },
    },
    source: { commit: COMMIT, run_url: 'https://github.com/acme/models/actions/runs/42', actor: 'alice' },
    ...extra,
  });
}

describe('buildModelVersion', () => {
  it('records lineage and the validation against policy and model gates', () => {
    const v = version(
      'v14',
      { auc: 0.88, loss: 0.25, recall: 0.6 },
      { request: 'rt-20261125-221300-ab12', parent: 'v13' },
    );
    expect(v).toEqual({
      apiVersion: 'tollgate/v1',
      kind: 'ModelVersion',
      id: 'v14',
      model: 'fraud',
      created_at: '2026-11-25T22:13:00Z',
      source: { commit: COMMIT, run_url: 'https://github.com/acme/models/actions/runs/42', actor: 'alice' },
      data: { uri: 'examples/trainer/data/transactions.csv' },
      artifact: { uri: `sha256:${SHA}`, sha256: SHA, size: 2048 },
      metrics: { auc: 0.88, loss: 0.25, recall: 0.6 },
      validation: {
        passed: true,
        gates: [
          { metric: 'loss', op: '<', threshold: 0.3, value: 0.25, pass: true },
          { metric: 'auc', op: '>=', threshold: 0.85, value: 0.88, pass: true },
        ],
      },
      request: 'rt-20261125-221300-ab12',
      parent: 'v13',
    } satisfies ModelVersion);
  });

  it('fails validation when a gate fails or its metric is missing', () => {
    expect(version('v2', { auc: 0.8, loss: 0.1 }).validation.passed).toBe(false);
    expect(version('v2', { auc: 0.9 }).validation.gates[0]).toMatchObject({
      metric: 'loss',
      value: null,
      pass: false,
    });
  });

  it('uses a given artifact uri and refuses a bad commit or unsafe ids', () => {
    expect(version('v1', { auc: 1 }, { artifactUri: 's3://models/fraud/v1.json' }).artifact.uri).toBe(
      's3://models/fraud/v1.json',
    );
    expect(() => version('v1', {}, { source: { commit: 'HEAD' } })).toThrow(/not a git commit id/);
    expect(() => version('../v1', {})).toThrow(/unsafe version/);
    expect(() => version('v1', {}, { parent: 'V 1' })).toThrow(/unsafe version/);
  });
});

describe('nextVersionId', () => {
  it.each([
    [[], 'v1'],
    [['v1', 'v2'], 'v3'],
    [['v9', 'v10', 'v2'], 'v11'],
    [['v3', 'v1.2', 'release-7', 'v04'], 'v5'],
  ])('after %j comes %s', (ids, next) => {
    expect(nextVersionId(ids)).toBe(next);
  });

  it('reads any iterable, such as the keys of a loaded model', () => {
    expect(nextVersionId(new Map([['v7', 1]]).keys())).toBe('v8');
  });
});

describe('retrainAuditEvent', () => {
  const trigger = { kind: 'schedule', actor: 'tollgate' } as const;
  const queued = newRetrainRequest({
    model: 'fraud',
    reason: 'scheduled',
    trigger,
    now: T0,
    id: 'rt-20261125-221300-ab12',
  });

  it('records each step with an id unique per request and step', () => {
    const running = start(queued, { now: T0 + 1000, run: { url: 'https://x/runs/1' } });
    const done = complete(running, { version: 'v14', run: { duration: 3.2 }, now: T0 + 5000 });
    const v = version('v14', { auc: 0.9, loss: 0.2 });
    const events = [
      retrainAuditEvent({ request: queued, now: T0, actor: 'tollgate' }),
      retrainAuditEvent({ request: running, now: T0 + 1000, actor: 'tollgate' }),
      retrainAuditEvent({ request: done, now: T0 + 5000, actor: 'tollgate', version: v, pull_request: 12 }),
    ];
    expect(events.map((e) => e.event)).toEqual(['retrain-requested', 'retrain-started', 'retrain-completed']);
    for (const e of events) expect(e.id).toMatch(AUDIT_ID);
    expect(events[0]!.id).toBe('20261125T221300Z-rt-20261125-221300-ab12-queued');
    expect(events[2]).toMatchObject({
      at: '2026-11-25T22:13:05Z',
      model: 'fraud',
      request: 'rt-20261125-221300-ab12',
      version: 'v14',
      pull_request: 12,
      details: {
        reason: 'scheduled',
        trigger: 'schedule',
        run: 'https://x/runs/1',
        duration: 3.2,
        validation_passed: true,
      },
    });
  });

  it('records the error of a failed request, and hashes ids too long for the audit id', () => {
    const failed = fail(queued, { error: 'exit 1', now: T0 });
    expect(retrainAuditEvent({ request: failed, now: T0, actor: 'alice' })).toMatchObject({
      event: 'retrain-failed',
      details: { error: 'exit 1' },
    });
    const long = { ...failed, id: `rt-${'x'.repeat(50)}` };
    expect(retrainAuditEvent({ request: long, now: T0, actor: 'alice' }).id).toMatch(AUDIT_ID);
  });
});

describe('renderRetrainBody', () => {
  const production: ModelVersion = version('v13', { auc: 0.86, loss: 0.27, recall: 0.55, precision: 0.5 });
  const request = newRetrainRequest({
    model: 'fraud',
    reason: 'weekly refresh',
    trigger: { kind: 'manual', actor: 'alice' },
    now: T0,
    id: 'rt-20261125-221300-ab12',
  });

  it('compares the candidate with production: key metrics first, deltas, gate results', () => {
    const candidate = version('v14', { auc: 0.9012, loss: 0.31, recall: 0.5, f1: 0.6 }, { parent: 'v13' });
    expect(renderRetrainBody({ candidate, production, model, request })).toBe(
      [
        '## Retrain of `fraud`: candidate `v14`',
        '',
        'Requested by @alice (manual): weekly refresh. Request `rt-20261125-221300-ab12`.',
        'Trained from commit `0123456789ab` in [this workflow run](https://github.com/acme/models/actions/runs/42) on `examples/trainer/data/transactions.csv`. Artifact `sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa` (2 kB, sha256 `aaaaaaaaaaaa…`).',
        '',
        '**Validation: failed** 1 of 2 gate(s). This version cannot be promoted as it is.',
        '',
        '### Metrics',
        '',
        '| metric | candidate `v14` | production `v13` | Δ |',
        '| --- | ---: | ---: | ---: |',
        '| auc | 0.9012 | 0.86 | +0.0412 |',
        '| recall | 0.5 | 0.55 | -0.05 |',
        '| f1 | 0.6 | — | — |',
        '| loss | 0.31 | 0.27 | +0.04 |',
        '| precision | — | 0.5 | — |',
        '',
        '### Gates',
        '',
        '| gate | candidate | result | production `v13` |',
        '| --- | ---: | --- | ---: |',
        '| `loss < 0.3` | 0.31 | ❌ fail | 0.27 ✅ |',
        '| `auc >= 0.85` | 0.9012 | ✅ pass | 0.86 ✅ |',
        '',
        'Lineage: trained to replace `v13`.',
        '',
      ].join('\n'),
    );
  });

  it('says when there is nothing in production to compare with', () => {
    const body = renderRetrainBody({ candidate: version('v1', { auc: 0.9, loss: 0.2 }) });
    expect(body).toContain('**Validation: passed** all 2 gate(s).');
    expect(body).toContain('| metric | candidate `v1` |');
    expect(body).toContain('_No version serves production yet: nothing to compare with._');
    expect(body).toContain('| `auc >= 0.85` | 0.9 | ✅ pass |');
  });

  it('formats metrics for reading', () => {
    expect([0.123456, 3, 1e-7, -0.5, NaN, undefined].map((v) => formatMetric(v))).toEqual([
      '0.1235',
      '3',
      '1.00e-7',
      '-0.5',
      '—',
      '—',
    ]);
  });
});
