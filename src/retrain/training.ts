// Runs the user's training command (the I/O shell of a retrain) and checks what it left behind.
// The contract, for users: docs/retrain.md. In short: argv without a shell, TOLLGATE_OUTPUT_DIR in the
// environment, metrics.json (flat object of finite numbers) and an artifact file (model.bin, or the file that
// artifact.json names) written there, exit code 0.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, rmSync, writeFileSync } from 'node:fs';
import { lstat, mkdir, readFile, readdir, realpath, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { TollgateError } from '../errors.ts';
import type { ErrorDetails } from '../errors.ts';
import { tollgateStateDir } from '../git/transaction.ts';
import { MAX_TRAINING_TIMEOUT_SECONDS } from '../registry/limits.ts';

export const METRICS_FILE = 'metrics.json';
export const ARTIFACT_MANIFEST = 'artifact.json';
export const DEFAULT_ARTIFACT = 'model.bin';
/** Metric names end up in YAML keys, markdown tables and charts. */
export const METRIC_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const MAX_JSON_BYTES = 1 << 20;
const TAIL_LINES = 20;
const MAX_LINE = 64 * 1024;

export interface TrainingOptions {
  /** argv: run directly, never through a shell. */
  command: string[];
  cwd: string;
  /** Added to the inherited environment (see `inheritEnv`); TOLLGATE_OUTPUT_DIR is always set by the runner. */
  env?: Record<string, string | undefined>;
  /** Inherit this process's environment, minus action inputs (INPUT_*, which can hold tokens). Default true. */
  inheritEnv?: boolean;
  timeoutSeconds: number;
  /** Created when missing; must be empty, so no stale metrics from an earlier run can be read. */
  outputDir: string;
  onOutput?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** After SIGTERM, how long the process group gets before SIGKILL. Default 5000. */
  killGraceMs?: number;
  /** Aborting stops the process group as a timeout does (wire the job's SIGINT/SIGTERM to it). */
  signal?: AbortSignal;
  /**
   * Where the running command's pid file goes, so that a run after a SIGKILL of Tollgate (which no handler
   * sees) finds the command still running and reports it. Default: `.git/tollgate` of `cwd`'s repository.
   */
  stateDir?: string;
}

export interface TrainingArtifact {
  /** Absolute path. */
  path: string;
  /** Path relative to the output directory. */
  name: string;
  sha256: string;
  size: number;
}

export interface TrainingResult {
  exitCode: number;
  durationMs: number;
  timedOut: false;
  metrics: Record<string, number>;
  artifact: TrainingArtifact;
  /** The last lines the command printed. */
  outputTail: string[];
}

export const TRAINING_FAILURES = [
  'invalid-command',
  'output-dir',
  'not-found',
  'not-executable',
  'exit',
  'signal',
  'timeout',
  'cancelled',
  'metrics',
  'artifact',
  'artifact-schema',
  'artifact-validation',
] as const;
export type TrainingFailure = (typeof TRAINING_FAILURES)[number];

/** A failed training run: what went wrong, with the run details a failed RetrainRequest records. */
export class TrainingError extends TollgateError {
  readonly reason: TrainingFailure;
  readonly exitCode: number | null;
  readonly durationMs: number;
  readonly timedOut: boolean;
  readonly outputTail: string[];

  constructor(
    message: string,
    details: ErrorDetails & {
      reason: TrainingFailure;
      exitCode?: number | null;
      durationMs?: number;
      timedOut?: boolean;
      outputTail?: string[];
    },
  ) {
    super(message, details);
    this.name = 'TrainingError';
    this.reason = details.reason;
    this.exitCode = details.exitCode ?? null;
    this.durationMs = details.durationMs ?? 0;
    this.timedOut = details.timedOut ?? false;
    this.outputTail = details.outputTail ?? [];
  }
}

export interface TrainingEnvInput {
  model: string;
  requestId: string;
  /** The version id this run will be recorded as. */
  version?: string;
  /** The version it is trained to replace. */
  parent?: string;
  data?: { uri: string; sha256?: string };
}

/** The TOLLGATE_* variables a training command can read, besides TOLLGATE_OUTPUT_DIR. */
export function trainingEnv(input: TrainingEnvInput): Record<string, string> {
  return {
    TOLLGATE_MODEL: input.model,
    TOLLGATE_REQUEST_ID: input.requestId,
    ...(input.version ? { TOLLGATE_VERSION: input.version } : {}),
    ...(input.parent ? { TOLLGATE_PARENT_VERSION: input.parent } : {}),
    ...(input.data ? { TOLLGATE_DATA_URI: input.data.uri } : {}),
    ...(input.data?.sha256 ? { TOLLGATE_DATA_SHA256: input.data.sha256 } : {}),
  };
}

/**
 * What a JavaScript action's process holds that a `run:` step does not: the Actions runtime token (artifacts and the
 * cache: a command holding it could poison a cache the default branch's workflows restore) and the OIDC request
 * token when id-token is granted. Repository code never gets them.
 */
export const ACTIONS_RUNTIME_CREDENTIALS = [
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_URL',
];

/**
 * The environment a user command starts from: this process's, minus action inputs (INPUT_*, which can hold tokens)
 * and the Actions runtime's credentials.
 */
export function baseEnv(inherit: boolean): Record<string, string | undefined> {
  if (!inherit) return { PATH: process.env.PATH };
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith('INPUT_') && !ACTIONS_RUNTIME_CREDENTIALS.includes(name),
    ),
  );
}

