// GitHub's own OpenAPI description (@octokit/openapi): the double builds its response bodies from the
// component schemas and checks every route and every body it served against them, so it cannot drift.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Schema = Record<string, unknown>;

const SPEC_FILE = fileURLToPath(
  new URL('../../node_modules/@octokit/openapi/generated/api.github.com.json', import.meta.url),
);

interface Content {
  $ref?: string;
  content?: Record<string, { schema?: Schema }>;
}

interface Spec {
  paths: Record<string, Record<string, { responses?: Record<string, Content>; requestBody?: Content }>>;
  components: {
    schemas: Record<string, Schema>;
    responses: Record<string, Content>;
    requestBodies?: Record<string, Content>;
  };
}

let loaded: Spec | undefined;
function spec(): Spec {
  loaded ??= JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as Spec;
  return loaded;
}

export function hasOperation(method: string, template: string): boolean {
  return spec().paths[template]?.[method.toLowerCase()] !== undefined;
}

/** The JSON schema GitHub documents for this response, or undefined when it documents no body. */
export function responseSchema(method: string, template: string, status: number): Schema | undefined {
  const response = spec().paths[template]?.[method.toLowerCase()]?.responses?.[String(status)];
  // Shared answers (404 not_found, 422 validation_failed, ...) are $refs to components.responses.
  const resolved = response?.$ref ? spec().components.responses[response.$ref.split('/').pop()!] : response;
  return resolved?.content?.['application/json']?.schema;
}

/** The JSON schema GitHub documents for this request's body, or undefined. */
export function requestSchema(method: string, template: string): Schema | undefined {
  const body = spec().paths[template]?.[method.toLowerCase()]?.requestBody;
  const resolved = body?.$ref ? spec().components.requestBodies?.[body.$ref.split('/').pop()!] : body;
  return resolved?.content?.['application/json']?.schema;
}

export function componentSchema(name: string): Schema {
  const schema = spec().components.schemas[name];
  if (!schema) throw new Error(`no component schema ${name} in ${SPEC_FILE}`);
  return schema;
}

function deref(schema: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  return deref(componentSchema(ref.replace('#/components/schemas/', '')));
}

const FIXED_DATE = '2026-01-01T00:00:00Z';

/**
 * The smallest value the schema accepts: required properties only, null where nullable, the first
 * enum value, empty arrays. The double overlays its real state on it.
 */
export function skeleton(schemaOrName: Schema | string, depth = 0): unknown {
  const schema = deref(typeof schemaOrName === 'string' ? componentSchema(schemaOrName) : schemaOrName);
  if (depth > 12) throw new Error('schema skeleton too deep');
  if (Array.isArray(schema.allOf))
    return Object.assign({}, ...(schema.allOf as Schema[]).map((part) => skeleton(part, depth + 1)));
  const choice = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (choice) return skeleton(choice[0]!, depth + 1);
  if (schema.nullable === true) return null;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  switch (schema.type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const out: Record<string, unknown> = {};
      for (const key of (schema.required ?? []) as string[])
        out[key] = properties[key] ? skeleton(properties[key], depth + 1) : null;
      return out;
    }
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return false;
    case 'string':
      if (schema.format === 'date-time') return FIXED_DATE;
      if (schema.format === 'uri' || schema.format === 'uri-template') return 'https://api.github.com/';
      if (schema.format === 'email') return 'octocat@example.com';
      return '';
    default:
      return null;
  }
}

/**
 * OpenAPI 3.0 `nullable` as Ajv needs it: on an enum, null is added to the enum (Ajv checks the enum first);
 * without a `type` (a $ref or allOf that may be null), the schema becomes "that, or null".
 */
function nullableEnums<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), (_key, node: unknown) => {
    if (node && typeof node === 'object' && !Array.isArray(node)) {
      const schema = node as Schema;
      if (schema.nullable === true && Array.isArray(schema.enum) && !schema.enum.includes(null))
        return { ...schema, enum: [...schema.enum, null] };
      if (schema.nullable === true && schema.type === undefined) {
        const { nullable: _nullable, ...rest } = schema;
        return { anyOf: [rest, { type: 'null' }] };
      }
    }
    return node;
  }) as T;
}

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function validator(key: string, schema: Schema): ValidateFunction {
  let validate = compiled.get(key);
  if (validate) return validate;
  if (!ajv) {
    // OpenAPI 3.0: `nullable` is understood by Ajv; examples and x-github extensions are not keywords.
    ajv = new Ajv({ strict: false, allErrors: true, logger: false });
    addFormats.default(ajv);
    ajv.addSchema({ $id: 'github', components: nullableEnums(spec().components) }, 'github');
  }
  const rebased = nullableEnums(
    JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"github#/components/')) as Schema,
  );
  validate = ajv.compile(rebased);
  compiled.set(key, validate);
  return validate;
}

/** Problems with a response body, by GitHub's schema for it; empty when it conforms or has no schema. */
export function responseProblems(method: string, template: string, status: number, body: unknown): string[] {
  if (!hasOperation(method, template)) return [`${method} ${template} is not a GitHub REST route`];
  const schema = responseSchema(method, template, status);
  if (!schema) return [];
  const validate = validator(`${method} ${template} ${status}`, schema);
  if (validate(body)) return [];
  return (validate.errors ?? []).map(
    (error) => `${method} ${template} ${status}: ${error.instancePath || '(body)'} ${error.message ?? ''}`,
  );
}

/** Problems with a request body Tollgate sent, by GitHub's schema for it. */
export function requestProblems(method: string, template: string, body: unknown): string[] {
  const schema = requestSchema(method, template);
  if (!schema) return [];
  const validate = validator(`request ${method} ${template}`, schema);
  if (validate(body)) return [];
  return (validate.errors ?? []).map(
    (error) => `request ${method} ${template}: ${error.instancePath || '(body)'} ${error.message ?? ''}`,
  );
}

/** Problems with a value against a named component schema (for tests of the checker itself). */
export function componentProblems(name: string, value: unknown): string[] {
  const validate = validator(`component ${name}`, { $ref: `#/components/schemas/${name}` });
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}
