// The registry folder as a repository-relative prefix (`registry/`), which history queries need.
import { relative, sep } from 'node:path';
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
