// Canonical registry text, as pure functions: schema key order, LF, a final newline and a schema comment for
// editors. The writer (writer.ts) writes exactly this text; decisions that show or compare a document use it too.
import { dump } from 'js-yaml';
import { TollgateError } from '../errors.ts';
import { SCHEMAS, schemaFileName } from './schemas.ts';
import type { Kind, Problem, RegistryDocument } from './types.ts';

/** How many folders below the registry root each kind's files sit. */
const DEPTH: Record<Kind, number> = {
  Policy: 0,
  Model: 2,
  Stages: 2,
  Schedule: 2,
  ModelVersion: 3,
  RetrainRequest: 3,
  Incident: 1,
  AuditEvent: 3,
};

/**
 * The schema reference of a file of `kind`: a relative path to schemas/<Kind>.schema.json in a `schemas` folder
 * beside the registry folder (as in this repository). It depends on the kind alone, so it never changes.
 */
export const schemaReference = (kind: Kind): string => `${'../'.repeat(DEPTH[kind] + 1)}schemas/${schemaFileName(kind)}`;

type Schema = Record<string, unknown>;

/** `value` with keys in the order of the schema's properties; maps keep their own order. Undefined dropped. */
function ordered(value: unknown, schema: Schema | undefined, root: Schema): unknown {
  if (schema && typeof schema.$ref === 'string') {
    schema = (root.$defs as Record<string, Schema>)[schema.$ref.slice('#/$defs/'.length)];
  }
  if (Array.isArray(value)) return value.map((item) => ordered(item, schema?.items as Schema | undefined, root));
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  const properties = (schema?.properties ?? {}) as Record<string, Schema>;
  const extra = typeof schema?.additionalProperties === 'object' ? (schema.additionalProperties as Schema) : undefined;
  // Own keys only: a metric named "valueOf" or "__proto__" is data, not something inherited.
  const keys = [
    ...Object.keys(properties).filter((k) => Object.hasOwn(object, k)),
    ...Object.keys(object).filter((k) => !Object.hasOwn(properties, k)),
  ];
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    if (object[key] === undefined) continue;
    const value = ordered(object[key], Object.hasOwn(properties, key) ? properties[key] : extra, root);
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The document as it will be written: keys in schema order, undefined values dropped. */
export function canonicalDocument<T extends RegistryDocument>(doc: T): T {
  const schema = SCHEMAS[doc.kind];
  if (!schema) throw new TollgateError(`cannot write a document of kind ${JSON.stringify(doc.kind)}`);
  return ordered(doc, schema, schema) as T;
}

/** The canonical text of a document. Serializing a parsed canonical file gives back the same bytes. */
export function serializeDocument(doc: RegistryDocument): string {
  const body = dump(canonicalDocument(doc), { lineWidth: -1, noRefs: true, indent: 2 });
  return `# yaml-language-server: $schema=${schemaReference(doc.kind)}\n${body.endsWith('\n') ? body : `${body}\n`}`;
}

export function formatProblems(problems: Problem[]): string {
  return problems
    .map((p) => {
      const where = `${p.file}${p.line ? `:${p.line}` : ''}${p.line && p.column ? `:${p.column}` : ''}`;
      const excerpt = p.excerpt ? `\n${p.excerpt.replace(/^/gm, '    ')}` : '';
      return `${where}: ${p.severity}: ${p.message}${excerpt}${p.fix ? `\n  fix: ${p.fix}` : ''}`;
    })
    .join('\n');
}
