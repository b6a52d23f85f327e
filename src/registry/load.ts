// Reading the registry: the working-tree reader (the git-ref reader is src/git/reader.ts), and loading files.
// Readers never follow symbolic links: a link inside the registry could point a reviewer at one file while
// Tollgate reads another, so a link is reported as a problem instead.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { lstat, readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { checkPostmortem } from './postmortem.ts';
import { TollgateError } from '../errors.ts';
import { MAX_FILE_BYTES, parseRegistryFile } from './parse.ts';
import { classifyRegistryPath } from './paths.ts';
import type { Problem, Registry, RegistryDocument, RegistryReader } from './types.ts';

/** Registry-relative paths use `/`, never start with `/`, and never climb out with `..`. */
export function assertRegistryPath(path: string): string {
  if (path === '') return path;
  if (path.startsWith('/') || path.includes('\\') || path.split('/').some((part) => part === '..' || part === '.' || part === '')) {
    throw new TollgateError(`"${path}" is not a registry-relative path`, {
      fix: 'name files relative to the registry folder, like models/fraud/stages.yaml',
    });
  }
  return path;
}

const symlinkError = (path: string, where: string) =>
  new TollgateError(`${path} is a symbolic link (in ${where}); registry files must be regular files`, {
    file: path,
    fix: 'replace the link with the file it points to',
  });

/** The registry folder of a working tree. */
export function fileSystemReader(registryDir: string): RegistryReader {
  let root: Promise<string> | undefined;
  const realRoot = () => (root ??= realpath(registryDir).catch(() => registryDir));
  // Files that list() saw as regular files in real folders: reading them needs no further link checks, and
  // O_NOFOLLOW still refuses a link put in their place since.
  const listed = new Set<string>();
  return {
    label: 'working tree',
    async list(dir) {
      assertRegistryPath(dir);
      const out: string[] = [];
      const walk = async (rel: string): Promise<void> => {
        let entries;
        try {
          entries = await readdir(join(registryDir, rel), { withFileTypes: true });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return;
          throw error;
        }
        for (const entry of entries) {
          const path = rel ? `${rel}/${entry.name}` : entry.name;
          // A linked directory is listed as one entry, not entered; reading it reports the link.
          if (entry.isDirectory()) await walk(path);
          else {
            out.push(path);
            if (entry.isFile()) listed.add(path);
          }
        }
      };
      await walk(dir);
      return out.sort();
    },
    async read(path) {
      assertRegistryPath(path);
      const full = join(registryDir, path);
      if (listed.has(path)) {
        try {
          return await readBounded(full, path, constants.O_RDONLY | constants.O_NOFOLLOW);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ELOOP') throw symlinkError(path, 'working tree');
          if (code !== 'ENOENT') throw error;
          listed.delete(path);
        }
      }
      let real: string;
      try {
        const stat = await lstat(full);
        if (stat.isSymbolicLink()) throw symlinkError(path, 'working tree');
        if (!stat.isFile()) return undefined;
        real = await realpath(full);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
        throw error;
      }
      // A linked parent directory: the file is regular but lives somewhere else.
      if (real !== join(await realRoot(), ...path.split('/'))) {
        throw symlinkError(path.split('/').slice(0, -1).join('/') || path, 'working tree');
      }
      return readBounded(real, path, constants.O_RDONLY);
    },
  };
}

/**
 * A registry file's bytes, its size checked on the open file before anything is read, and the read itself
 * bounded: a file of gigabytes (or one growing while read) costs one stat and at most MAX_FILE_BYTES + 1 bytes.
 */
async function readBounded(full: string, path: string, flags: number): Promise<Buffer | undefined> {
  // Synchronous calls: a registry file is small and, when validated, usually in the page cache, where the four
  // thread-pool round trips of the promise API cost more than the read (bench/validate.bench.ts). O_NONBLOCK keeps
  // a FIFO from blocking the open; it is then refused as not a regular file.
  const fd = openSync(full, flags | constants.O_NONBLOCK);
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return undefined;
    const tooBig = (size: number | string) =>
      new TollgateError(`file is ${size} bytes; registry files are at most ${MAX_FILE_BYTES}`, {
        file: path,
        fix: 'split it or remove bulk data',
      });
    if (info.size > MAX_FILE_BYTES) throw tooBig(info.size);
    const buffer = Buffer.allocUnsafe(Math.min(info.size, MAX_FILE_BYTES) + 1);
    let length = 0;
    // Up to the size stat gave (one read for a registry file): a file that grows meanwhile is read as it was, and
    // the buffer's one spare byte still catches one that grows past the limit within that read.
    while (length < buffer.length) {
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length >= info.size) break;
    }
    if (length > MAX_FILE_BYTES) throw tooBig(`more than ${MAX_FILE_BYTES}`);
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** A reader over files in memory, for tests and dry runs. */
export function memoryReader(files: Record<string, string | Buffer>, label = 'memory'): RegistryReader {
  return {
    label,
    async list(dir) {
      const under = dir === '' ? '' : `${dir}/`;
      return Object.keys(files)
        .filter((p) => p.startsWith(under))
        .sort();
    },
    async read(path) {
      const content = files[path];
      return content === undefined ? undefined : Buffer.from(content);
    },
  };
}

