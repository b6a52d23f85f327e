// `tollgate validate [PATH...] [--since REF] [--format json]`: the validate action's checks, on the working tree.
import { relative, resolve, sep } from 'node:path';
import { TollgateError } from '../../errors.ts';
import { gitTreeReader } from '../../git/reader.ts';
import { changedPaths, WORKTREE } from '../../git/history.ts';
import { auditEventsRewritten, validateRegistry } from '../../registry/invariants.ts';
import { fileSystemReader } from '../../registry/load.ts';
import type { Problem } from '../../registry/types.ts';
import { formatProblems } from '../../registry/writer.ts';
import { type CliContext, type Command, parseCommandArgs } from '../context.ts';
import { formatOption, registryPrefix } from './registry-prefix.ts';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check registry files: YAML, schemas and cross-file rules (all, the PATHs given, or --since REF)',
  async run(args, context) {
    const { values, positionals } = parseCommandArgs('validate', args, {
      format: { type: 'string' },
      since: { type: 'string' },
    });
    const format = formatOption(values.format, 'validate');
    const reader = fileSystemReader(context.registryDir);
    let paths: string[] | undefined;
    const rewritten: Problem[] = [];
    if (values.since !== undefined) {
      if (positionals.length > 0)
        throw new TollgateError('validate: give PATHs or --since, not both', {
          fix: 'tollgate validate --since main',
        });
      const since = await changedSince(context, values.since);
      paths = since.present;
      // An audit event that existed at REF must be byte-identical now: audit records are append-only.
      const base = gitTreeReader(context.repoRoot, values.since, registryPrefix(context).slice(0, -1));
      try {
        rewritten.push(...(await auditEventsRewritten(base, reader, since.all)));
      } finally {
        base.close();
      }
    } else if (positionals.length > 0) {
      paths = [];
      for (const arg of positionals) {
        const rel = registryRelative(context.registryDir, resolve(context.cwd, arg), arg);
        const below = await reader.list(rel);
        paths.push(...(below.length > 0 ? below : [rel]));
      }
    }
    const files = paths ?? (await reader.list(''));
    const problems = [...rewritten, ...(await validateRegistry(reader, paths ? { paths } : {}))];
    const counts = countProblems(problems);
    if (format === 'json') {
      context.out(JSON.stringify({ files: files.length, ...counts, problems }, null, 2));
    } else {
      if (problems.length > 0) context.out(formatProblems(problems));
      context.out(
        `${counts.errors} error(s), ${counts.warnings} warning(s) in ${files.length} registry file(s)`,
      );
    }
    return counts.errors > 0 ? 1 : 0;
  },
};

/** Registry-relative paths changed between REF and the working tree: all of them, and those still present. */
async function changedSince(context: CliContext, ref: string): Promise<{ all: string[]; present: string[] }> {
  const prefix = registryPrefix(context);
  const changes = (await changedPaths(context.repoRoot, ref, WORKTREE)).filter((c) =>
    c.path.startsWith(prefix),
  );
  const relativePath = (path: string) => path.slice(prefix.length);
  return {
    all: changes
      .flatMap((c) => [c.path, ...(c.oldPath?.startsWith(prefix) ? [c.oldPath] : [])])
      .map(relativePath),
    present: changes.filter((c) => c.status !== 'D').map((c) => relativePath(c.path)),
  };
}

export function countProblems(problems: Problem[]): { errors: number; warnings: number } {
  const errors = problems.filter((p) => p.severity === 'error').length;
  return { errors, warnings: problems.length - errors };
}

/** A command-line path as a registry-relative one ('' for the registry itself). */
function registryRelative(registryDir: string, absolute: string, shown: string): string {
  const rel = relative(registryDir, absolute);
  if (rel.startsWith('..') || resolve(registryDir, rel) !== absolute) {
    throw new TollgateError(`${shown} is outside the registry (${registryDir})`, {
      fix: 'name files inside the registry folder, or set --registry',
    });
  }
  return rel.split(sep).join('/');
}
