// Which retrain requests `tollgate retrains list` shows, in what order, and how `show` reads.
import { describe, expect, it } from 'vitest';
import type { RetrainRequest } from '../../src/registry/types.ts';
import { describeRetrain, retrainRow, selectRetrains, type RetrainFilter } from '../../src/retrain/list.ts';

const request = (
  id: string,
  model: string,
  status: RetrainRequest['status'],
  created: string,
  extra: Partial<RetrainRequest> = {},
): RetrainRequest => ({
  apiVersion: 'tollgate/v1',
  kind: 'RetrainRequest',
  id,
  model,
  status,
  reason: 'weekly retrain',
  trigger: { kind: 'schedule', actor: 'tollgate-scheduler' },
  created_at: created,
  ...extra,
});

const A = request('fraud-r1', 'fraud', 'completed', '2026-10-01T00:00:00Z', { version: 'v1' });
const B = request('fraud-r2', 'fraud', 'failed', '2026-10-08T00:00:00Z', { error: 'training exited 1' });
const C = request('churn-r1', 'churn', 'running', '2026-10-08T00:00:00Z');
const D = request('churn-r2', 'churn', 'queued', '2026-10-20T00:00:00Z');

describe('selectRetrains', () => {
  it.each<[string, RetrainFilter, string[]]>([
    ['all, newest first, same time by id descending', {}, ['churn-r2', 'fraud-r2', 'churn-r1', 'fraud-r1']],
    ['one model', { model: 'fraud' }, ['fraud-r2', 'fraud-r1']],
    ['a status', { status: 'failed' }, ['fraud-r2']],
    [
      'since a date, inclusive',
      { since: new Date('2026-10-08T00:00:00Z') },
      ['churn-r2', 'fraud-r2', 'churn-r1'],
    ],
    ['model and status together', { model: 'churn', status: 'completed' }, []],
  ])('%s', (_, filter, ids) => {
    expect(selectRetrains([A, B, C, D], filter).map((r) => r.id)).toEqual(ids);
  });
});

describe('retrainRow', () => {
  it.each<[RetrainRequest, string]>([
    [A, 'v1'],
    [B, 'training exited 1'],
    [request('x', 'm', 'failed', '2026-10-01T00:00:00Z'), 'failed'],
    [C, ''],
  ])('%o ends with %s', (r, outcome) => {
    expect(retrainRow(r)).toEqual([
      r.id,
      r.model,
      r.status,
      r.created_at,
      'schedule (tollgate-scheduler)',
      outcome,
    ]);
  });
});

describe('describeRetrain', () => {
  it('prints what was recorded, and only that', () => {
    const text = describeRetrain(
      request('fraud-r9', 'fraud', 'failed', '2026-10-08T00:00:00Z', {
        trigger: {
          kind: 'drift',
          actor: 'monitor',
          metrics: { psi: 0.31 },
          thresholds: [{ metric: 'psi', op: '<', threshold: 0.2 }],
        },
        started_at: '2026-10-08T00:01:00Z',
        completed_at: '2026-10-08T00:09:00Z',
        run: { command: ['python', 'train.py'], exit_code: null, duration: 480 },
        error: 'killed after 8m',
      }),
      'models/fraud/retrains/fraud-r9.yaml',
    );
    expect(text.split('\n')).toEqual([
      'fraud-r9  fraud  failed',
      'file:       models/fraud/retrains/fraud-r9.yaml',
      'reason:     weekly retrain',
      'trigger:    drift by monitor',
      '  metric:   psi=0.31',
      '  gate:     psi < 0.2',
      'created:    2026-10-08T00:00:00Z',
      'started:    2026-10-08T00:01:00Z',
      'completed:  2026-10-08T00:09:00Z',
      'command:    python train.py',
      'exit code:  none (killed)',
      'duration:   480s',
      'error:      killed after 8m',
    ]);
    expect(describeRetrain(D, 'f')).not.toMatch(/started|version|error/);
  });
});
