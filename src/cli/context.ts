// Global options shared by every command, and the context a command runs in.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { TollgateError } from '../errors.ts';

export interface CliContext {
  /** The directory `-C` named, or the current one. */
  cwd: string;
  /** The repository root (git top level), or cwd outside a repository. */
  repoRoot: string;
  /** Absolute path of the registry folder. */
  registryDir: string;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface Command {
  name: string;
  summary: string;
  run: (args: string[], context: CliContext) => Promise<number>;
}

/** Takes `-C DIR` and `--registry PATH` from the front of argv, like git; everything after goes to the command. */
export function parseGlobalOptions(
  argv: string[],
  env: NodeJS.ProcessEnv,
): { context: CliContext; rest: string[] } {
  let dir = process.cwd();
  let registry: string | undefined;
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-C' || arg === '--registry') {
      const value = argv[++i];
      if (value === undefined)
        throw new TollgateError(`${arg} needs a value`, { fix: `tollgate ${arg} PATH <command>` });
      if (arg === '-C') dir = resolve(dir, value);
      else registry = value;
    } else break;
  }
  if (!existsSync(dir)) throw new TollgateError(`-C ${dir}: no such directory`);
  const repoRoot = gitTopLevel(dir) ?? dir;
  const registryDir =
    registry === undefined
      ? resolve(repoRoot, 'registry')
      : isAbsolute(registry)
        ? registry
        : resolve(dir, registry);
  return {
    context: {
      cwd: dir,
      repoRoot,
      registryDir,
      env,
      now: () => new Date(env.TOLLGATE_NOW ?? Date.now()),
      out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
      err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    },
    rest: argv.slice(i),
  };
}

function gitTopLevel(dir: string): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

/** parseArgs with the project's conventions: unknown options are errors that name the command's usage. */
export function parseCommandArgs<T extends NonNullable<Parameters<typeof parseArgs>[0]>['options']>(
  command: string,
  args: string[],
  options: T,
  allowPositionals = true,
) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    throw new TollgateError(`${command}: ${(error as Error).message}`, {
      fix: `run \`tollgate help\` for ${command}'s options`,
    });
  }
}

export function usage(commands: Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: tollgate [-C DIR] [--registry PATH] <command> [options]',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Mutating commands take --dry-run; reading commands take --format json. `tollgate --version` prints the version.',
  ].join('\n');
}
