import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { train } from '../../src/cli/commands/train.ts';
import type { CliContext } from '../../src/cli/context.ts';

const ROOT = resolve(import.meta.dirname, '../..');
let work: string;
let out: string[];
let err: string[];

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'tollgate-train-cli-'));
  out = [];
  err = [];
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const context = (): CliContext => ({
  cwd: ROOT,
  repoRoot: ROOT,
  registryDir: join(ROOT, 'registry'),
  env: {},
  now: () => new Date('2026-11-25T22:13:00Z'),
  out: (t) => out.push(t),
  err: (t) => err.push(t),
});

describe('tollgate train', () => {
  it('runs the example trainer and prints its metrics as JSON, streaming its output to stderr', async () => {
    const code = await train.run(
      [
        '--model',
        'fraud',
        '--output',
        join(work, 'o'),
        '--format',
        'json',
        '--',
        process.execPath,
        'examples/trainer/train.ts',
      ],
      context(),
    );
    expect(code).toBe(0);
    const shown = JSON.parse(out.join('\n')) as {
      metrics: Record<string, number>;
      artifact: { name: string };
    };
    expect(shown.artifact.name).toBe('model.json');
    expect(shown.metrics.auc).toBeGreaterThan(0.8);
    expect(err).toContain('model fraud: 4000 rows from synthetic:seed=42,rows=4000');
  });

  it('prints a readable summary by default', async () => {
    await train.run(
      ['--output', join(work, 'o'), '--', process.execPath, 'examples/trainer/train.ts'],
      context(),
    );
    expect(out.join('\n')).toMatch(
      /^training succeeded in .*\nartifact: .*model\.json .*\nmetrics:\n {2}accuracy /,
    );
  });

  it('fails with the training error, and asks for the command after --', async () => {
    await expect(
      train.run(
        ['--output', join(work, 'o'), '--', process.execPath, 'examples/trainer/train.ts', '--fail'],
        context(),
      ),
    ).rejects.toThrow(/exited with code 1/);
    await expect(train.run(['--timeout', '5m'], context())).rejects.toThrow(/needs the command after `--`/);
    await expect(train.run(['--timeout', 'soon', '--', 'x'], context())).rejects.toThrow(/invalid duration/);
  });
});
