import { describe, expect, it } from 'vitest';
import { planScheduledRetrains, renderSchedulerSummary } from '../../src/scheduler/plan.ts';
import { HOUR, T0, iso, model, schedule } from './fixtures.ts';

describe('planScheduledRetrains', () => {
  const models = [
    model('churn'),
    model('fraud'),
    model('ranker', { schedule: { enabled: false } }),
    model('fresh', { schedule: { interval: 3600 } }),
    model('manual-only'),
    model('paused'),
    model('later'),
  ];
  const schedules = [
    schedule({ model: 'churn', next_run: iso(T0 - HOUR) }),
    schedule({ model: 'fraud', next_run: iso(T0) }),
    schedule({ model: 'ranker', next_run: iso(T0 - HOUR) }),
    schedule({ model: 'paused', next_run: iso(T0 - HOUR), paused_reason: 'audit', paused_by: 'bob' }),
    schedule({ model: 'later', next_run: iso(T0 + HOUR) }),
    schedule({ model: 'orphan', next_run: iso(T0 - HOUR) }),
  ];

  it('dispatches due models, skips active ones with a link, and says why the rest wait', () => {
    const plan = planScheduledRetrains({
      schedules,
      models,
      activeRetrains: [
        {
          model: 'churn',
          kind: 'pull-request',
          ref: 'https://github.com/acme/models/pull/7',
        },
      ],
      now: T0,
    });
    expect(plan).toEqual({
      now: iso(T0),
      due: ['churn', 'fraud', 'fresh'],
      dispatch: ['fraud', 'fresh'],
      skipped: [
        {
          model: 'churn',
          reason:
            'due, but a retrain is already active: retrain pull request https://github.com/acme/models/pull/7',
        },
        { model: 'later', reason: `next run at ${iso(T0 + HOUR)}` },
        { model: 'orphan', reason: 'schedule.yaml without model.yaml: nothing to train' },
        { model: 'paused', reason: 'paused until resumed by bob: audit' },
        { model: 'ranker', reason: 'schedule disabled in model.yaml (schedule.enabled: false)' },
      ],
    });
  });

  it('skips a malformed schedule without stopping the others', () => {
    const plan = planScheduledRetrains({
      schedules: [schedule({ model: 'churn', next_run: 'soon' }), schedule({ next_run: iso(T0) })],
      models: [model('churn'), model('fraud')],
      activeRetrains: [],
      now: new Date(T0),
    });
    expect(plan.dispatch).toEqual(['fraud']);
    expect(plan.skipped[0]!.reason).toMatch(/^invalid schedule.yaml: next_run is "soon"/);
  });

  it('renders a job summary that escapes table cells', () => {
    const plan = planScheduledRetrains({
      schedules: [schedule({ model: 'churn', next_run: iso(T0), paused_reason: 'a | b', paused_by: 'x' })],
      models: [model('churn'), model('fraud', { schedule: {} })],
      activeRetrains: [],
      now: T0,
    });
    expect(renderSchedulerSummary(plan)).toBe(
      [
        '## Tollgate scheduler',
        '',
        `Tick at ${iso(T0)}: 1 due, 1 dispatched, 1 skipped.`,
        '',
        '### Dispatched',
        '',
        '- `fraud`',
        '',
        '### Skipped',
        '',
        '| model | reason |',
        '| --- | --- |',
        '| `churn` | paused until resumed by x: a \\| b |',
        '',
      ].join('\n'),
    );
    expect(
      renderSchedulerSummary(
        planScheduledRetrains({ schedules: [], models: [], activeRetrains: [], now: T0 }),
      ),
    ).toContain('No scheduled models.');
  });
});
