// The double's repositories are real bare git repositories: refs and commits come from git itself,
// so a flow can push to them and the API double sees the result.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { git, runGit, runGitBuffer } from '../../src/git/run.ts';

export const ISOLATED_GIT_ENV: NodeJS.ProcessEnv = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
};

export interface Author {
  name: string;
  email: string;
}

let indexCounter = 0;

export const ZERO_SHA = '0000000000000000000000000000000000000000';

export async function initBare(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await git(dir, ['init', '--bare', '--quiet', '--initial-branch=main'], { env: ISOLATED_GIT_ENV });
}

/** The commit a ref points at, or undefined. */
export async function readRef(gitDir: string, ref: string): Promise<string | undefined> {
  const result = await runGit(gitDir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], {
    env: ISOLATED_GIT_ENV,
    okCodes: [1, 128],
  });
  return result.code === 0 ? result.stdout.trim() : undefined;
}

export async function commitExists(gitDir: string, sha: string): Promise<boolean> {
  if (!/^[0-9a-f]{40}$/.test(sha)) return false;
  const result = await runGit(gitDir, ['cat-file', '-e', `${sha}^{commit}`], {
    env: ISOLATED_GIT_ENV,
    okCodes: [1, 128],
  });
  return result.code === 0;
}

export async function isAncestor(gitDir: string, ancestor: string, descendant: string): Promise<boolean> {
  const result = await runGit(gitDir, ['merge-base', '--is-ancestor', ancestor, descendant], {
    env: ISOLATED_GIT_ENV,
    okCodes: [1],
  });
  return result.code === 0;
}

/** Moves `ref` from `expected` (ZERO_SHA: must not exist) to `sha`, atomically; false if it moved meanwhile. */
export async function compareAndSwapRef(
  gitDir: string,
  ref: string,
  sha: string,
  expected: string,
): Promise<boolean> {
  const result = await runGit(gitDir, ['update-ref', ref, sha, expected], {
    env: ISOLATED_GIT_ENV,
    okCodes: [128],
  });
  return result.code === 0;
}

export async function deleteRef(gitDir: string, ref: string): Promise<void> {
  await git(gitDir, ['update-ref', '-d', ref], { env: ISOLATED_GIT_ENV });
}

export interface FileChange {
  filename: string;
  status: 'added' | 'modified' | 'removed' | 'renamed';
  previousFilename?: string;
}

/** Files changed on `head` since it forked from `base` (GitHub's three-dot comparison). */
export async function changedFiles(gitDir: string, base: string, head: string): Promise<FileChange[]> {
  const out = await git(gitDir, ['diff', '--name-status', '-z', '-M', `${base}...${head}`], {
    env: ISOLATED_GIT_ENV,
  });
  const parts = out.split('\0').filter((part) => part !== '');
  const files: FileChange[] = [];
  for (let i = 0; i < parts.length;) {
    const code = parts[i++]!;
    if (code.startsWith('R')) {
      const from = parts[i++]!;
      files.push({ filename: parts[i++]!, status: 'renamed', previousFilename: from });
    } else {
      const status = code === 'A' ? 'added' : code === 'D' ? 'removed' : 'modified';
      files.push({ filename: parts[i++]!, status });
    }
  }
  return files;
}

export interface CommitInfo {
  sha: string;
  authorName: string;
  authorEmail: string;
  committerName: string;
  committerEmail: string;
}

/** Commits on `head` not on `base`, oldest first. */
export async function commitsBetween(gitDir: string, base: string, head: string): Promise<CommitInfo[]> {
  const out = await git(
    gitDir,
    ['log', '--reverse', '--format=%H%x00%an%x00%ae%x00%cn%x00%ce', `${base}..${head}`],
    {
      env: ISOLATED_GIT_ENV,
    },
  );
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [sha = '', authorName = '', authorEmail = '', committerName = '', committerEmail = ''] =
        line.split('\0');
      return { sha, authorName, authorEmail, committerName, committerEmail };
    });
}

/**
 * Commits file changes (null deletes) on top of `branch` without a working tree, and moves the branch.
 * Dates are fixed so shas are reproducible.
 */
