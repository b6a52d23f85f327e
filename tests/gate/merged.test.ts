// What a merged pull request records, as data: audit events per stage pointer, rollback-completed on the incident.
import { describe, expect, it } from 'vitest';
import {
  bodyDigest,
  mergedAuditId,
  recordMergedPullRequest,
  type MergedRecordInput,
} from '../../src/gate/merged.ts';
import type { GateVerdict } from '../../src/gate/types.ts';
import { AUDIT_ID } from '../../src/registry/names.ts';
import type { Incident } from '../../src/registry/types.ts';

const MERGE = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);
const ROLLBACK = 'c'.repeat(40);

const verdict: GateVerdict = {
  conclusion: 'success',
  title: 'Signed off',
  blocking: [],
  stateOnly: false,
  changes: ['fraud: production v4 -> v5'],
  requirements: [
    {
      rule: 'production promotion',
      role: 'risk',
      candidates: ['@rita'],
      satisfiedBy: { login: 'rita', at: '2026-11-25T10:00:00Z', commit: HEAD },
    },
    { rule: 'production promotion', role: 'compliance', candidates: ['@acme/compliance'] },
  ],
};

const incident: Incident = {
  apiVersion: 'tollgate/v1',
  kind: 'Incident',
  id: 'INC-20261125-090000-abcd',
  title: 'errors',
  severity: 'P1',
  status: 'open',
  models: ['fraud'],
  metrics: { error_rate: 0.3 },
  detected_at: '2026-11-25T09:00:00Z',
  timeline: [
    { at: '2026-11-25T09:00:00Z', event: 'detected' },
    { at: '2026-11-25T09:10:00Z', event: 'rollback-started', detail: 'fraud production v5 -> v4' },
  ],
};

const input = (over: Partial<MergedRecordInput> = {}): MergedRecordInput => ({
  pull: {
    number: 12,
    title: 'Promote fraud v5',
    mergeSha: MERGE,
    mergedAt: '2026-11-25T11:00:00Z',
    mergedBy: 'alice',
    headSha: HEAD,
  },
  changes: [
    {
      kind: 'stage-changed',
      path: 'models/fraud/stages.yaml',
      model: 'fraud',
      stage: 'production',
      from: 'v4',
      to: 'v5',
    },
  ],
  verdict,
  checkName: 'tollgate/signoff',
  checkRun: { name: 'tollgate/signoff', id: 77, status: 'completed', conclusion: 'success' },
  commits: [{ sha: HEAD, authorDate: '2026-11-25T08:00:00Z', trailers: { 'Tollgate-Event': ['promote'] } }],
  incidents: [],
  ...over,
});

const rollbackCommit = {
  sha: ROLLBACK,
  authorDate: '2026-11-25T09:20:00+01:00',
  trailers: { 'Tollgate-Event': ['rollback'], Incident: [incident.id] },
};
const rollbackInput = (over: Partial<MergedRecordInput> = {}) =>
  input({
    changes: [
      {
        kind: 'stage-changed',
        path: 'models/fraud/stages.yaml',
        model: 'fraud',
        stage: 'production',
        from: 'v5',
        to: 'v4',
      },
    ],
    commits: [rollbackCommit],
    incidents: [incident],
    ...over,
  });

