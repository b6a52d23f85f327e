// One small valid document of every kind, with the path it belongs at. Tests copy and break them.
import type { Kind, RegistryDocument } from '../../src/registry/types.ts';

export const SHA = 'a'.repeat(64);
export const COMMIT = '0123456789abcdef0123456789abcdef01234567';

export const VALID: Record<Kind, { path: string; doc: RegistryDocument }> = {
  Policy: {
    path: 'policy.yaml',
    doc: {
      apiVersion: 'tollgate/v1',
      kind: 'Policy',
      roles: { risk: { teams: ['acme/risk'] }, compliance: { users: ['carol'] } },
      signoff: { rules: [{ name: 'prod', change: 'stage-changed', stage: 'production', require: ['risk'] }] },
    },
  },
  Model: {
    path: 'models/fraud/model.yaml',
    doc: { apiVersion: 'tollgate/v1', kind: 'Model', name: 'fraud', owners: { users: ['alice'] } },
  },
  Stages: {
    path: 'models/fraud/stages.yaml',
    doc: { apiVersion: 'tollgate/v1', kind: 'Stages', model: 'fraud', stages: { production: { version: 'v1' } } },
  },
  Schedule: {
    path: 'models/fraud/schedule.yaml',
    doc: {
      apiVersion: 'tollgate/v1',
      kind: 'Schedule',
      schema_version: 1,
      model: 'fraud',
      interval: 86400,
      last_run: '2026-11-01T00:00:00Z',
      next_run: '2026-11-02T00:00:00Z',
      failure_streak: 0,
    },
  },
  ModelVersion: {
    path: 'models/fraud/versions/v1.yaml',
    doc: {
      apiVersion: 'tollgate/v1',
      kind: 'ModelVersion',
      id: 'v1',
      model: 'fraud',
      created_at: '2026-11-01T00:00:00Z',
      source: { commit: COMMIT },
      artifact: { uri: 's3://models/fraud/v1.bin', sha256: SHA, size: 1024 },
      metrics: { auc: 0.91 },
      validation: { passed: true, gates: [{ metric: 'auc', op: '>=', threshold: 0.9, value: 0.91, pass: true }] },
    },
  },
  RetrainRequest: {
    path: 'models/fraud/retrains/r1.yaml',
    doc: {
      apiVersion: 'tollgate/v1',
      kind: 'RetrainRequest',
      id: 'r1',
      model: 'fraud',
      status: 'queued',
      reason: 'weekly',
      trigger: { kind: 'schedule', actor: 'tollgate' },
      created_at: '2026-11-01T00:00:00Z',
    },
  },
  Incident: {
    path: 'incidents/INC-20261101-000000-ab.yaml',
    doc: {
      apiVersion: 'tollgate/v1',
      kind: 'Incident',
      id: 'INC-20261101-000000-ab',
      title: 'error rate spike',
      severity: 'P1',
      status: 'open',
      models: ['fraud'],
      metrics: { error_rate: 0.2 },
      detected_at: '2026-11-01T00:00:00Z',
      timeline: [{ at: '2026-11-01T00:00:00Z', event: 'detected' }],
    },
  },
  AuditEvent: {
    path: 'audit/2026/11/20261101T000000Z-abc.yaml',
    doc: {
      apiVersion: 'tollgate/v1',
      kind: 'AuditEvent',
      id: '20261101T000000Z-abc',
      at: '2026-11-01T00:00:00Z',
      event: 'promotion-merged',
      actor: 'alice',
    },
  },
};

/** A deep copy, so a test can break one without touching the others. */
export const copy = <T>(value: T): T => structuredClone(value);
