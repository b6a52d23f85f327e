import { describe, expect, it } from 'vitest';
import {
  appendTimeline,
  decideAutoRollback,
  incidentAuditEvent,
  incidentId,
  incidentStats,
  openIncident,
  postmortemPullRequest,
  recordRollback,
  renderPostmortem,
  resolveIncident,
  type AutoRollbackState,
} from '../../src/incident/record.ts';
import { effectivePolicy } from '../../src/policy/effective.ts';
import type { Incident } from '../../src/registry/types.ts';

const policy = effectivePolicy(undefined);
const T0 = new Date('2026-11-24T03:30:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);

function incident(metrics: Record<string, number>, id = 'INC-20261124-033000-ab12'): Incident {
  return openIncident({ models: ['fraud'], metrics, now: T0, id, policy, alert: 'error spike' });
}

describe('incidentId', () => {
  it('formats the UTC time and the suffix', () => {
    expect(incidentId(new Date('2026-01-02T03:04:05.678Z'), 'a1b2')).toBe('INC-20260102-030405-a1b2');
  });
  it.each(['ABCD', 'ab1', 'ab12c', 'ab-1'])('rejects the suffix %s', (suffix) => {
    expect(() => incidentId(T0, suffix)).toThrow(/suffix/);
  });
});

describe('openIncident', () => {
  it('classifies and records detection and classification', () => {
    const inc = incident({ error_rate: 0.7 });
    expect(inc).toMatchObject({
      kind: 'Incident',
      severity: 'P0',
      status: 'open',
      models: ['fraud'],
      detected_at: '2026-11-24T03:30:00Z',
      classified_at: '2026-11-24T03:30:00Z',
      alert: 'error spike',
    });
    expect(inc.timeline.map((e) => e.event)).toEqual(['detected', 'classified']);
    expect(inc.timeline[1]!.detail).toContain('error_rate = 0.7');
  });
  it('refuses a malformed id, no models, and an unsafe model name', () => {
    expect(() => openIncident({ models: ['fraud'], metrics: {}, now: T0, id: 'INC-1', policy })).toThrow(
      /form/,
    );
    expect(() =>
      openIncident({ models: [], metrics: {}, now: T0, id: 'INC-20261124-033000-ab12', policy }),
    ).toThrow(/at least one model/);
    expect(() =>
      openIncident({ models: ['../x'], metrics: {}, now: T0, id: 'INC-20261124-033000-ab12', policy }),
    ).toThrow(/unsafe model/);
  });
});

describe('decideAutoRollback', () => {
  const ok: AutoRollbackState = {
    model: 'fraud',
    current: 'v13',
    promotionInFlight: false,
    lastPointerChangeWasRollback: false,
    stableTarget: 'v12',
  };
  const table: [string, Record<string, number>, Partial<AutoRollbackState>, boolean, RegExp][] = [
    [
      'error_rate above 0.5 rolls back',
      { error_rate: 0.51 },
      {},
      true,
      /automatic: fraud production v13 -> v12/,
    ],
    ['availability below 0.5 rolls back', { availability: 0.49 }, {}, true, /availability < 0.5/],
    ['accuracy_drop above 0.3 rolls back', { accuracy_drop: 0.31 }, {}, true, /accuracy_drop > 0.3/],
    [
      'exactly at a threshold does not',
      { error_rate: 0.5, accuracy_drop: 0.3, availability: 0.5 },
      {},
      false,
      /no auto-rollback condition/,
    ],
    [
      'a P1 that is not an auto condition does not',
      { error_rate: 0.2 },
      {},
      false,
      /no auto-rollback condition/,
    ],
    [
      'not during a promotion',
      { error_rate: 0.9 },
      { promotionInFlight: true },
      false,
      /promotion of this model is in flight/,
    ],
    [
      'never a rollback of a rollback',
      { error_rate: 0.9 },
      { lastPointerChangeWasRollback: true },
      false,
      /rollback of a rollback|already a rollback/,
    ],
    [
      'not without a stable version',
      { error_rate: 0.9 },
      { stableTarget: undefined },
      false,
      /no earlier version/,
    ],
    [
      'not when the stable version is live',
      { error_rate: 0.9 },
      { stableTarget: 'v13' },
      false,
      /already live/,
    ],
  ];
  it.each(table)('%s', (_name, metrics, state, rollback, detail) => {
    const decision = decideAutoRollback({
      incident: incident(metrics),
      policy,
      state: { ...ok, ...state },
      now: at(5),
    });
    expect(decision.rollback).toBe(rollback);
    expect(decision.entry.event).toBe(rollback ? 'rollback-started' : 'rollback-skipped');
    expect(decision.entry.at).toBe('2026-11-24T03:30:05Z');
    expect(decision.entry.detail).toMatch(detail);
    if (decision.rollback) expect(decision).toMatchObject({ target: 'v12', stage: 'production' });
  });
  it('follows the policy conditions; an empty list never rolls back', () => {
    const none = effectivePolicy({
      apiVersion: 'tollgate/v1',
      kind: 'Policy',
      roles: {},
      incident: { auto_rollback: [] },
    });
    const d = decideAutoRollback({ incident: incident({ error_rate: 1 }), policy: none, state: ok, now: T0 });
    expect(d).toMatchObject({ rollback: false, reason: expect.stringContaining('none configured') });
  });
});

describe('timeline and resolution', () => {
  it('adds durations to rollback-completed and resolved entries', () => {
    let inc = incident({ error_rate: 0.7 });
    inc = appendTimeline(inc, { at: '2026-11-24T03:32:00Z', event: 'rollback-completed' });
    inc = resolveIncident(inc, at(3725), 'error rate back to normal');
    expect(inc.status).toBe('resolved');
    expect(inc.resolved_at).toBe('2026-11-24T04:32:05Z');
    expect(inc.timeline.slice(-2)).toEqual([
      { at: '2026-11-24T03:32:00Z', event: 'rollback-completed', duration: 120 },
      { at: '2026-11-24T04:32:05Z', event: 'resolved', detail: 'error rate back to normal', duration: 3725 },
    ]);
  });
  it('refuses to resolve twice or before detection', () => {
    const inc = resolveIncident(incident({}), at(10));
    expect(() => resolveIncident(inc, at(20))).toThrow(/already resolved/);
    expect(() => resolveIncident(incident({}), at(-1))).toThrow(/before it was detected/);
  });
});

describe('incidentStats', () => {
  function made(
    id: string,
    start: number,
    severity: Record<string, number>,
    resolveAfter?: number,
    rollbackAfter?: number,
  ) {
    let inc = openIncident({ models: ['m'], metrics: severity, now: at(start), id, policy });
    if (rollbackAfter !== undefined) {
      inc = appendTimeline(inc, { at: at(start + rollbackAfter).toISOString(), event: 'rollback-completed' });
    }
    if (resolveAfter !== undefined) inc = resolveIncident(inc, at(start + resolveAfter));
    return inc;
  }
  const incidents = [
    made('INC-20261124-033000-aaaa', 0, { error_rate: 0.9 }, 600, 60),
    made('INC-20261124-033000-bbbb', 1000, { error_rate: 0.2 }, 1200, 180),
    made('INC-20261124-033000-cccc', 2000, { accuracy_drop: 0.06 }, 3000),
    made('INC-20261124-033000-dddd', 3000, {}),
  ];
  it('counts by severity and open, with mean and median durations', () => {
    expect(incidentStats(incidents)).toMatchObject({
      total: 4,
      open: 1,
      bySeverity: { P0: 1, P1: 1, P2: 0, P3: 1, P4: 1 },
      mttr: { count: 3, meanSeconds: 1600, medianSeconds: 1200 },
      timeToRollback: { count: 2, meanSeconds: 120, medianSeconds: 120 },
    });
  });
  it('gives MTTR by severity and the times to classify, roll back and resolve per incident', () => {
    const s = incidentStats(incidents);
    expect(s.mttrBySeverity).toEqual({
      P0: { count: 1, meanSeconds: 600, medianSeconds: 600 },
      P1: { count: 1, meanSeconds: 1200, medianSeconds: 1200 },
      P2: { count: 0, meanSeconds: null, medianSeconds: null },
      P3: { count: 1, meanSeconds: 3000, medianSeconds: 3000 },
      P4: { count: 0, meanSeconds: null, medianSeconds: null },
    });
    expect(
      s.incidents.map((d) => [d.id.slice(-4), d.severity, d.toClassify, d.toRollback, d.toResolve]),
    ).toEqual([
      ['aaaa', 'P0', 0, 60, 600],
      ['bbbb', 'P1', 0, 180, 1200],
      ['cccc', 'P3', 0, null, 3000],
      ['dddd', 'P4', 0, null, null],
    ]);
  });
  it('takes incidents detected at or after `since`', () => {
    const s = incidentStats(incidents, { since: at(1000) });
    expect(s.total).toBe(3);
    expect(s.mttr).toEqual({ count: 2, meanSeconds: 2100, medianSeconds: 2100 });
  });
  it('reports nulls, not NaN, when nothing is resolved', () => {
    expect(incidentStats([]).mttr).toEqual({ count: 0, meanSeconds: null, medianSeconds: null });
  });
});

describe('renderPostmortem', () => {
  it('merges incident and git timelines in time order and marks what the author must write', () => {
    let inc = incident({ error_rate: 0.7, availability: 0.9 });
    inc = {
      ...inc,
      rollback: { model: 'fraud', stage: 'production', from: 'v13', to: 'v12', commit: 'c'.repeat(40) },
    };
    inc = appendTimeline(inc, {
      at: '2026-11-24T03:31:00Z',
      event: 'rollback-completed',
      detail: 'v13 -> v12',
    });
    inc = resolveIncident(inc, at(3600));
    const md = renderPostmortem(inc, [
      {
        at: '2026-11-23T10:00:00Z',
        sha: 'a'.repeat(40),
        subject: 'Promote fraud v13 | production',
        trailers: { 'Tollgate-Event': 'promotion' },
      },
      {
        at: '2026-11-24T03:31:00Z',
        sha: 'c'.repeat(40),
        subject: 'Roll back fraud production to v12',
        trailers: { 'Tollgate-Event': 'rollback', 'Rollback-Mode': 'revert', Reverts: 'a'.repeat(40) },
      },
    ]);
    expect(md).toContain('# Postmortem: INC-20261124-033000-ab12');
    expect(md).toContain('- Severity: **P0**');
    expect(md).toContain('duration: 1h 00m 00s');
    expect(md).toContain('- Rollback: fraud production v13 -> v12 (commit cccccccccccc)');
    expect(md).toContain('| error_rate | 0.7 |');
    const timeline = md.split('## Timeline')[1]!.split('## Root Cause Analysis')[0]!;
    const order = [
      'Promote fraud v13 \\| production [promotion]',
      'detected: error spike',
      'classified: P0',
      'rollback-completed: v13 -> v12 (after 1m 00s)',
      'Roll back fraud production to v12 [rollback]',
      'resolved',
    ];
    const positions = order.map((s) => timeline.indexOf(s));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // The incident protocol's template, every section.
    const headings = md.split('\n').filter((l) => /^#{2,3} /.test(l));
    expect(headings).toEqual([
      '## Incident Summary',
      '## Timeline (UTC)',
      '## Root Cause Analysis',
      '### What Happened',
      '### Why It Happened',
      '### Contributing Factors',
      '## Impact Assessment',
      '### User Impact',
      '### Business Impact',
      '### Technical Impact',
      '## Resolution',
      '### Immediate Actions Taken',
      '## Rollback',
      '## Lessons Learned',
      '### What Went Well',
      '### What Went Wrong',
      '### Where We Got Lucky',
      '## Action Items',
      '## Prevention Measures',
      '### Short-term (< 1 week)',
      '### Medium-term (1-4 weeks)',
      '### Long-term (> 1 month)',
      '## Appendix',
      '### Related Incidents',
      '### Communication Log',
    ]);
    // Action items are a checklist with an owner and a due date a week after the resolution.
    expect(md).toContain(
      '- [ ] TODO(author): preventive action — owner: @TODO — due: 2026-12-01 — priority: high',
    );
    expect(md).toContain('**Date**: TODO(author) (due by 2026-11-25)');
    const rollback = md.split('## Rollback\n')[1]!.split('## Lessons Learned')[0]!;
    expect(rollback).toContain('- Rollback duration: 1m 00s after detection');
    expect(rollback).toContain('- Rollback success: yes');
    expect(rollback).toContain('fraud `production`: v13 -> v12, commit cccccccccccc.');
    expect(rollback).toContain(
      '- 2026-11-24T03:31:00Z rollback-completed: v13 -> v12 (1m 00s after detection)',
    );
    expect(rollback).toContain(
      `- commit cccccccccccc (2026-11-24T03:31:00Z): Roll back fraud production to v12; mode revert; reverts ${'a'.repeat(40)}`,
    );
    expect(md).toContain('TODO(author): who and what was affected');
  });
  it('links commits when the repository is known and names the approvers', () => {
    const md = renderPostmortem(
      resolveIncident(incident({ error_rate: 0.7 }), at(60)),
      [{ at: '2026-11-24T03:29:00Z', sha: 'a'.repeat(40), subject: 'Promote v13', trailers: {} }],
      { repoUrl: 'https://github.com/acme/models', approvers: ['risk: carol'] },
    );
    expect(md).toContain(
      `| [commit aaaaaaaaaaaa](https://github.com/acme/models/commit/${'a'.repeat(40)}) | Promote v13 |`,
    );
    expect(md).toContain('the changes in this window were signed off by risk: carol');
  });
  it('says when no rollback was made', () => {
    expect(renderPostmortem(incident({ error_rate: 0.07 }), [])).toContain(
      '## Rollback\n\nNo rollback was made.\n',
    );
  });
});

describe('incidentAuditEvent', () => {
  it('builds an audit event with a timestamped id', () => {
    const e = incidentAuditEvent({
      incident: incident({ error_rate: 0.7 }),
      event: 'incident-opened',
      actor: 'oncall',
      now: T0,
      suffix: 'x1y2',
    });
    expect(e).toMatchObject({
      kind: 'AuditEvent',
      id: '20261124T033000Z-x1y2',
      at: '2026-11-24T03:30:00Z',
      event: 'incident-opened',
      actor: 'oncall',
      model: 'fraud',
      incident: 'INC-20261124-033000-ab12',
      details: { severity: 'P0', status: 'open' },
    });
    expect(() =>
      incidentAuditEvent({ incident: incident({}), event: 'rollback', actor: 'a', now: T0, suffix: 'A/B' }),
    ).toThrow(/suffix/);
  });
});

describe('recordRollback', () => {
  const base = {
    model: 'fraud',
    stage: 'production',
    from: 'v4',
    to: 'v3',
    by: 'oncall',
    startedAt: at(60),
  };

  it('an emergency push: rollback-started, then rollback-completed with its duration since detection', () => {
    const inc = recordRollback(incident({ error_rate: 0.7 }), {
      ...base,
      mode: 'revert',
      reverted: ['a'.repeat(40), 'b'.repeat(40)],
      via: { kind: 'emergency-push' },
      completedAt: at(90),
    });
    expect(inc.timeline.slice(2)).toEqual([
      {
        at: '2026-11-24T03:31:00Z',
        event: 'rollback-started',
        detail: `fraud production v4 -> v3; reverts ${'a'.repeat(12)}, ${'b'.repeat(12)}; emergency push; by oncall`,
      },
      {
        at: '2026-11-24T03:31:30Z',
        event: 'rollback-completed',
        detail: 'fraud production v4 -> v3 by revert (emergency push, 30s after it started)',
        duration: 90,
      },
    ]);
    expect(inc.rollback).toEqual({ model: 'fraud', stage: 'production', from: 'v4', to: 'v3' });
  });

  it('a pull request: rollback-started only, with the link; a forward fix says why', () => {
    const inc = recordRollback(incident({ error_rate: 0.2 }), {
      ...base,
      mode: 'forward-fix',
      reverted: [],
      forwardFixReason: 'reverting abc conflicts',
      via: {
        kind: 'pull-request',
        branch: 'tollgate/rollback/fraud/production',
        pullRequest: { number: 7, url: 'https://github.com/acme/models/pull/7' },
      },
    });
    expect(inc.timeline.map((e) => e.event)).toEqual(['detected', 'classified', 'rollback-started']);
    expect(inc.timeline[2]!.detail).toBe(
      'fraud production v4 -> v3; writes v3 forward (reverting abc conflicts); pull request #7 https://github.com/acme/models/pull/7; by oncall',
    );
    expect(inc.rollback).toMatchObject({ pull_request: 7 });
  });

  it('keeps a rollback of another model already on the record', () => {
    const first = {
      ...incident({ error_rate: 0.7 }),
      rollback: { model: 'churn', stage: 'production', from: 'v2', to: 'v1' },
    };
    const inc = recordRollback(first, {
      ...base,
      mode: 'revert',
      reverted: ['c'.repeat(40)],
      via: { kind: 'emergency-push' },
    });
    expect(inc.rollback).toEqual(first.rollback);
    expect(first.timeline).toHaveLength(2);
  });
});

describe('postmortemPullRequest', () => {
  it('summarises the resolved incident and points at the draft', () => {
    let inc = recordRollback(incident({ error_rate: 0.7 }), {
      model: 'fraud',
      stage: 'production',
      from: 'v4',
      to: 'v3',
      by: 'oncall',
      startedAt: at(60),
      mode: 'revert',
      reverted: ['a'.repeat(40)],
      via: { kind: 'emergency-push' },
      completedAt: at(120),
    });
    inc = resolveIncident(inc, at(3600));
    const pr = postmortemPullRequest(inc, {
      postmortem: 'registry/incidents/x.postmortem.md',
      link: 'https://x/y',
    });
    expect(pr.title).toBe('Resolve incident INC-20261124-033000-ab12: postmortem');
    expect(pr.labels).toEqual(['tollgate:incident', 'tollgate:postmortem']);
    expect(pr.body).toContain(
      '- Detected 2026-11-24T03:30:00Z, resolved 2026-11-24T04:30:00Z (after 1h 00m 00s)',
    );
    expect(pr.body).toContain('- Rollback: fraud production v4 -> v3, completed 2m 00s after detection');
    expect(pr.body).toContain('- Postmortem draft: [registry/incidents/x.postmortem.md](https://x/y)');
    expect(postmortemPullRequest(inc, {}).body).toContain('No postmortem draft');
  });
});
