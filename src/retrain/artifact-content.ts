// Artifact content validation (the scheduler runbook: "a validation error means the artifact does not meet its
// schema, and the retrain must be repeated"): a model may name a JSON Schema for its artifact's content in
// model.yaml `training.artifact_schema` (a repository path). After training, a JSON artifact is checked against
// it; a failure is a TrainingError, so the retrain fails with the validator's message and is recorded as failed.
// Or (and) a validation command, `training.artifact_validator`, run on the artifact like the trainer is run.
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, normalize, resolve, sep } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { Model } from '../registry/types.ts';
import { baseEnv, runProcess, TrainingError } from './training.ts';

/** Artifacts above this are not parsed as JSON (a JSON model this big is not what a schema check is for). */
export const MAX_JSON_ARTIFACT_BYTES = 64 * 1024 * 1024;

const fail = (message: string, fix: string, field = 'training.artifact_schema'): TrainingError =>
  new TrainingError(message, { reason: 'artifact-schema', field, fix });

/** The schema file inside the repository, or an error naming the field. */
function schemaFile(repoRoot: string, path: string): string {
  const inRepo = normalize(path);
  if (isAbsolute(path) || inRepo === '..' || inRepo.startsWith(`..${sep}`)) {
    throw fail(
      `training.artifact_schema ${path} is not a path inside the repository`,
      'name a repository path, e.g. schemas/fraud-artifact.schema.json',
    );
  }
  return resolve(repoRoot, inRepo);
}

/** Checks the artifact at `artifactPath` against the model's artifact schema; nothing to do without one. */
export async function validateArtifactContent(
  repoRoot: string,
  model: Model,
  artifactPath: string,
): Promise<void> {
  const path = model.training?.artifact_schema;
  if (path === undefined) return;
  const file = schemaFile(repoRoot, path);
  let schema: unknown;
  try {
    schema = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw fail(
      `cannot read the artifact schema ${path}: ${(error as Error).message.split('\n')[0]}`,
      'commit the schema file, as JSON',
    );
  }
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  let validate;
  try {
    validate = ajv.compile(schema as object);
  } catch (error) {
    throw fail(
      `the artifact schema ${path} is not a valid JSON Schema: ${(error as Error).message}`,
      'fix the schema file',
    );
  }
  const { size } = await stat(artifactPath);
  if (size > MAX_JSON_ARTIFACT_BYTES) {
    throw fail(
      `the artifact is ${size} bytes, over the ${MAX_JSON_ARTIFACT_BYTES} bytes a schema check reads`,
      'drop training.artifact_schema for binary or very large artifacts',
    );
  }
  let content: unknown;
  try {
    content = JSON.parse(await readFile(artifactPath, 'utf8'));
  } catch (error) {
    throw fail(
      `the artifact is not JSON, but model.yaml names an artifact schema (${path}): ${(error as Error).message.split('\n')[0]}`,
      'write the artifact as JSON, or drop training.artifact_schema',
    );
  }
  if (validate(content)) return;
  const problems = (validate.errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`)
    .join('; ');
  throw fail(
    `the artifact does not meet its schema ${path}: ${problems}${(validate.errors?.length ?? 0) > 5 ? ` (and ${validate.errors!.length - 5} more)` : ''}`,
    'fix the training so the artifact meets the schema, then run the retrain again',
  );
}

/** How long an artifact validator may run when the training timeout is longer: a check, not a second training. */
export const MAX_VALIDATOR_SECONDS = 600;

export interface ValidatorOptions {
  cwd: string;
  /** The training command's TOLLGATE_* variables (trainingEnv); TOLLGATE_ARTIFACT and TOLLGATE_OUTPUT_DIR are added. */
  env?: Record<string, string | undefined>;
  artifactPath: string;
  outputDir: string;
  /** The training timeout; the validator gets at most MAX_VALIDATOR_SECONDS of it. */
  timeoutSeconds: number;
  onOutput?: (line: string, stream: 'stdout' | 'stderr') => void;
  signal?: AbortSignal;
  killGraceMs?: number;
}

const validatorFail = (message: string, fix: string): TrainingError =>
  new TrainingError(message, { reason: 'artifact-validation', field: 'training.artifact_validator', fix });

/**
 * Runs the model's `training.artifact_validator` (argv, no shell) on the artifact, with the training command's
 * contract: the inherited environment minus INPUT_*, TOLLGATE_ARTIFACT (absolute path) and TOLLGATE_OUTPUT_DIR,
 * cwd the repository root. Exit 0 accepts the artifact; anything else is a TrainingError whose message is the
 * validator's own output (its last lines). It runs in the job that ran the trainer: user code, no write token.
 */
export async function runArtifactValidator(model: Model, options: ValidatorOptions): Promise<void> {
  const command = model.training?.artifact_validator;
  if (command === undefined) return;
  if (!Array.isArray(command) || command.length === 0 || command.some((a) => typeof a !== 'string' || !a))
    throw validatorFail(
      'training.artifact_validator is empty or not a list of strings',
      'set training.artifact_validator in model.yaml to an argv list, e.g. [python, check_model.py]',
    );
  const timeoutSeconds = Math.min(options.timeoutSeconds, MAX_VALIDATOR_SECONDS);
  const run = await runProcess(command, {
    stateDir: undefined,
    cwd: options.cwd,
    env: {
      ...baseEnv(true),
      ...options.env,
      TOLLGATE_ARTIFACT: options.artifactPath,
      TOLLGATE_OUTPUT_DIR: options.outputDir,
    },
    timeoutMs: timeoutSeconds * 1000,
    killGraceMs: options.killGraceMs ?? 5000,
    onOutput: options.onOutput,
    signal: options.signal,
  });
  const shown = command.map((a) => (/[\s"'\\]/.test(a) ? JSON.stringify(a) : a)).join(' ');
  const said = run.tail.length > 0 ? `: ${run.tail.join('\n')}` : ' (it printed nothing)';
  if (run.spawnError) {
    const code = (run.spawnError as NodeJS.ErrnoException).code;
    throw validatorFail(
      code === 'ENOENT'
        ? `artifact validator not found: ${command[0]} (in ${options.cwd})`
        : `artifact validator ${command[0]} could not start: ${run.spawnError.message}`,
      `install ${command[0]} on the runner, or fix training.artifact_validator in model.yaml`,
    );
  }
  if (run.cancelled)
    throw validatorFail(
      `the artifact validator was cancelled: ${shown}`,
      'start the retrain again when ready',
    );
  if (run.timedOut)
    throw validatorFail(
      `the artifact validator timed out after ${timeoutSeconds}s and was stopped: ${shown}`,
      `make the check finish within ${MAX_VALIDATOR_SECONDS}s (or training.timeout, if shorter)`,
    );
  if (run.exitCode === 0) return;
  const how =
    run.exitCode === null ? `was killed by ${run.signal ?? 'a signal'}` : `exited with code ${run.exitCode}`;
  throw validatorFail(
    `the artifact validator rejected the artifact (${shown} ${how})${said}`,
    'fix the training so the artifact passes its validator, then run the retrain again',
  );
}
