// Runs the example trainer for real through runTraining.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/errors.ts';
import {
  findOrphanedCommands,
  parseMetrics,
  readArtifact,
  runTraining,
  trainingEnv,
  TrainingError,
} from '../../src/retrain/training.ts';
import type { TrainingOptions } from '../../src/retrain/training.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const TRAINER = ['examples/trainer/train.ts'];
let work: string;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'tollgate-training-'));
});
afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

function options(args: string[], extra: Partial<TrainingOptions> = {}): TrainingOptions {
  return {
    command: [process.execPath, ...TRAINER, ...args],
    cwd: ROOT,
    env: trainingEnv({ model: 'fraud', requestId: 'rt-20261125-221300-ab12' }),
    timeoutSeconds: 60,
    outputDir: join(work, 'out'),
    ...extra,
  };
}

async function failure(promise: Promise<unknown>): Promise<TrainingError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TrainingError);
    expect(error).toBeInstanceOf(TollgateError);
    expect((error as TrainingError).fix).toBeTruthy();
    return error as TrainingError;
  }
  throw new Error('expected the training run to fail');
}

/** Alive and not a zombie: a killed process whose parent died may linger as a zombie until PID 1 reaps it. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

describe('runTraining with the example trainer', () => {
  it('returns metrics and the artifact with its hash, streaming output', async () => {
    const lines: string[] = [];
    const result = await runTraining(
      options(['--data', 'examples/trainer/data/transactions.csv'], {
        onOutput: (line) => lines.push(line),
      }),
    );
    expect(result.exitCode).toBe(0);
    expect(result.timedOut).toBe(false);
    expect(Object.keys(result.metrics).sort()).toEqual(
      [
        'accuracy',
        'auc',
        'f1',
        'false_positive_rate',
        'features',
        'inputs',
        'log_loss',
        'positive_rate',
        'precision',
        'recall',
        'test_rows',
        'train_rows',
      ].sort(),
    );
    expect(result.metrics.auc).toBeGreaterThan(0.8);
    const bytes = readFileSync(join(work, 'out', 'model.json'));
    expect(result.artifact).toMatchObject({
      name: 'model.json',
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    const model = JSON.parse(bytes.toString()) as { model: string; request: string };
    expect(model).toMatchObject({ model: 'fraud', request: 'rt-20261125-221300-ab12' });
    expect(lines).toContain('model fraud: 2000 rows from examples/trainer/data/transactions.csv');
    expect(lines.some((l) => l.startsWith('epoch 300/300'))).toBe(true);
  });

  it('is deterministic: the same data and seed give the same artifact', async () => {
    const a = await runTraining(options([]));
    const b = await runTraining(options([], { outputDir: join(work, 'again') }));
    expect(b.artifact.sha256).toBe(a.artifact.sha256);
    expect(b.metrics).toEqual(a.metrics);
  });

  it('reports a non-zero exit with the last output', async () => {
    const error = await failure(runTraining(options(['--fail'])));
    expect(error.reason).toBe('exit');
    expect(error.exitCode).toBe(1);
    expect(error.message).toMatch(/exited with code 1/);
    expect(error.message).toContain('simulated failure (--fail)');
  });

  it('stops a run that times out', async () => {
    const error = await failure(runTraining(options(['--sleep', '60'], { timeoutSeconds: 0.5 })));
    expect(error).toMatchObject({ reason: 'timeout', timedOut: true, field: 'training.timeout' });
    expect(error.message).toMatch(/timed out after 0.5s/);
  });

  it('stops the run when its signal aborts', async () => {
    const controller = new AbortController();
    const error = await failure(
      runTraining(
        options(['--sleep', '60'], {
          signal: controller.signal,
          onOutput: (line) => {
            if (line.startsWith('sleeping')) controller.abort();
          },
        }),
      ),
    );
    expect(error).toMatchObject({ reason: 'cancelled', timedOut: false });
  });

  it('splits a run of output without newlines into bounded lines', async () => {
    const lines: string[] = [];
    const script = 'process.stdout.write("x".repeat(200000)); process.exitCode = 3';
    const error = await failure(
      runTraining(options([], { command: [process.execPath, '-e', script], onOutput: (l) => lines.push(l) })),
    );
    expect(error.exitCode).toBe(3);
    expect(lines.join('')).toHaveLength(200_000);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(128 * 1024);
  });

  it('kills the whole process group on timeout', async () => {
    const pidFile = join(work, 'pid');
    const error = await failure(
      runTraining({
        command: ['sh', '-c', 'sleep 60 & echo $! > "$PID_FILE"; wait'],
        cwd: work,
        env: { PID_FILE: pidFile },
        timeoutSeconds: 0.5,
        outputDir: join(work, 'out'),
      }),
    );
    expect(error.reason).toBe('timeout');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(pid).toBeGreaterThan(0);
    // The grandchild got the group's SIGTERM too; give the kernel a moment to deliver it.
    for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 20));
    expect(isAlive(pid)).toBe(false);
  });

  it('names a missing metrics.json', async () => {
    const error = await failure(runTraining(options(['--skip-metrics'])));
    expect(error).toMatchObject({ reason: 'metrics', file: 'metrics.json' });
    expect(error.message).toMatch(/wrote no metrics.json/);
  });

  it('names the non-numeric metric', async () => {
    const error = await failure(runTraining(options(['--bad-metric', 'auc'])));
    expect(error).toMatchObject({ reason: 'metrics', file: 'metrics.json', field: 'auc' });
    expect(error.message).toBe('metrics.json: field "auc" is "not-a-number" (string), not a finite number');
  });

  it('reports a missing artifact', async () => {
    const error = await failure(runTraining(options(['--skip-artifact'])));
    expect(error.reason).toBe('artifact');
    expect(error.message).toMatch(/wrote no artifact: no model.bin and no artifact.json/);
  });

  it('reports a command that does not exist', async () => {
    const error = await failure(runTraining(options([], { command: ['tollgate-no-such-trainer'] })));
    expect(error.reason).toBe('not-found');
    expect(error.message).toMatch(/not found: tollgate-no-such-trainer/);
  });

  it('refuses an empty command, a missing working directory and a non-empty output directory', async () => {
    expect((await failure(runTraining(options([], { command: [] })))).reason).toBe('invalid-command');
    const noCwd = await failure(runTraining(options([], { cwd: join(work, 'gone') })));
    expect(noCwd.message).toMatch(/working directory .* does not exist/);
    mkdirSync(join(work, 'out'));
    writeFileSync(join(work, 'out', 'metrics.json'), '{"auc": 1}');
    expect((await failure(runTraining(options([])))).reason).toBe('output-dir');
  });

  it('passes TOLLGATE_OUTPUT_DIR and keeps action inputs and the runtime tokens out of the environment', async () => {
    process.env.INPUT_GITHUB_TOKEN = 'secret';
    process.env.ACTIONS_RUNTIME_TOKEN = 'runtime-secret';
    process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = 'oidc-secret';
    try {
      const script = [
        'const fs = require("node:fs"); const d = process.env.TOLLGATE_OUTPUT_DIR; const e = process.env;',
        'const leaked = ["INPUT_GITHUB_TOKEN", "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"].filter((n) => e[n]).length;',
        'fs.writeFileSync(d + "/metrics.json", JSON.stringify({ leaked, path: e.PATH ? 1 : 0 }));',
        'fs.writeFileSync(d + "/model.bin", "weights");',
      ].join('');
      const result = await runTraining(options([], { command: [process.execPath, '-e', script] }));
      expect(result.metrics).toEqual({ leaked: 0, path: 1 });
      expect(result.artifact).toMatchObject({ name: 'model.bin', size: 7 });
    } finally {
      delete process.env.INPUT_GITHUB_TOKEN;
      delete process.env.ACTIONS_RUNTIME_TOKEN;
      delete process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    }
  });
});

describe('the output contract', () => {
  it.each([
    [[1], /must hold a JSON object, not an array/],
    [{}, /holds no metrics/],
    [{ auc: null }, /field "auc" is null \(null\)/],
    [{ auc: '0.9' }, /field "auc" is "0.9" \(string\)/],
    [{ auc: { value: 1 } }, /field "auc" is .* \(object\)/],
    [{ 'a|b': 1 }, /metric name "a\|b"/],
  ])('refuses metrics %j', (raw, message) => {
    expect(() => parseMetrics(raw)).toThrow(message);
  });

  it('accepts integers, negatives and exponents', () => {
    expect(parseMetrics({ n: 3, delta: -0.5, tiny: 1e-9 })).toEqual({ n: 3, delta: -0.5, tiny: 1e-9 });
  });

  it('reads the artifact named in artifact.json, and refuses escapes, links, folders and empty files', async () => {
    const dir = join(work, 'o');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'sub', 'm.onnx'), 'onnx');
    writeFileSync(join(dir, 'artifact.json'), JSON.stringify({ path: 'sub/m.onnx' }));
    expect(await readArtifact(dir)).toMatchObject({ name: 'sub/m.onnx', size: 4 });

    const cases: [unknown, RegExp][] = [
      [{ path: '../secret' }, /outside the output directory/],
      [{ path: '/etc/passwd' }, /outside the output directory/],
      [{ path: 'metrics.json' }, /contract file/],
      [{ path: 'sub' }, /is a directory/],
      [{ path: 'empty.bin' }, /is empty/],
      [{ path: 'link.bin' }, /symbolic link/],
      [{ path: 'outside/passwd' }, /resolves outside/],
      [{ file: 'x' }, /string "path"/],
    ];
    writeFileSync(join(dir, 'empty.bin'), '');
    writeFileSync(join(work, 'passwd'), 'root');
    symlinkSync(join(work, 'passwd'), join(dir, 'link.bin'));
    symlinkSync(work, join(dir, 'outside'));
    for (const [manifest, message] of cases) {
      writeFileSync(join(dir, 'artifact.json'), JSON.stringify(manifest));
      await expect(readArtifact(dir)).rejects.toThrow(message);
    }
  });
});

describe('a training command whose Tollgate process was killed', () => {
  it('is found and reported by the next run, with the process group to stop', async () => {
    const stateDir = join(work, 'state');
    mkdirSync(stateDir);
    // A Tollgate process that starts a long training command and is then SIGKILLed, which no handler sees.
    const script = `
      import { runTraining } from ${JSON.stringify(join(ROOT, 'src/retrain/training.ts'))};
      runTraining({ command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'], cwd: ${JSON.stringify(work)},
        timeoutSeconds: 600, outputDir: ${JSON.stringify(join(work, 'out1'))}, stateDir: ${JSON.stringify(stateDir)} });
      setTimeout(() => process.stdout.write('started\\n'), 500);
    `;
    const tollgate = spawn(
      process.execPath,
      ['--experimental-strip-types', '--no-warnings', '--input-type=module', '-e', script],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((done) => tollgate.stdout.once('data', () => done()));
    tollgate.kill('SIGKILL');
    await new Promise((done) => tollgate.once('close', done));

    const [orphan] = await findOrphanedCommands(stateDir);
    expect(orphan).toBeDefined();
    try {
      expect(isAlive(orphan!.pgid)).toBe(true);
      const lines: string[] = [];
      await runTraining(
        options(['--data', 'examples/trainer/data/transactions.csv'], {
          stateDir,
          onOutput: (line) => lines.push(line),
        }),
      );
      expect(lines[0]).toContain(`still running (process group ${orphan!.pgid}`);
      expect(lines[0]).toContain(`kill -- -${orphan!.pgid}`);
    } finally {
      process.kill(-orphan!.pgid, 'SIGKILL');
    }
  }, 60_000);
});
