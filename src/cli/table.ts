// Aligned columns for terminal output: every column as wide as its widest cell, and, when a width is given (a
// terminal's), the flexible columns shrink until the row fits, their cells cut with an ellipsis. Pure.

export interface TableOptions {
  /** The width to fit (a terminal's columns); no limit when undefined (a pipe keeps every character). */
  width?: number;
  /** Columns that may shrink, by index; default: the last one. */
  flexible?: readonly number[];
  /** Narrowest a flexible column gets. */
  minWidth?: number;
  gap?: string;
}

/** `text` cut to `width` characters, its last one an ellipsis when anything was cut. */
export function truncate(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return width <= 0 ? '' : `${chars.slice(0, width - 1).join('')}…`;
}

const length = (text: string) => [...text].length;

export function renderTable(rows: readonly (readonly string[])[], options: TableOptions = {}): string {
  if (rows.length === 0) return '';
  const gap = options.gap ?? '  ';
  const count = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: count }, (_, i) => Math.max(0, ...rows.map((r) => length(r[i] ?? ''))));
  const flexible = options.flexible ?? [count - 1];
  const min = options.minWidth ?? 8;
  if (options.width !== undefined) {
    let excess = widths.reduce((a, b) => a + b, 0) + gap.length * (count - 1) - options.width;
    while (excess > 0) {
      // The widest flexible column that can still give.
      const i = flexible.filter((c) => widths[c]! > min).sort((a, b) => widths[b]! - widths[a]!)[0];
      if (i === undefined) break;
      widths[i]! -= 1;
      excess -= 1;
    }
  }
  return rows
    .map((row) =>
      widths
        .map((w, i) => {
          const cell = truncate(row[i] ?? '', w);
          return i === count - 1 ? cell : cell + ' '.repeat(w - length(cell));
        })
        .join(gap)
        .trimEnd(),
    )
    .join('\n');
}
