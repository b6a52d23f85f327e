// RegistryReaders over a git ref (one ls-tree, batched cat-file) and over the working tree, never following links.
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TollgateError } from '../errors.ts';
import type { RegistryReader } from '../registry/types.ts';
import { git, runGitBuffer } from './run.ts';

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

/** Splits `git cat-file --batch` output into object contents, keyed by the oid each header names. */
export function parseCatFileBatch(out: Buffer): Map<string, Buffer> {
  const objects = new Map<string, Buffer>();
  let at = 0;
  while (at < out.length) {
    const newline = out.indexOf(0x0a, at);
    if (newline < 0) break;
    const header = out.subarray(at, newline).toString('utf8').split(' ');
    at = newline + 1;
    if (header[1] === 'missing' || header.length < 3) continue;
    const size = Number(header[2]);
    objects.set(header[0]!, out.subarray(at, at + size));
    at += size + 1;
  }
  return objects;
}

/**
 * The registry as committed at `ref`. The file list comes from one `git ls-tree -r -z` (cached); contents
 * are read with `git cat-file --batch`, and reads issued together (e.g. under Promise.all) share one process.
 */
export function gitTreeReader(repoRoot: string, ref: string, registryPrefix = 'registry'): RegistryReader {
  const prefix = normalizePrefix(registryPrefix);
  let tree: Promise<Map<string, TreeEntry>> | undefined;
  let pending = new Map<string, { resolve: (b: Buffer) => void; reject: (e: unknown) => void }[]>();
  let scheduled = false;

  const entries = (): Promise<Map<string, TreeEntry>> =>
    (tree ??= (async () => {
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

  const flush = async (): Promise<void> => {
    scheduled = false;
    const batch = pending;
    pending = new Map();
    try {
      const out = await runGitBuffer(repoRoot, ['cat-file', '--batch'], {
        input: [...batch.keys(), ''].join('\n'),
      });
      const objects = parseCatFileBatch(out.stdout);
      for (const [oid, waiters] of batch) {
        const content = objects.get(oid);
        for (const w of waiters) {
          if (content) w.resolve(content);
          else w.reject(new TollgateError(`git object ${oid} is missing from ${repoRoot}`));
        }
      }
    } catch (error) {
      for (const waiters of batch.values()) for (const w of waiters) w.reject(error);
    }
  };

  const readObject = (oid: string): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const waiters = pending.get(oid) ?? [];
      waiters.push({ resolve, reject });
      pending.set(oid, waiters);
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => void flush());
      }
    });

  return {
    label: ref,
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
      return readObject(entry.oid);
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
