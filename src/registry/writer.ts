// THE registry writer: the only code that turns documents into registry files. Canonical text (schema key order,
// LF, final newline, a schema comment for editors), every document validated before any file is touched, and
// each file replaced atomically, so a reader never sees half a file and a bad batch changes nothing.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { dump } from 'js-yaml';
import { TollgateError } from '../errors.ts';
import { assertRegistryPath } from './load.ts';
import { parseRegistryFile } from './parse.ts';
import { classifyRegistryPath } from './paths.ts';
import { SCHEMAS, schemaFileName } from './schemas.ts';
import type { Kind, Problem, RegistryDocument } from './types.ts';
import { validateDocumentSchema } from './validate-schema.ts';

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

export interface RegistryFileWrite {
  /** Registry-relative path, e.g. models/fraud/stages.yaml. */
  path: string;
  /** A document to serialize canonically. */
  document?: RegistryDocument;
  /** Text to write as is (e.g. a postmortem); YAML text is validated like a document. */
  text?: string;
}

/**
 * The canonical text of each write, every document validated first: one error anywhere refuses them all. Writes
 * nothing; a transaction stages the result, writeRegistryFiles puts it on disk.
 */
export function renderRegistryWrites(files: RegistryFileWrite[]): { path: string; text: string }[] {
  const problems: Problem[] = [];
  const planned: { path: string; text: string }[] = [];
  for (const file of files) {
    assertRegistryPath(file.path);
    const place = classifyRegistryPath(file.path);
    if (!place) {
      problems.push({ file: file.path, severity: 'error', message: 'not a registry file place', fix: 'see docs/registry.md' });
      continue;
    }
    if ((file.document === undefined) === (file.text === undefined)) {
      throw new TollgateError(`${file.path}: give exactly one of document or text`);
    }
    if (file.document) {
      const found = validateDocumentSchema(file.path, canonicalDocument(file.document));
      if (file.document.kind !== place.kind) {
        found.push({
          file: file.path,
          field: 'kind',
          severity: 'error',
          message: `a ${file.document.kind} cannot be written to ${file.path}, where a ${place.kind} belongs`,
          fix: 'write it to the path of its kind (src/registry/paths.ts)',
        });
      }
      problems.push(...found);
      planned.push({ path: file.path, text: serializeDocument(file.document) });
    } else {
      const text = file.text!;
      if (place.kind !== 'Postmortem') problems.push(...parseRegistryFile(file.path, text).problems);
      planned.push({ path: file.path, text });
    }
  }
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    throw new TollgateError(`refusing to write ${files.length} registry file(s):\n${formatProblems(errors)}`, {
      file: errors[0]!.file,
      line: errors[0]!.line,
      fix: 'correct the documents; nothing was written',
    });
  }
  return planned;
}

/**
 * Validates every file, then writes each one (temporary file + rename). Nothing is written when any file is
 * invalid. Files whose content is already what would be written are left alone. Returns the paths written.
 */
export async function writeRegistryFiles(registryDir: string, files: RegistryFileWrite[]): Promise<string[]> {
  const planned = renderRegistryWrites(files);
  for (const { path } of planned) await refuseLinks(registryDir, path);
  const written: string[] = [];
  for (const { path, text } of planned) {
    const target = join(registryDir, ...path.split('/'));
    const current = await readFile(target, 'utf8').catch(() => undefined);
    if (current === text) continue;
    await mkdir(dirname(target), { recursive: true });
    const temp = join(dirname(target), `.${path.split('/').pop()}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      await writeFile(temp, text, { flag: 'wx' });
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw new TollgateError(`could not write ${path}: ${(error as Error).message}`, { file: path, cause: error });
    }
    written.push(path);
  }
  return written;
}

/** A symbolic link on the way to a registry file would make the write land outside the registry. */
async function refuseLinks(registryDir: string, path: string): Promise<void> {
  const parts = path.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const stat = await lstat(join(registryDir, ...parts.slice(0, i))).catch(() => undefined);
    if (!stat) return;
    if (stat.isSymbolicLink()) {
      throw new TollgateError(`${parts.slice(0, i).join('/')} is a symbolic link; Tollgate does not write through links`, {
        file: path,
        fix: 'replace the link with a real folder or file',
      });
    }
  }
}

/** Problems as text for a terminal or a log: `file:line: severity: message` and the fix below. */
export function formatProblems(problems: Problem[]): string {
  return problems
    .map((p) => {
      const where = `${p.file}${p.line ? `:${p.line}` : ''}${p.line && p.column ? `:${p.column}` : ''}`;
      return `${where}: ${p.severity}: ${p.message}${p.fix ? `\n  fix: ${p.fix}` : ''}`;
    })
    .join('\n');
}
