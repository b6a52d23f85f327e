// The gate guards itself (pure). A writer who can weaken the gate can then walk through it: edit the workflow that
// runs it, the CODEOWNERS that back it, the action it pins, or the schemas the registry is checked against. So a
// change to any of those needs the policy owners' sign-off, as a change to policy.yaml does, and may not ride along
// with a promotion. Which paths count comes from the BASE policy, and the defaults below cannot be taken out of it.
import type { RegistryChange } from '../registry/types.ts';

type FileChange = Extract<RegistryChange, { kind: 'file-changed' }>;

/** A `uses:` line that pins one of Tollgate's actions (`owner/tollgate/actions/<name>@ref`), in any YAML file. */
const TOLLGATE_PIN = /^\s*(?:-\s*)?uses:\s*['"]?([^\s'"#]*\/tollgate[^/\s'"#]*\/actions\/[^\s'"#]*)/gim;

/** Every Tollgate action pin in a file's text, sorted (a file without any gives []). */
export function tollgatePins(text: string | undefined): string[] {
  if (text === undefined) return [];
  return [...text.matchAll(TOLLGATE_PIN)].map((m) => m[1]!).sort();
}

/** Whether a change from `before` to `after` (undefined: no file) adds, removes or moves a Tollgate action pin. */
export function pinsChanged(before: string | undefined, after: string | undefined): boolean {
  const a = tollgatePins(before);
  const b = tollgatePins(after);
  return a.length !== b.length || a.some((pin, i) => pin !== b[i]);
}

/** Only YAML files can hold a `uses:` that GitHub reads (workflows and composite actions). */
export const mayHoldPins = (path: string): boolean => /\.ya?ml$/i.test(path);

const compiled = new Map<string, RegExp>();

/**
 * A repository path glob as a regular expression: `**` any depth, `*` and `?` within one folder, a trailing `/`
 * the whole folder. Case-insensitive, so `.GitHub/` cannot slip past `.github/**` on a case-insensitive checkout.
 */
function globRegExp(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (re) return re;
  const glob = pattern.replace(/^\/+/, '').replace(/\/$/, '/**');
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      // `a/**` is the folder and everything below it; `**/b` is b in any folder.
      const slash = glob[i + 2] === '/';
      source += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  re = new RegExp(`^${source}$`, 'i');
  compiled.set(pattern, re);
  return re;
}

export function matchesGlob(path: string, pattern: string): boolean {
  return globRegExp(pattern).test(path);
}

/**
 * Why a change outside the registry guards the gate (the pattern it matches, or the pin it moves), or undefined
 * when it does not.
 */
export function guardOf(change: RegistryChange, guardedPaths: readonly string[]): string | undefined {
  if (change.kind !== 'file-changed') return undefined;
  const pattern = guardedPaths.find((p) => matchesGlob(change.path, p));
  if (pattern !== undefined) return `matches ${pattern}`;
  return change.tollgatePin ? 'moves a Tollgate action pin (uses: …/tollgate/actions/…)' : undefined;
}

/** The changes outside the registry that guard the gate. */
export function guardedChanges(
  changes: RegistryChange[],
  guardedPaths: readonly string[],
): (FileChange & { guard: string })[] {
  return changes.flatMap((change) => {
    const guard = guardOf(change, guardedPaths);
    return guard === undefined || change.kind !== 'file-changed' ? [] : [{ ...change, guard }];
  });
}
