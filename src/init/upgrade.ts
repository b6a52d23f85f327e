// `tollgate init --upgrade` as data: which of an adopted repository's Tollgate workflows change, and the unified
// diff to show before anything is written. Pure; the command reads and writes the files.
import { pinTollgateUses, type Release, type UsesChange } from './release.ts';

export interface WorkflowFile {
  /** Repository-relative path, e.g. `.github/workflows/tollgate-retrain.yml`. */
  path: string;
  content: string;
}

export interface UpgradePlan {
  /** Files whose content changes, with the new content and the diff. */
  changed: { path: string; content: string; diff: string; changes: UsesChange[] }[];
  /** Files that already pin this release. */
  current: string[];
  /** `uses:` of paths under Tollgate's repository that this release does not ship, left as they were. */
  unknown: { path: string; line: number; action: string }[];
}

export function planUpgrade(files: WorkflowFile[], release: Release): UpgradePlan {
  const plan: UpgradePlan = { changed: [], current: [], unknown: [] };
  for (const file of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    const pinned = pinTollgateUses(file.content, release);
    plan.unknown.push(...pinned.unknown.map((u) => ({ path: file.path, ...u })));
    if (pinned.text === file.content) plan.current.push(file.path);
    else
      plan.changed.push({
        path: file.path,
        content: pinned.text,
        diff: unifiedDiff(file.path, file.content, pinned.text),
        changes: pinned.changes,
      });
  }
  return plan;
}

/**
 * A unified diff (as `git diff` prints it, 3 lines of context) between two versions of a file that have the
 * same number of lines, which is all an upgrade produces: it rewrites lines in place and never adds or removes
 * one. That keeps this a line-by-line comparison instead of a general diff algorithm.
 */
export function unifiedDiff(path: string, before: string, after: string, context = 3): string {
  // A final newline ends the last line; it does not start an empty one.
  const lines = (text: string) => (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
  const a = lines(before);
  const b = lines(after);
  if (a.length !== b.length) throw new Error(`unifiedDiff: ${path} changed its number of lines`);
  const changed = a.flatMap((line, i) => (line === b[i] ? [] : [i]));
  if (changed.length === 0) return '';
  // Changes whose context windows touch share one hunk.
  const hunks: { start: number; end: number }[] = [];
  for (const i of changed) {
    const start = Math.max(0, i - context);
    const end = Math.min(a.length - 1, i + context);
    const last = hunks.at(-1);
    if (last && start <= last.end + 1) last.end = end;
    else hunks.push({ start, end });
  }
  const out = [`--- a/${path}`, `+++ b/${path}`];
  // As git marks it: the file's last line, when no newline ends it (both sides alike, as upgrades keep it).
  const last = a.length - 1;
  const noNewline = !before.endsWith('\n');
  const line = (prefix: string, text: string, i: number) =>
    out.push(`${prefix}${text}`, ...(noNewline && i === last ? ['\\ No newline at end of file'] : []));
  for (const { start, end } of hunks) {
    const count = end - start + 1;
    // As git writes a range: the count is left out when it is 1.
    const range = count === 1 ? `${start + 1}` : `${start + 1},${count}`;
    out.push(`@@ -${range} +${range} @@`);
    let run: number[] = [];
    const flush = () => {
      for (const i of run) line('-', a[i]!, i);
      for (const i of run) line('+', b[i]!, i);
      run = [];
    };
    for (let i = start; i <= end; i++) {
      if (a[i] === b[i]) {
        flush();
        line(' ', a[i]!, i);
      } else run.push(i);
    }
    flush();
  }
  return `${out.join('\n')}\n`;
}
