// A throwaway git repository with isolated config and fixed dates, for rollback tests and the benchmark.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { git } from '../../src/git/run.ts';

export const T0 = Date.parse('2026-11-01T00:00:00Z');
export const hours = (h: number): Date => new Date(T0 + h * 3600 * 1000);

/** Keeps the user's and the system's git config out of every git the tests run. */
export function isolateGit(): void {
  process.env.GIT_CONFIG_GLOBAL = '/dev/null';
  process.env.GIT_CONFIG_NOSYSTEM = '1';
}

export interface TestRepo {
  dir: string;
  write(path: string, text: string): void;
  /** Stages everything and commits at `atHours` after T0; returns the sha. */
  commit(message: string, atHours: number): Promise<string>;
  git(args: string[], atHours?: number): Promise<string>;
  remove(): void;
}

export async function makeRepo(): Promise<TestRepo> {
  isolateGit();
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-rollback-'));
  const run = (args: string[], atHours = 0) => {
    const date = `${Math.floor(hours(atHours).getTime() / 1000)} +0000`;
    return git(dir, args, { env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } });
  };
  await run(['init', '-q', '-b', 'main']);
  await run(['config', 'user.name', 'Test']);
  await run(['config', 'user.email', 'test@example.com']);
  await run(['config', 'commit.gpgsign', 'false']);
  return {
    dir,
    write(path, text) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    },
    async commit(message, atHours) {
      await run(['add', '-A']);
      await run(['commit', '-q', '-m', message], atHours);
      return run(['rev-parse', 'HEAD']);
    },
    git: run,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const stagesYaml = (model: string, stages: Record<string, string>, extra = ''): string =>
  [
    'apiVersion: tollgate/v1',
    'kind: Stages',
    `model: ${model}`,
    'stages:',
    ...Object.entries(stages).flatMap(([stage, version]) => [`  ${stage}:`, `    version: ${version}`]),
    extra,
  ]
    .filter((l) => l !== '')
    .join('\n') + '\n';

export const versionYaml = (model: string, id: string): string =>
  [
    'apiVersion: tollgate/v1',
    'kind: ModelVersion',
    `id: ${id}`,
    `model: ${model}`,
    'created_at: 2026-11-01T00:00:00Z',
    'source:',
    "  commit: '0000000000000000000000000000000000000000'",
    'artifact:',
    `  uri: s3://models/${model}/${id}`,
    `  sha256: '${'0'.repeat(64)}'`,
    '  size: 1',
    'metrics:',
    '  auc: 0.9',
    'validation:',
    '  passed: true',
    '  gates: []',
    '',
  ].join('\n');

export const FRAUD_STAGES = 'registry/models/fraud/stages.yaml';

/**
 * fraud with v1..v3, production promoted v1 (h0) -> v2 (h48, #2) -> v3 (h100, #3): v2 is the last stable version.
 * The repository is added to `repos` so the caller's afterEach removes it.
 */
export async function promotedFraudRepo(repos: TestRepo[]): Promise<TestRepo> {
  const r = await makeRepo();
  repos.push(r);
  for (const v of ['v1', 'v2', 'v3'])
    r.write(`registry/models/fraud/versions/${v}.yaml`, versionYaml('fraud', v));
  r.write(FRAUD_STAGES, stagesYaml('fraud', { production: 'v1' }));
  await r.commit('Add fraud', 0);
  r.write(FRAUD_STAGES, stagesYaml('fraud', { production: 'v2' }));
  await r.commit('Promote v2 (#2)', 48);
  r.write(FRAUD_STAGES, stagesYaml('fraud', { production: 'v3' }));
  await r.commit('Promote v3 (#3)', 100);
  return r;
}
