// Parsing one registry file: YAML (js-yaml's safe core schema) -> one plain object, then its schema, then whether
// its kind belongs where the file sits. Positions come from js-yaml's event stream, mapped to lines only when a
// problem needs one, so a clean file costs little more than a plain load.
import {
  constructFromEvents,
  EVENT_ALIAS,
  EVENT_DOCUMENT,
  EVENT_MAPPING,
  EVENT_POP,
  EVENT_SCALAR,
  EVENT_SEQUENCE,
  type Event,
  getScalarValue,
  parseEvents,
  YAMLException,
} from 'js-yaml';
import { classifyRegistryPath } from './paths.ts';
import type { Problem, RegistryDocument } from './types.ts';
import { isKind, type LineOf, validateDocumentSchema } from './validate-schema.ts';

export interface ParsedFile {
  document?: RegistryDocument;
  problems: Problem[];
}

const lines = new WeakMap<object, LineOf>();
const valid = new WeakSet<object>();

/** Whether `document` came from parseRegistryFile with no errors (valid YAML, schema and place). */
export function isValidDocument(document: object): boolean {
  return valid.has(document);
}

/** The line of a field of a document this module parsed, e.g. `/stages/production/version`. */
export function lineOfField(document: object, pointer: string): number | undefined {
  return lines.get(document)?.(pointer);
}

/** Registry files are small; anything deeper than this is a mistake or an attack. */
const MAX_DEPTH = 32;
const MAX_BYTES = 1 << 20;

export function parseRegistryFile(path: string, bytes: Buffer | string): ParsedFile {
  const size = typeof bytes === 'string' ? bytes.length : bytes.byteLength;
  if (size > MAX_BYTES) {
    const message = `file is ${size} bytes; registry files are at most ${MAX_BYTES}`;
    return { problems: [problemAt(path, undefined, message, 'split it or remove bulk data')] };
  }
  const text = typeof bytes === 'string' ? bytes : bytes.toString('utf8');
  const loaded = loadYaml(path, text);
  if ('problem' in loaded) return { problems: [loaded.problem] };
  const { value, lineOf } = loaded;
  const problems = validateDocumentSchema(path, value, lineOf);
  problems.push(...placeProblems(path, value, lineOf));
  if (!problems.some((p) => p.severity === 'error')) valid.add(value);
  return { document: value as unknown as RegistryDocument, problems };
}

type Loaded = { value: Record<string, unknown>; lineOf: LineOf } | { problem: Problem };

/** The YAML of one file as a plain object with a line lookup, or the problem that prevents it. */
export function loadYaml(path: string, text: string): Loaded {
  let events: Event[];
  try {
    events = parseEvents(text, { filename: path, maxDepth: MAX_DEPTH });
  } catch (error) {
    return { problem: yamlProblem(path, error) };
  }
  let starts: number[] | undefined;
  const lineAt = (offset: number) => lineOfOffset((starts ??= lineStarts(text)), offset);
  let documents = 0;
  for (const event of events) {
    if (event.type === EVENT_DOCUMENT) documents++;
    // Anchors and aliases have no use in registry files and are how "billion laughs" documents grow.
    else if (event.type === EVENT_ALIAS || ('anchorStart' in event && event.anchorStart !== -1)) {
      return {
        problem: {
          file: path,
          line: lineAt(event.anchorStart),
          severity: 'error',
          message: 'YAML anchors and aliases (&name, *name) are not allowed in registry files',
          fix: 'write the value out in full',
        },
      };
    }
  }
  if (documents !== 1) {
    return {
      problem: {
        file: path,
        line: documents === 0 ? 1 : undefined,
        severity: 'error',
        message: documents === 0 ? 'file is empty' : `file holds ${documents} YAML documents; expected one`,
        fix: documents === 0 ? 'write the document, starting with apiVersion and kind' : 'keep one document per file',
      },
    };
  }
  const root = events[1];
  if (root?.type !== EVENT_MAPPING) {
    const at = root && root.type === EVENT_SCALAR ? root.valueStart : root && 'start' in root ? root.start : 0;
    return {
      problem: problemAt(path, lineAt(at), 'the document must be a mapping of fields', 'start with `apiVersion: tollgate/v1` and `kind: ...`'),
    };
  }
  let value: unknown;
  try {
    [value] = constructFromEvents(events, { source: text, filename: path, maxAliases: 0, maxTotalMergeKeys: 0 });
  } catch (error) {
    return { problem: yamlProblem(path, error) };
  }
  // Positions are worked out again from the text only when a problem needs one; a clean file keeps no events.
  let map: Map<string, number> | undefined;
  const lineOf: LineOf = (pointer) =>
    (map ??= positionMap(text, parseEvents(text, { filename: path, maxDepth: MAX_DEPTH }), lineAt)).get(pointer);
  lines.set(value as object, lineOf);
  return { value: value as Record<string, unknown>, lineOf };
}

