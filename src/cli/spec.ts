// The one table a command declares: its options (type, default, description), arguments, summary and examples.
// The parser (parseCommandArgs), `--help`, shell completion and docs/reference/cli.md all read it, so they cannot
// drift apart. Pure: no I/O.
import { parseArgs } from 'node:util';
import { TollgateError } from '../errors.ts';
import { nearest } from '../suggest.ts';

export { editDistance, nearest } from '../suggest.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** One letter, as `-x`. */
  short?: string;
  /** May be given more than once; the values come as a list. */
  multiple?: boolean;
  default?: string | boolean | string[] | boolean[];
  /** One line for help and the reference. */
  description: string;
  /** The placeholder for the value in help (`--to STAGE`); STRING by default. */
  value?: string;
  /** The values allowed; anything else is a usage error that suggests the nearest. */
  choices?: readonly string[];
  /** Missing is a usage error. */
  required?: boolean;
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

export interface CommandSpec<O extends OptionTable = OptionTable> {
  /** As typed: `promote`, or `schedule pause` for a subcommand. */
  name: string;
  summary: string;
  /** The arguments as help shows them: `MODEL VERSION`, `[PATH...]`. */
  args?: string;
  /** How many arguments it takes, [min, max]; not checked when absent. */
  positionals?: readonly [number, number];
  options: O;
  /** Two or three `[command line, what it does]` pairs. */
  examples: readonly (readonly [string, string])[];
  /** It writes (a commit or files): takes --dry-run and --allow-dirty and refuses outside a git repository. */
  writes?: boolean;
  /** It reads the registry folder, so a missing one is an environment error (default true). */
  needsRegistry?: boolean;
  /** A group's subcommands (`schedule status`, `schedule pause`, ...). */
  subcommands?: readonly CommandSpec[];
  /** The subcommand run when none is named. */
  defaultSubcommand?: string;
}

/** What every writing command takes (added by `commandSpec` when `writes` is set). */
export const WRITE_OPTIONS = {
  'dry-run': {
    type: 'boolean',
    default: false,
    description: 'show what would be written and committed, and write nothing',
  },
  'allow-dirty': {
    type: 'boolean',
    default: false,
    description: 'run although the registry folder has uncommitted changes',
  },
} as const satisfies OptionTable;

type WithWrites<O extends OptionTable, W> = W extends true ? O & typeof WRITE_OPTIONS : O;

/** Declares a command; a writing one gets --dry-run and --allow-dirty in its table. */
export function commandSpec<const O extends OptionTable, const W extends boolean | undefined = undefined>(
  spec: CommandSpec<O> & { writes?: W },
): CommandSpec<WithWrites<O, W>> {
  if (!spec.writes) return spec as CommandSpec<WithWrites<O, W>>;
  return { ...spec, options: { ...spec.options, ...WRITE_OPTIONS } } as CommandSpec<WithWrites<O, W>>;
}

type ParseConfig<O extends OptionTable> = {
  args: string[];
  options: { -readonly [K in keyof O]: O[K] };
  allowPositionals: true;
  strict: true;
};
export type ParsedCommand<O extends OptionTable> = ReturnType<typeof parseArgs<ParseConfig<O>>>;

const usageError = (message: string, fix: string): TollgateError =>
  new TollgateError(message, { kind: 'usage', fix });

/** Parses `args` against the spec; every mistake is a usage error naming the fix. */
export function parseWithSpec<O extends OptionTable>(spec: CommandSpec<O>, args: string[]): ParsedCommand<O> {
  const options: Record<string, Omit<OptionSpec, 'description' | 'value' | 'choices' | 'required'>> = {};
  for (const [name, o] of Object.entries(spec.options))
    options[name] = {
      type: o.type,
      ...(o.short !== undefined ? { short: o.short } : {}),
      ...(o.multiple !== undefined ? { multiple: o.multiple } : {}),
      ...(o.default !== undefined ? { default: o.default } : {}),
    };
  let parsed;
  try {
    parsed = parseArgs({ args, options: options as never, allowPositionals: true, strict: true });
  } catch (error) {
    throw parseFailure(spec, error as Error & { code?: string });
  }
  const values = parsed.values as Record<string, unknown>;
  for (const [name, o] of Object.entries(spec.options)) {
    const given = values[name];
    if (o.required && given === undefined)
      throw usageError(`${spec.name}: --${name} ${o.value ?? 'VALUE'} is required`, usageLine(spec));
    if (o.choices && given !== undefined)
      for (const v of [given].flat() as string[])
        if (!o.choices.includes(v)) {
          const near = nearest(v, o.choices);
          throw usageError(
            `${spec.name}: --${name} must be ${o.choices.join(' or ')}, not ${v}${near ? ` (did you mean ${near}?)` : ''}`,
            `--${name} ${near ?? o.choices[0]}`,
          );
        }
  }
  if (spec.positionals) {
    const [min, max] = spec.positionals;
    const n = parsed.positionals.length;
    if (n < min || n > max) {
      const extra = n > max ? ` (unexpected: ${parsed.positionals.slice(max).join(' ')})` : '';
      const wanted = max === 0 ? 'no arguments' : spec.args ? `${spec.args}` : `${min}–${max} argument(s)`;
      throw usageError(`${spec.name}: expected ${wanted}, got ${n}${extra}`, usageLine(spec));
    }
  }
  return parsed as unknown as ParsedCommand<O>;
}

