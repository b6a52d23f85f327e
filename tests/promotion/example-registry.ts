// The example registry as files to commit into a test repository, with every version's source commit set to a
// commit that test repository has (the example's shas belong to no repository).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..', 'registry');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** Repository-relative path (under `registry/`) -> text. */
export function exampleRegistryFiles(sourceCommit: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const file of walk(ROOT)) {
    const path = `registry/${relative(ROOT, file).split(sep).join('/')}`;
    let text = readFileSync(file, 'utf8');
    if (/\/versions\/[^/]+\.yaml$/.test(path))
      text = text.replace(/^( {2}commit: )[0-9a-f]{40}$/m, `$1${sourceCommit}`);
    files[path] = text;
  }
  return files;
}

/** A version file with `source.commit` replaced. */
export function withSourceCommit(text: string, sourceCommit: string): string {
  return text.replace(/^( {2}commit: )[0-9a-f]{40}$/m, `$1${sourceCommit}`);
}

/** A version file with a `held` mark appended. */
export function withHeld(text: string): string {
  return `${text}held:\n  reason: error rate spike\n  at: '2026-11-02T03:20:00Z'\n  by: oncall\n`;
}
