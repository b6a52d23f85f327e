// The registry folder as a repository-relative prefix (`registry/`), which history queries need.
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { didYouMean } from '../../suggest.ts';
import { TollgateError } from '../../errors.ts';
import type { CliContext } from '../context.ts';

export function registryPrefix(context: CliContext): string {
  const rel = relative(context.repoRoot, context.registryDir);
  if (rel === '' || rel.startsWith('..'))
    throw new TollgateError(
      `the registry ${context.registryDir} is not inside the repository ${context.repoRoot}`,
      {
        fix: 'run from the repository holding the registry, or point --registry at a folder inside it',
      },
    );
  return `${rel.split(sep).join('/')}/`;
}

export function formatOption(value: string | undefined, command: string): 'text' | 'json' {
  if (value === undefined || value === 'text' || value === 'json') return value ?? 'text';
  throw new TollgateError(`${command}: --format must be text or json, not ${value}`, {
    fix: '--format json',
  });
}

/**
 * A model the registry folder has (models/MODEL/); an unknown one is an error (exit 1) naming the nearest.
 * History may know a model since deleted: callers pass `known` when their history found it.
 */
export function assertKnownModel(context: CliContext, model: string, known = false): void {
  if (known) return;
  const dir = join(context.registryDir, 'models');
  const models = existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
    : [];
  if (models.includes(model)) return;
  throw new TollgateError(`no model ${model} in the registry${didYouMean(model, models)}`, {
    file: `models/${model}/model.yaml`,
    fix: models.length
      ? `name one of: ${models.slice(0, 10).join(', ')}${models.length > 10 ? ', ...' : ''}`
      : 'add one with `tollgate init --model NAME`',
  });
}
