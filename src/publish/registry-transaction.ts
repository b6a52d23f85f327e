// Registry files in a transaction (src/git/transaction.ts): read the registry as the stage holds it, stage
// documents through the one writer's rendering and validation, and commit a registry change as ONE commit on
// the checked-out branch (or another ref), rebuilt on the new tip when a concurrent writer got there first.
import { posix } from 'node:path';
import {
  runTransaction,
  type Built,
  type Stage,
  type TransactionOptions,
  type TransactionResult,
} from '../git/transaction.ts';
import type { RegistryReader } from '../registry/types.ts';
import { renderRegistryWrites, type RegistryFileWrite } from '../registry/writer.ts';

/** `registryDir` as a repository-relative prefix ('' for the repository root). */
const prefixOf = (registryDir: string): string =>
  registryDir === '.' ? '' : registryDir.replace(/\/+$/, '');

/** The registry as staged: what the commit being built will hold. */
export function stageReader(stage: Stage, registryDir: string): RegistryReader {
  const prefix = prefixOf(registryDir);
  const inRepo = (path: string) => (prefix === '' ? path : posix.join(prefix, path));
  return {
    label: stage.parent ? `commit ${stage.parent.slice(0, 12)} with this change` : 'the change',
    async list(dir) {
      const all = await stage.list(dir === '' ? prefix : inRepo(dir));
      return prefix === '' ? all : all.map((p) => p.slice(prefix.length + 1));
    },
    read: (path) => stage.read(inRepo(path)),
  };
}

/** Renders and validates `writes` (registry-relative) and stages them; an invalid one stages nothing. */
export function stageRegistryWrites(
  stage: Stage,
  registryDir: string,
  writes: RegistryFileWrite[],
): string[] {
  const prefix = prefixOf(registryDir);
  const rendered = renderRegistryWrites(writes);
  return rendered.map(({ path, text }) => {
    const file = prefix === '' ? path : posix.join(prefix, path);
    stage.write(file, text);
    return file;
  });
}

export interface RegistryChangeOptions<T> extends Omit<TransactionOptions<T>, 'build'> {
  /** The registry folder, repository-relative (`registry`, or `.`). */
  registryDir: string;
  /** Reads what it decides from `registry` (the staged registry) and stages writes with `stage.write(...)`. */
  build: (registry: RegistryReader, stage: RegistryStage, attempt: number) => Promise<Built<T>>;
}

/** A stage that also takes registry documents. */
export interface RegistryStage extends Stage {
  writeRegistry(writes: RegistryFileWrite[]): string[];
}

/**
 * One registry change as one commit (see runTransaction for the guarantees). `build` reads the registry at the
 * branch's tip, so two commands run together each decide on the other's result, never on a stale copy.
 */
export function commitRegistryChange<T>(
  repoRoot: string,
  options: RegistryChangeOptions<T>,
): Promise<TransactionResult<T>> {
  const { registryDir, build, ...rest } = options;
  return runTransaction(repoRoot, {
    ...rest,
    build: (stage, attempt) => {
      const registryStage: RegistryStage = {
        parent: stage.parent,
        read: (path) => stage.read(path),
        list: (dir) => stage.list(dir),
        write: (path, content) => stage.write(path, content),
        revert: (sha) => stage.revert(sha),
        changed: () => stage.changed(),
        checkpoint: () => stage.checkpoint(),
        reset: (tree) => stage.reset(tree),
        writeRegistry: (writes) => stageRegistryWrites(stage, registryDir, writes),
      };
      return build(stageReader(stage, registryDir), registryStage, attempt);
    },
  });
}
