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

/**
 * Registry files are small; these limits keep a hostile or broken one cheap. Checked before the YAML parser
 * runs: the size (readers stat before reading), then the encoding, then a count of YAML's structural
 * indicators, an upper bound on the nodes the parser could make; then the nesting depth (the parser's own
 * limit) and each collection's length. Work and memory stay linear in MAX_INDICATORS, whatever the file: a
 * 1 MiB file is refused or validated within a few tens of MB of heap (tests/registry/fuzz.test.ts).
 */
export const MAX_FILE_BYTES = 1 << 20;
const MAX_DEPTH = 32;
/** Newlines, `,` `-` `:` `?` `[` `{`: every YAML node but the root follows one of them. */
const MAX_INDICATORS = 50_000;
const MAX_COLLECTION = 10_000;

export function parseRegistryFile(path: string, bytes: Buffer | string): ParsedFile {
  const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
  if (size > MAX_FILE_BYTES) {
    const message = `file is ${size} bytes; registry files are at most ${MAX_FILE_BYTES}`;
    return { problems: [problemAt(path, undefined, message, 'split it or remove bulk data')] };
  }
  const decoded = typeof bytes === 'string' ? { text: bytes } : decodeUtf8(path, bytes);
  if ('problem' in decoded) return { problems: [decoded.problem] };
  const text = decoded.text;
  const bad = controlCharacter(path, text) ?? tooManyNodes(path, text);
  if (bad) return { problems: [bad] };
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
    return { problem: yamlProblem(path, error, text) };
  }
  let starts: number[] | undefined;
  const lineAt = (offset: number) => lineOfOffset((starts ??= lineStarts(text)), offset);
  let documents = 0;
  // Entries of each open collection (mapping entries count key and value), to refuse a very long one.
  const lengths: number[] = [];
  const opened: number[] = [];
  for (const event of events) {
    if (event.type === EVENT_MAPPING || event.type === EVENT_SEQUENCE) {
      if (lengths.length > 0) lengths[lengths.length - 1]!++;
      lengths.push(0);
      opened.push(event.start);
    } else if (event.type === EVENT_POP) {
      lengths.pop();
      opened.pop();
    } else if (event.type === EVENT_SCALAR && lengths.length > 0) {
      if (++lengths[lengths.length - 1]! > 2 * MAX_COLLECTION) {
        return {
          problem: problemAt(
            path,
            lineAt(opened[opened.length - 1]!),
            `a list or mapping here holds more than ${MAX_COLLECTION} entries`,
            'keep bulk data out of the registry and link to it',
          ),
        };
      }
    }
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
    return { problem: yamlProblem(path, error, text) };
  }
  // Positions are worked out again from the text only when a problem needs one; a clean file keeps no events.
  let map: Map<string, number> | undefined;
  const lineOf: LineOf = (pointer) =>
    (map ??= positionMap(text, parseEvents(text, { filename: path, maxDepth: MAX_DEPTH }), lineAt)).get(pointer);
  lines.set(value as object, lineOf);
  return { value: value as Record<string, unknown>, lineOf };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of UTF-8 bytes, or where they stop being UTF-8 (never a silent U+FFFD). */
function decodeUtf8(path: string, bytes: Buffer): { text: string } | { problem: Problem } {
  try {
    return { text: utf8.decode(bytes) };
  } catch {
    const at = firstInvalidUtf8(bytes);
    const lineStart = bytes.lastIndexOf(0x0a, at - 1) + 1;
    const line = countNewlines(bytes, at) + 1;
    const column = bytes.subarray(lineStart, at).toString('utf8').length + 1;
    return {
      problem: {
        file: path,
        line,
        column,
        severity: 'error',
        message: `invalid UTF-8: byte 0x${bytes[at]!.toString(16).padStart(2, '0')} at offset ${at} is not part of a UTF-8 character`,
        fix: 'save the file as UTF-8 (registry files are UTF-8 text)',
      },
    };
  }
}

function countNewlines(bytes: Buffer, end: number): number {
  let n = 0;
  for (let i = bytes.indexOf(0x0a); i !== -1 && i < end; i = bytes.indexOf(0x0a, i + 1)) n++;
  return n;
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const [length, min, max] =
      b >= 0xc2 && b <= 0xdf ? [2, 0x80, 0xbf]
      : b === 0xe0 ? [3, 0xa0, 0xbf]
      : b === 0xed ? [3, 0x80, 0x9f]
      : b >= 0xe1 && b <= 0xef ? [3, 0x80, 0xbf]
      : b === 0xf0 ? [4, 0x90, 0xbf]
      : b === 0xf4 ? [4, 0x80, 0x8f]
      : b >= 0xf1 && b <= 0xf3 ? [4, 0x80, 0xbf]
      : [0, 0, 0];
    if (length === 0) return i;
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k];
      const [lo, hi] = k === 1 ? [min, max] : [0x80, 0xbf];
      if (c === undefined || c < lo || c > hi) return i;
    }
    i += length;
  }
  return bytes.length;
}

