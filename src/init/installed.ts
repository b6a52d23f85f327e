// The installed Tollgate package as the running CLI sees it: its root folder, its release and its workflow
// templates. The same code runs from src/ (development, tests) and from cli/dist/ (the bundle, also inside
// node_modules/tollgate after `npm install`), so everything is found relative to this file, never to the cwd.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TollgateError } from '../errors.ts';
import { pinTollgateUses, releaseOf, type PackageManifest, type Release } from './release.ts';

/** The package root: the nearest folder above this file holding package.json and templates/. */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'templates'))) return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new TollgateError(
        `cannot find Tollgate's package folder (package.json and templates/) above ${from}`,
        {
          fix: 'reinstall the package: npm install --save-dev tollgate',
        },
      );
    dir = parent;
  }
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TollgateError(`cannot read ${path}: ${(error as Error).message}`, {
      fix: 'reinstall the package: npm install --save-dev tollgate',
      cause: error,
    });
  }
}

export function installedManifest(root: string = packageRoot()): PackageManifest {
  return readJson(join(root, 'package.json')) as PackageManifest;
}

/** The release this CLI belongs to: package.json, plus release.json when the release workflow stamped one. */
export function installedRelease(root: string = packageRoot()): Release {
  const stampFile = join(root, 'release.json');
  return releaseOf(installedManifest(root), existsSync(stampFile) ? readJson(stampFile) : undefined);
}

/**
 * templates/workflows/tollgate-<name>.yml for each name, with Tollgate's own `uses:` lines naming `release` (the
 * running CLI's, by default), as `tollgate init` writes them.
 */
export function workflowTemplates(
  names: readonly string[],
  release: Release = installedRelease(),
  root: string = packageRoot(),
): Record<string, string> {
  const folder = join(root, 'templates', 'workflows');
  return Object.fromEntries(
    names.map((name) => [
      name,
      pinTollgateUses(readFileSync(join(folder, `tollgate-${name}.yml`), 'utf8'), release).text,
    ]),
  );
}
