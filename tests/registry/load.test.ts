import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/errors.ts';
import { fileSystemReader, loadFiles, loadRegistry, memoryReader } from '../../src/registry/load.ts';
import { serializeDocument } from '../../src/registry/writer.ts';
import { VALID } from './fixtures.ts';

let dir: string;
let outside: string;

async function put(path: string, text: string) {
  await mkdir(dirname(join(dir, path)), { recursive: true });
  await writeFile(join(dir, path), text);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tollgate-load-'));
  outside = await mkdtemp(join(tmpdir(), 'tollgate-outside-'));
  for (const { path, doc } of Object.values(VALID)) await put(path, serializeDocument(doc));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

describe('fileSystemReader', () => {
  it('lists every file recursively, sorted, with / separators', async () => {
    const files = await fileSystemReader(dir).list('');
    expect(files).toEqual(Object.values(VALID).map((v) => v.path).sort());
    expect(await fileSystemReader(dir).list('models/fraud/versions')).toEqual(['models/fraud/versions/v1.yaml']);
    expect(await fileSystemReader(dir).list('nowhere')).toEqual([]);
  });

  it('reads a file, and undefined for a missing one', async () => {
    const reader = fileSystemReader(dir);
    expect((await reader.read('policy.yaml'))?.toString()).toContain('kind: Policy');
    expect(await reader.read('models/ghost/model.yaml')).toBeUndefined();
  });

  it('refuses paths that climb out of the registry', async () => {
    await expect(fileSystemReader(dir).read('../etc/passwd')).rejects.toThrow(TollgateError);
    await expect(fileSystemReader(dir).read('/etc/passwd')).rejects.toThrow(TollgateError);
  });

  it('refuses a symbolic link to a file, and reports it when loading', async () => {
    await writeFile(join(outside, 'stages.yaml'), serializeDocument(VALID.Stages.doc));
    await rm(join(dir, 'models/fraud/stages.yaml'));
    await symlink(join(outside, 'stages.yaml'), join(dir, 'models/fraud/stages.yaml'));
    await expect(fileSystemReader(dir).read('models/fraud/stages.yaml')).rejects.toThrow(/symbolic link/);
    const { registry, problems } = await loadRegistry(fileSystemReader(dir));
    expect(problems).toMatchObject([{ file: 'models/fraud/stages.yaml', severity: 'error', message: /symbolic link/ }]);
    expect(registry.models.get('fraud')?.stages).toBeUndefined();
  });

  it('refuses a link put in place of a file after list() saw it', async () => {
    const reader = fileSystemReader(dir);
    expect(await reader.list('')).toContain('policy.yaml');
    await writeFile(join(outside, 'policy.yaml'), serializeDocument(VALID.Policy.doc));
    await rm(join(dir, 'policy.yaml'));
    await symlink(join(outside, 'policy.yaml'), join(dir, 'policy.yaml'));
    await expect(reader.read('policy.yaml')).rejects.toThrow(/symbolic link/);
  });

  it('refuses a file reached through a linked directory', async () => {
    await mkdir(join(outside, 'versions'));
    await writeFile(join(outside, 'versions/v1.yaml'), serializeDocument(VALID.ModelVersion.doc));
    await rm(join(dir, 'models/fraud/versions'), { recursive: true });
    await symlink(join(outside, 'versions'), join(dir, 'models/fraud/versions'));
    await expect(fileSystemReader(dir).read('models/fraud/versions/v1.yaml')).rejects.toThrow(/symbolic link/);
    const { problems } = await loadRegistry(fileSystemReader(dir));
    expect(problems.map((p) => p.file)).toEqual(['models/fraud/versions']);
  });
});

describe('loadRegistry', () => {
  it('files every valid document by kind', async () => {
    const { registry, problems } = await loadRegistry(fileSystemReader(dir));
    expect(problems).toEqual([]);
    expect(registry.policy?.kind).toBe('Policy');
    const fraud = registry.models.get('fraud')!;
    expect(fraud.model.name).toBe('fraud');
    expect(fraud.stages?.stages.production?.version).toBe('v1');
    expect(fraud.schedule?.interval).toBe(86400);
    expect([...fraud.versions.keys()]).toEqual(['v1']);
    expect([...fraud.retrains.keys()]).toEqual(['r1']);
    expect([...registry.incidents.keys()]).toEqual(['INC-20261101-000000-ab']);
    expect([...registry.audit.keys()]).toEqual(['20261101T000000Z-abc']);
    expect(registry.documents.size).toBe(8);
  });

  it('keeps an invalid document in documents only, and warns about unknown files', async () => {
    const reader = memoryReader({
      'policy.yaml': 'apiVersion: tollgate/v1\nkind: Policy\nroles: []\n',
      'notes.txt': 'hello',
      'README.md': '# registry',
    });
    const { registry, problems } = await loadRegistry(reader);
    expect(registry.policy).toBeUndefined();
    expect(registry.documents.has('policy.yaml')).toBe(true);
    expect(problems.map((p) => [p.file, p.severity])).toEqual([
      ['notes.txt', 'warning'],
      ['policy.yaml', 'error'],
    ]);
  });

  it('loads only the files asked for, skipping deleted ones', async () => {
    const { registry, problems } = await loadFiles(fileSystemReader(dir), [
      'models/fraud/model.yaml',
      'models/fraud/versions/v9.yaml',
    ]);
    expect(problems).toEqual([]);
    expect([...registry.documents.keys()]).toEqual(['models/fraud/model.yaml']);
  });

  it('leaves files of a model without model.yaml out of models', async () => {
    const { registry } = await loadRegistry(memoryReader({ [VALID.Stages.path]: serializeDocument(VALID.Stages.doc) }));
    expect(registry.models.size).toBe(0);
    expect(registry.documents.has(VALID.Stages.path)).toBe(true);
  });
});
