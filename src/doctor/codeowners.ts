// Who GitHub asks to review a path, from a CODEOWNERS file: the last matching line wins, and a line with no owners
// means the path has none. Patterns follow GitHub's gitignore-like rules. Pure.

export interface CodeownersRule {
  pattern: string;
  owners: string[];
  line: number;
}

/** The locations GitHub reads, in the order it looks: the first that exists is used. */
export const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'] as const;

export function parseCodeowners(text: string): CodeownersRule[] {
  const rules: CodeownersRule[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') return;
    const [pattern, ...owners] = line.split(/\s+/);
    rules.push({ pattern: pattern!, owners, line: index + 1 });
  });
  return rules;
}

function globToRegExp(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` any folders (none included), a trailing `**` anything.
      if (glob[i + 2] === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return out;
}

/** Whether a CODEOWNERS pattern covers `path` (a file path from the repository root, no leading slash). */
export function patternMatches(pattern: string, path: string): boolean {
  let p = pattern;
  const directory = p.endsWith('/');
  if (directory) p = p.slice(0, -1);
  const anchored = p.startsWith('/') || p.slice(0, -1).includes('/');
  p = p.replace(/^\//, '');
  if (p === '' || p === '*') return directory ? true : p === '*' || path === '';
  const body = globToRegExp(p);
  // A pattern names a file or a folder; a folder covers everything below it. A directory pattern only folders.
  const tail = directory ? '/.*' : '(?:/.*)?';
  const regex = new RegExp(`^${anchored ? '' : '(?:.*/)?'}${body}${tail}$`);
  return regex.test(path);
}

/** The owners GitHub requests for `path` (empty when none), and the line that decided it. */
export function ownersOf(
  rules: readonly CodeownersRule[],
  path: string,
): { owners: string[]; line?: number } {
  for (let i = rules.length - 1; i >= 0; i--)
    if (patternMatches(rules[i]!.pattern, path)) return { owners: rules[i]!.owners, line: rules[i]!.line };
  return { owners: [] };
}
