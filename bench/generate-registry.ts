// A synthetic registry of N models x M versions (plus model, stages, schedule and a retrain per model),
// written canonically. Run alone: node --experimental-strip-types bench/generate-registry.ts DIR N M
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  modelPath,
  POLICY_PATH,
  retrainPath,
  schedulePath,
  stagesPath,
  versionPath,
} from '../src/registry/paths.ts';
import type { RegistryDocument } from '../src/registry/types.ts';
import { serializeDocument } from '../src/registry/writer.ts';

const hex = (seed: string, length: number) =>
  createHash('sha256').update(seed).digest('hex').slice(0, length);
const at = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 3_600_000).toISOString().replace('.000Z', 'Z');

export const modelName = (i: number) => `model-${String(i).padStart(4, '0')}`;
export const versionName = (j: number) => `v${j + 1}`;

/** Every document of the synthetic registry, by registry-relative path. */
export function* syntheticDocuments(models: number, versions: number): Generator<[string, RegistryDocument]> {
  yield [
    POLICY_PATH,
    {
      apiVersion: 'tollgate/v1',
      kind: 'Policy',
      roles: { risk: { teams: ['acme/risk'] }, compliance: { teams: ['acme/compliance'] } },
      stages: { order: ['staging', 'production'] },
    },
  ];
  for (let i = 0; i < models; i++) {
    const model = modelName(i);
    yield [
      modelPath(model),
      {
        apiVersion: 'tollgate/v1',
        kind: 'Model',
        name: model,
        owners: { teams: [`acme/team-${i % 17}`] },
        training: { command: ['python', 'train.py', model] },
        gates: [{ metric: 'auc', op: '>=', threshold: 0.5 }],
      },
    ];
    yield [
      stagesPath(model),
      {
        apiVersion: 'tollgate/v1',
        kind: 'Stages',
        model,
        stages: {
          staging: { version: versionName(versions - 1) },
          production: { version: versionName(Math.max(0, versions - 2)) },
        },
      },
    ];
    yield [
      schedulePath(model),
      {
        apiVersion: 'tollgate/v1',
        kind: 'Schedule',
        schema_version: 1,
        model,
        interval: 86400,
        last_run: at(i),
        next_run: at(i + 24),
        failure_streak: 0,
      },
    ];
    yield [
      retrainPath(model, `${model}-r1`),
      {
        apiVersion: 'tollgate/v1',
        kind: 'RetrainRequest',
        id: `${model}-r1`,
        model,
        status: 'queued',
        reason: 'scheduled',
        trigger: { kind: 'schedule', actor: 'tollgate' },
        created_at: at(i),
      },
    ];
    for (let j = 0; j < versions; j++) {
      const id = versionName(j);
      const auc = 0.6 + ((i * 7 + j * 13) % 40) / 100;
      yield [
        versionPath(model, id),
        {
          apiVersion: 'tollgate/v1',
          kind: 'ModelVersion',
          id,
          model,
          created_at: at(j),
          source: { commit: hex(`${model}/${id}/commit`, 40), workflow: 'retrain' },
          artifact: {
            uri: `s3://bench/${model}/${id}.bin`,
            sha256: hex(`${model}/${id}`, 64),
            size: 1000 + j,
          },
          metrics: { auc, precision: auc - 0.05, recall: auc - 0.1 },
          validation: {
            passed: true,
            gates: [{ metric: 'auc', op: '>=', threshold: 0.5, value: auc, pass: true }],
          },
          ...(j > 0 ? { parent: versionName(j - 1) } : {}),
        },
      ];
    }
  }
}

/** Writes the registry under `dir`; returns the number of files. */
export async function generateRegistry(dir: string, models: number, versions: number): Promise<number> {
  const files = [...syntheticDocuments(models, versions)];
  const dirs = new Set(files.map(([path]) => dirname(join(dir, path))));
  for (const d of dirs) await mkdir(d, { recursive: true });
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const [path, doc] = files[next++]!;
      await writeFile(join(dir, path), serializeDocument(doc));
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  return files.length;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [dir, n = '10', m = '10'] = process.argv.slice(2);
  if (!dir) throw new Error('usage: generate-registry.ts DIR [MODELS] [VERSIONS]');
  process.stdout.write(`${await generateRegistry(dir, Number(n), Number(m))} files written to ${dir}\n`);
}
