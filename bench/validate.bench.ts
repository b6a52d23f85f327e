// Validation cost: a full check of a ~20k-file registry against the floor of reading and YAML-parsing the same
// files in the same run, and a scoped check of 10 changed files against the full check.
import { readFile, rm } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { validateRegistry } from '../src/registry/invariants.ts';
import { fileSystemReader } from '../src/registry/load.ts';
import { versionPath, stagesPath } from '../src/registry/paths.ts';
import { generateRegistry, modelName, versionName } from './generate-registry.ts';

const MODELS = 200;
const VERSIONS = 96;

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** Best of `runs`, to keep one slow garbage collection or cold cache from deciding the number. */
async function best<T>(runs: number, fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  let result = await timed(fn);
  for (let i = 1; i < runs; i++) {
    const next = await timed(fn);
    if (next.ms < result.ms) result = next;
  }
  return result;
}

async function floor(dir: string): Promise<number> {
  const files = await fileSystemReader(dir).list('');
  let next = 0;
  const worker = async () => {
    while (next < files.length) load(await readFile(join(dir, files[next++]!), 'utf8'));
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  return files.length;
}

export async function benchValidate(): Promise<{ name: string; ratio: number; detail: string }[]> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-bench-'));
  try {
    const count = await generateRegistry(dir, MODELS, VERSIONS);
    const reader = fileSystemReader(dir);
    const base = await best(3, () => floor(dir));
    const full = await best(3, () => validateRegistry(reader));
    if (full.value.length > 0)
      throw new Error(`the synthetic registry has problems: ${full.value[0]!.message}`);
    const changed = Array.from({ length: 10 }, (_, k) =>
      k % 2 === 0 ? versionPath(modelName(k * 17), versionName(k)) : stagesPath(modelName(k * 13)),
    );
    const scoped = await best(5, () => validateRegistry(fileSystemReader(dir), { paths: changed }));
    return [
      {
        name: 'validate: full registry vs read+parse floor',
        ratio: full.ms / base.ms,
        detail: `${count} files: validate ${full.ms.toFixed(0)} ms, read+yaml.load ${base.ms.toFixed(0)} ms`,
      },
      {
        name: 'validate: 10 changed files vs full',
        ratio: scoped.ms / full.ms,
        detail: `${scoped.ms.toFixed(1)} ms for 10 changed files in ${count}`,
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