export async function commitFiles(
  gitDir: string,
  branch: string,
  files: Record<string, string | null>,
  message: string,
  author: Author,
  date: string,
): Promise<string> {
  const index = join(gitDir, `tollgate-index-${process.pid}-${(indexCounter += 1)}`);
  const env = { ...authorEnv(author, date), GIT_INDEX_FILE: index };
  const parent = await readRef(gitDir, `refs/heads/${branch}`);
  if (parent) await git(gitDir, ['read-tree', parent], { env });
  else await git(gitDir, ['read-tree', '--empty'], { env });
  // Two git calls however many files: hash all blobs from temporary files, then one index update
  // (mode 0 removes an entry).
  const entries = Object.entries(files);
  const written = entries.filter((entry): entry is [string, string] => entry[1] !== null);
  const blobDir = await mkdtemp(join(gitDir, 'tollgate-blobs-'));
  const blobFiles = await Promise.all(
    written.map(async ([, content], i) => {
      const file = join(blobDir, String(i));
      await writeFile(file, content);
      return file;
    }),
  );
  const shas = written.length
    ? (
        await git(gitDir, ['hash-object', '-w', '--stdin-paths'], { env, input: blobFiles.join('\n') + '\n' })
      ).split('\n')
    : [];
  await rm(blobDir, { recursive: true, force: true });
  const blobOf = new Map(written.map(([path], i) => [path, shas[i]!]));
  const info = entries
    .map(([path, content]) =>
      content === null ? `0 ${ZERO_SHA}\t${path}` : `100644 ${blobOf.get(path)}\t${path}`,
    )
    .join('\n');
  if (entries.length) await git(gitDir, ['update-index', '--index-info'], { env, input: `${info}\n` });
  const tree = await git(gitDir, ['write-tree'], { env });
  const sha = await git(gitDir, ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', message], {
    env,
  });
  await git(gitDir, ['update-ref', `refs/heads/${branch}`, sha, parent ?? ZERO_SHA], { env });
  await rm(index, { force: true });
  return sha;
}

/** Git's environment for a commit by `author` at `date` (author and committer alike). */
function authorEnv(author: Author, date: string): NodeJS.ProcessEnv {
  return {
    ...ISOLATED_GIT_ENV,
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: author.name,
    GIT_COMMITTER_EMAIL: author.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  };
}

/** Whether `head` merges into `base` without conflicts (git merge-tree, no work tree needed). */
export async function mergesCleanly(gitDir: string, base: string, head: string): Promise<boolean> {
  const result = await runGit(gitDir, ['merge-tree', '--write-tree', base, head], {
    env: ISOLATED_GIT_ENV,
    okCodes: [1],
  });
  return result.code === 0;
}

/** A merge commit of `head` into `base` (not moving any ref); fails on conflicts. */
export async function mergeCommit(
  gitDir: string,
  base: string,
  head: string,
  message: string,
  author: Author,
  date: string,
): Promise<string> {
  const env = authorEnv(author, date);
  const tree = (await git(gitDir, ['merge-tree', '--write-tree', base, head], { env })).split('\n')[0]!;
  return git(gitDir, ['commit-tree', tree, '-p', base, '-p', head, '-m', message], { env });
}

/** A squash commit: the merge result of `head` into `base` as one commit whose only parent is `base`. */
export async function squashCommit(
  gitDir: string,
  base: string,
  head: string,
  message: string,
  author: Author,
  date: string,
): Promise<string> {
  const merged = await mergeCommit(gitDir, base, head, message, author, date);
  const env = authorEnv(author, date);
  return git(gitDir, ['commit-tree', `${merged}^{tree}`, '-p', base, '-m', message], { env });
}

export type PathAt =
  | { type: 'file'; sha: string; content: Buffer }
  | {
      type: 'dir';
      sha: string;
      entries: { name: string; path: string; type: 'file' | 'dir'; sha: string }[];
    };

/** What `path` is in the commit `ref` names: a file's bytes, a folder's entries, or undefined. */
export async function readPath(gitDir: string, ref: string, path: string): Promise<PathAt | undefined> {
  const clean = path.replace(/^\/+|\/+$/g, '');
  const commit = await readRef(gitDir, /^[0-9a-f]{40}$/.test(ref) ? ref : `refs/heads/${ref}`);
  if (!commit) return undefined;
  const object = await runGit(gitDir, ['rev-parse', '--verify', '--quiet', `${commit}:${clean}`], {
    env: ISOLATED_GIT_ENV,
    okCodes: [1, 128],
  });
  if (object.code !== 0) return undefined;
  const sha = object.stdout.trim();
  const type = (await git(gitDir, ['cat-file', '-t', sha], { env: ISOLATED_GIT_ENV })).trim();
  if (type === 'blob') {
    const { stdout } = await runGitBuffer(gitDir, ['cat-file', 'blob', sha], { env: ISOLATED_GIT_ENV });
    return { type: 'file', sha, content: stdout };
  }
  const listing = await git(gitDir, ['ls-tree', sha], { env: ISOLATED_GIT_ENV });
  const entries = listing
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const [meta, name] = line.split('\t') as [string, string];
      const [, kind, entrySha] = meta.split(' ') as [string, string, string];
      return {
        name,
        path: clean === '' ? name : `${clean}/${name}`,
        type: kind === 'tree' ? ('dir' as const) : ('file' as const),
        sha: entrySha,
      };
    });
  return { type: 'dir', sha, entries };
}
