// RegistryReaders over a git ref (one ls-tree, batched cat-file) and over the working tree, never following links.
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TollgateError } from '../errors.ts';
import type { RegistryReader } from '../registry/types.ts';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { git, spawnGit } from './run.ts';

interface TreeEntry {
  mode: string;
  type: string;
  oid: string;
}

const SYMLINK_MODE = '120000';

function normalizePrefix(prefix: string): string {
  return prefix.replace(/^\.?\/+|\/+$/g, '').replace(/^\.$/, '');
}

function underDir(path: string, dir: string): boolean {
  return dir === '' || path.startsWith(`${dir.replace(/\/+$/, '')}/`);
}

function linkError(where: string, path: string): TollgateError {
  return new TollgateError(
    `${path} is a symbolic link in ${where}; Tollgate does not follow links in the registry`,
    {
      file: path,
      fix: 'replace the link with the file it points to',
    },
  );
}

/** Parses `git ls-tree -r -z`: `<mode> <type> <oid>\t<path>` records separated by NUL. */
export function parseLsTree(out: string): Map<string, TreeEntry> {
  const entries = new Map<string, TreeEntry>();
  for (const record of out.split('\0')) {
    if (record === '') continue;
    const tab = record.indexOf('\t');
    const [mode, type, oid] = record.slice(0, tab).split(' ') as [string, string, string];
    entries.set(record.slice(tab + 1), { mode, type, oid });
  }
  return entries;
}

/** One object as `git cat-file --batch` answers it. */
export interface GitObject {
  oid: string;
  type: string;
  content: Buffer;
}

type Waiter = {
  spec: string;
  resolve: (object: GitObject | undefined) => void;
  reject: (error: unknown) => void;
};
type Refable = { ref?: () => void; unref?: () => void };

/**
 * One long-lived `git cat-file --batch` answering object reads in order, so reading a thousand files is one
 * process whether the caller reads them together or one after another. While no read is pending the
 * process does not keep Node alive; it ends when its stdin closes (close(), or when Node exits).
 */
export class ObjectReader {
  readonly #repoRoot: string;
  readonly #env: NodeJS.ProcessEnv;
  #child: ChildProcessWithoutNullStreams | undefined;
  #queue: Waiter[] = [];
  #buffer: Buffer = Buffer.alloc(0);
  #stderr = '';
  /** Requests not yet written: those made in one tick go to git in one write, not one write each. */
  #unsent = '';
  #flushScheduled = false;

  /** `env` reaches git, e.g. GIT_INDEX_FILE so that `:path` names a private index's entries. */
  constructor(repoRoot: string, env: NodeJS.ProcessEnv = {}) {
    this.#repoRoot = repoRoot;
    this.#env = env;
  }

  read(oid: string): Promise<Buffer> {
    return this.lookup(oid).then((object) => {
      if (!object) throw new TollgateError(`git object ${oid} is missing in ${this.#repoRoot}`);
      return object.content;
    });
  }

