// Artifact content validation: a model's training.artifact_schema is checked against the (JSON) artifact the real
// example trainer writes; a failure fails the retrain with the validator's message, recorded as failed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import type { Model, RetrainRequest } from '../../src/registry/types.ts';
import { runArtifactValidator, validateArtifactContent } from '../../src/retrain/artifact-content.ts';
import { cleanupRepos } from '../git/repo-fixture.ts';
import { cli, FRAUD_MODEL, registryRepo } from './registry-repo.ts';

afterEach(cleanupRepos);

const SCHEMA = 'schemas/fraud-artifact.schema.json';
/** The example trainer's model.json, with one property it does not write required. */
const schema = (required: string[]) =>
  JSON.stringify({
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    required,
    properties: {
      type: { const: 'logistic-regression' },
      weights: { type: 'array', items: { type: 'number' } },
    },
  });

async function repoWith(required: string[]) {
  return registryRepo((r) => {
    const model = load(readFileSync(join(r.dir, FRAUD_MODEL), 'utf8')) as Model;
    model.training = { ...model.training!, artifact_schema: SCHEMA };
    r.writeFiles({ [FRAUD_MODEL]: dump(model), [SCHEMA]: schema(required) });
  });
}

describe('retrain with an artifact schema', () => {
  it('records the version when the artifact meets its schema', async () => {
    const repo = await repoWith(['type', 'weights', 'bias']);
    const run = await cli(['-C', repo.dir, 'retrain', 'fraud-detector', '--format', 'json']);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.out) as { status: string }).status).toBe('completed');
  });

  it('fails the retrain with the validator message, recorded as a failed request', async () => {
    const repo = await repoWith(['type', 'calibration']);
    const run = await cli(['-C', repo.dir, 'retrain', 'fraud-detector', '--format', 'json']);
    expect(run.code).toBe(1);
    expect(run.err).toContain(
      `the artifact does not meet its schema ${SCHEMA}: (root) must have required property 'calibration'`,
    );
    const outcome = JSON.parse(run.out) as { status: string; branch: string; request: RetrainRequest };
    expect(outcome.status).toBe('failed');
    const request = load(
      await repo.git([
        'show',
        `${outcome.branch}:registry/models/fraud-detector/retrains/${outcome.request.id}.yaml`,
      ]),
    ) as RetrainRequest;
    expect(request).toMatchObject({
      status: 'failed',
      error: expect.stringContaining("must have required property 'calibration'"),
      run: { exit_code: 0 },
    });
  });
});

const CHECK = 'tools/check-artifact.mjs';
/** A validator in the user's repository: reads TOLLGATE_ARTIFACT, demands `key`, says why on stderr. */
const checker = (key: string) => `
import { readFileSync, writeFileSync } from 'node:fs';
const artifact = JSON.parse(readFileSync(process.env.TOLLGATE_ARTIFACT, 'utf8'));
if (process.env.SAW) writeFileSync(process.env.SAW, JSON.stringify({
  model: process.env.TOLLGATE_MODEL, input: process.env.INPUT_TOKEN ?? null, cwd: process.cwd() }));
if (!(${JSON.stringify(key)} in artifact)) {
  console.log('checking ' + Object.keys(artifact).length + ' fields');
  console.error('model.json has no ${key} block');
  process.exit(3);
}
console.log('artifact ok');
`;

async function repoWithValidator(key: string, command = ['node', CHECK]) {
  return registryRepo((r) => {
    const model = load(readFileSync(join(r.dir, FRAUD_MODEL), 'utf8')) as Model;
    model.training = { ...model.training!, artifact_validator: command };
    r.writeFiles({ [FRAUD_MODEL]: dump(model), [CHECK]: checker(key) });
  });
}

