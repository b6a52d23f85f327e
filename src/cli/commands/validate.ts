// `tollgate validate [PATH...] [--since REF] [--format json]`: the validate action's checks, on the working tree.
import { existsSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { TollgateError } from '../../errors.ts';
import { validateFlow, type ValidateScope } from '../../registry/validate-flow.ts';
import { formatProblems } from '../../registry/writer.ts';
import { type Command, parseCommandArgs } from '../context.ts';
import { commandSpec, FORMAT_OPTION } from '../spec.ts';
import { paint } from '../style.ts';
import { formatOption, registryPrefix } from './registry-prefix.ts';

const VALIDATE = commandSpec({
  name: 'validate',
  summary: 'check registry files: YAML, schemas and cross-file rules (all, the PATHs given, or --since REF)',
  args: '[PATH...]',
  options: {
    since: {
      type: 'string',
      value: 'REF',
      description: 'check only the files changed since REF (a commit, tag or branch), with what they touch',
    },
    strict: { type: 'boolean', default: false, description: 'treat warnings as errors (exit 1)' },
    ...FORMAT_OPTION,
  },
  examples: [
    ['tollgate validate', 'check the whole registry'],
    ['tollgate validate registry/models/fraud-detector/model.yaml', 'check one file and what it refers to'],
    ['tollgate validate --since main --format json', 'check what changed since main, as JSON'],
  ],
});

export const validateCommand: Command = {
  ...VALIDATE,
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(VALIDATE, args);
    const format = formatOption(values.format, 'validate');
    if (values.since !== undefined && positionals.length > 0)
      throw new TollgateError('validate: give PATHs or --since, not both', {
        fix: 'tollgate validate --since main',
      });
    const scope: ValidateScope =
      values.since !== undefined
        ? { kind: 'since', ref: values.since }
        : positionals.length > 0
          ? {
              kind: 'paths',
              paths: positionals.map((arg) =>
                registryRelative(context.registryDir, resolve(context.cwd, arg), arg),
              ),
            }
          : { kind: 'all' };
    // --since reads history, so the registry must be inside the repository; otherwise it may sit anywhere.
    const registryPath =
      values.since !== undefined
        ? registryPrefix(context).slice(0, -1)
        : relative(context.repoRoot, context.registryDir).split(sep).join('/') || '.';
    // Progress goes to stderr, so stdout stays the report (and JSON stays parseable).
    const result = await validateFlow(
      { registryPath, scope },
      { repoRoot: context.repoRoot, onProgress: (message) => context.err(message) },
    );
    const { files, problems, errors, warnings, skipped } = result;
    const strict = values.strict && warnings > 0;
    if (format === 'json') {
      context.out(
        JSON.stringify({ files, errors, warnings, skipped, strict: values.strict, problems }, null, 2),
      );
    } else {
      const on = context.color === true;
      if (problems.length > 0)
        context.out(
          formatProblems(problems).replace(
            /: (error|warning): /g,
            (_, level: string) => `: ${paint(on, level === 'error' ? 'red' : 'yellow', level)}: `,
          ),
        );
      context.out(
        `${errors} error(s), ${warnings} warning(s) in ${files} registry file(s)` +
          (strict ? ' (--strict: warnings fail)' : '') +
          (skipped > 0
            ? `; ${skipped} cross-file check(s) skipped: they refer to files that failed to parse`
            : ''),
      );
    }
    return errors > 0 || strict ? 1 : 0;
  },
};

/** A command-line path as a registry-relative one ('' for the registry itself). */
function registryRelative(registryDir: string, absolute: string, shown: string): string {
  const rel = relative(registryDir, absolute);
  if (rel.startsWith('..') || resolve(registryDir, rel) !== absolute) {
    throw new TollgateError(`${shown} is outside the registry (${registryDir})`, {
      kind: 'usage',
      fix: 'name files inside the registry folder, or set --registry',
    });
  }
  if (!existsSync(absolute))
    throw new TollgateError(`${shown}: no such file or folder`, {
      kind: 'usage',
      fix: 'name a file or folder inside the registry, or run `tollgate validate` for all of it',
    });
  return rel.split(sep).join('/');
}