export async function runTraining(options: TrainingOptions): Promise<TrainingResult> {
  const { command, cwd, timeoutSeconds } = options;
  if (
    !Array.isArray(command) ||
    command.length === 0 ||
    command.some((a) => typeof a !== 'string') ||
    !command[0]
  ) {
    throw new TrainingError('the training command is empty or not a list of strings', {
      reason: 'invalid-command',
      field: 'training.command',
      fix: 'set training.command in model.yaml to an argv list, e.g. [node, train.ts]',
    });
  }
  if (!(timeoutSeconds > 0) || timeoutSeconds > MAX_TRAINING_TIMEOUT_SECONDS) {
    throw new TrainingError(
      `training timeout must be a positive number of seconds up to ${MAX_TRAINING_TIMEOUT_SECONDS}, got ${timeoutSeconds}`,
      {
        reason: 'invalid-command',
        field: 'training.timeout',
        fix: 'set training.timeout in model.yaml, e.g. 3600',
      },
    );
  }
  // spawn reports a missing cwd as ENOENT, which would read as "command not found".
  if (!(await stat(cwd).catch(() => undefined))?.isDirectory()) {
    throw new TrainingError(`the training working directory ${cwd} does not exist`, {
      reason: 'invalid-command',
      fix: 'run from the repository root, or check the checkout step',
    });
  }
  const outputDir = await prepareOutputDir(resolve(cwd, options.outputDir));
  const stateDir = options.stateDir ?? (await tollgateStateDir(cwd).catch(() => undefined));
  if (stateDir) {
    for (const orphan of await findOrphanedCommands(stateDir)) {
      options.onOutput?.(
        `tollgate: a training command of an earlier run is still running (process group ${orphan.pgid}, started ${orphan.started}: ${orphan.command.join(' ')}); the Tollgate process that started it was killed. Stop it with \`kill -- -${orphan.pgid}\` if it is not wanted.`,
        'stderr',
      );
    }
  }
  const run = await runProcess(command, {
    stateDir,
    cwd,
    env: {
      ...baseEnv(options.inheritEnv ?? true),
      ...options.env,
      TOLLGATE_OUTPUT_DIR: outputDir,
    },
    timeoutMs: timeoutSeconds * 1000,
    killGraceMs: options.killGraceMs ?? 5000,
    onOutput: options.onOutput,
    signal: options.signal,
  });
  const shown = command.map((a) => (/[\s"'\\]/.test(a) ? JSON.stringify(a) : a)).join(' ');
  const facts = { durationMs: run.durationMs, outputTail: run.tail, exitCode: run.exitCode };
  const tail = run.tail.length > 0 ? `\nlast output:\n${run.tail.map((l) => `  ${l}`).join('\n')}` : '';

  if (run.spawnError) {
    const code = (run.spawnError as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new TrainingError(`training command not found: ${command[0]} (in ${cwd})`, {
        ...facts,
        reason: 'not-found',
        field: 'training.command',
        fix: `install ${command[0]} on the runner, or give a path relative to the repository root`,
        cause: run.spawnError,
      });
    }
    throw new TrainingError(`training command ${command[0]} could not start: ${run.spawnError.message}`, {
      ...facts,
      reason: 'not-executable',
      field: 'training.command',
      fix:
        code === 'EACCES'
          ? `make ${command[0]} executable (chmod +x), or run it through its interpreter`
          : 'check training.command in model.yaml: argv[0] must be a program the runner can start',
      cause: run.spawnError,
    });
  }
  if (run.cancelled) {
    throw new TrainingError(`training command was cancelled and stopped: ${shown}${tail}`, {
      ...facts,
      reason: 'cancelled',
      fix: 'start the retrain again when ready',
    });
  }
  if (run.timedOut) {
    throw new TrainingError(
      `training command timed out after ${timeoutSeconds}s and was stopped: ${shown}${tail}`,
      {
        ...facts,
        timedOut: true,
        reason: 'timeout',
        field: 'training.timeout',
        fix: 'raise training.timeout in model.yaml, or make the training faster',
      },
    );
  }
  if (run.exitCode === null) {
    throw new TrainingError(`training command was killed by ${run.signal ?? 'a signal'}: ${shown}${tail}`, {
      ...facts,
      reason: 'signal',
      fix:
        run.signal === 'SIGKILL' ? 'the runner may have run out of memory; use a larger runner' : undefined,
    });
  }
  if (run.exitCode !== 0) {
    throw new TrainingError(`training command exited with code ${run.exitCode}: ${shown}${tail}`, {
      ...facts,
      reason: 'exit',
      fix: 'see the training output above; the command must exit 0 after writing metrics.json and its artifact',
    });
  }
  try {
    const metrics = await readMetrics(outputDir);
    const artifact = await readArtifact(outputDir);
    return {
      exitCode: 0,
      durationMs: run.durationMs,
      timedOut: false,
      metrics,
      artifact,
      outputTail: run.tail,
    };
  } catch (error) {
    if (error instanceof TrainingError) {
      const { fix, file, field, reason } = error;
      throw new TrainingError(error.message, {
        fix,
        file,
        field,
        reason,
        ...facts,
        cause: error.cause,
      });
    }
    throw error;
  }
}

async function prepareOutputDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const entries = await readdir(dir);
  if (entries.length > 0) {
    throw new TrainingError(
      `the training output directory ${dir} is not empty (${entries.slice(0, 3).join(', ')})`,
      {
        reason: 'output-dir',
        fix: 'use a fresh directory for each run, so no stale metrics.json is read',
      },
    );
  }
  return realpath(dir);
}

export interface ProcessRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
  tail: string[];
  spawnError?: Error;
}

export interface RunningCommand {
  /** The Tollgate process that started it. */
  owner: number;
  /** The command's process group (its pid: it leads the group). */
  pgid: number;
  command: string[];
  started: string;
}

/**
 * Commands recorded in `stateDir` whose Tollgate process is gone but whose process group still runs. Records of
 * groups that have ended are removed.
 */
export async function findOrphanedCommands(stateDir: string): Promise<RunningCommand[]> {
  const orphans: RunningCommand[] = [];
  const names = await readdir(stateDir).catch(() => [] as string[]);
  for (const name of names.filter((n) => /^command-\d+\.json$/.test(n))) {
    const file = join(stateDir, name);
    const record = await readFile(file, 'utf8').then(
      (t) => JSON.parse(t) as RunningCommand,
      () => undefined,
    );
    if (!record || !Number.isInteger(record.pgid) || !Number.isInteger(record.owner)) {
      await rm(file, { force: true });
      continue;
    }
    if (processAlive(record.owner) && record.owner !== process.pid) continue;
    if (processAlive(-record.pgid)) orphans.push(record);
    else await rm(file, { force: true });
  }
  return orphans;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function runProcess(
  command: string[],
  options: {
    stateDir: string | undefined;
    cwd: string;
    env: Record<string, string | undefined>;
    timeoutMs: number;
    killGraceMs: number;
    onOutput?: TrainingOptions['onOutput'];
    signal?: AbortSignal;
  },
): Promise<ProcessRun> {
  const started = performance.now();
  const tail: string[] = [];
  const emit = (line: string, stream: 'stdout' | 'stderr') => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    options.onOutput?.(line, stream);
  };
  return new Promise((resolvePromise) => {
    // detached: the command leads its own process group, so a timeout stops everything it started.
    const child = spawn(command[0]!, command.slice(1), {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const record =
      options.stateDir && child.pid !== undefined
        ? join(options.stateDir, `command-${child.pid}.json`)
        : undefined;
    if (record) {
      const running: RunningCommand = {
        owner: process.pid,
        pgid: child.pid!,
        command,
        started: new Date().toISOString(),
      };
      // Synchronous: written before any other event can run, so no window where the group runs unrecorded.
      try {
        writeFileSync(record, JSON.stringify(running));
      } catch {
        // A read-only .git: the run goes on; only a later orphan report is lost.
      }
    }
    let timedOut = false;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const stop = () => {
      killGroup('SIGTERM');
      killTimer ??= setTimeout(() => killGroup('SIGKILL'), options.killGraceMs);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs);
    let cancelled = false;
    const onAbort = () => {
      cancelled = true;
      stop();
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });

    for (const [stream, name] of [
      [child.stdout, 'stdout'],
      [child.stderr, 'stderr'],
    ] as const) {
      const decoder = new StringDecoder('utf8');
      let pending = '';
      stream.on('data', (chunk: Buffer) => {
        pending += decoder.write(chunk);
        const lines = pending.split(/\r?\n/);
        pending = lines.pop()!;
        for (const line of lines) emit(line, name);
        // A command that never prints a newline must not grow memory without bound.
        if (pending.length > MAX_LINE) {
          emit(pending, name);
          pending = '';
        }
      });
      stream.on('end', () => {
        pending += decoder.end();
        if (pending) emit(pending, name);
        pending = '';
      });
    }

    const finish = (run: Omit<ProcessRun, 'durationMs' | 'tail' | 'timedOut' | 'cancelled'>) => {
      if (settled) return;
      settled = true;
      if (record) rmSync(record, { force: true });
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      resolvePromise({
        ...run,
        timedOut,
        cancelled,
        durationMs: Math.round(performance.now() - started),
        tail,
      });
    };
    child.on('error', (error) => finish({ exitCode: null, signal: null, spawnError: error }));
    // Processes the command left behind would hold its output pipes open; the run is over when it exits.
    child.on('exit', () => stop());
    child.on('close', (code, signal) => finish({ exitCode: code, signal }));
  });
}

function metricsError(message: string, field?: string): TrainingError {
  return new TrainingError(message, {
    reason: 'metrics',
    file: METRICS_FILE,
    field,
    fix: 'write metrics.json to $TOLLGATE_OUTPUT_DIR as a flat JSON object of finite numbers, e.g. {"auc": 0.91}',
  });
}

async function readJsonFile(
  dir: string,
  name: string,
  error: (m: string) => TrainingError,
): Promise<unknown> {
  const path = resolve(dir, name);
  const info = await lstat(path).catch(() => undefined);
  if (!info) return undefined;
  if (!info.isFile()) throw error(`${name} in the training output is not a regular file`);
  if (info.size > MAX_JSON_BYTES)
    throw error(`${name} is ${info.size} bytes; at most ${MAX_JSON_BYTES} are read`);
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw error(`${name} is not valid JSON: ${(cause as Error).message}`);
  }
}

/** metrics.json: a flat object whose every value is a finite number and every name is safe. */
export async function readMetrics(outputDir: string): Promise<Record<string, number>> {
  const raw = await readJsonFile(outputDir, METRICS_FILE, metricsError);
  if (raw === undefined)
    throw metricsError(`the training command wrote no ${METRICS_FILE} to TOLLGATE_OUTPUT_DIR`);
  return parseMetrics(raw);
}

/** The metrics check on parsed JSON, naming the first bad field. */
export function parseMetrics(raw: unknown): Record<string, number> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw metricsError(
      `${METRICS_FILE} must hold a JSON object, not ${Array.isArray(raw) ? 'an array' : typeof raw}`,
    );
  }
  const metrics: Record<string, number> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!METRIC_NAME.test(name)) {
      throw metricsError(
        `${METRICS_FILE}: metric name ${JSON.stringify(name)} may hold only letters, digits, "_", "." and "-", starting with a letter`,
        name,
      );
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      const shown =
        typeof value === 'number'
          ? String(value)
          : `${JSON.stringify(value)} (${value === null ? 'null' : typeof value})`;
      throw metricsError(`${METRICS_FILE}: field "${name}" is ${shown}, not a finite number`, name);
    }
    metrics[name] = value;
  }
  if (Object.keys(metrics).length === 0) throw metricsError(`${METRICS_FILE} holds no metrics`);
  return metrics;
}

