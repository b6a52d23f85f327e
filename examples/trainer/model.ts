// The pure part of the example trainer: CSV table, feature encoding (numeric columns standardized, categorical
// ones one-hot), a seeded stratified split, logistic regression by gradient descent and the held-out metrics.
// No I/O and no clock here; train.ts is the shell. Dependency-free, so a model repository can copy it.

/** A CSV read as text: a header and rows of cells, every row as wide as the header. */
export interface Table {
  columns: string[];
  rows: string[][];
}

export class TrainerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainerError';
  }
}

/** Plain comma-separated values (no quoted fields), blank lines skipped; every cell must be filled. */
export function parseCsv(text: string, file: string): Table {
  const lines = text.split(/\r?\n/).map((line, i) => ({ line, number: i + 1 }));
  const filled = lines.filter((l) => l.line.trim() !== '');
  const header = filled.shift();
  if (!header) throw new TrainerError(`${file}: no header line`);
  const columns = header.line.split(',').map((c) => c.trim());
  if (columns.some((c) => c === '')) throw new TrainerError(`${file}:${header.number}: an empty column name`);
  const rows = filled.map(({ line, number }) => {
    if (line.includes('"')) throw new TrainerError(`${file}:${number}: quoted fields are not supported`);
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== columns.length) {
      throw new TrainerError(`${file}:${number}: ${cells.length} cells, the header has ${columns.length}`);
    }
    const empty = cells.findIndex((c) => c === '');
    if (empty >= 0) throw new TrainerError(`${file}:${number}: column ${columns[empty]} is empty`);
    return cells;
  });
  return { columns, rows };
}

/** mulberry32: a tiny seeded PRNG; Math.random cannot be seeded. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface LabelSpec {
  label: string;
  positive: string;
}

/** The label column as 0/1 (1 = the positive value; every other value is the negative class). */
export function labelsOf(table: Table, spec: LabelSpec): number[] {
  const index = table.columns.indexOf(spec.label);
  if (index < 0) {
    throw new TrainerError(
      `--label ${spec.label}: no such column; the columns are ${table.columns.join(', ')}`,
    );
  }
  const labels = table.rows.map((row) => (row[index] === spec.positive ? 1 : 0));
  if (!labels.includes(1)) {
    const values = [...new Set(table.rows.map((row) => row[index]!))].sort();
    throw new TrainerError(
      `--positive ${spec.positive}: column ${spec.label} never holds it; its values are ${values.slice(0, 10).join(', ')}`,
    );
  }
  if (!labels.includes(0)) throw new TrainerError(`column ${spec.label} holds only ${spec.positive}`);
  return labels;
}

/** Per-class seeded shuffle, then a quarter of each class (at least one row) held out for testing. */
export function stratifiedSplit(
  labels: number[],
  seed: number,
  testFraction = 0.25,
): { train: number[]; test: number[] } {
  const random = prng(seed ^ 0x9e3779b9);
  const train: number[] = [];
  const test: number[] = [];
  for (const cls of [0, 1]) {
    const members = labels.flatMap((y, i) => (y === cls ? [i] : []));
    if (members.length < 2)
      throw new TrainerError(`need at least 2 rows of each class, got ${members.length}`);
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [members[i], members[j]] = [members[j]!, members[i]!];
    }
    const cut = Math.min(members.length - 1, Math.max(1, Math.round(members.length * testFraction)));
    test.push(...members.slice(0, cut));
    train.push(...members.slice(cut));
  }
  const ascending = (a: number, b: number) => a - b;
  return { train: train.sort(ascending), test: test.sort(ascending) };
}

export type Feature =
  | { name: string; kind: 'numeric'; log: boolean; mean: number; std: number }
  | { name: string; kind: 'categorical'; levels: string[] };

export interface EncoderOptions {
  /** Columns to use; default every column but the label. */
  features?: string[];
  /** Columns to one-hot even though they hold numbers (an hour of the day, a code). */
  categorical?: string[];
  /** Numeric columns to take log1p of before scaling (amounts, distances: long right tails). */
  log?: string[];
}

/**
 * Learns the encoding from the training rows only, so nothing about the test rows leaks into the model:
 * a column whose every training value is a number is numeric (standardized to mean 0, sd 1), any other is
 * categorical (one input per level seen in training; an unseen level encodes as all zeros).
 */
