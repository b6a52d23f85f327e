// The example trainer: its pure parts (examples/trainer/model.ts) on hand-made cases, and the command itself
// on the shipped datasets.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  auc,
  encodeRow,
  evaluate,
  fitEncoder,
  inputNames,
  labelsOf,
  parseCsv,
  stratifiedSplit,
} from '../../examples/trainer/model.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const PENGUINS = ['--data', 'examples/trainer/data/penguins.csv', '--label', 'sex', '--positive', 'MALE'];
let work: string;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'tollgate-trainer-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function train(out: string, ...args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['examples/trainer/train.ts', '--out', join(work, out), ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH, TOLLGATE_MODEL: 'penguin-sex' } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const read = (out: string, file: string) => readFileSync(join(work, out, file), 'utf8');

describe('auc', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one and 0.5 for constant scores', () => {
    expect(auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(auc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
  });

  it('counts a tie between a positive and a negative as one half', () => {
    // Pairs (positive, negative): (0.4 vs 0.4) tie = 0.5, (0.4 vs 0.1) = 1, (0.9 vs both) = 2; of 4 pairs.
    expect(auc([0.1, 0.4, 0.4, 0.9], [0, 0, 1, 1])).toBe(3.5 / 4);
    // Order of the input does not matter.
    expect(auc([0.9, 0.4, 0.1, 0.4], [1, 1, 0, 0])).toBe(3.5 / 4);
  });

  it('is 0.5 when the labels hold one class only', () => {
    expect(auc([0.1, 0.9], [1, 1])).toBe(0.5);
  });
});

describe('evaluate', () => {
  it('computes the threshold metrics from the confusion matrix', () => {
    // At 0.5: tp 2 (0.9, 0.6), fp 1 (0.7), fn 1 (0.2), tn 2 (0.1, 0.3).
    const m = evaluate([0.9, 0.6, 0.2, 0.7, 0.1, 0.3], [1, 1, 1, 0, 0, 0], 0.5);
    expect(m).toMatchObject({
      accuracy: 0.666667,
      precision: 0.666667,
      recall: 0.666667,
      false_positive_rate: 0.333333,
      positive_rate: 0.5,
    });
    // Positive over negative in 6 of 9 pairs: 0.9 over all three, 0.6 over 0.1 and 0.3, 0.2 over 0.1.
    expect(m.auc).toBe(0.666667);
    expect(m.log_loss).toBeGreaterThan(0);
  });
});

describe('feature encoding', () => {
  const table = parseCsv(
    'colour,size,hour,label\nred,1,3,yes\nblue,3,5,no\nred,5,3,no\ngreen,7,9,yes\n',
    'mem.csv',
  );

  it('standardizes numeric columns and one-hots the others, learning only from the training rows', () => {
    const features = fitEncoder(table, 'label', [0, 1, 2]);
    expect(features).toEqual([
      { name: 'colour', kind: 'categorical', levels: ['blue', 'red'] },
      { name: 'size', kind: 'numeric', log: false, mean: 3, std: Math.sqrt(8 / 3) },
      { name: 'hour', kind: 'numeric', log: false, mean: 11 / 3, std: expect.closeTo(0.9428, 4) },
    ]);
    expect(inputNames(features)).toEqual(['colour=blue', 'colour=red', 'size', 'hour']);
    const [blue, red, size] = encodeRow(features, table.columns, table.rows[2]!);
    expect([blue, red]).toEqual([0, 1]);
    expect(size).toBeCloseTo(2 / Math.sqrt(8 / 3), 10);
    // A level never seen in training encodes as all zeros.
    expect(encodeRow(features, table.columns, table.rows[3]!).slice(0, 2)).toEqual([0, 0]);
  });

  it('one-hots a numeric column on request, takes log1p on request, and picks features', () => {
    const features = fitEncoder(table, 'label', [0, 1, 2, 3], {
      features: ['size', 'hour'],
      categorical: ['hour'],
      log: ['size'],
    });
    expect(inputNames(features)).toEqual(['size', 'hour=3', 'hour=5', 'hour=9']);
    expect(features[0]).toMatchObject({
      log: true,
      mean: (Math.log(2) + Math.log(4) + Math.log(6) + Math.log(8)) / 4,
    });
  });

  it('names a missing column and lists the columns there are', () => {
    expect(() => fitEncoder(table, 'label', [0, 1], { features: ['weight'] })).toThrow(
      'no column weight; the columns are colour, size, hour, label',
    );
    expect(() => labelsOf(table, { label: 'class', positive: 'yes' })).toThrow(
      '--label class: no such column; the columns are colour, size, hour, label',
    );
    expect(() => labelsOf(table, { label: 'label', positive: 'maybe' })).toThrow(
      '--positive maybe: column label never holds it; its values are no, yes',
    );
  });

  it('refuses a short row and an empty cell, naming the line', () => {
    expect(() => parseCsv('a,b\n1,2\n3\n', 'x.csv')).toThrow('x.csv:3: 1 cells, the header has 2');
    expect(() => parseCsv('a,b\n1,\n', 'x.csv')).toThrow('x.csv:2: column b is empty');
  });
});