function artifactError(message: string, field?: string): TrainingError {
  return new TrainingError(message, {
    reason: 'artifact',
    field,
    fix: `write the model to $TOLLGATE_OUTPUT_DIR/${DEFAULT_ARTIFACT}, or write it under any name and name it in ${ARTIFACT_MANIFEST} as {"path": "model.onnx"}`,
  });
}

/** The artifact: artifact.json's `path` when that file exists, else model.bin; one non-empty regular file. */
export async function readArtifact(outputDir: string): Promise<TrainingArtifact> {
  const manifest = await readJsonFile(outputDir, ARTIFACT_MANIFEST, artifactError);
  let name = DEFAULT_ARTIFACT;
  if (manifest !== undefined) {
    const path = (manifest as { path?: unknown } | null)?.path;
    if (typeof path !== 'string' || path === '') {
      throw artifactError(`${ARTIFACT_MANIFEST} must be an object with a string "path"`, 'path');
    }
    name = path;
  }
  const full = resolve(outputDir, name);
  const inside = relative(outputDir, full);
  if (
    isAbsolute(name) ||
    inside === '' ||
    inside.startsWith(`..${sep}`) ||
    inside === '..' ||
    isAbsolute(inside)
  ) {
    throw artifactError(
      `${ARTIFACT_MANIFEST} path ${JSON.stringify(name)} is outside the output directory`,
      'path',
    );
  }
  if (inside === METRICS_FILE || inside === ARTIFACT_MANIFEST) {
    throw artifactError(
      `${ARTIFACT_MANIFEST} path ${JSON.stringify(name)} names a contract file, not a model`,
      'path',
    );
  }
  const info = await lstat(full).catch(() => undefined);
  if (!info) {
    throw artifactError(
      manifest === undefined
        ? `the training command wrote no artifact: no ${DEFAULT_ARTIFACT} and no ${ARTIFACT_MANIFEST} in TOLLGATE_OUTPUT_DIR`
        : `the artifact ${inside} named in ${ARTIFACT_MANIFEST} does not exist`,
    );
  }
  if (info.isSymbolicLink())
    throw artifactError(`the artifact ${inside} is a symbolic link; write the file itself`);
  if (info.isDirectory())
    throw artifactError(`the artifact ${inside} is a directory; archive it into one file (tar)`);
  if (!info.isFile()) throw artifactError(`the artifact ${inside} is not a regular file`);
  if (info.size === 0) throw artifactError(`the artifact ${inside} is empty`);
  // A linked folder on the way (sub -> /etc) would smuggle in a file from elsewhere.
  const real = relative(outputDir, await realpath(full));
  if (real.startsWith(`..${sep}`) || isAbsolute(real)) {
    throw artifactError(`the artifact ${inside} resolves outside the output directory`, 'path');
  }
  return { path: full, name: inside.split(sep).join('/'), sha256: await sha256File(full), size: info.size };
}

