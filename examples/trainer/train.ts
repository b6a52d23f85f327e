#!/usr/bin/env node
// The example trainer: a real, dependency-free trainer that follows Tollgate's training command contract
// (docs/retrain.md). Logistic regression by gradient descent on any small CSV with a binary label: numeric
// columns standardized, the others one-hot, a seeded stratified 75/25 split, metrics on the held-out quarter.
// Same data and seed, same bytes: every run on every machine gives the same model and metrics.
// Node 22.18 or later runs it as is (type stripping).
//
//   node examples/trainer/train.ts --data examples/trainer/data/penguins.csv --label sex --positive MALE
//   node examples/trainer/train.ts [--data FILE.csv] [--label COLUMN] [--positive VALUE] [--features A,B]
//        [--categorical A,B] [--log A,B] [--threshold P] [--seed N] [--rows N] [--epochs N] [--l2 X] [--out DIR]
//   node examples/trainer/train.ts --write-data FILE.csv [--seed N] [--rows N]   (the synthetic transactions)
//
// Without --data it trains on --rows synthetic card transactions from --seed. The label defaults to the last
// column and the positive value to 1. Outputs, in --out or $TOLLGATE_OUTPUT_DIR: metrics.json, model.json and
// artifact.json naming it. Demo flags: --fail (exit 1), --sleep N (wait N seconds first, for timeouts),
// --skip-metrics, --skip-artifact, --bad-metric NAME (write a non-numeric value for NAME).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import {
  encodeRow,
  evaluate,
  fitEncoder,
  fitLogistic,
  inputNames,
  labelsOf,
  parseCsv,
  predict,
  prng,
  round,
  stratifiedSplit,
  TrainerError,
} from './model.ts';
import type { Table } from './model.ts';

function die(message: string): never {
  process.stderr.write(`train.ts: ${message}\n`);
  process.exit(1);
}

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) die(`--${name} must be a positive whole number, got ${text}`);
  return n;
}

function number(name: string, text: string, ok: (n: number) => boolean): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || !ok(n)) die(`--${name}: ${text} is out of range`);
  return n;
}

const list = (text: string | undefined) =>
  text === undefined
    ? undefined
    : text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

const TRANSACTION_COLUMNS = ['amount', 'hour', 'distance_km', 'new_merchant', 'tx_last_hour', 'is_fraud'];

