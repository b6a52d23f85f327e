// The monitoring rule decisions: which statistic decides, when a window is covered, which rules change state.
import { describe, expect, it } from 'vitest';
import { parseAlertmanagerPayload, ruleAlerts } from '../../src/monitor/alertmanager.ts';
import { firingOnRecord, judgeRule, rulesFor, transitions, windowStatFor } from '../../src/monitor/rules.ts';
import type { AuditEvent, MonitorRule } from '../../src/registry/types.ts';

const drift: MonitorRule = {
  name: 'drift',
  metric: 'drift_score',
  op: '>',
  threshold: 0.8,
  for: 900,
  action: 'retrain',
};
const avail: MonitorRule = {
  name: 'avail',
  metric: 'availability',
  op: '<',
  threshold: 0.5,
  for: 0,
  action: 'incident',
};

describe('judgeRule', () => {
  it.each([
    [drift, { value: 0.81, covered: 900 }, true],
    [drift, { value: 0.8, covered: 900 }, false],
    [drift, { value: 0.95, covered: 840 }, true], // within the coverage slack
    [drift, { value: 0.95, covered: 600 }, false], // only 10 minutes of data
    [drift, {}, false],
    [avail, { value: 0.49 }, true],
    [avail, { value: 0.5 }, false],
    [drift, { value: 0.1, alert: { status: 'firing' as const } }, true],
    [drift, { value: 0.99, covered: 900, alert: { status: 'resolved' as const } }, false],
  ])('%o with %o fires: %s', (rule, observation, firing) => {
    expect(judgeRule(rule, observation).firing).toBe(firing);
  });

  it('uses the minimum for > and >=, the maximum for < and <=', () => {
    expect([windowStatFor('>'), windowStatFor('>='), windowStatFor('<'), windowStatFor('<=')]).toEqual([
      'min',
      'min',
      'max',
      'max',
    ]);
  });
});

const event = (id: string, kind: string, rule: string, model = 'fraud'): AuditEvent => ({
  apiVersion: 'tollgate/v1',
  kind: 'AuditEvent',
  id,
  at: `${id.slice(0, 4)}-${id.slice(4, 6)}-${id.slice(6, 8)}T${id.slice(9, 11)}:${id.slice(11, 13)}:${id.slice(13, 15)}Z`,
  event: kind,
  actor: 'tollgate',
  model,
  details: { rule },
});

describe('state on record and transitions', () => {
  const events = [
    event('20261206T090000Z-a', 'monitor-firing', 'drift'),
    event('20261206T091000Z-b', 'monitor-resolved', 'drift'),
    event('20261206T092000Z-c', 'monitor-firing', 'avail'),
    event('20261206T093000Z-d', 'monitor-firing', 'drift', 'churn'),
  ];
  it('a rule fires on record when its latest event for that model is a firing one', () => {
    expect([...firingOnRecord(events, 'fraud').keys()]).toEqual(['avail']);
  });
  it('only a change of state is a transition', () => {
    const t = transitions(
      [judgeRule(drift, { value: 0.9, covered: 900 }), judgeRule(avail, { value: 0.9 })],
      firingOnRecord(events, 'fraud'),
    );
    expect(t.started.map((v) => v.rule.name)).toEqual(['drift']);
    expect(t.stopped.map((v) => v.rule.name)).toEqual(['avail']);
    const quiet = transitions([judgeRule(avail, { value: 0.1 })], firingOnRecord(events, 'fraud'));
    expect(quiet).toMatchObject({ started: [], stopped: [], still: [{ rule: { name: 'avail' } }] });
  });
  it('a model rule replaces the policy rule of the same name', () => {
    expect(rulesFor([drift, avail], [{ ...drift, threshold: 0.5 }])).toEqual([
      avail,
      { ...drift, threshold: 0.5 },
    ]);
  });
});

describe('Alertmanager payload', () => {
  it('reads the alerts naming a model, by tollgate_rule or alertname, and refuses another version', () => {
    const payload = parseAlertmanagerPayload({
      version: '4',
      status: 'firing',
      receiver: 'tollgate',
      groupKey: '{}',
      truncatedAlerts: 0,
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      externalURL: 'http://am:9093',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'drift', model: 'fraud' },
          annotations: { value: '0.93' },
          startsAt: '2026-12-06T09:00:00Z',
        },
        { status: 'firing', labels: { alertname: 'Other' }, annotations: {} },
      ],
    });
    expect(ruleAlerts(payload)).toEqual([
      { model: 'fraud', rule: 'drift', status: 'firing', value: 0.93, startsAt: '2026-12-06T09:00:00Z' },
    ]);
    expect(() => parseAlertmanagerPayload({ version: '3', alerts: [] })).toThrow(
      /version "3" is not supported/,
    );
    expect(() => parseAlertmanagerPayload({ hello: 1 })).toThrow(/no alerts list/);
  });
});
