import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KINDS, SCHEMAS, schemaFileName } from '../../src/registry/schemas.ts';
import { validateDocumentSchema } from '../../src/registry/validate-schema.ts';
import { copy, VALID } from './fixtures.ts';

const root = join(import.meta.dirname, '..', '..');

// Every object schema must close its properties, and every property must say what it is for.
function walk(schema: unknown, at: string, out: string[]): void {
  if (!schema || typeof schema !== 'object') return;
  const node = schema as Record<string, unknown>;
  if (node.properties) {
    if (node.additionalProperties !== false) out.push(`${at}: additionalProperties is not false`);
    for (const [key, value] of Object.entries(node.properties as Record<string, Record<string, unknown>>)) {
      if (typeof value.description !== 'string') out.push(`${at}.${key}: no description`);
    }
  }
  for (const [key, value] of Object.entries(node)) walk(value, `${at}/${key}`, out);
}

describe('schemas', () => {
  it.each(KINDS)('schemas/%s.schema.json matches src/registry/schemas.ts', (kind) => {
    const file = JSON.parse(readFileSync(join(root, 'schemas', schemaFileName(kind)), 'utf8'));
    expect(file).toEqual(SCHEMAS[kind]);
  });

  it.each(KINDS)('%s: closed objects, a description on every property', (kind) => {
    const out: string[] = [];
    walk(SCHEMAS[kind], kind, out);
    expect(out).toEqual([]);
  });

  it.each(KINDS)('%s: the fixture is valid', (kind) => {
    expect(validateDocumentSchema(VALID[kind].path, VALID[kind].doc)).toEqual([]);
  });

  it.each(KINDS)('%s: rejects an unknown top-level field', (kind) => {
    const doc = { ...copy(VALID[kind].doc), colour: 'blue' };
    const problems = validateDocumentSchema(VALID[kind].path, doc);
    expect(problems).toMatchObject([{ field: 'colour', message: 'colour: unknown field "colour"', severity: 'error' }]);
    expect(problems[0]!.fix).toContain('allowed here: apiVersion, kind');
  });

  it.each(KINDS)('%s: rejects a wrong type and a wrong apiVersion', (kind) => {
    const doc = copy(VALID[kind].doc) as unknown as Record<string, unknown>;
    const field = Object.keys(doc).find((k) => typeof doc[k] === 'string' && k !== 'apiVersion' && k !== 'kind');
    const target = field ?? 'roles';
    doc[target] = 42;
    doc.apiVersion = 'tollgate/v2';
    const problems = validateDocumentSchema(VALID[kind].path, doc);
    expect(problems.map((p) => p.field)).toEqual(expect.arrayContaining([target, 'apiVersion']));
  });

  it('rejects unknown fields in nested objects too', () => {
    const doc = copy(VALID.ModelVersion.doc) as unknown as { artifact: Record<string, unknown> };
    doc.artifact.md5 = 'x';
    expect(validateDocumentSchema('v.yaml', doc)).toMatchObject([{ field: 'artifact.md5' }]);
  });

  it('reports a missing or unknown kind', () => {
    expect(validateDocumentSchema('x.yaml', { apiVersion: 'tollgate/v1' })[0]!.message).toBe('missing field "kind"');
    expect(validateDocumentSchema('x.yaml', { kind: 'Pipeline' })[0]!.fix).toContain('ModelVersion');
  });

  it('rejects unsafe names, non-UTC times and bad ids', () => {
    const version = copy(VALID.ModelVersion.doc) as unknown as Record<string, unknown>;
    version.model = '../etc';
    version.created_at = '2026-11-01T00:00:00+02:00';
    const fields = validateDocumentSchema('v.yaml', version).map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining(['model', 'created_at']));
    const audit = { ...copy(VALID.AuditEvent.doc), id: 'yesterday' };
    expect(validateDocumentSchema('a.yaml', audit).map((p) => p.field)).toEqual(['id']);
  });
});
