#!/usr/bin/env node
// A real, dependency-free trainer that follows Tollgate's training command contract (docs/retrain.md):
// logistic regression by gradient descent on a fraud-like transaction dataset, either read from a CSV or
// generated from a seeded PRNG, so every run on every machine gives the same model and metrics.
//
//   node examples/trainer/train.mjs [--data FILE.csv] [--seed N] [--rows N] [--epochs N] [--out DIR]
//   node examples/trainer/train.mjs --write-data FILE.csv [--seed N] [--rows N]
//
// Demo flags: --fail (exit 1), --sleep N (wait N seconds first, for timeouts), --skip-metrics, --skip-artifact,
// --bad-metric NAME (write a non-numeric value for NAME).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const FEATURES = ['amount', 'hour', 'distance_km', 'new_merchant', 'tx_last_hour'];
const LABEL = 'is_fraud';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    'write-data': { type: 'string' },
    seed: { type: 'string', default: '42' },
    rows: { type: 'string', default: '4000' },
    epochs: { type: 'string', default: '300' },
    out: { type: 'string' },
    fail: { type: 'boolean', default: false },
    sleep: { type: 'string' },
    'skip-metrics': { type: 'boolean', default: false },
    'skip-artifact': { type: 'boolean', default: false },
    'bad-metric': { type: 'string' },
  },
});

function die(message) {
  process.stderr.write(`train.mjs: ${message}\n`);
  process.exit(1);
}

function positiveInt(name, text) {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) die(`--${name} must be a positive whole number, got ${text}`);
  return n;
}

// mulberry32: a tiny seeded PRNG; Math.random cannot be seeded.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Transactions whose fraud odds rise with amount, night hours, distance, new merchants and velocity. */
function generate(rows, seed) {
  const random = prng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const data = [];
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
    data.push([amount, hour, distance, newMerchant, velocity, fraud]);
  }
  return data;
}

function readCsv(file) {
  const lines = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const header = lines
    .shift()
    ?.split(',')
    .map((h) => h.trim());
  const columns = [...FEATURES, LABEL];
  if (!header || columns.some((c, i) => header[i] !== c))
    die(`${file}: the header must be ${columns.join(',')}`);
  return lines.map((line, i) => {
    const row = line.split(',').map(Number);
    if (row.length !== columns.length || row.some((v) => !Number.isFinite(v))) {
      die(`${file}:${i + 2}: expected ${columns.length} numbers`);
    }
    return row;
  });
}

/** Model inputs: log-scaled amount and distance, a night flag, the rest as is. */
function featurize(row) {
  const [amount, hour, distance, newMerchant, velocity] = row;
  return [
    Math.log1p(amount),
    hour < 6 ? 1 : 0,
    Math.log1p(distance),
    newMerchant,
    velocity,
    Math.cos((2 * Math.PI * hour) / 24),
  ];
}
const INPUTS = ['log_amount', 'night', 'log_distance', 'new_merchant', 'tx_last_hour', 'hour_cos'];

const sigmoid = (z) => 1 / (1 + Math.exp(-z));

function train(x, y, epochs) {
  const d = x[0].length;
  const mean = Array.from({ length: d }, (_, j) => x.reduce((s, r) => s + r[j], 0) / x.length);
  const std = mean.map((m, j) => Math.sqrt(x.reduce((s, r) => s + (r[j] - m) ** 2, 0) / x.length) || 1);
  const z = x.map((r) => r.map((v, j) => (v - mean[j]) / std[j]));
  const w = new Array(d).fill(0);
  let b = 0;
  const rate = 0.5;
  const l2 = 1e-3;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const gw = new Array(d).fill(0);
    let gb = 0;
    let loss = 0;
    for (let i = 0; i < z.length; i++) {
      const p = sigmoid(z[i].reduce((s, v, j) => s + v * w[j], b));
      const err = p - y[i];
      for (let j = 0; j < d; j++) gw[j] += err * z[i][j];
      gb += err;
      loss += logLoss(y[i], p);
    }
    for (let j = 0; j < d; j++) w[j] -= rate * (gw[j] / z.length + l2 * w[j]);
    b -= rate * (gb / z.length);
    if (epoch === 1 || epoch % 100 === 0 || epoch === epochs) {
      console.log(`epoch ${epoch}/${epochs} train_loss=${(loss / z.length).toFixed(5)}`);
    }
  }
  return { mean, std, weights: w, bias: b };
}

function logLoss(y, p) {
  const q = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
  return -(y * Math.log(q) + (1 - y) * Math.log(1 - q));
}

