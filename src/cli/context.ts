// Global options shared by every command, and the context a command runs in.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { TollgateError } from '../errors.ts';
import { EXIT_CODES } from './exit-codes.ts';
import { colorEnabled } from './style.ts';
import { parseWithSpec, type CommandSpec, type OptionTable, type ParsedCommand } from './spec.ts';

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
  /** The terminal's width when stdout is one (tables fit it); undefined for a pipe or a file. */
  columns?: number;
  /** Colour stdout: a terminal, and no NO_COLOR. */
  color?: boolean;
}

/** A command: its declared table (spec.ts) and what it does. */
export interface Command extends CommandSpec {
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
        throw new TollgateError(`${arg} needs a value`, {
          kind: 'usage',
          fix: `tollgate ${arg} PATH <command>`,
        });
      if (arg === '-C') dir = resolve(dir, value);
      else registry = value;
    } else break;
  }
  if (!existsSync(dir))
    throw new TollgateError(`-C ${dir}: no such directory`, {
      kind: 'usage',
      fix: 'name an existing directory',
    });
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
      columns: process.stdout.isTTY ? process.stdout.columns : undefined,
      color: colorEnabled(env, process.stdout),
      out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
      err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    },
    rest: argv.slice(i),
  };
}

export function gitTopLevel(dir: string): string | undefined {
  try {
    // Raw and synchronous: the context is built before any command runs, and simple-git is asynchronous only.
    return execFileSync('git', ['rev-parse', '--show-toplevel'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Parses a command's arguments against its declared table (spec.ts): unknown options (with the nearest valid
 * one), bad values, missing or extra arguments are usage errors. Declare the table with `commandSpec`.
 */
export function parseCommandArgs<O extends OptionTable>(
  spec: CommandSpec<O>,
  args: string[],
): ParsedCommand<O> {
  return parseWithSpec(spec, args);
}

/** The top-level help: every command with its summary, the global options and the exit codes. */
export function usage(commands: readonly CommandSpec[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: tollgate [-C DIR] [--registry PATH] <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'global options (before the command):',
    ...GLOBAL_OPTIONS.map((o) => `  ${o.flag.padEnd(16)}  ${o.description}`),
    '',
    'exit codes:',
    ...EXIT_CODES.map((e) => `  ${e.code}  ${e.meaning}`),
    '',
    "`tollgate help COMMAND` or `tollgate COMMAND --help` shows a command's options and examples.",
  ].join('\n');
}

export const GLOBAL_OPTIONS: readonly { flag: string; description: string }[] = [
  { flag: '-C DIR', description: 'run as if started in DIR (like git -C)' },
  { flag: '--registry PATH', description: 'the registry folder (default: registry/ at the repository root)' },
  { flag: '-h, --help', description: 'this help' },
  { flag: '--version', description: 'print the version and exit' },
];
