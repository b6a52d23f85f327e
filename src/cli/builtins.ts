// The commands about the CLI itself: `tollgate help [COMMAND]` and `tollgate completion SHELL`. They take the
// command list as an argument, so the list can include them without an import cycle.
import { TollgateError } from '../errors.ts';
import { completionScript, SHELLS, type Shell } from './completion.ts';
import { parseCommandArgs, usage, type Command } from './context.ts';
import { commandHelp, commandSpec, nearest, specFor, type CommandSpec } from './spec.ts';

/** The command `words` name (`schedule`, `schedule pause`), or a usage error suggesting the nearest. */
export function findCommand(commands: readonly Command[], words: readonly string[]): CommandSpec {
  const [name, ...rest] = words;
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const near = nearest(
      name ?? '',
      commands.map((c) => c.name),
    );
    throw new TollgateError(`unknown command "${name}"${near ? ` (did you mean ${near}?)` : ''}`, {
      kind: 'usage',
      fix: near ? `tollgate ${near} --help` : 'run `tollgate help` for the list',
    });
  }
  return specFor(command, rest);
}

const HELP = commandSpec({
  name: 'help',
  summary: 'show the commands, or one command’s options and examples',
  args: '[COMMAND [SUBCOMMAND]]',
  positionals: [0, 2],
  needsRegistry: false,
  options: {},
  examples: [
    ['tollgate help', 'list every command, the global options and the exit codes'],
    ['tollgate help promote', 'the options of promote, with defaults and examples'],
    ['tollgate help schedule pause', 'the options of one subcommand'],
  ],
});

const COMPLETION = commandSpec({
  name: 'completion',
  summary: 'print a shell completion script for bash, zsh or fish',
  args: 'bash|zsh|fish',
  positionals: [1, 1],
  needsRegistry: false,
  options: {},
  examples: [
    ['eval "$(tollgate completion bash)"', 'complete tollgate in this bash session (add it to ~/.bashrc)'],
    ['eval "$(tollgate completion zsh)"', 'the same for zsh (after compinit, in ~/.zshrc)'],
    ['tollgate completion fish > ~/.config/fish/completions/tollgate.fish', 'install it for fish'],
  ],
});

export function builtinCommands(commands: readonly Command[]): Command[] {
  const all = () => [...commands, help, completion];
  const help: Command = {
    ...HELP,
    async run(args, context) {
      const { positionals } = parseCommandArgs(HELP, args);
      context.out(positionals.length === 0 ? usage(all()) : commandHelp(findCommand(all(), positionals)));
      return 0;
    },
  };
  const completion: Command = {
    ...COMPLETION,
    async run(args, context) {
      const { positionals } = parseCommandArgs(COMPLETION, args);
      const shell = positionals[0]!;
      if (!(SHELLS as readonly string[]).includes(shell)) {
        const near = nearest(shell, SHELLS);
        throw new TollgateError(
          `completion: no script for ${shell}${near ? ` (did you mean ${near}?)` : ''}`,
          {
            kind: 'usage',
            fix: `tollgate completion ${near ?? 'bash'} (one of ${SHELLS.join(', ')})`,
          },
        );
      }
      context.out(completionScript(shell as Shell, all()));
      return 0;
    },
  };
  return [help, completion];
}