describe('stratifiedSplit', () => {
  it('holds out a quarter of each class, the same for the same seed', () => {
    const labels = [...new Array<number>(40).fill(0), ...new Array<number>(20).fill(1)];
    const split = stratifiedSplit(labels, 42);
    expect(split.test.filter((i) => labels[i] === 0)).toHaveLength(10);
    expect(split.test.filter((i) => labels[i] === 1)).toHaveLength(5);
    expect([...split.train, ...split.test].sort((a, b) => a - b)).toEqual(labels.map((_, i) => i));
    expect(stratifiedSplit(labels, 42)).toEqual(split);
    expect(stratifiedSplit(labels, 43)).not.toEqual(split);
  });

  it('keeps a row of a small class on each side, and refuses a class of one', () => {
    const split = stratifiedSplit([0, 0, 0, 1, 1], 1);
    expect(split.test.filter((i) => i >= 3)).toHaveLength(1);
    expect(() => stratifiedSplit([0, 0, 0, 1], 1)).toThrow('need at least 2 rows of each class, got 1');
  });
});

describe('examples/trainer/train.ts', () => {
  it('learns to tell male from female penguins, writing metrics, the model and its manifest', async () => {
    const run = await train('a', ...PENGUINS);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('model penguin-sex: 333 rows from examples/trainer/data/penguins.csv');
    expect(run.stdout).toContain('6 features (10 inputs); 250 rows to train, 83 held out');
    const metrics = JSON.parse(read('a', 'metrics.json')) as Record<string, number>;
    expect(metrics.auc).toBeGreaterThan(0.9);
    expect(metrics.accuracy).toBeGreaterThan(0.85);
    expect(metrics).toMatchObject({ train_rows: 250, test_rows: 83, features: 6, inputs: 10 });
    expect(JSON.parse(read('a', 'artifact.json'))).toEqual({ path: 'model.json' });
    const model = JSON.parse(read('a', 'model.json')) as Record<string, unknown>;
    expect(model).toMatchObject({
      type: 'logistic-regression',
      model: 'penguin-sex',
      label: 'sex',
      positive: 'MALE',
    });
    expect(model.inputs).toEqual([
      'species=Adelie',
      'species=Chinstrap',
      'species=Gentoo',
      'island=Biscoe',
      'island=Dream',
      'island=Torgersen',
      'bill_length_mm',
      'bill_depth_mm',
      'flipper_length_mm',
      'body_mass_g',
    ]);
    expect(model.weights).toHaveLength(10);
  });

  it('is deterministic: two runs give the same metrics and model bytes, another seed another split', async () => {
    await train('a', ...PENGUINS);
    await train('b', ...PENGUINS);
    await train('c', ...PENGUINS, '--seed', '7');
    expect(read('b', 'metrics.json')).toBe(read('a', 'metrics.json'));
    expect(read('b', 'model.json')).toBe(read('a', 'model.json'));
    expect(read('c', 'model.json')).not.toBe(read('a', 'model.json'));
  });

  it('names the column it cannot find and the columns there are', async () => {
    const run = await train('a', '--data', 'examples/trainer/data/penguins.csv', '--label', 'gender');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'train.ts: --label gender: no such column; the columns are species, island, bill_length_mm, ' +
        'bill_depth_mm, flipper_length_mm, body_mass_g, sex\n',
    );
    const positive = await train('b', '--data', 'examples/trainer/data/penguins.csv', '--label', 'sex');
    expect(positive.stderr).toBe(
      'train.ts: --positive 1: column sex never holds it; its values are FEMALE, MALE\n',
    );
  });

  it('simulates each failure on request', async () => {
    expect(await train('fail', ...PENGUINS, '--fail')).toMatchObject({
      code: 1,
      stderr: 'train.ts: simulated failure (--fail)\n',
    });
    expect(existsSync(join(work, 'fail'))).toBe(false);

    expect((await train('m', ...PENGUINS, '--skip-metrics')).code).toBe(0);
    expect(existsSync(join(work, 'm', 'metrics.json'))).toBe(false);
    expect(existsSync(join(work, 'm', 'model.json'))).toBe(true);

    expect((await train('a', ...PENGUINS, '--skip-artifact')).code).toBe(0);
    expect(existsSync(join(work, 'a', 'model.json'))).toBe(false);
    expect(existsSync(join(work, 'a', 'metrics.json'))).toBe(true);

    expect((await train('bad', ...PENGUINS, '--bad-metric', 'auc')).code).toBe(0);
    expect(JSON.parse(read('bad', 'metrics.json'))).toMatchObject({ auc: 'not-a-number' });

    const slept = await train('s', ...PENGUINS, '--sleep', '0', '--fail');
    expect(slept.stdout).toBe('sleeping 0s before training\n');
    expect((await train('x', ...PENGUINS, '--sleep', 'soon')).stderr).toBe(
      'train.ts: --sleep: soon is out of range\n',
    );
  });

  it('writes the synthetic transactions it trains on without --data', async () => {
    const file = join(work, 'tx.csv');
    const run = await train('unused', '--write-data', file, '--seed', '7', '--rows', '2000');
    expect(run.stdout).toBe(`wrote 2000 rows to ${file}\n`);
    expect(readFileSync(file, 'utf8')).toBe(
      readFileSync(join(ROOT, 'examples/trainer/data/transactions.csv'), 'utf8'),
    );
  });
});
