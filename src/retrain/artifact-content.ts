// Artifact content validation (the scheduler runbook: "a validation error means the artifact does not meet its
// schema, and the retrain must be repeated"): a model may name a JSON Schema for its artifact's content in
// model.yaml `training.artifact_schema` (a repository path). After training, a JSON artifact is checked against
// it; a failure is a TrainingError, so the retrain fails with the validator's message and is recorded as failed.
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, normalize, resolve, sep } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { Model } from '../registry/types.ts';
import { TrainingError } from './training.ts';

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
