// Response tracking decisions: acknowledge, escalate once per level, what is due, and the report vs targets.
import { describe, expect, it } from 'vitest';
import { openIncident, resolveIncident } from '../../src/incident/record.ts';
import {
  acknowledgeIncident,
  dueEscalations,
  escalateIncident,
  escalationTarget,
  responseReport,
} from '../../src/incident/response.ts';
import { effectivePolicy } from '../../src/policy/effective.ts';
import type { Incident, Severity } from '../../src/registry/types.ts';

const policy = effectivePolicy(undefined);
const T0 = new Date('2026-11-24T03:30:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const METRICS: Record<Severity, Record<string, number>> = {
  P0: { error_rate: 0.7 },
  P1: { error_rate: 0.2 },
  P2: { error_rate: 0.07 },
  P3: { accuracy_drop: 0.06 },
  P4: {},
};
const open = (severity: Severity, n = 1): Incident =>
  openIncident({
    models: ['fraud'],
    metrics: METRICS[severity],
    now: T0,
    id: `INC-20261124-033000-${severity.toLowerCase()}0${n}`,
    policy,
  });

describe('dueEscalations', () => {
  it.each([
    // severity, seconds since detection, acknowledged, escalated at that level already, due?
    ['P0', 299, false, false, false],
    ['P0', 301, false, false, true],
    ['P0', 301, true, false, false],
    ['P0', 301, false, true, false],
    ['P1', 901, false, false, true],
    ['P1', 899, false, false, false],
    ['P2', 3601, false, false, true],
    ['P3', 14_399, false, false, false],
    ['P3', 14_401, false, false, true],
    ['P4', 86_401, false, false, true],
  ] as const)('%s after %i s (acked %s, escalated %s): due %s', (severity, after, acked, escalated, due) => {
    let incident = open(severity);
    if (acked) incident = acknowledgeIncident(incident, at(10), 'alice');
    if (escalated) incident = escalateIncident(incident, { to: severity, now: at(20), by: 'bot', policy });
    const found = dueEscalations([incident], policy, at(after));
    expect(found.length > 0).toBe(due);
    if (due)
      expect(found[0]!.reason).toMatch(
        new RegExp(`not acknowledged within .* \\(${severity} response time\\)`),
      );
  });

  it('never picks a resolved incident, and escalates each level once', () => {
    const resolved = resolveIncident(open('P0', 2), at(100));
    expect(dueEscalations([resolved], policy, at(10_000))).toEqual([]);
    let incident = open('P2');
    const [due] = dueEscalations([incident], policy, at(4000));
    incident = escalateIncident(incident, {
      to: due!.severity,
      now: at(4000),
      by: 'bot',
      reason: due!.reason,
      policy,
    });
    expect(dueEscalations([incident], policy, at(8000))).toEqual([]);
    expect(() => escalateIncident(incident, { to: 'P2', now: at(8000), by: 'bot', policy })).toThrow(
      /already escalated to P2/,
    );
    // Raised to P1 by hand: that called P1's escalation list, so the sweep does not call it again.
    incident = escalateIncident(incident, {
      to: escalationTarget(incident),
      now: at(8000),
      by: 'carol',
      policy,
    });
    expect(incident.severity).toBe('P1');
    expect(dueEscalations([incident], policy, at(8001))).toEqual([]);
  });
});

describe('acknowledge and escalate', () => {
  it('records who acknowledged and when, once', () => {
    const acked = acknowledgeIncident(open('P1'), at(120), 'alice');
    expect(acked).toMatchObject({ acknowledged_at: '2026-11-24T03:32:00Z', acknowledged_by: 'alice' });
    expect(acked.timeline.at(-1)).toMatchObject({
      event: 'acknowledged',
      detail: 'by alice, 2m 00s after detection',
    });
    expect(() => acknowledgeIncident(acked, at(130), 'bob')).toThrow(/already acknowledged by alice/);
  });

  it.each([
    ['P3', undefined, 'P2'],
    ['P0', undefined, 'P0'],
    ['P2', 'P0', 'P0'],
    ['P2', 'P2', 'P2'],
  ] as const)('escalates %s with --to %s to %s', (from, to, expected) => {
    expect(escalationTarget(open(from), to)).toBe(expected);
  });

  it('refuses to escalate downwards and names the escalation list on the timeline', () => {
    expect(() => escalationTarget(open('P1'), 'P3')).toThrow(/down to P3/);
    const e = escalateIncident(open('P2'), {
      to: 'P1',
      now: at(60),
      by: 'carol',
      reason: 'customers report errors',
      policy,
    });
    expect(e.severity).toBe('P1');
    expect(e.timeline.at(-1)!.detail).toBe(
      'to P1 (from P2): on-call, ml-lead; by carol: customers report errors',
    );
  });
});

describe('responseReport', () => {
  it('reports median, p90 and worst against the targets, the breaches and overdue postmortems', () => {
    const acks = [60, 120, 240, 600]; // P0, target 300 s: 600 is a breach
    const incidents = acks.map((s, i) => acknowledgeIncident(open('P0', i + 1), at(s), 'alice'));
    incidents[0] = resolveIncident(incidents[0]!, at(1200)); // 20 min: within the P0 MTTR target of 30 min
    incidents[1] = resolveIncident(incidents[1]!, at(3600)); // 1 h: a breach
    const pending = open('P1', 9); // never acknowledged, 2 h later: a pending breach
    const now = at(90_000); // 25 h later: both postmortems are due
    const report = responseReport(
      [...incidents, pending],
      policy,
      now,
      new Map([[incidents[1]!.id, '# done']]),
    );
    const p0 = report.perSeverity.find((s) => s.severity === 'P0')!;
    expect(p0.toAck).toEqual({ count: 4, median: 180, p90: 600, worst: 600 });
    expect(p0.ackTarget).toBe(300);
    expect(p0.toResolve).toEqual({ count: 2, median: 2400, p90: 3600, worst: 3600 });
    expect(report.breaches.map((b) => [b.id.slice(-4), b.what, b.pending])).toEqual([
      ['p002', 'resolve', false],
      ['p003', 'resolve', true],
      ['p004', 'ack', false],
      ['p004', 'resolve', true],
      ['p109', 'ack', true],
      ['p109', 'resolve', true],
    ]);
    expect(report.overduePostmortems).toEqual([
      {
        id: incidents[0]!.id,
        resolvedAt: '2026-11-24T03:50:00Z',
        dueAt: '2026-11-25T03:50:00Z',
        state: 'missing',
      },
    ]);
  });
});