export function fitEncoder(table: Table, label: string, trainRows: number[], options: EncoderOptions = {}) {
  const names = options.features ?? table.columns.filter((c) => c !== label);
  for (const name of [...names, ...(options.categorical ?? []), ...(options.log ?? [])]) {
    if (!table.columns.includes(name)) {
      throw new TrainerError(`no column ${name}; the columns are ${table.columns.join(', ')}`);
    }
    if (name === label) throw new TrainerError(`the label ${label} cannot also be a feature`);
  }
  if (names.length === 0) throw new TrainerError('no feature columns');
  return names.map((name): Feature => {
    const index = table.columns.indexOf(name);
    const values = trainRows.map((r) => table.rows[r]![index]!);
    const numbers = values.map(Number);
    const forced = options.categorical?.includes(name) ?? false;
    if (forced || numbers.some((v) => !Number.isFinite(v))) {
      if (options.log?.includes(name)) throw new TrainerError(`--log ${name}: the column is not numeric`);
      return { name, kind: 'categorical', levels: [...new Set(values)].sort() };
    }
    const log = options.log?.includes(name) ?? false;
    if (log && numbers.some((v) => v <= -1)) throw new TrainerError(`--log ${name}: values must be > -1`);
    const xs = log ? numbers.map(Math.log1p) : numbers;
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / xs.length) || 1;
    return { name, kind: 'numeric', log, mean, std };
  });
}

/** The model's input names: a numeric column by name, a categorical one as `column=level`. */
export function inputNames(features: Feature[]): string[] {
  return features.flatMap((f) => (f.kind === 'numeric' ? [f.name] : f.levels.map((l) => `${f.name}=${l}`)));
}

export function encodeRow(features: Feature[], columns: string[], row: string[]): number[] {
  return features.flatMap((f) => {
    const cell = row[columns.indexOf(f.name)]!;
    if (f.kind === 'categorical') return f.levels.map((level) => (cell === level ? 1 : 0));
    const value = Number(cell);
    if (!Number.isFinite(value))
      throw new TrainerError(`column ${f.name}: ${JSON.stringify(cell)} is not a number`);
    return [((f.log ? Math.log1p(value) : value) - f.mean) / f.std];
  });
}

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

export function logLoss(y: number, p: number): number {
  const q = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
  return -(y * Math.log(q) + (1 - y) * Math.log(1 - q));
}

export interface Weights {
  weights: number[];
  bias: number;
}

export interface FitOptions {
  epochs: number;
  learningRate: number;
  /** L2 penalty on the weights (not the bias). */
  l2: number;
  onEpoch?: (epoch: number, trainLoss: number) => void;
}

/** Full-batch gradient descent on the mean log loss plus (l2 / 2)·|w|², from zero weights: deterministic. */
export function fitLogistic(x: number[][], y: number[], options: FitOptions): Weights {
  const d = x[0]?.length ?? 0;
  const weights = new Array<number>(d).fill(0);
  let bias = 0;
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const gradient = new Array<number>(d).fill(0);
    let gradientBias = 0;
    let loss = 0;
    x.forEach((row, i) => {
      const p = predict({ weights, bias }, row);
      const error = p - y[i]!;
      row.forEach((v, j) => (gradient[j]! += error * v));
      gradientBias += error;
      loss += logLoss(y[i]!, p);
    });
    for (let j = 0; j < d; j++) {
      weights[j]! -= options.learningRate * (gradient[j]! / x.length + options.l2 * weights[j]!);
    }
    bias -= options.learningRate * (gradientBias / x.length);
    options.onEpoch?.(epoch, loss / x.length);
  }
  return { weights, bias };
}

export function predict(model: Weights, row: number[]): number {
  return sigmoid(row.reduce((s, v, j) => s + v * model.weights[j]!, model.bias));
}

/**
 * Area under the ROC curve from ranks (Mann-Whitney U): the chance that a random positive scores above a
 * random negative, a tie counting one half. Tied scores share their average rank. 0.5 without both classes.
 */
export function auc(scores: number[], labels: number[]): number {
  const order = scores.map((s, i) => ({ s, y: labels[i]! })).sort((a, b) => a.s - b.s);
  let rankSum = 0;
  let positives = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j < order.length && order[j]!.s === order[i]!.s) j++;
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) {
      if (order[k]!.y === 1) {
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

const round = (v: number) => Math.round(v * 1e6) / 1e6;
const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

/** Held-out metrics at a decision threshold (auc and log_loss do not depend on it). */
export function evaluate(scores: number[], labels: number[], threshold: number): Record<string, number> {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  scores.forEach((s, i) => {
    const yes = s >= threshold;
    if (yes && labels[i] === 1) tp++;
    else if (yes) fp++;
    else if (labels[i] === 1) fn++;
    else tn++;
  });
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  return {
    accuracy: round(ratio(tp + tn, labels.length)),
    auc: round(auc(scores, labels)),
    precision: round(precision),
    recall: round(recall),
    f1: round(ratio(2 * precision * recall, precision + recall)),
    false_positive_rate: round(ratio(fp, fp + tn)),
    log_loss: round(
      ratio(
        labels.reduce((s, y, i) => s + logLoss(y, scores[i]!), 0),
        labels.length,
      ),
    ),
    positive_rate: round(ratio(tp + fn, labels.length)),
  };
}

export { round };