/**
 * What a finished training left in its output folder, read with the same checks as right after the run: the
 * recording job reads the folder the training job uploaded this way before it trusts a byte of it.
 */
export interface TrainingOutputs {
  metrics: Record<string, number>;
  /** sha256 of metrics.json as written, so the recording job can compare bytes, not a re-serialisation. */
  metricsSha256: string;
  artifact: TrainingArtifact;
}

export async function readTrainingOutputs(outputDir: string): Promise<TrainingOutputs> {
  const metrics = await readMetrics(outputDir);
  const artifact = await readArtifact(outputDir);
  return { metrics, metricsSha256: await sha256File(resolve(outputDir, METRICS_FILE)), artifact };
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolveHash, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolveHash(hash.digest('hex')));
  });
}

/** What a program or interpreter prints when it cannot load the trainer at all (a run that never began). */
const LOAD_FAILURE =
  /ERR_UNKNOWN_FILE_EXTENSION|ERR_MODULE_NOT_FOUND|Cannot find module|ERR_REQUIRE_ESM|ModuleNotFoundError|No module named|can't open file|command not found|: not found$|No such file or directory|exec format error|bad interpreter/;

/**
 * Whether a failed training never began: the command could not be started, or its interpreter could not load it
 * (a .ts trainer on a Node without type stripping, a missing module). Such a run trained nothing, so it is
 * reported, not recorded as a failed retrain.
 */
export function trainingNeverStarted(error: TrainingError): boolean {
  if (error.reason === 'not-found' || error.reason === 'not-executable' || error.reason === 'invalid-command')
    return true;
  return error.reason === 'exit' && error.outputTail.some((line) => LOAD_FAILURE.test(line));
}

/** One line for a trainer that could not start: the command, how it ended, and the last lines it printed. */
export function startFailureLine(command: readonly string[], error: TrainingError): string {
  const shown = command.map((a) => (/[\s"'\\]/.test(a) ? JSON.stringify(a) : a)).join(' ');
  const how =
    error.reason === 'exit'
      ? `exited with status ${error.exitCode}`
      : error.reason === 'not-found'
        ? 'was not found'
        : 'could not be started';
  const lines = error.outputTail.map((l) => l.trim()).filter(Boolean);
  // The line that says why beats the last lines of a stack trace ("Node.js v24...").
  const last = lines.find((l) => LOAD_FAILURE.test(l) && /error/i.test(l)) ?? lines.slice(-3).join(' | ');
  return `the training command could not start: ${shown} ${how}${last ? `: ${last}` : ''}`;
}