function problemAt(path: string, line: number | undefined, message: string, fix: string): Problem {
  return { file: path, ...(line ? { line } : {}), severity: 'error', message, fix };
}

function yamlProblem(path: string, error: unknown): Problem {
  if (error instanceof YAMLException) {
    const mark = error.mark;
    return {
      file: path,
      ...(mark ? { line: mark.line + 1, column: mark.column + 1 } : {}),
      severity: 'error',
      message: `invalid YAML: ${error.reason}`,
      fix: /duplicat/.test(error.reason)
        ? 'remove one of the two entries with this key'
        : 'fix the YAML syntax at this line (indentation, quotes, a missing ":")',
    };
  }
  return { file: path, severity: 'error', message: `could not parse: ${String(error)}`, fix: 'check the file is YAML' };
}

/** The kind must be the one the file's place calls for. */
function placeProblems(path: string, doc: Record<string, unknown>, lineOf: LineOf): Problem[] {
  const place = classifyRegistryPath(path);
  // A missing or unknown kind is the schema check's to report.
  if (!place || place.kind === 'Postmortem' || !isKind(doc.kind) || doc.kind === place.kind) return [];
  return [
    {
      file: path,
      line: lineOf('/kind') ?? 1,
      field: 'kind',
      severity: 'error',
      message: `a file at ${path} must be kind ${place.kind}, not ${JSON.stringify(doc.kind)}`,
      fix: `move the file to where a ${String(doc.kind)} belongs, or set kind: ${place.kind}`,
    },
  ];
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineOfOffset(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

interface Frame {
  kind: 'map' | 'seq';
  pointer: string;
  index: number;
  key?: string;
}

const escapePointer = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** JSON Pointer -> line of the key (mapping entries) or of the item (sequence entries). */
function positionMap(text: string, events: Event[], lineAt: (offset: number) => number): Map<string, number> {
  const map = new Map<string, number>();
  const stack: Frame[] = [];
  // Where the node that the next event opens lives, and the line to record for it.
  const place = (start: number): string | undefined => {
    const top = stack[stack.length - 1];
    if (!top) {
      map.set('', lineAt(start));
      return '';
    }
    if (top.kind === 'seq') {
      const pointer = `${top.pointer}/${top.index++}`;
      map.set(pointer, lineAt(start));
      return pointer;
    }
    if (top.key === undefined) return undefined; // a key; handled by the caller
    const pointer = `${top.pointer}/${escapePointer(top.key)}`;
    top.key = undefined;
    return pointer;
  };
  for (const event of events) {
    if (event.type === EVENT_SCALAR) {
      const top = stack[stack.length - 1];
      if (top?.kind === 'map' && top.key === undefined) {
        top.key = getScalarValue(text, event);
        map.set(`${top.pointer}/${escapePointer(top.key)}`, lineAt(event.valueStart));
      } else place(event.valueStart);
    } else if (event.type === EVENT_MAPPING || event.type === EVENT_SEQUENCE) {
      const top = stack[stack.length - 1];
      // A collection used as a key: give it a placeholder so its value still gets a pointer.
      if (top?.kind === 'map' && top.key === undefined) top.key = '?';
      const pointer = place(event.start) ?? '?';
      stack.push({ kind: event.type === EVENT_MAPPING ? 'map' : 'seq', pointer, index: 0 });
    } else if (event.type === EVENT_POP) {
      stack.pop();
    }
  }
  return map;
}