// C0 and C1 controls but tab, LF and CR; DEL; the non-characters U+FFFE/U+FFFF; a BOM anywhere but first.
// eslint-disable-next-line no-control-regex -- finding control characters is this expression's purpose
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|(?<!^)\uFEFF/;

function controlCharacter(path: string, text: string): Problem | undefined {
  const match = CONTROL.exec(text);
  if (!match) return undefined;
  const lineStart = text.lastIndexOf('\n', match.index - 1) + 1;
  const code = match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return {
    file: path,
    line: text.slice(0, match.index).split('\n').length,
    column: match.index - lineStart + 1,
    severity: 'error',
    message: `control character U+${code} in the text; registry files hold printable text, tabs and newlines only`,
    fix: 'remove the character (an editor that shows invisible characters finds it)',
  };
}

/** Refuses a file with more structural indicators than any registry file needs, before the parser sees it. */
function tooManyNodes(path: string, text: string): Problem | undefined {
  // Each indicator is a character: a text no longer than the budget cannot exceed it (nearly every file).
  if (text.length <= MAX_INDICATORS) return undefined;
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // \n , - : ? [ {
    if (c === 10 || c === 44 || c === 45 || c === 58 || c === 63 || c === 91 || c === 123) {
      if (++count > MAX_INDICATORS) {
        return problemAt(
          path,
          text.slice(0, i).split('\n').length,
          `more than ${MAX_INDICATORS} YAML values or lines; registry files are far smaller`,
          'split the data, or keep bulk data (long lists, logs) out of the registry and link to it',
        );
      }
    }
  }
  return undefined;
}

function problemAt(path: string, line: number | undefined, message: string, fix: string): Problem {
  return { file: path, ...(line ? { line } : {}), severity: 'error', message, fix };
}

/** The line and a caret under the column: `  3 | tags: [a, b` / `    |       ^`. Both 1-based. */
export function caretExcerpt(text: string, line: number, column: number): string {
  const source = (text.split(/\r?\n/)[line - 1] ?? '').replace(/\t/g, '→');
  const gutter = String(line);
  return `${gutter} | ${source}\n${' '.repeat(gutter.length)} | ${' '.repeat(Math.max(0, column - 1))}^`;
}

/**
 * Where the `[` or `{` opened that is still open at `line` (1-based), scanning back from it: js-yaml reports an
 * unclosed flow collection where it gave up (the next line), not where the user left it open.
 */
export function unclosedFlowOpener(text: string, line: number): { line: number; column: number; char: string } | undefined {
  const lines = text.split(/\r?\n/).slice(0, line);
  const open: { line: number; column: number; char: string }[] = [];
  lines.forEach((source, i) => {
    let quote: string | undefined;
    for (let c = 0; c < source.length; c++) {
      const ch = source[c]!;
      if (quote) {
        if (ch === quote) quote = undefined;
      } else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '#' && (c === 0 || /\s/.test(source[c - 1]!))) break;
      else if (ch === '[' || ch === '{') open.push({ line: i + 1, column: c + 1, char: ch });
      else if ((ch === ']' || ch === '}') && open.length > 0) open.pop();
    }
  });
  return open.at(-1);
}

function yamlProblem(path: string, error: unknown, text: string): Problem {
  if (error instanceof YAMLException) {
    const mark = error.mark;
    let line = mark ? mark.line + 1 : undefined;
    let column = mark ? mark.column + 1 : undefined;
    let message = `invalid YAML: ${error.reason}`;
    let fix = /duplicat/.test(error.reason)
      ? 'remove one of the two entries with this key'
      : /tab/.test(error.reason)
        ? 'indent with spaces: YAML does not allow tabs for indentation'
        : 'fix the YAML syntax at this line (indentation, quotes, a missing ":")';
    const opener = line === undefined ? undefined : unclosedFlowOpener(text, line);
    if (opener && opener.line < line!) {
      [line, column] = [opener.line, opener.column];
      const close = opener.char === '[' ? ']' : '}';
      message = `invalid YAML: this ${opener.char} is never closed (${error.reason} on line ${mark!.line + 1})`;
      fix = `close it with ${close} on this line, or put each entry on its own "- " line`;
    }
    return {
      file: path,
      ...(line !== undefined && column !== undefined
        ? { line, column, excerpt: caretExcerpt(text, line, column) }
        : {}),
      severity: 'error',
      message,
      fix,
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
