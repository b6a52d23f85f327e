// The site's pure decisions, as tables: schedule state, what --at names, response against the protocol's targets,
// stage order, chart ticks, and the escaping and link rules every page relies on.
import { describe, expect, it } from 'vitest';
import { niceTicks } from '../../src/site/chart.ts';
import { parseAt } from '../../src/site/flow.ts';
import { markup, repoLinks, safeUrl } from '../../src/site/html.ts';
import type { Incident, Model, Schedule } from '../../src/registry/types.ts';
import { incidentView, orderStages, scheduleState } from '../../src/site/view.ts';

const model: Model = { apiVersion: 'tollgate/v1', kind: 'Model', name: 'm', owners: {} };
const schedule = (fields: Partial<Schedule>): Schedule => ({
  apiVersion: 'tollgate/v1',
  kind: 'Schedule',
  schema_version: 1,
  model: 'm',
  interval: 86400,
  failure_streak: 0,
  next_run: '2026-01-02T00:00:00Z',
  ...fields,
});
const NOW = '2026-01-01T12:00:00Z';

describe('scheduleState', () => {
  it.each([
    ['scheduled', {}, 'ok', 'next run 2026-01-02 00:00 UTC'],
    ['due', { next_run: '2026-01-01T06:00:00Z' }, 'info', 'due since 2026-01-01 06:00 UTC'],
    [
      'paused',
      { paused_until: '2026-01-05T00:00:00Z', paused_reason: 'freeze', paused_by: 'ops' },
      'warn',
      'paused until 2026-01-05 00:00 UTC: freeze (by ops)',
    ],
    ['paused', { paused_reason: 'until told' }, 'warn', 'paused until resumed: until told'],
    ['scheduled', { paused_until: '2026-01-01T06:00:00Z', paused_reason: 'over' }, 'ok', 'next run'],
    [
      'cooling down',
      { failure_streak: 1, cooldown_until: '2026-01-01T13:00:00Z' },
      'bad',
      'cooling down until 2026-01-01 13:00 UTC after a failure; 1 failure in a row',
    ],
    [
      'failed once',
      { failure_streak: 1, cooldown_until: '2026-01-01T11:00:00Z' },
      'warn',
      '1 failure in a row',
    ],
    [
      'failing, escalate',
      { failure_streak: 2, last_failure_reason: 'oom' },
      'bad',
      '2 failures in a row: oom',
    ],
  ] as const)('%s for %j', (label, fields, tone, detail) => {
    const state = scheduleState(schedule(fields), model, NOW);
    expect(state).toMatchObject({ label, tone });
    expect(state.detail).toContain(detail);
  });

  it('says disabled when model.yaml turns the schedule off, and when there is none', () => {
    expect(scheduleState(schedule({}), { ...model, schedule: { enabled: false } }, NOW).label).toBe(
      'disabled',
    );
    expect(scheduleState(undefined, model, NOW).label).toBe('no schedule');
  });
});

describe('parseAt', () => {
  it.each([
    ['2026-03-03', { kind: 'time', time: '2026-03-03T23:59:59Z' }],
    ['2026-03-03T12:30:00Z', { kind: 'time', time: '2026-03-03T12:30:00Z' }],
    ['2026-03-03T12:30:00+02:00', { kind: 'time', time: '2026-03-03T10:30:00Z' }],
    ['v1.2.0', { kind: 'ref', ref: 'v1.2.0' }],
    ['abc1234', { kind: 'ref', ref: 'abc1234' }],
  ])('%s', (value, expected) => expect(parseAt(value)).toEqual(expected));

  it.each(['2026-13-01T00:00:00Z', '2026-03-03 12:00'])('refuses %s', (value) =>
    expect(() => parseAt(value)).toThrow(/neither a date/),
  );
});

describe('incidentView against the protocol', () => {
  const incident = (
    severity: Incident['severity'],
    minutes: { classify?: number; rollback?: number; resolve?: number },
  ): Incident => {
    const at = (m: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + m * 60_000).toISOString();
    return {
      apiVersion: 'tollgate/v1',
      kind: 'Incident',
      id: 'INC-20260101-000000-x1',
      title: 't',
      severity,
      status: minutes.resolve === undefined ? 'open' : 'resolved',
      models: ['m'],
      metrics: {},
      detected_at: at(0),
      ...(minutes.classify !== undefined ? { classified_at: at(minutes.classify) } : {}),
      ...(minutes.resolve !== undefined ? { resolved_at: at(minutes.resolve) } : {}),
      timeline:
        minutes.rollback !== undefined ? [{ at: at(minutes.rollback), event: 'rollback-completed' }] : [],
    };
  };
  it.each([
    [
      'P0 recovered in 29 min',
      incident('P0', { classify: 4, rollback: 1, resolve: 29 }),
      { responseMet: true, rollbackMet: true, mttrMet: true },
    ],
    [
      'P0 recovered in 31 min, rolled back in 3',
      incident('P0', { classify: 6, rollback: 3, resolve: 31 }),
      { responseMet: false, rollbackMet: false, mttrMet: false },
    ],
    [
      'P1 recovered in 2 h',
      incident('P1', { classify: 15, resolve: 120 }),
      { responseMet: true, rollbackMet: null, mttrMet: true },
    ],
    [
      'P2 has no MTTR target',
      incident('P2', { classify: 61, resolve: 600 }),
      { responseMet: false, mttrMet: null },
    ],
    ['an open P1', incident('P1', {}), { toResolve: null, mttrMet: null, responseMet: null }],
  ])('%s', (_name, given, expected) => expect(incidentView(given)).toMatchObject(expected));
});

describe('presentation rules', () => {
  it('orders stages highest first by the policy, others after by name', () => {
    expect(
      orderStages(
        ['staging', 'shadow', 'canary', 'production', 'audit'],
        ['canary', 'staging', 'production'],
      ),
    ).toEqual(['production', 'staging', 'canary', 'audit', 'shadow']);
  });

  it.each([
    [0.78, 0.92, [0.75, 0.8, 0.85, 0.9, 0.95]],
    [35, 40, [34, 36, 38, 40]],
    [5, 5, [4.5, 4.75, 5, 5.25, 5.5]],
  ])('ticks %s..%s', (lo, hi, ticks) => {
    const got = niceTicks(lo, hi);
    expect(got[0]).toBeLessThanOrEqual(lo);
    expect(got[got.length - 1]).toBeGreaterThanOrEqual(hi);
    expect(got).toEqual(ticks);
  });

  it('escapes every interpolated value and links only http(s)', () => {
    const hostile = `"><script>alert('x')</script>&`;
    expect(markup`<p title="${hostile}">${hostile}</p>`.value).toBe(
      '<p title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;</p>',
    );
    expect(markup`${[markup`<b>`, '<i>']}`.value).toBe('<b>&lt;i&gt;');
    expect(safeUrl('javascript:alert(1)')).toBeUndefined();
    expect(safeUrl('data:text/html,x')).toBeUndefined();
    expect(safeUrl('/relative')).toBeUndefined();
    expect(safeUrl('https://github.com/a/b/actions/runs/1')).toBe('https://github.com/a/b/actions/runs/1');
    expect(repoLinks('acme/models')).toEqual({ server: 'https://github.com', owner: 'acme', name: 'models' });
    expect(repoLinks('acme/models/x')).toBeUndefined();
    expect(repoLinks('a"b/c')).toBeUndefined();
    expect(repoLinks('acme/models', 'javascript:alert(1)')).toBeUndefined();
  });
});
