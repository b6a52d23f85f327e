// The training report the recording job checks before it records: every field it can derive must agree, every
// other field must have the only shape Tollgate writes, and the downloaded files must hash as reported.
import { describe, expect, it } from 'vitest';
import { outputsMismatch, parseTrainingReport, type TrainingReport } from '../../src/retrain/report.ts';
import type { TrainingOutputs } from '../../src/retrain/training.ts';

const COMMIT = 'a'.repeat(40);
const HASH = 'b'.repeat(64);
const expected = {
  model: 'fraud-detector',
  sourceCommit: COMMIT,
  version: 'v6',
  parent: 'v4',
  command: ['node', 'train.ts'],
};
const trained: TrainingReport = {
  report: 1,
  model: 'fraud-detector',
  request: 'rt-20261125-220000-ab12',
  created_at: '2026-11-25T22:00:00Z',
  started_at: '2026-11-25T22:00:01Z',
  finished_at: '2026-11-25T22:05:00Z',
  source_commit: COMMIT,
  version: 'v6',
  parent: 'v4',
  command: ['node', 'train.ts'],
  outcome: 'trained',
  exit_code: 0,
  duration_ms: 299_000,
  metrics_sha256: HASH,
  artifact: { name: 'model.bin', sha256: HASH, size: 10 },
};
const parse = (over: Record<string, unknown>) =>
  parseTrainingReport(JSON.stringify({ ...trained, ...over }), expected);

describe('parseTrainingReport', () => {
  it('accepts the report a training job writes, and a failed one with its reason', () => {
    expect(parse({})).toEqual(trained);
    const failed = parse({
      outcome: 'failed',
      exit_code: 1,
      error: 'exited with code 1',
      failure_reason: 'exit',
      metrics_sha256: undefined,
      artifact: undefined,
    });
    expect(failed).toMatchObject({ outcome: 'failed', error: 'exited with code 1', failure_reason: 'exit' });
    expect(failed.artifact).toBeUndefined();
  });

  it.each([
    [{ report: 2 }, 'report.report'],
    [{ model: 'other-model' }, 'report.model'],
    [{ source_commit: 'c'.repeat(40) }, 'report.source_commit'],
    [{ version: 'v7' }, 'report.version'],
    [{ parent: undefined }, 'report.parent'],
    [{ command: ['sh', '-c', 'id'] }, 'report.command'],
    [{ request: '../../etc/passwd' }, 'report.request'],
    [{ request: 'rt-20261125-220000-AB12' }, 'report.request'],
    [{ created_at: 'yesterday' }, 'report.created_at'],
    [{ started_at: '2026-11-25T21:00:00Z' }, 'report.finished_at'],
    [{ exit_code: 1 }, 'report.exit_code'],
    [{ exit_code: 0.5 }, 'report.exit_code'],
    [{ duration_ms: -1 }, 'report.duration_ms'],
    [{ outcome: 'passed' }, 'report.outcome'],
    [{ metrics_sha256: 'abc' }, 'report.metrics_sha256'],
    [{ artifact: undefined }, 'report.artifact'],
    [{ artifact: { name: '../model.bin', sha256: HASH, size: 10 } }, 'report.artifact.name'],
    [{ artifact: { name: 'sub//model.bin', sha256: HASH, size: 10 } }, 'report.artifact.name'],
    [{ artifact: { name: 'model.bin', sha256: HASH.toUpperCase(), size: 10 } }, 'report.artifact.sha256'],
    [{ artifact: { name: 'model.bin', sha256: HASH, size: 0 } }, 'report.artifact.size'],
    [{ outcome: 'failed', error: 'x', failure_reason: 'gremlins' }, 'report.failure_reason'],
    [{ outcome: 'failed', error: '', failure_reason: 'exit' }, 'report.error'],
  ])('refuses %j, naming %s', (over, field) => {
    expect(() => parse(over)).toThrow(expect.objectContaining({ field }));
  });

  it('says how to pass the report when it is not JSON', () => {
    expect(() => parseTrainingReport('{', expected)).toThrow(
      expect.objectContaining({
        field: 'report',
        fix: expect.stringContaining('needs.train.outputs.report'),
      }),
    );
  });
});

describe('outputsMismatch', () => {
  const outputs = (over: Partial<TrainingOutputs> = {}): TrainingOutputs => ({
    metrics: { auc: 0.9 },
    metricsSha256: HASH,
    artifact: { path: '/tmp/x/model.bin', name: 'model.bin', sha256: HASH, size: 10 },
    ...over,
  });

  it.each([
    [outputs(), undefined],
    [
      outputs({ metricsSha256: 'c'.repeat(64) }),
      /metrics.json has sha256 c{64}, the training job reported b{64}/,
    ],
    [
      outputs({ artifact: { path: '/tmp/x/model.bin', name: 'model.bin', sha256: HASH, size: 11 } }),
      /model.bin has sha256 b{64} \(11 bytes\), the training job reported b{64} \(10 bytes\)/,
    ],
    [
      outputs({ artifact: { path: '/tmp/x/other.bin', name: 'other.bin', sha256: HASH, size: 10 } }),
      /the artifact is other.bin, the training job reported model.bin/,
    ],
  ])('compares the downloaded files with the report (%#)', (got, message) => {
    const result = outputsMismatch(trained, got);
    if (message === undefined) expect(result).toBeUndefined();
    else expect(result).toMatch(message);
  });
});
