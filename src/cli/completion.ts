// `tollgate completion bash|zsh|fish`: shell completion generated from the commands' option tables.
import type { CommandSpec } from './spec.ts';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface Entry {
  /** `promote`, or `schedule pause`. */
  path: string;
  words: string[];
}

/** For each command and subcommand, the words that may follow it: subcommands, then --options. */
function entries(commands: readonly CommandSpec[]): Entry[] {
  const out: Entry[] = [];
  const visit = (spec: CommandSpec) => {
    const subs = (spec.subcommands ?? []).map((s) => s.name.split(' ').at(-1)!);
    out.push({
      path: spec.name,
      words: [...subs, ...Object.keys(spec.options).map((o) => `--${o}`), '--help'],
    });
    for (const sub of spec.subcommands ?? []) visit(sub);
  };
  for (const c of commands) visit(c);
  return out;
}

const quoteWords = (words: string[]) => words.join(' ');

function bash(commands: readonly CommandSpec[]): string {
  const cases = entries(commands).map((e) => `    "${e.path}") words="${quoteWords(e.words)}" ;;`);
  return [
    '# tollgate completion for bash: eval "$(tollgate completion bash)" in ~/.bashrc',
    '_tollgate() {',
    '  local cur=${COMP_WORDS[COMP_CWORD]} path="" i w words',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    w=${COMP_WORDS[i]}',
    '    case "$w" in -C|--registry) ((i++)); continue ;; -*) continue ;; esac',
    '    if [[ -z $path ]]; then path=$w; elif [[ $path != *" "* ]]; then path="$path $w"; fi',
    '  done',
    '  case "$path" in',
    `    "") words="${quoteWords(commands.map((c) => c.name))} -C --registry --help --version" ;;`,
    ...cases,
    '    *) words="" ;;',
    '  esac',
    '  # a subcommand path that is not one falls back to its command',
    '  if [[ -z $words && $path == *" "* ]]; then',
    '    case "${path%% *}" in',
    ...entries(commands)
      .filter((e) => !e.path.includes(' '))
      .map((e) => `      "${e.path}") words="${quoteWords(e.words.filter((w) => w.startsWith('-')))}" ;;`),
    '    esac',
    '  fi',
    '  COMPREPLY=($(compgen -W "$words" -- "$cur"))',
    '}',
    'complete -o default -F _tollgate tollgate',
    '',
  ].join('\n');
}

function zsh(commands: readonly CommandSpec[]): string {
  return [
    '#compdef tollgate',
    '# tollgate completion for zsh: eval "$(tollgate completion zsh)" in ~/.zshrc (after compinit)',
    // zsh runs bash completion functions through bashcompinit, so both shells share one table.
    'autoload -U +X bashcompinit && bashcompinit',
    bash(commands).split('\n').slice(1).join('\n'),
  ].join('\n');
}

function fish(commands: readonly CommandSpec[]): string {
  const lines = [
    '# tollgate completion for fish: tollgate completion fish > ~/.config/fish/completions/tollgate.fish',
    'complete -c tollgate -f',
  ];
  const top = commands.map((c) => c.name).join(' ');
  for (const c of commands)
    lines.push(
      `complete -c tollgate -n "not __fish_seen_subcommand_from ${top}" -a ${c.name} -d ${fishQuote(c.summary)}`,
    );
  for (const c of commands) {
    for (const sub of c.subcommands ?? []) {
      const word = sub.name.split(' ').at(-1)!;
      lines.push(
        `complete -c tollgate -n "__fish_seen_subcommand_from ${c.name}" -a ${word} -d ${fishQuote(sub.summary)}`,
      );
    }
    for (const spec of [c, ...(c.subcommands ?? [])]) {
      const cond =
        spec === c
          ? `__fish_seen_subcommand_from ${c.name}`
          : `__fish_seen_subcommand_from ${c.name}; and __fish_seen_subcommand_from ${spec.name.split(' ').at(-1)}`;
      for (const [name, o] of Object.entries(spec.options))
        lines.push(
          `complete -c tollgate -n "${cond}" -l ${name}${o.type === 'string' ? ' -r' : ''} -d ${fishQuote(o.description)}`,
        );
    }
  }
  return `${lines.join('\n')}\n`;
}

const fishQuote = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function completionScript(shell: Shell, commands: readonly CommandSpec[]): string {
  return shell === 'bash' ? bash(commands) : shell === 'zsh' ? zsh(commands) : fish(commands);
}