  /**
   * Any object name `git cat-file` takes (an oid, `rev:path`, a ref), with its type; undefined when it names
   * nothing (or more than one thing).
   */
  lookup(spec: string): Promise<GitObject | undefined> {
    // One request per line: a newline would split it into two and put every later answer out of step.
    if (/[\n\0]/.test(spec)) return Promise.resolve(undefined);
    this.#start();
    return new Promise((resolve, reject) => {
      this.#queue.push({ spec, resolve, reject });
      this.#setActive(true);
      this.#unsent += `${spec}\n`;
      if (this.#flushScheduled) return;
      this.#flushScheduled = true;
      queueMicrotask(() => {
        this.#flushScheduled = false;
        const text = this.#unsent;
        this.#unsent = '';
        if (text !== '') this.#child?.stdin.write(text);
      });
    });
  }

  close(): void {
    const child = this.#child;
    if (!child) return;
    this.#fail(child, new TollgateError('the object reader was closed while a read was pending'));
    child.stdin.end();
  }

  #start(): ChildProcessWithoutNullStreams {
    if (this.#child) return this.#child;
    const child = spawnGit(this.#repoRoot, ['cat-file', '--batch'], this.#env);
    this.#child = child;
    this.#stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      this.#drain();
    });
    child.stderr.on('data', (chunk: Buffer) => (this.#stderr += chunk.toString('utf8')));
    child.stdin.on('error', (error) => this.#fail(child, error));
    child.on('error', (error) => this.#fail(child, error));
    child.on('close', (code) =>
      this.#fail(
        child,
        new TollgateError(
          `git cat-file --batch ended (exit ${code}) in ${this.#repoRoot}: ${this.#stderr.trim()}`,
        ),
      ),
    );
    return child;
  }

  #drain(): void {
    while (this.#queue.length > 0) {
      const newline = this.#buffer.indexOf(0x0a);
      if (newline < 0) return;
      const header = /^([0-9a-f]+) (\w+) (\d+)$/.exec(this.#buffer.subarray(0, newline).toString('utf8'));
      if (!header) {
        // `<spec> missing` or `<spec> ambiguous` (a spec may hold spaces, so only a full header is an object).
        this.#buffer = this.#buffer.subarray(newline + 1);
        this.#queue.shift()!.resolve(undefined);
        continue;
      }
      const size = Number(header[3]);
      if (this.#buffer.length < newline + 1 + size + 1) return;
      const content = Buffer.from(this.#buffer.subarray(newline + 1, newline + 1 + size));
      this.#buffer = this.#buffer.subarray(newline + 1 + size + 1);
      this.#queue.shift()!.resolve({ oid: header[1]!, type: header[2]!, content });
    }
    this.#setActive(false);
  }

  #setActive(active: boolean): void {
    const child = this.#child;
    if (!child) return;
    for (const handle of [child, child.stdin, child.stdout, child.stderr] as Refable[]) {
      if (active) handle.ref?.();
      else handle.unref?.();
    }
  }

  #fail(child: ChildProcessWithoutNullStreams, error: unknown): void {
    // A process we already let go of (closed, or replaced after a failure) owns none of the waiting reads.
    if (this.#child !== child) return;
    this.#child = undefined;
    this.#buffer = Buffer.alloc(0);
    this.#unsent = '';
    for (const waiter of this.#queue.splice(0)) waiter.reject(error);
  }
}

/**
 * Several objects (any names `git cat-file` takes) in one batch; undefined where missing. From a repository
 * (a reader of its own, closed after) or through a caller's reader, so several batches share one git process.
 */
export async function readObjects(
  from: string | ObjectReader,
  specs: string[],
): Promise<Map<string, GitObject | undefined>> {
  const unique = [...new Set(specs)];
  if (unique.length === 0) return new Map();
  const reader = typeof from === 'string' ? new ObjectReader(from) : from;
  try {
    const objects = await Promise.all(unique.map((spec) => reader.lookup(spec)));
    return new Map(unique.map((spec, i) => [spec, objects[i]]));
  } finally {
    if (typeof from === 'string') reader.close();
  }
}

/**
 * The registry as committed at `ref`. The file list comes from one `git ls-tree -r -z` (cached); contents
 * are read through one long-lived `git cat-file --batch` (see ObjectReader); close() ends it early. Given a
 * caller's reader, the list comes from the tree objects read through it and no other git process starts.
 */
export function gitTreeReader(
  repoRoot: string,
  ref: string,
  registryPrefix = 'registry',
  shared?: ObjectReader,
): RegistryReader & { close(): void } {
  const prefix = normalizePrefix(registryPrefix);
  let tree: Promise<Map<string, TreeEntry>> | undefined;
  const objects = shared ?? new ObjectReader(repoRoot);

  const entries = (): Promise<Map<string, TreeEntry>> =>
    (tree ??= (async () => {
      if (shared) return treeEntriesThrough(shared, ref, prefix);
      const args = ['ls-tree', '-r', '-z', '--full-tree', '--end-of-options', ref];
      if (prefix !== '') args.push('--', prefix);
      const all = parseLsTree(await git(repoRoot, args));
      const root = all.get(prefix);
      if (prefix !== '' && root?.mode === SYMLINK_MODE) throw linkError(ref, prefix);
      const relative = new Map<string, TreeEntry>();
      for (const [path, entry] of all) {
        if (prefix === '') relative.set(path, entry);
        else if (path.startsWith(`${prefix}/`)) relative.set(path.slice(prefix.length + 1), entry);
      }
      return relative;
    })());

  return {
    label: ref,
    // A caller's reader outlives this one: the caller closes it.
    close: () => (shared ? undefined : objects.close()),
    async list(dir: string): Promise<string[]> {
      const d = normalizePrefix(dir);
      return [...(await entries()).keys()].filter((p) => underDir(p, d)).sort();
    },
    async read(path: string): Promise<Buffer | undefined> {
      const entry = (await entries()).get(path);
      if (!entry) return undefined;
      if (entry.mode === SYMLINK_MODE) throw linkError(ref, prefix === '' ? path : `${prefix}/${path}`);
      if (entry.type !== 'blob') {
        throw new TollgateError(`${path} at ${ref} is a ${entry.type}, not a file`, { file: path });
      }
      return objects.read(entry.oid);
    },
  };
}

/**
 * The registry as it is on disk (for `tollgate diff` against uncommitted work). Named apart from the
 * registry loader's own file-system reader; both refuse symbolic links.
 */
export function workingTreeReader(repoRoot: string, registryPrefix = 'registry'): RegistryReader {
  const prefix = normalizePrefix(registryPrefix);
  const root = prefix === '' ? repoRoot : join(repoRoot, prefix);

  // Checks every component below the repository root, so a linked directory is caught as well as a linked file.
  const assertNoLink = async (relative: string): Promise<boolean> => {
    const parts = [
      ...(prefix === '' ? [] : prefix.split('/')),
      ...relative.split('/').filter((p) => p !== ''),
    ];
    let at = repoRoot;
    for (let i = 0; i < parts.length; i++) {
      at = join(at, parts[i]!);
      const stat = await lstat(at).catch(() => undefined);
      if (!stat) return false;
      if (stat.isSymbolicLink()) throw linkError('the working tree', parts.slice(0, i + 1).join('/'));
    }
    return true;
  };

  const walk = async (dir: string, rel: string, out: string[]): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) await walk(join(dir, entry.name), path, out);
      else out.push(path);
    }
  };

  return {
    label: 'working tree',
    async list(dir: string): Promise<string[]> {
      const d = normalizePrefix(dir);
      if (!(await assertNoLink(d))) return [];
      const out: string[] = [];
      await walk(d === '' ? root : join(root, d), d, out);
      return out.sort();
    },
    async read(path: string): Promise<Buffer | undefined> {
      if (!(await assertNoLink(path))) return undefined;
      const stat = await lstat(join(root, path));
      if (!stat.isFile()) return undefined;
      return readFile(join(root, path));
    },
  };
}

/** The entries of a raw tree object (`<mode> <name>\0<binary oid>` each); the oid's length follows the object's. */
export function parseTreeObject(
  content: Buffer,
  oidBytes: number,
): { mode: string; name: string; oid: string }[] {
  const entries: { mode: string; name: string; oid: string }[] = [];
  for (let i = 0; i < content.length;) {
    const space = content.indexOf(0x20, i);
    const nul = content.indexOf(0, space + 1);
    if (space < 0 || nul < 0 || nul + 1 + oidBytes > content.length) break;
    entries.push({
      mode: content.toString('latin1', i, space),
      name: content.toString('utf8', space + 1, nul),
      oid: content.toString('hex', nul + 1, nul + 1 + oidBytes),
    });
    i = nul + 1 + oidBytes;
  }
  return entries;
}

/**
 * The files (blobs and links, as `git ls-tree -r` lists them; not submodules) at or below each of `paths` at `rev`,
 * read as tree objects through a caller's cat-file reader: the same answer as `git ls-tree -r rev -- paths`
 * without starting another process. A path that is not there lists nothing.
 */
export async function listFiles(
  reader: ObjectReader,
  rev: string,
  paths: string[],
): Promise<{ oid: string; path: string }[]> {
  const files: { oid: string; path: string }[] = [];
  const walk = async (object: GitObject | undefined, path: string): Promise<void> => {
    if (object?.type === 'blob') {
      files.push({ oid: object.oid, path });
    } else if (object?.type === 'tree') {
      const entries = parseTreeObject(object.content, object.oid.length / 2).filter(
        (e) => e.mode !== '160000',
      );
      await Promise.all(
        entries.map(async (e) => {
          const child = `${path}/${e.name}`;
          if (e.mode === '40000') await walk(await reader.lookup(e.oid), child);
          else files.push({ oid: e.oid, path: child });
        }),
      );
    }
  };
  await Promise.all(
    paths.map(async (p) => {
      const path = p.replace(/\/+$/, '');
      await walk(await reader.lookup(`${rev}:${path}`), path);
    }),
  );
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * What `git ls-tree -r --full-tree <ref> -- <prefix>` lists below `prefix` (paths relative to it), read as tree
 * objects through `reader`: blobs and links as blobs, submodules as commits. A prefix that is a link is refused as
 * ls-tree's caller refuses it; a prefix that is missing, or not a folder, lists nothing.
 */
async function treeEntriesThrough(
  reader: ObjectReader,
  ref: string,
  prefix: string,
): Promise<Map<string, TreeEntry>> {
  const entries = new Map<string, TreeEntry>();
  let tree = await reader.lookup(`${ref}^{tree}`);
  if (tree?.type !== 'tree') throw new TollgateError(`${ref} is not a commit or tree in this repository`);
  const oidBytes = tree.oid.length / 2;
  const parts = prefix === '' ? [] : prefix.split('/');
  for (const [i, name] of parts.entries()) {
    const entry = parseTreeObject(tree.content, oidBytes).find((e) => e.name === name);
    if (!entry) return entries;
    if (entry.mode === SYMLINK_MODE && i === parts.length - 1) throw linkError(ref, prefix);
    if (entry.mode !== '40000') return entries;
    tree = await reader.lookup(entry.oid);
    if (tree?.type !== 'tree') return entries;
  }
  const walk = async (content: Buffer, dir: string): Promise<void> => {
    const subtrees: Promise<void>[] = [];
    for (const e of parseTreeObject(content, oidBytes)) {
      const path = dir === '' ? e.name : `${dir}/${e.name}`;
      if (e.mode === '40000')
        subtrees.push(
          reader.lookup(e.oid).then((sub) => (sub?.type === 'tree' ? walk(sub.content, path) : undefined)),
        );
      else entries.set(path, { mode: e.mode, type: e.mode === '160000' ? 'commit' : 'blob', oid: e.oid });
    }
    await Promise.all(subtrees);
  };
  await walk(tree.content, '');
  return entries;
}