describe('retrain with an artifact validator command', () => {
  it('records the version when the validator exits 0', async () => {
    const repo = await repoWithValidator('weights');
    const run = await cli(['-C', repo.dir, 'retrain', 'fraud-detector', '--format', 'json']);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.out) as { status: string }).status).toBe('completed');
  });

  it("fails the retrain with the validator's own message, recorded as a failed request", async () => {
    const repo = await repoWithValidator('calibration');
    const run = await cli(['-C', repo.dir, 'retrain', 'fraud-detector', '--format', 'json'], {
      INPUT_TOKEN: 'ghs_secret',
    });
    expect(run.code).toBe(1);
    expect(run.err).toContain(
      `the artifact validator rejected the artifact (node ${CHECK} exited with code 3)`,
    );
    expect(run.err).toContain('model.json has no calibration block');
    const outcome = JSON.parse(run.out) as { status: string; branch: string; request: RetrainRequest };
    expect(outcome.status).toBe('failed');
    const request = load(
      await repo.git([
        'show',
        `${outcome.branch}:registry/models/fraud-detector/retrains/${outcome.request.id}.yaml`,
      ]),
    ) as RetrainRequest;
    expect(request).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('model.json has no calibration block'),
      run: { exit_code: 0 },
    });
  });

  it('says when the validator cannot start, naming the field', async () => {
    const repo = await repoWithValidator('weights', ['./no-such-checker']);
    const run = await cli(['-C', repo.dir, 'retrain', 'fraud-detector', '--format', 'json']);
    expect(run.code).toBe(1);
    expect(run.err).toContain('artifact validator not found: ./no-such-checker');
  });
});

describe('runArtifactValidator', () => {
  const model = (artifact_validator?: string[]): Model => ({
    apiVersion: 'tollgate/v1',
    kind: 'Model',
    name: 'm',
    owners: { users: ['a'] },
    training: { command: ['x'], ...(artifact_validator ? { artifact_validator } : {}) },
  });
  it('runs in the repository with the artifact and the model, without action inputs', async () => {
    const repo = await registryRepo((r) =>
      r.writeFiles({ [CHECK]: checker('a'), 'out/model.json': '{"a": 1}' }),
    );
    const previous = process.env.INPUT_TOKEN;
    process.env.INPUT_TOKEN = 'ghs_secret';
    try {
      await runArtifactValidator(model(['node', CHECK]), {
        cwd: repo.dir,
        env: { TOLLGATE_MODEL: 'm', SAW: join(repo.dir, 'validator-saw.json') },
        artifactPath: join(repo.dir, 'out/model.json'),
        outputDir: join(repo.dir, 'out'),
        timeoutSeconds: 60,
      });
    } finally {
      if (previous === undefined) delete process.env.INPUT_TOKEN;
      else process.env.INPUT_TOKEN = previous;
    }
    expect(JSON.parse(readFileSync(join(repo.dir, 'validator-saw.json'), 'utf8'))).toEqual({
      model: 'm',
      input: null,
      cwd: repo.dir,
    });
  });
  it('does nothing without a validator; stops one that outlives its timeout', async () => {
    await expect(
      runArtifactValidator(model(), { cwd: '/', artifactPath: '/a', outputDir: '/', timeoutSeconds: 1 }),
    ).resolves.toBeUndefined();
    await expect(
      runArtifactValidator(model(['node', '-e', 'setTimeout(() => {}, 60000)']), {
        cwd: '/',
        artifactPath: '/a',
        outputDir: '/',
        timeoutSeconds: 1,
        killGraceMs: 100,
      }),
    ).rejects.toThrow(/artifact validator timed out after 1s/);
  });
});

describe('validateArtifactContent', () => {
  const model = (artifact_schema?: string): Model => ({
    apiVersion: 'tollgate/v1',
    kind: 'Model',
    name: 'm',
    owners: { users: ['a'] },
    training: { command: ['x'], ...(artifact_schema ? { artifact_schema } : {}) },
  });
  it('does nothing without a schema, and refuses a schema path outside the repository', async () => {
    await expect(validateArtifactContent('/nowhere', model(), '/nowhere/a')).resolves.toBeUndefined();
    await expect(validateArtifactContent('/nowhere', model('../x.json'), '/nowhere/a')).rejects.toThrow(
      /not a path inside the repository/,
    );
  });
  it('says when the artifact is not JSON', async () => {
    const repo = await registryRepo((r) =>
      r.writeFiles({ [SCHEMA]: schema([]), 'model.bin': '\u0000\u0001' }),
    );
    await expect(
      validateArtifactContent(repo.dir, model(SCHEMA), join(repo.dir, 'model.bin')),
    ).rejects.toThrow(/the artifact is not JSON, but model.yaml names an artifact schema/);
  });
});
