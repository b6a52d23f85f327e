// Colour for terminal output: only when the stream is a terminal, never with NO_COLOR (https://no-color.org)
// or TERM=dumb. Pure given its inputs.

export function colorEnabled(env: NodeJS.ProcessEnv, stream: { isTTY?: boolean }): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

const CODES = { red: 31, yellow: 33, green: 32, bold: 1, dim: 2 } as const;
export type Style = keyof typeof CODES;

/** `text` in `style` when `on`, as it is otherwise. */
export function paint(on: boolean, style: Style, text: string): string {
  return on ? `\x1b[${CODES[style]}m${text}\x1b[0m` : text;
}