function predict(model, row) {
  return sigmoid(
    row.reduce((s, v, j) => s + ((v - model.mean[j]) / model.std[j]) * model.weights[j], model.bias),
  );
}

/** Area under the ROC curve by ranks (ties share their average rank). */
function auc(scores, labels) {
  const order = scores.map((s, i) => [s, labels[i]]).sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  let positives = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j < order.length && order[j][0] === order[i][0]) j++;
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) {
      if (order[k][1] === 1) {
        rankSum += rank;
        positives++;
      }
    }
    i = j;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return 0.5;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

const round = (v) => Math.round(v * 1e6) / 1e6;

async function main() {
  const seed = positiveInt('seed', args.seed);
  const rows = positiveInt('rows', args.rows);
  if (args['write-data']) {
    const csv = [[...FEATURES, LABEL].join(','), ...generate(rows, seed).map((r) => r.join(','))].join('\n');
    writeFileSync(args['write-data'], `${csv}\n`);
    console.log(`wrote ${rows} rows to ${args['write-data']}`);
    return;
  }
  const out = args.out ?? process.env.TOLLGATE_OUTPUT_DIR;
  if (!out) die('no output directory: set TOLLGATE_OUTPUT_DIR (Tollgate does) or pass --out DIR');
  if (args.sleep !== undefined) {
    const seconds = Number(args.sleep);
    if (!(seconds >= 0)) die(`--sleep must be a number of seconds, got ${args.sleep}`);
    console.log(`sleeping ${seconds}s before training`);
    await sleep(seconds * 1000);
  }
  if (args.fail) die('simulated failure (--fail)');

  const data = args.data ? readCsv(args.data) : generate(rows, seed);
  const source = args.data ?? `synthetic:seed=${seed},rows=${rows}`;
  console.log(`model ${process.env.TOLLGATE_MODEL ?? '(unnamed)'}: ${data.length} rows from ${source}`);
  // Deterministic shuffle, then 75/25 split.
  const random = prng(seed ^ 0x9e3779b9);
  const shuffled = data
    .map((r) => [random(), r])
    .sort((a, b) => a[0] - b[0])
    .map(([, r]) => r);
  const cut = Math.floor(shuffled.length * 0.75);
  const trainRows = shuffled.slice(0, cut);
  const testRows = shuffled.slice(cut);
  if (trainRows.length === 0 || testRows.length === 0) die('need at least 4 rows');

  const model = train(
    trainRows.map(featurize),
    trainRows.map((r) => r[5]),
    positiveInt('epochs', args.epochs),
  );
  const labels = testRows.map((r) => r[5]);
  const scores = testRows.map((r) => predict(model, featurize(r)));
  // Fraud is rare: a threshold below 0.5 trades some precision for recall.
  const threshold = 0.3;
  let tp = 0,
    fp = 0,
    fn = 0,
    tn = 0;
  scores.forEach((s, i) => {
    const yes = s >= threshold;
    if (yes && labels[i] === 1) tp++;
    else if (yes) fp++;
    else if (labels[i] === 1) fn++;
    else tn++;
  });
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const metrics = {
    accuracy: round((tp + tn) / labels.length),
    precision: round(precision),
    recall: round(recall),
    f1: round(precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall)),
    auc: round(auc(scores, labels)),
    false_positive_rate: round(fp + tn === 0 ? 0 : fp / (fp + tn)),
    loss: round(labels.reduce((s, y, i) => s + logLoss(y, scores[i]), 0) / labels.length),
    fraud_rate: round(labels.reduce((s, y) => s + y, 0) / labels.length),
    train_rows: trainRows.length,
    test_rows: testRows.length,
  };
  console.log(`metrics ${JSON.stringify(metrics)}`);

  mkdirSync(out, { recursive: true });
  if (!args['skip-artifact']) {
    const artifact = {
      type: 'logistic-regression',
      model: process.env.TOLLGATE_MODEL ?? null,
      request: process.env.TOLLGATE_REQUEST_ID ?? null,
      inputs: INPUTS,
      mean: model.mean.map(round),
      std: model.std.map(round),
      weights: model.weights.map(round),
      bias: round(model.bias),
      threshold,
      data: source,
    };
    writeFileSync(join(out, 'model.json'), `${JSON.stringify(artifact, null, 2)}\n`);
    writeFileSync(join(out, 'artifact.json'), `${JSON.stringify({ path: 'model.json' })}\n`);
  }
  if (!args['skip-metrics']) {
    if (args['bad-metric']) metrics[args['bad-metric']] = 'not-a-number';
    writeFileSync(join(out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  }
  console.log(`wrote ${out}`);
}

main().catch((error) => die(error instanceof Error ? error.stack : String(error)));
