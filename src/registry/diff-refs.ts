// The semantic diff between two commits, or a commit and the working tree: git names the changed files and
// reads both sides; the pure diff (diff.ts) says what each change means.
import { changedPaths, resolveRef, WORKTREE } from '../git/history.ts';
import { gitTreeReader, workingTreeReader } from '../git/reader.ts';
import { byPath, diffRegistries } from './diff.ts';
import type { RegistryChange } from './types.ts';

export interface RefDiff {
  changes: RegistryChange[];
  /** Repository-relative paths outside the registry that changed. */
  outside: string[];
  /** Registry-relative paths that changed (both sides of a rename; deleted files included). */
  registryPaths: string[];
}

/**
 * The semantic diff between two commits (or a commit and the working tree, `WORKTREE`): git names the
 * changed files, and only those are read. Compares the trees directly; pass a merge base as `baseRef` for
 * "what this branch changed".
 */
export async function registryDiffBetweenRefs(
  repoRoot: string,
  baseRef: string,
  headRef: string,
  registryPrefix = 'registry',
): Promise<RefDiff> {
  const prefix = registryPrefix.replace(/^\.?\/+|\/+$/g, '');
  const base = await resolveRef(repoRoot, baseRef);
  const head = headRef === WORKTREE ? WORKTREE : await resolveRef(repoRoot, headRef);
  const registryPaths: string[] = [];
  const outside: string[] = [];
  for (const change of await changedPaths(repoRoot, base, head)) {
    for (const path of change.oldPath === undefined ? [change.path] : [change.oldPath, change.path]) {
      if (prefix === '') registryPaths.push(path);
      else if (path.startsWith(`${prefix}/`)) registryPaths.push(path.slice(prefix.length + 1));
      else if (path === prefix) registryPaths.push('');
      else outside.push(path);
    }
  }
  // The registry folder itself replaced by a link or a file: nothing below it can be trusted.
  const changes: RegistryChange[] = registryPaths.includes('') ? [{ kind: 'unknown-registry-file', path: prefix }] : [];
  const baseReader = gitTreeReader(repoRoot, base, prefix);
  const headReader = head === WORKTREE ? workingTreeReader(repoRoot, prefix) : gitTreeReader(repoRoot, head, prefix);
  try {
    changes.push(
      ...(await diffRegistries(baseReader, headReader, { paths: registryPaths.filter((p) => p !== ''), outside })),
    );
  } finally {
    baseReader.close();
    if ('close' in headReader && typeof headReader.close === 'function') headReader.close();
  }
  return {
    changes,
    outside: [...new Set(outside)].sort(byPath),
    registryPaths: [...new Set(registryPaths.filter((p) => p !== ''))].sort(byPath),
  };
}
