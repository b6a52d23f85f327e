// `tollgate validate [PATH...] [--format json]`: the same checks as the validate action, on the working tree.
import { relative, resolve, sep } from 'node:path';
import { TollgateError } from '../../errors.ts';
import { validateRegistry } from '../../registry/invariants.ts';
import { fileSystemReader } from '../../registry/load.ts';
import type { Problem } from '../../registry/types.ts';
import { formatProblems } from '../../registry/writer.ts';
import { type Command, parseCommandArgs } from '../context.ts';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check registry files: YAML, schemas and cross-file rules (all, or the PATHs given)',
  async run(args, context) {
    const { values, positionals } = parseCommandArgs('validate', args, { format: { type: 'string' } });
    const format = values.format ?? 'text';
    if (format !== 'text' && format !== 'json') {
      throw new TollgateError(`validate: unknown format "${format}"`, {
        fix: 'use --format json, or leave it out',
      });
    }
    const reader = fileSystemReader(context.registryDir);
    let paths: string[] | undefined;
    if (positionals.length > 0) {
      paths = [];
      for (const arg of positionals) {
        const rel = registryRelative(context.registryDir, resolve(context.cwd, arg), arg);
        const below = await reader.list(rel);
        paths.push(...(below.length > 0 ? below : [rel]));
      }
    }
    const files = paths ?? (await reader.list(''));
    const problems = await validateRegistry(reader, paths ? { paths } : {});
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