describe('recordMergedPullRequest', () => {
  it('writes one promotion-merged event per stage pointer, with approvers, missing roles and the check run', () => {
    const record = recordMergedPullRequest(
      input({
        changes: [
          ...input().changes,
          {
            kind: 'stage-changed',
            path: 'models/churn/stages.yaml',
            model: 'churn',
            stage: 'staging',
            to: 'v2',
          },
          { kind: 'version-added', path: 'models/churn/versions/v2.yaml', model: 'churn', version: 'v2' },
        ],
      }),
    );
    expect(record.audit.map((a) => [a.model, a.stage, a.version])).toEqual([
      ['fraud', 'production', 'v5'],
      ['churn', 'staging', 'v2'],
    ]);
    expect(record.audit[0]).toEqual({
      apiVersion: 'tollgate/v1',
      kind: 'AuditEvent',
      id: '20261125T110000Z-pr12-aaaaaaaa-fraud-production',
      at: '2026-11-25T11:00:00Z',
      event: 'promotion-merged',
      actor: 'alice',
      model: 'fraud',
      version: 'v5',
      stage: 'production',
      pull_request: 12,
      commit: MERGE,
      details: {
        title: 'Promote fraud v5',
        head: HEAD,
        from_version: 'v4',
        approvers: [{ role: 'risk', login: 'rita', commit: HEAD, at: '2026-11-25T10:00:00Z' }],
        missing_roles: ['compliance'],
        gate_verdict: 'success',
        check_run: { name: 'tollgate/signoff', id: 77, status: 'completed', conclusion: 'success' },
      },
    });
    expect(record.audit[1]!.details!.from_version).toBeNull();
    expect(record.writes.map((w) => w.path)).toEqual([
      'audit/2026/11/20261125T110000Z-pr12-aaaaaaaa-fraud-production.yaml',
      'audit/2026/11/20261125T110000Z-pr12-aaaaaaaa-churn-staging.yaml',
    ]);
    expect(record.trailers).toMatchObject({ 'Tollgate-Event': 'merge-recorded', Model: ['fraud', 'churn'] });
  });

  it('records a missing or failed gate check run for auditors', () => {
    const missing = recordMergedPullRequest(input({ checkRun: undefined })).audit[0]!;
    expect(missing.details!.check_run).toMatchObject({ name: 'tollgate/signoff', found: false });
    const failed = recordMergedPullRequest(
      input({ checkRun: { name: 'tollgate/signoff', id: 5, status: 'completed', conclusion: 'failure' } }),
    ).audit[0]!;
    expect(failed.details!.check_run).toMatchObject({ conclusion: 'failure', note: expect.any(String) });
  });

  it('records nothing for a pull request that moves no stage pointer (a state-only one included)', () => {
    const record = recordMergedPullRequest(
      input({
        changes: [
          { kind: 'audit-appended', path: 'audit/2026/11/x.yaml', id: 'x' },
          { kind: 'incident-changed', path: `incidents/${incident.id}.yaml`, incident: incident.id },
        ],
        commits: [rollbackCommit],
        incidents: [incident],
      }),
    );
    expect(record.writes).toEqual([]);
  });

  it('ids are stable and valid, hashing long model and stage names', () => {
    const pull = input().pull;
    expect(mergedAuditId(pull, 'fraud', 'production')).toBe(mergedAuditId(pull, 'fraud', 'production'));
    const long = mergedAuditId(pull, 'a-very-long-model-name-for-fraud-detection', 'production');
    expect(long).toMatch(AUDIT_ID);
    expect(long).toMatch(/^20261125T110000Z-pr12-aaaaaaaa-[0-9a-f]{8}$/);
    expect(mergedAuditId(pull, 'a-very-long-model-name-for-fraud-detection', 'staging')).not.toBe(long);
  });

  it('completes a rollback on its incident, timed from rollback-started', () => {
    const record = recordMergedPullRequest(rollbackInput());
    expect(record.rollback).toEqual({
      incident: incident.id,
      startedAt: '2026-11-25T09:10:00Z',
      startedFrom: 'timeline',
      seconds: 6600,
    });
    expect(record.audit[0]).toMatchObject({
      event: 'rollback-merged',
      incident: incident.id,
      details: { rollback_seconds: 6600, rollback_started_from: 'timeline' },
    });
    const entry = record.incidents[0]!.timeline.at(-1)!;
    // duration: seconds since detection, as on every rollback-completed entry; the detail says how long it took.
    expect(entry).toEqual({
      at: '2026-11-25T11:00:00Z',
      event: 'rollback-completed',
      duration: 7200,
      detail: `fraud production v5 -> v4: pull request #12 merged by alice in ${MERGE.slice(0, 12)}, 1h 50m 00s after rollback-started at 2026-11-25T09:10:00Z`,
    });
    expect(record.writes.map((w) => w.path)).toContain(`incidents/${incident.id}.yaml`);
    expect(record.trailers.Incident).toBe(incident.id);
  });

  it('falls back to the rollback commit author date when the incident has no rollback-started entry', () => {
    const record = recordMergedPullRequest(
      rollbackInput({ incidents: [{ ...incident, timeline: incident.timeline.slice(0, 1) }] }),
    );
    expect(record.rollback).toMatchObject({
      startedAt: '2026-11-25T08:20:00Z',
      startedFrom: 'commit',
      seconds: 9600,
    });
    expect(record.incidents[0]!.timeline.at(-1)!.detail).toContain(
      'after the rollback commit at 2026-11-25T08:20:00Z',
    );
  });

  it('adds no second rollback-completed for the same pull request or rollback commit', () => {
    const done = recordMergedPullRequest(rollbackInput()).incidents[0]!;
    expect(recordMergedPullRequest(rollbackInput({ incidents: [done] })).incidents).toEqual([]);
    const byHand: Incident = {
      ...incident,
      timeline: [
        ...incident.timeline,
        {
          at: '2026-11-25T09:20:00Z',
          event: 'rollback-completed',
          detail: `by revert in ${ROLLBACK.slice(0, 12)}`,
        },
      ],
    };
    const record = recordMergedPullRequest(rollbackInput({ incidents: [byHand] }));
    expect(record.incidents).toEqual([]);
    expect(record.audit).toHaveLength(1);
  });

  it('still writes the audit event of a rollback whose incident has no record', () => {
    const record = recordMergedPullRequest(rollbackInput({ incidents: [] }));
    expect(record.incidents).toEqual([]);
    expect(record.audit[0]).toMatchObject({ event: 'rollback-merged', incident: incident.id });
    expect(record.rollback?.startedFrom).toBe('commit');
  });
});

describe('the description the reviewers saw', () => {
  it('is kept in each record with its SHA-256, and left out when the source did not give it', async () => {
    const { createHash } = await import('node:crypto');
    const body = '## Promote fraud v5\n\n| metric | v4 | v5 |\n| auc | 0.91 | 0.93 |\n';
    const base = input();
    const record = recordMergedPullRequest({ ...base, pull: { ...base.pull, body } });
    expect(record.audit[0]!.details).toMatchObject({
      body,
      body_sha256: createHash('sha256').update(body, 'utf8').digest('hex'),
    });
    expect(bodyDigest('')).toBe(createHash('sha256').update('').digest('hex'));
    expect(recordMergedPullRequest(base).audit[0]!.details).not.toHaveProperty('body_sha256');
  });
});