function parseFailure(spec: CommandSpec, error: Error & { code?: string }): TollgateError {
  const help = `\`tollgate ${spec.name} --help\` lists its options`;
  const unknown = /Unknown option '([^']+)'/.exec(error.message);
  if (unknown) {
    const given = unknown[1]!;
    const near = nearest(given.replace(/^-+/, ''), Object.keys(spec.options));
    return usageError(
      `${spec.name}: unknown option ${given}${near ? ` (did you mean --${near}?)` : ''}`,
      near ? `--${near}; ${help}` : help,
    );
  }
  // node's messages name the option and what it wanted; the hint about `--` after an argument is not ours.
  const message = error.message.replace(/\. To specify a positional argument.*$/s, '').replace(/\.$/, '');
  return usageError(`${spec.name}: ${message}`, help);
}

function optionUsage(name: string, o: OptionSpec): string {
  return o.type === 'boolean' ? `--${name}` : `--${name} ${o.value ?? 'STRING'}`;
}

/** `tollgate promote MODEL VERSION --to STAGE [options]` */
export function usageLine(spec: CommandSpec): string {
  const required = Object.entries(spec.options)
    .filter(([, o]) => o.required)
    .map(([n, o]) => optionUsage(n, o));
  const rest = Object.values(spec.options).some((o) => !o.required) ? ['[options]'] : [];
  const sub = spec.subcommands ? ['<subcommand>'] : [];
  return ['tollgate', spec.name, ...sub, ...(spec.args ? [spec.args] : []), ...required, ...rest].join(' ');
}

export interface OptionRow {
  flag: string;
  default: string;
  description: string;
}

/** One row per option, as help and the reference show them. */
export function optionRows(spec: CommandSpec): OptionRow[] {
  return Object.entries(spec.options).map(([name, o]) => ({
    flag: `${o.short ? `-${o.short}, ` : ''}${optionUsage(name, o)}${o.multiple ? ' ...' : ''}`,
    default:
      o.default === undefined || o.default === false || (Array.isArray(o.default) && !o.default.length)
        ? ''
        : String(o.default),
    description:
      o.description +
      (o.choices ? ` (${o.choices.join(', ')})` : '') +
      (o.required ? ' (required)' : '') +
      (o.multiple ? ' (repeatable)' : ''),
  }));
}

/** `tollgate CMD --help`. */
export function commandHelp(spec: CommandSpec): string {
  const lines = [`usage: ${usageLine(spec)}`, '', spec.summary];
  if (spec.subcommands?.length) {
    const width = Math.max(...spec.subcommands.map((s) => s.name.length));
    lines.push('', 'subcommands:');
    for (const s of spec.subcommands) lines.push(`  ${s.name.padEnd(width)}  ${s.summary}`);
    lines.push('', `\`tollgate ${spec.name} <subcommand> --help\` shows a subcommand's options.`);
  }
  const rows = optionRows(spec);
  if (rows.length) {
    const width = Math.max(...rows.map((r) => r.flag.length));
    lines.push('', 'options:');
    for (const r of rows)
      lines.push(`  ${r.flag.padEnd(width)}  ${r.description}${r.default ? ` [default: ${r.default}]` : ''}`);
  }
  if (spec.examples.length) {
    lines.push('', 'examples:');
    for (const [line, does] of spec.examples) lines.push(`  ${line}`, `      ${does}`);
  }
  return lines.join('\n');
}

/** The spec `args` names: the subcommand's when the first argument is one, else the command's own. */
export function specFor(spec: CommandSpec, args: readonly string[]): CommandSpec {
  const sub = spec.subcommands?.find((s) => s.name === `${spec.name} ${args[0]}`);
  return sub ?? spec;
}

/** `--format text|json`, as every reading command takes it. */
export const FORMAT_OPTION = {
  format: {
    type: 'string',
    value: 'FORMAT',
    choices: ['text', 'json'],
    description: 'output format',
    default: 'text',
  },
} as const satisfies OptionTable;
