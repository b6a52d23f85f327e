// The `tollgate` command: parses global options, answers help and --version, checks what a command needs (a
// registry; for a writing command a git repository and a clean registry folder), then hands the rest to one
// command module. Every error becomes one message on stderr and the exit code exit-codes.ts gives its kind.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describeError, TollgateError } from '../errors.ts';
import { recoverCheckouts } from '../git/transaction.ts';
import { installedManifest } from '../init/installed.ts';
import { findCommand } from './builtins.ts';
import { allCommands } from './commands/index.ts';
import { gitTopLevel, parseGlobalOptions, usage, type CliContext } from './context.ts';
import { exitCodeFor } from './exit-codes.ts';
import { commandHelp, nearest, parseWithSpec, type CommandSpec } from './spec.ts';

const HELP_FLAGS = new Set(['--help', '-h']);

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const { context, rest } = parseGlobalOptions(argv, env);
    const [name, ...args] = rest;
    if (name === '--version' || name === '-v' || name === '-V') {
      context.out(String(installedManifest().version));
      return 0;
    }
    // Bare `tollgate` is a request for help, answered (exit 0); an unknown command is a usage error (exit 2).
    if (name === undefined || HELP_FLAGS.has(name)) {
      context.out(usage(allCommands));
      return 0;
    }
    findCommand(allCommands, [name]);
    const command = allCommands.find((c) => c.name === name)!;
    const options = args.slice(0, args.includes('--') ? args.indexOf('--') : undefined);
    if (options.some((a) => HELP_FLAGS.has(a))) {
      // `tollgate schedule --help` is the group's page; `tollgate schedule pause --help` the subcommand's.
      context.out(commandHelp(HELP_FLAGS.has(args[0]!) ? command : subcommandOf(command, args).spec));
      return 0;
    }
    const { spec, rest: specArgs } = subcommandOf(command, args);
    // Usage errors first: a mistyped option is reported as such wherever the command is run.
    const parsed =
      spec !== command || !command.subcommands?.length ? parseWithSpec(spec, trainArgs(specArgs)) : undefined;
    // A run killed after its commit landed left the checkout behind; any later command finishes that first.
    if (existsSync(join(context.repoRoot, '.git', 'tollgate'))) await recoverCheckouts(context.repoRoot);
    await preflight(spec, options, context);
    if (parsed) checkRevisions(spec, parsed.values as Record<string, unknown>, context);
    return await command.run(args, context);
  } catch (error) {
    process.stderr.write(`tollgate: ${describeError(error)}\n`);
    return exitCodeFor(error);
  }
}

/** Arguments before `--` (what follows is another program's, as in `tollgate train -- python train.py`). */
const trainArgs = (args: string[]): string[] =>
  args.includes('--') ? args.slice(0, args.indexOf('--')) : args;

/**
 * The spec the arguments select and the arguments it parses: a named subcommand's (without its name), the
 * group's default one, or the command's own.
 */
function subcommandOf(command: CommandSpec, args: string[]): { spec: CommandSpec; rest: string[] } {
  if (!command.subcommands?.length) return { spec: command, rest: args };
  const first = args[0];
  const named = command.subcommands.find((s) => s.name === `${command.name} ${first}`);
  if (named) return { spec: named, rest: args.slice(1) };
  const fallback = command.subcommands.find((s) => s.name === `${command.name} ${command.defaultSubcommand}`);
  if (first === undefined || first.startsWith('-')) {
    if (fallback) return { spec: fallback, rest: args };
    if (first === undefined)
      throw new TollgateError(`${command.name}: which one? ${subcommandWords(command)}`, {
        kind: 'usage',
        fix: `tollgate ${command.name} --help`,
      });
    return { spec: command, rest: args };
  }
  const near = nearest(
    first,
    command.subcommands.map((s) => s.name.slice(command.name.length + 1)),
  );
  throw new TollgateError(
    `${command.name}: unknown subcommand "${first}"${near ? ` (did you mean ${near}?)` : ''}`,
    {
      kind: 'usage',
      fix: `tollgate ${command.name} ${near ?? '<subcommand>'} (${subcommandWords(command)})`,
    },
  );
}

const subcommandWords = (command: CommandSpec) =>
  (command.subcommands ?? []).map((s) => s.name.slice(command.name.length + 1)).join('|');

/**
 * Every option the table says takes a REF names a commit, tag or branch that exists: git's own words for a bad
 * one ("fatal: ambiguous argument") say nothing about which option was wrong.
 */
function checkRevisions(spec: CommandSpec, values: Record<string, unknown>, context: CliContext): void {
  for (const [name, option] of Object.entries(spec.options)) {
    if (option.value !== 'REF' || typeof values[name] !== 'string') continue;
    const ref = values[name] as string;
    try {
      // Raw and synchronous: checked while the arguments are parsed, before the command's async work starts.
      execFileSync('git', ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], {
        cwd: context.repoRoot,
        stdio: 'ignore',
      });
    } catch {
      throw new TollgateError(`unknown revision '${ref}' for --${name}: give a commit, tag or branch`, {
        kind: 'usage',
        fix: `e.g. --${name} main, --${name} HEAD~3, or a commit sha (\`git log --oneline\` lists them)`,
      });
    }
  }
}

/** What a command needs before it runs: the registry it reads; for one that writes, a clean git repository. */
async function preflight(spec: CommandSpec, options: readonly string[], context: CliContext): Promise<void> {
  if (spec.needsRegistry !== false && !existsSync(context.registryDir))
    throw new TollgateError(`no registry at ${context.registryDir}`, {
      kind: 'environment',
      fix: 'run in a repository set up with `tollgate init`, or point at one with -C DIR or --registry PATH',
    });
  if (!spec.writes || options.includes('--dry-run')) return;
  if (gitTopLevel(context.cwd) === undefined)
    throw new TollgateError(`${context.cwd} is not inside a git repository, and ${spec.name} commits`, {
      kind: 'environment',
      fix: 'run `git init` (or clone the repository) first, or look with --dry-run',
    });
  if (options.includes('--allow-dirty') || !existsSync(context.registryDir)) return;
  const path = relative(context.repoRoot, context.registryDir) || '.';
  if (path.startsWith('..')) return;
  // Raw: `git status --porcelain` lists an untracked folder as one entry; simple-git's status lists every file (-u).
  const dirty = execFileSync('git', ['status', '--porcelain', '--', path], {
    cwd: context.repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
  if (dirty) {
    const files = dirty.split('\n');
    throw new TollgateError(
      `the registry folder has uncommitted changes (${files.length} file(s), e.g. ${files[0]!.slice(3)}), and ${spec.name} commits on top of it`,
      {
        kind: 'environment',
        fix: 'commit or stash them first, or pass --allow-dirty to run anyway',
      },
    );
  }
}
