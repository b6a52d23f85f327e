// Writes a built site into a folder, incrementally: a file whose content is unchanged is left alone (its time
// too, so a sync or a Pages upload sees only what changed), and a page the site no longer has (a model removed)
// is deleted. Only files a previous build listed in the folder's manifest are ever deleted; a folder that holds
// other files and no manifest is refused, so `--out` can never wipe someone's work.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { TollgateError } from '../errors.ts';
import type { SiteFile } from './flow.ts';

export const SITE_MANIFEST = '.tollgate-site.json';

export interface SiteWriteResult {
  written: string[];
  unchanged: number;
  removed: string[];
}

const SAFE_PATH = /^(?:[A-Za-z0-9_][A-Za-z0-9_.-]*\/)*[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

function previousFiles(out: string): string[] | undefined {
  const manifest = join(out, SITE_MANIFEST);
  if (!existsSync(manifest)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { files?: unknown };
    return Array.isArray(parsed.files) ? parsed.files.filter((f): f is string => typeof f === 'string') : [];
  } catch {
    return [];
  }
}

export function writeSite(out: string, files: SiteFile[]): SiteWriteResult {
  for (const f of files)
    if (!SAFE_PATH.test(f.path) || f.path.split('/').includes('..'))
      throw new TollgateError(`site: refusing to write ${JSON.stringify(f.path)} outside the site folder`);
  if (existsSync(out) && !statSync(out).isDirectory())
    throw new TollgateError(`--out ${out} is a file, not a folder`, { fix: 'name a new or empty folder' });
  const before = existsSync(out) ? previousFiles(out) : [];
  if (before === undefined && readdirSync(out).length > 0)
    throw new TollgateError(`--out ${out} is not empty and was not built by tollgate site`, {
      fix: 'name a new or empty folder (the site replaces only what an earlier build of it wrote)',
    });
  mkdirSync(out, { recursive: true });
  const written: string[] = [];
  let unchanged = 0;
  for (const f of files) {
    const target = join(out, ...f.path.split('/'));
    if (existsSync(target) && readFileSync(target, 'utf8') === f.content) {
      unchanged++;
      continue;
    }
    mkdirSync(dirname(target), { recursive: true });
    // A reader (a browser, a server) never sees half a page: write beside it, then rename over it.
    const temp = `${target}.tmp-${process.pid}`;
    writeFileSync(temp, f.content);
    renameSync(temp, target);
    written.push(f.path);
  }
  const now = new Set(files.map((f) => f.path));
  const removed = (before ?? []).filter(
    (p) => !now.has(p) && SAFE_PATH.test(p) && !p.split('/').includes('..'),
  );
  for (const p of removed) rmSync(join(out, ...p.split('/')), { force: true });
  writeFileSync(join(out, SITE_MANIFEST), `${JSON.stringify({ files: [...now].sort() }, null, 2)}\n`);
  return { written, unchanged, removed };
}
