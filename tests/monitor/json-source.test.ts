// The command and file metrics sources: the metrics JSON contract, per-stage sections and windows from samples.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commandSource, fileSource } from '../../src/monitor/json-source.ts';
import { parseMetricsDocument } from '../../src/monitor/metrics-json.ts';
import { MetricsSourceError } from '../../src/monitor/source.ts';

const now = new Date('2026-12-06T10:00:00Z');
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000).toISOString();
let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const doc = {
  metrics: { error_rate: 0.01 },
  samples: { drift_score: [20, 15, 10, 5, 0].map((m) => [minutesAgo(m), m === 20 ? 0.5 : 0.9]) },
  stages: { canary: { metrics: { error_rate: 0.04, latency_p95: 180 } } },
};

describe('file source', () => {
  it('reads stage sections, the latest sample as the current value, and aggregates windows from samples', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-metrics-'));
    await writeFile(join(dir, 'live-production.json'), JSON.stringify(doc));
    const source = fileSource({ kind: 'file', path: 'live-${stage}.json' }, { repoRoot: dir });
    const scope = { model: 'fraud', stage: 'production' };
    expect(await source.instant(['error_rate', 'drift_score', 'missing'], scope, now)).toEqual({
      error_rate: 0.01,
      drift_score: 0.9,
    });
    expect(await source.overWindow('drift_score', 'min', scope, now, 900)).toEqual({
      value: 0.9,
      samples: 4,
      covered: 900,
    });
    expect((await source.overWindow('drift_score', 'min', scope, now, 1200))?.value).toBe(0.5);
    // A current value without samples covers none of a window.
    expect(await source.overWindow('error_rate', 'min', scope, now, 900)).toEqual({
      value: 0.01,
      samples: 1,
      covered: 0,
    });
  });

  it('names a missing file and a path that leaves the repository', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-metrics-'));
    const scope = { model: 'fraud', stage: 'production' };
    await expect(
      fileSource({ kind: 'file', path: 'nope.json' }, { repoRoot: dir }).instant(['x'], scope, now),
    ).rejects.toThrow(/cannot read metrics file nope.json/);
    await expect(
      fileSource({ kind: 'file', path: '../outside.json' }, { repoRoot: dir }).instant(['x'], scope, now),
    ).rejects.toBeInstanceOf(MetricsSourceError);
  });
});

describe('command source', () => {
  it('runs argv without a shell, with the scope in its environment, and reads the stage section it prints', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-metrics-'));
    const script = join(dir, 'metrics.mjs');
    await writeFile(
      script,
      `const s = process.env.TOLLGATE_STAGE; console.log(JSON.stringify({ metrics: { error_rate: s === 'canary' ? 0.2 : 0.01, window: Number(process.env.TOLLGATE_WINDOW) }, stages: {} }));`,
    );
    const source = commandSource(
      { kind: 'command', command: [process.execPath, script, '${model}'] },
      { repoRoot: dir, env: {} },
    );
    expect(await source.instant(['error_rate'], { model: 'fraud', stage: 'canary' }, now)).toEqual({
      error_rate: 0.2,
    });
    expect(
      await source.overWindow('window', 'avg', { model: 'fraud', stage: 'production' }, now, 900),
    ).toMatchObject({
      value: 900,
    });
  });

  it('reports a failing command with its stderr, and output that is not the metrics JSON', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-metrics-'));
    const scope = { model: 'fraud', stage: 'production' };
    const failing = commandSource(
      {
        kind: 'command',
        command: [process.execPath, '-e', 'console.error("no route to metrics"); process.exit(4)'],
      },
      { repoRoot: dir, env: {} },
    );
    await expect(failing.instant(['x'], scope, now)).rejects.toThrow(/no route to metrics/);
    const garbage = commandSource(
      { kind: 'command', command: [process.execPath, '-e', 'console.log("ok")'] },
      { repoRoot: dir, env: {} },
    );
    await expect(garbage.instant(['x'], scope, now)).rejects.toThrow(/not JSON/);
  });
});

describe('metrics JSON', () => {
  it.each([
    ['{"metrics": {"a": "high"}}', /metrics.a is "high", not a finite number/],
    ['{"samples": {"a": [["yesterday", 1]]}}', /samples.a\[0\] has time "yesterday"/],
    ['{"samples": {"a": [[1, 2, 3]]}}', /must be a \[time, value\] pair/],
    ['[1]', /must be a JSON object/],
  ])('refuses %s, naming the field', (text, message) => {
    expect(() => parseMetricsDocument(text, 'metrics file m.json')).toThrow(message);
  });
});
