import { mkdtemp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/errors.ts';
import { parseRegistryFile } from '../../src/registry/parse.ts';
import { KINDS } from '../../src/registry/schemas.ts';
import type { ModelVersion, Problem, Stages } from '../../src/registry/types.ts';
import { formatProblems, serializeDocument, writeRegistryFiles } from '../../src/registry/writer.ts';
import { copy, SHA, VALID } from './fixtures.ts';

describe('serializeDocument', () => {
  it.each(KINDS)('%s: schema comment first, LF, final newline, and it parses back clean', (kind) => {
    const text = serializeDocument(VALID[kind].doc);
    const [first] = text.split('\n');
    expect(first).toMatch(new RegExp(`^# yaml-language-server: \\$schema=(\\.\\./)+schemas/${kind}\\.schema\\.json$`));
    expect(text.endsWith('\n') && !text.endsWith('\n\n')).toBe(true);
    expect(text).not.toContain('\r');
    const parsed = parseRegistryFile(VALID[kind].path, text);
    expect(parsed.problems).toEqual([]);
    expect(parsed.document).toEqual(VALID[kind].doc);
    expect(serializeDocument(parsed.document!)).toBe(text);
  });

  it('orders keys as the schema does, whatever order they came in', () => {
    const { doc } = VALID.ModelVersion;
    const scrambled = Object.fromEntries(Object.entries(copy(doc)).reverse()) as unknown as ModelVersion;
    scrambled.artifact = { size: 1, sha256: SHA, uri: 'u' };
    const text = serializeDocument(scrambled);
    const keys = text.split('\n').filter((l) => /^\w/.test(l)).map((l) => l.split(':')[0]);
    expect(keys).toEqual(['apiVersion', 'kind', 'id', 'model', 'created_at', 'source', 'artifact', 'metrics', 'validation']);
    expect(text).toContain('artifact:\n  uri: u\n  sha256: ');
  });

  it('keeps map keys that look like object internals', () => {
    const doc = copy(VALID.ModelVersion.doc) as ModelVersion;
    doc.metrics = JSON.parse('{"valueOf": 1, "__proto__": 2, "constructor": 3}');
    const text = serializeDocument(doc);
    expect(text).toContain('metrics:\n  valueOf: 1\n  __proto__: 2\n  constructor: 3\n');
    const parsed = parseRegistryFile(VALID.ModelVersion.path, text);
    expect(Object.entries((parsed.document as ModelVersion).metrics)).toEqual([
      ['valueOf', 1],
      ['__proto__', 2],
      ['constructor', 3],
    ]);
    expect(serializeDocument(parsed.document!)).toBe(text);
  });

  it('drops undefined fields', () => {
    const doc = { ...copy(VALID.Model.doc), description: undefined };
    expect(serializeDocument(doc)).not.toContain('description');
  });

  it('round-trips arbitrary versions byte for byte (property)', () => {
    const name = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
    // Any Unicode text, and ASCII with control characters: what forces quoting and escapes.
    const text = fc.oneof(
      fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }),
      fc.string({ minLength: 1, maxLength: 40, unit: 'binary-ascii' }),
    );
    const number = fc.double({ noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(name, fc.dictionary(text, number, { maxKeys: 6 }), text, fc.boolean(), (id, metrics, uri, passed) => {
        const doc: ModelVersion = {
          ...copy(VALID.ModelVersion.doc as ModelVersion),
          id,
          metrics,
          artifact: { uri, sha256: SHA, size: 7 },
          validation: { passed, gates: [] },
        };
        const first = serializeDocument(doc);
        const parsed = parseRegistryFile(`models/fraud/versions/${id}.yaml`, first);
        expect(parsed.problems).toEqual([]);
        expect(parsed.document).toEqual(doc);
        expect(serializeDocument(parsed.document!)).toBe(first);
      }),
      { numRuns: 300 },
    );
  });
});

describe('writeRegistryFiles', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-writer-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes canonical files, creating folders, and returns what changed', async () => {
    const files = [VALID.Model, VALID.ModelVersion].map(({ path, doc }) => ({ path, document: doc }));
    expect(await writeRegistryFiles(dir, files)).toEqual([VALID.Model.path, VALID.ModelVersion.path]);
    expect(await readFile(join(dir, VALID.ModelVersion.path), 'utf8')).toBe(serializeDocument(VALID.ModelVersion.doc));
    expect(await writeRegistryFiles(dir, files)).toEqual([]);
    expect(await readdir(join(dir, 'models/fraud/versions'))).toEqual(['v1.yaml']);
  });

  it('writes nothing when one document of the batch is invalid', async () => {
    const bad = { ...copy(VALID.Stages.doc as Stages), stages: { production: { version: 'V1!' } } };
    const attempt = writeRegistryFiles(dir, [
      { path: VALID.Model.path, document: VALID.Model.doc },
      { path: VALID.Stages.path, document: bad },
    ]);
    await expect(attempt).rejects.toThrow(TollgateError);
    await expect(attempt).rejects.toThrow(/stages\.production\.version/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a document at the wrong place, and invalid YAML text', async () => {
    await expect(writeRegistryFiles(dir, [{ path: VALID.Stages.path, document: VALID.Model.doc }])).rejects.toThrow(
      /cannot be written/,
    );
    await expect(writeRegistryFiles(dir, [{ path: VALID.Stages.path, text: 'a: [' }])).rejects.toThrow(/invalid YAML/);
    await expect(writeRegistryFiles(dir, [{ path: '../x.yaml', text: 'a: 1' }])).rejects.toThrow(/registry-relative/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('writes postmortem text as is', async () => {
    const path = 'incidents/INC-20261101-000000-ab.postmortem.md';
    expect(await writeRegistryFiles(dir, [{ path, text: '# Postmortem\n' }])).toEqual([path]);
    expect(await readFile(join(dir, path), 'utf8')).toBe('# Postmortem\n');
  });

  it('does not write through a symbolic link', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'tollgate-outside-'));
    await mkdir(join(dir, 'models'));
    await symlink(outside, join(dir, 'models/fraud'));
    await expect(writeRegistryFiles(dir, [{ path: VALID.Model.path, document: VALID.Model.doc }])).rejects.toThrow(
      /symbolic link/,
    );
    expect(await readdir(outside)).toEqual([]);
    await rm(outside, { recursive: true });
  });

  it('replaces an existing file atomically, leaving no temporary files', async () => {
    await mkdir(join(dir, 'models/fraud'), { recursive: true });
    await writeFile(join(dir, VALID.Model.path), 'old\n');
    await writeRegistryFiles(dir, [{ path: VALID.Model.path, document: VALID.Model.doc }]);
    expect(await readdir(join(dir, 'models/fraud'))).toEqual(['model.yaml']);
    expect(await readFile(join(dir, VALID.Model.path), 'utf8')).toBe(serializeDocument(VALID.Model.doc));
  });
});

describe('formatProblems', () => {
  it('renders file:line, severity, message and fix', () => {
    const problems: Problem[] = [
      { file: 'a.yaml', line: 3, severity: 'error', message: 'bad', fix: 'fix it' },
      { file: 'b.yaml', severity: 'warning', message: 'odd' },
    ];
    expect(formatProblems(problems)).toBe('a.yaml:3: error: bad\n  fix: fix it\nb.yaml: warning: odd');
  });
});