export const emptyRegistry = (): Registry => ({
  models: new Map(),
  incidents: new Map(),
  audit: new Map(),
  documents: new Map(),
});

/** Every file of the registry, loaded and checked against its schema (not yet against the other files). */
export async function loadRegistry(reader: RegistryReader): Promise<{ registry: Registry; problems: Problem[] }> {
  return loadFiles(reader, await reader.list(''));
}

const CONCURRENCY = 64;
// Files a registry may hold besides its documents.
const IGNORED = /(^|\/)(README\.md|\.gitkeep|\.gitattributes)$/;

/**
 * Loads `paths` (registry-relative) into `registry` (a new one by default). A path with no file is skipped:
 * callers pass deleted files too, and checking what referred to them is the invariants' job.
 */
export async function loadFiles(
  reader: RegistryReader,
  paths: Iterable<string>,
  registry: Registry = emptyRegistry(),
): Promise<{ registry: Registry; problems: Problem[] }> {
  const problems: Problem[] = [];
  const queue = [...new Set(paths)].sort();
  let next = 0;
  const valid: [string, RegistryDocument][] = [];
  const worker = async () => {
    while (next < queue.length) {
      const path = queue[next++]!;
      const loaded = await loadOne(reader, path, registry);
      problems.push(...loaded.problems);
      if (loaded.valid) valid.push([path, loaded.valid]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
  fileDocuments(registry, valid.sort(([a], [b]) => (a < b ? -1 : 1)));
  return { registry, problems: sortProblems(problems) };
}

async function loadOne(
  reader: RegistryReader,
  path: string,
  registry: Registry,
): Promise<{ problems: Problem[]; valid?: RegistryDocument }> {
  if (IGNORED.test(path)) return { problems: [] };
  const place = classifyRegistryPath(path);
  if (!place) {
    const problem: Problem = {
      file: path,
      severity: 'warning',
      message: `${path} is not a known registry file`,
      fix: 'move it out of the registry folder, or to the place its kind belongs (see docs/registry.md)',
    };
    return { problems: [problem] };
  }
  let bytes: Buffer | undefined;
  try {
    bytes = await reader.read(path);
  } catch (error) {
    const e = error instanceof TollgateError ? error : undefined;
    const message = e?.message ?? String(error);
    return { problems: [{ file: path, severity: 'error', message, ...(e?.fix ? { fix: e.fix } : {}) }] };
  }
  if (bytes === undefined) return { problems: [] };
  if (place.kind === 'Postmortem') return { problems: checkPostmortem(path, bytes.toString('utf8')) };
  const { document, problems } = parseRegistryFile(path, bytes);
  if (!document) return { problems };
  registry.documents.set(path, document);
  return { problems, ...(problems.some((p) => p.severity === 'error') ? {} : { valid: document }) };
}

/**
 * Puts valid documents where their kind belongs (the parser has checked kind against place). A model's files
 * join the registry only when its model.yaml is valid, so every ModelEntry has its Model; files of a model
 * without one stay in `documents`, where the invariants find them.
 */
function fileDocuments(registry: Registry, valid: [string, RegistryDocument][]): void {
  for (const [, doc] of valid) {
    if (doc.kind === 'Policy') registry.policy = doc;
    else if (doc.kind === 'Incident') registry.incidents.set(doc.id, doc);
    else if (doc.kind === 'AuditEvent') registry.audit.set(doc.id, doc);
    else if (doc.kind === 'Model') {
      const entry = registry.models.get(doc.name);
      if (entry) entry.model = doc;
      else registry.models.set(doc.name, { model: doc, versions: new Map(), retrains: new Map() });
    }
  }
  for (const [path, doc] of valid) {
    const place = classifyRegistryPath(path);
    const entry = place && 'model' in place ? registry.models.get(place.model) : undefined;
    if (!entry) continue;
    if (doc.kind === 'Stages') entry.stages = doc;
    else if (doc.kind === 'Schedule') entry.schedule = doc;
    else if (doc.kind === 'ModelVersion') entry.versions.set(fileId(place), doc);
    else if (doc.kind === 'RetrainRequest') entry.retrains.set(fileId(place), doc);
  }
}

// Versions and requests are keyed by file name: the name a stage pointer resolves to. An id that disagrees
// with it is an invariant problem, and must not let one file shadow another.
const fileId = (place: ReturnType<typeof classifyRegistryPath>): string => (place && 'id' in place ? place.id : '');

/** Problems sorted by file, then line, so output is stable however the files were read. */
export function sortProblems(problems: Problem[]): Problem[] {
  return problems.sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}
