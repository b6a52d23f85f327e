// Schema validation of one parsed document: Ajv 2020, one compiled validator per kind, built on first use.
// Each Ajv error becomes a Problem on the line of the offending field, with a fix a person can act on.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { unsafeNameReason } from './names.ts';
import { KINDS, SAFE_NAME_PATTERN, SCHEMAS, schemaFileName, UTC_TIME_PATTERN } from './schemas.ts';
import type { Kind, Problem } from './types.ts';

/** Line (1-based) of the field at a JSON Pointer, e.g. `/stages/production/version`; undefined when unknown. */
export type LineOf = (pointer: string) => number | undefined;

let ajv: Ajv2020 | undefined;
const validators = new Map<Kind, ValidateFunction>();

function validatorFor(kind: Kind): ValidateFunction {
  let validate = validators.get(kind);
  if (!validate) {
    if (!ajv) {
      ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictTypes: false });
      addFormats.default(ajv);
    }
    validate = ajv.compile(SCHEMAS[kind]);
    validators.set(kind, validate);
  }
  return validate;
}

export function isKind(value: unknown): value is Kind {
  return typeof value === 'string' && (KINDS as readonly string[]).includes(value);
}

/** Problems of `doc` against the schema its `kind` names; a missing or unknown kind is itself the problem. */
export function validateDocumentSchema(path: string, doc: unknown, lineOf: LineOf = () => undefined): Problem[] {
  const kind = (doc as { kind?: unknown } | null)?.kind;
  if (!isKind(kind)) {
    return [
      {
        file: path,
        line: lineOf('/kind') ?? lineOf(''),
        field: 'kind',
        severity: 'error',
        message: kind === undefined ? 'missing field "kind"' : `unknown kind ${JSON.stringify(kind)}`,
        fix: `set kind to one of ${KINDS.join(', ')}`,
      },
    ];
  }
  const validate = validatorFor(kind);
  if (validate(doc)) return [];
  const errors = (validate.errors ?? []).filter((e) => !isNoise(e));
  return dedupe(errors.map((error) => toProblem(path, kind, error, lineOf)));
}

// `if`/`$ref` wrappers, and the inner error of a propertyNames failure, repeat what another error says.
const isNoise = (error: ErrorObject): boolean =>
  error.keyword === 'if' ||
  error.keyword === '$ref' ||
  (error.keyword !== 'propertyNames' && error.schemaPath.includes('/propertyNames/'));

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.line}|${p.field}|${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `/a/b~1c/0` -> `a.b/c[0]`, the way fields are named in messages. */
export function fieldName(pointer: string): string {
  if (pointer === '') return '';
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((out, part) => (/^\d+$/.test(part) ? `${out}[${part}]` : out ? `${out}.${part}` : part), '');
}

const escapePointer = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

function toProblem(path: string, kind: Kind, error: ErrorObject, lineOf: LineOf): Problem {
  const schemaFile = `schemas/${schemaFileName(kind)}`;
  let pointer = error.instancePath;
  let message: string;
  let fix: string;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      pointer = `${pointer}/${escapePointer(extra)}`;
      const allowed = Object.keys((error.parentSchema?.properties as object | undefined) ?? {});
      message = `unknown field "${extra}"`;
      fix = allowed.length
        ? `remove it or correct its spelling; allowed here: ${allowed.join(', ')}`
        : `remove it (see ${schemaFile})`;
      break;
    }
    case 'required': {
      const missing = String(params.missingProperty);
      message = `missing required field "${missing}"${pointer ? ` in ${fieldName(pointer)}` : ''}`;
      fix = `add ${missing} (see ${schemaFile})`;
      break;
    }
    case 'type':
      message = `must be ${article(String(params.type))}`;
      fix = `write ${article(String(params.type))} value`;
      break;
    case 'const':
      message = `must be ${JSON.stringify(params.allowedValue)}`;
      fix = `write ${JSON.stringify(params.allowedValue)}`;
      break;
    case 'enum':
      message = `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      fix = 'use one of the allowed values';
      break;
    case 'pattern':
    case 'format':
      ({ message, fix } = describeFormat(error));
      break;
    case 'propertyNames': {
      const name = String(params.propertyName);
      pointer = `${pointer}/${escapePointer(name)}`;
      message = `key ${JSON.stringify(name)} is not a safe name: it ${unsafeNameReason(name) ?? 'is not allowed'}`;
      fix = 'rename it with lowercase letters, digits, "-" and "."';
      break;
    }
    default:
      message = error.message ?? `fails ${error.keyword}`;
      fix = `see ${schemaFile}`;
  }
  const field = fieldName(pointer);
  return {
    file: path,
    line: lineOf(pointer) ?? nearestLine(pointer, lineOf),
    ...(field ? { field } : {}),
    severity: 'error',
    message: field ? `${field}: ${message}` : message,
    fix,
  };
}

function describeFormat(error: ErrorObject): { message: string; fix: string } {
  const params = error.params as Record<string, unknown>;
  const value = error.data;
  if (params.pattern === SAFE_NAME_PATTERN) {
    return {
      message: `${JSON.stringify(value)} is not a safe name: it ${unsafeNameReason(value) ?? 'is not allowed'}`,
      fix: 'use lowercase letters, digits, "-" and ".", like "fraud-detector" or "v13"',
    };
  }
  if (params.pattern === UTC_TIME_PATTERN || params.format === 'date-time') {
    return {
      message: `${JSON.stringify(value)} is not a UTC date-time`,
      fix: 'write an ISO-8601 UTC time like 2026-11-24T03:30:00Z',
    };
  }
  const expected = error.keyword === 'format' ? String(params.format) : `the pattern ${String(params.pattern)}`;
  const what = (error.parentSchema?.description as string | undefined) ?? '';
  return {
    message: `${JSON.stringify(value)} does not match ${expected}`,
    fix: what ? `expected: ${what}` : `write a value matching ${expected}`,
  };
}

const article = (type: string): string => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

function nearestLine(pointer: string, lineOf: LineOf): number | undefined {
  for (let p = pointer; p !== ''; p = p.slice(0, p.lastIndexOf('/'))) {
    const line = lineOf(p);
    if (line !== undefined) return line;
  }
  return lineOf('');
}
