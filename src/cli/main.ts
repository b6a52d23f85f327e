// The `tollgate` command: parses global options, then hands the rest to one command module.
import { describeError, TollgateError } from '../errors.ts';
import { installedManifest } from '../init/installed.ts';
import { commands } from './commands/index.ts';
import { parseGlobalOptions, usage } from './context.ts';

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const { context, rest } = parseGlobalOptions(argv, env);
    const [name, ...args] = rest;
    if (name === '--version' || name === '-v') {
      context.out(String(installedManifest().version));
      return 0;
    }
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      context.out(usage(commands));
      return name === undefined ? 1 : 0;
    }
    const command = commands.find((c) => c.name === name);
    if (!command)
      throw new TollgateError(`unknown command "${name}"`, { fix: 'run `tollgate help` for the list' });
    return await command.run(args, context);
  } catch (error) {
    process.stderr.write(`tollgate: ${describeError(error)}\n`);
    return 2;
  }
}