/** Synthetic card transactions whose fraud odds rise with amount, night hours, distance, new merchants and velocity. */
function generateTransactions(rows: number, seed: number): Table {
  const random = prng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const data: string[][] = [];
  for (let i = 0; i < rows; i++) {
    const amount = Math.round(Math.exp(3.5 + 1.1 * normal()) * 100) / 100;
    const hour = Math.floor(random() * 24);
    const distance = Math.round(-Math.log(1 - random()) * 25 * 10) / 10;
    const newMerchant = random() < 0.2 ? 1 : 0;
    const velocity = Math.min(12, Math.floor(-Math.log(1 - random()) * 1.5));
    const logit =
      -4.6 +
      1.1 * (Math.log1p(amount) - 3.5) +
      (hour < 6 ? 2.0 : 0) +
      0.7 * (Math.log1p(distance) - 2.7) +
      2.1 * newMerchant +
      0.55 * velocity +
      0.4 * normal();
    const fraud = random() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    data.push([amount, hour, distance, newMerchant, velocity, fraud].map(String));
  }
  return { columns: TRANSACTION_COLUMNS, rows: data };
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      data: { type: 'string' },
      'write-data': { type: 'string' },
      label: { type: 'string' },
      positive: { type: 'string', default: '1' },
      features: { type: 'string' },
      categorical: { type: 'string' },
      log: { type: 'string' },
      threshold: { type: 'string', default: '0.5' },
      seed: { type: 'string', default: '42' },
      rows: { type: 'string', default: '4000' },
      epochs: { type: 'string', default: '300' },
      'learning-rate': { type: 'string', default: '0.5' },
      l2: { type: 'string', default: '0.001' },
      out: { type: 'string' },
      fail: { type: 'boolean', default: false },
      sleep: { type: 'string' },
      'skip-metrics': { type: 'boolean', default: false },
      'skip-artifact': { type: 'boolean', default: false },
      'bad-metric': { type: 'string' },
    },
  });
  const seed = positiveInt('seed', args.seed);
  const rows = positiveInt('rows', args.rows);
  if (args['write-data']) {
    const table = generateTransactions(rows, seed);
    const csv = [table.columns, ...table.rows].map((r) => r.join(',')).join('\n');
    writeFileSync(args['write-data'], `${csv}\n`);
    console.log(`wrote ${rows} rows to ${args['write-data']}`);
    return;
  }
  const out = args.out ?? process.env.TOLLGATE_OUTPUT_DIR;
  if (!out) die('no output directory: set TOLLGATE_OUTPUT_DIR (Tollgate does) or pass --out DIR');
  if (args.sleep !== undefined) {
    const seconds = number('sleep', args.sleep, (n) => n >= 0);
    console.log(`sleeping ${seconds}s before training`);
    await sleep(seconds * 1000);
  }
  if (args.fail) die('simulated failure (--fail)');
  const epochs = positiveInt('epochs', args.epochs);
  const threshold = number('threshold', args.threshold, (n) => n > 0 && n < 1);
  const learningRate = number('learning-rate', args['learning-rate'], (n) => n > 0);
  const l2 = number('l2', args.l2, (n) => n >= 0);

  const table = args.data
    ? parseCsv(readFileSync(args.data, 'utf8'), args.data)
    : generateTransactions(rows, seed);
  const source = args.data ?? `synthetic:seed=${seed},rows=${rows}`;
  const label = args.label ?? table.columns.at(-1)!;
  const labels = labelsOf(table, { label, positive: args.positive });
  const { train, test } = stratifiedSplit(labels, seed);
  const features = fitEncoder(table, label, train, {
    features: list(args.features),
    categorical: list(args.categorical),
    log: list(args.log),
  });
  const inputs = inputNames(features);
  console.log(`model ${process.env.TOLLGATE_MODEL ?? '(unnamed)'}: ${table.rows.length} rows from ${source}`);
  console.log(
    `label ${label} = ${args.positive}; ${features.length} features (${inputs.length} inputs); ` +
      `${train.length} rows to train, ${test.length} held out`,
  );

  const x = (indices: number[]) => indices.map((r) => encodeRow(features, table.columns, table.rows[r]!));
  const fitted = fitLogistic(
    x(train),
    train.map((r) => labels[r]!),
    {
      epochs,
      learningRate,
      l2,
      onEpoch: (epoch, loss) => {
        if (epoch === 1 || epoch % 100 === 0 || epoch === epochs) {
          console.log(`epoch ${epoch}/${epochs} train_loss=${loss.toFixed(5)}`);
        }
      },
    },
  );
  const scores = x(test).map((row) => predict(fitted, row));
  const metrics: Record<string, number | string> = {
    ...evaluate(
      scores,
      test.map((r) => labels[r]!),
      threshold,
    ),
    train_rows: train.length,
    test_rows: test.length,
    features: features.length,
    inputs: inputs.length,
  };
  console.log(`metrics ${JSON.stringify(metrics)}`);

  mkdirSync(out, { recursive: true });
  if (!args['skip-artifact']) {
    const model = {
      type: 'logistic-regression',
      model: process.env.TOLLGATE_MODEL ?? null,
      request: process.env.TOLLGATE_REQUEST_ID ?? null,
      data: source,
      label,
      positive: args.positive,
      threshold,
      // p = sigmoid(bias + Σ weight·input); a numeric input is (value, or log1p(value) − mean) / std.
      features: features.map((f) =>
        f.kind === 'numeric' ? { ...f, mean: round(f.mean), std: round(f.std) } : f,
      ),
      inputs,
      weights: fitted.weights.map(round),
      bias: round(fitted.bias),
      training: { seed, epochs, learning_rate: learningRate, l2, train_rows: train.length },
    };
    writeFileSync(join(out, 'model.json'), `${JSON.stringify(model, null, 2)}\n`);
    writeFileSync(join(out, 'artifact.json'), `${JSON.stringify({ path: 'model.json' })}\n`);
  }
  if (!args['skip-metrics']) {
    if (args['bad-metric']) metrics[args['bad-metric']] = 'not-a-number';
    writeFileSync(join(out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  }
  console.log(`wrote ${out}`);
}

main().catch((error: unknown) => {
  if (error instanceof TrainerError) die(error.message);
  if (error instanceof TypeError && (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
    die(error.message);
  }
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') die((error as Error).message);
  die(error instanceof Error ? (error.stack ?? error.message) : String(error));
});
