import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateRegistry } from '../../src/registry/invariants.ts';
import { fileSystemReader, loadRegistry } from '../../src/registry/load.ts';
import { serializeDocument } from '../../src/registry/writer.ts';

const registryDir = join(import.meta.dirname, '..', '..', 'registry');

describe('the example registry', () => {
  it('validates clean', async () => {
    expect(await validateRegistry(fileSystemReader(registryDir))).toEqual([]);
  });

  it('has the models, versions and stages the docs describe', async () => {
    const { registry } = await loadRegistry(fileSystemReader(registryDir));
    const fraud = registry.models.get('fraud-detector')!;
    expect([...fraud.versions.keys()]).toEqual(['v1', 'v2', 'v3', 'v4', 'v5']);
    expect(fraud.stages?.stages).toEqual({ staging: { version: 'v5' }, production: { version: 'v4' } });
    expect(fraud.schedule).toBeDefined();
    expect(registry.models.get('churn-predictor')!.versions.size).toBe(3);
    const penguin = registry.models.get('penguin-sex')!;
    expect(penguin.stages?.stages).toEqual({ staging: { version: 'v2' }, production: { version: 'v1' } });
    expect(penguin.schedule).toBeDefined();
    expect(Object.keys(registry.policy!.roles)).toEqual(['risk', 'compliance', 'policy-owner']);
    expect(registry.audit.size).toBeGreaterThan(0);
  });

  it('penguin-sex records the sha256 of the dataset its command trains on', async () => {
    const { registry } = await loadRegistry(fileSystemReader(registryDir));
    const training = registry.models.get('penguin-sex')!.model!.training!;
    expect(training.command).toContain(training.data!.uri);
    const csv = await readFile(join(registryDir, '..', training.data!.uri));
    expect(training.data!.sha256).toBe(createHash('sha256').update(csv).digest('hex'));
  });

  it("each file's schema comment resolves to the schema of its kind", async () => {
    const { registry } = await loadRegistry(fileSystemReader(registryDir));
    for (const [path, doc] of registry.documents) {
      const first = (await readFile(join(registryDir, path), 'utf8')).split('\n')[0]!;
      const target = resolve(dirname(join(registryDir, path)), first.replace('# yaml-language-server: $schema=', ''));
      expect(target, path).toBe(join(registryDir, '..', 'schemas', `${doc.kind}.schema.json`));
      expect(existsSync(target), path).toBe(true);
    }
  });

  it('is canonical: every file is exactly what the writer would write', async () => {
    const { registry } = await loadRegistry(fileSystemReader(registryDir));
    for (const [path, doc] of registry.documents) {
      expect(await readFile(join(registryDir, path), 'utf8'), path).toBe(serializeDocument(doc));
    }
  });
});
