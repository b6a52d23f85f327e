// Checks an evidence bundle against its manifest: every file re-hashed, the tarball's hash, and the tarball's
// contents file by file, so a changed, missing or added file is named.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { TollgateError } from '../errors.ts';
import type { BundleManifest, ManifestEntry } from './bundle.ts';
import { checkManifestSignature, SIGNATURE_FILE, type SignatureCheck } from './sign.ts';
import { readUstar } from './tar.ts';

export type BundleProblemKind =
  'changed' | 'missing' | 'unlisted' | 'tarball-changed' | 'tarball-differs' | 'signature';

export interface BundleProblem {
  kind: BundleProblemKind;
  /** The file, as the manifest names it (`bundle.tar.gz` for the tarball; `bundle.tar.gz:<path>` inside it). */
  file: string;
  detail: string;
}

export interface BundleVerification {
  manifest: string;
  title: string;
  head: string;
  /** Files whose bytes were checked (in the folder, and in the tarball). */
  checked: number;
  tarballSha256: string;
  /** The manifest's detached signature (manifest.sig.json), when there is one or a trusted key was given. */
  signature: SignatureCheck;
  problems: BundleProblem[];
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

function readManifest(path: string): BundleManifest {
  if (!existsSync(path))
    throw new TollgateError(`evidence verify: no manifest.json at ${path}`, {
      fix: 'point at the bundle folder, or keep manifest.json next to bundle.tar.gz',
    });
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as BundleManifest;
  } catch (error) {
    throw new TollgateError(`evidence verify: ${path} is not JSON`, { file: path, cause: error });
  }
  if (
    manifest?.format !== 'tollgate-evidence-bundle/v1' ||
    !Array.isArray(manifest.files) ||
    !manifest.tarball
  )
    throw new TollgateError(`evidence verify: ${path} is not a Tollgate evidence manifest`, { file: path });
  return manifest;
}

/** Compares files (path -> bytes) with the manifest's list; `where` prefixes the names in problems. */
function compare(files: Map<string, Buffer>, listed: ManifestEntry[], where: string): BundleProblem[] {
  const problems: BundleProblem[] = [];
  for (const entry of listed) {
    const data = files.get(entry.path);
    if (data === undefined) {
      problems.push({
        kind: 'missing',
        file: `${where}${entry.path}`,
        detail: 'listed in the manifest, not present',
      });
      continue;
    }
    const actual = sha256(data);
    if (actual !== entry.sha256 || data.length !== entry.size)
      problems.push({
        kind: 'changed',
        file: `${where}${entry.path}`,
        detail: `sha256 ${actual} (${data.length} bytes), the manifest says ${entry.sha256} (${entry.size} bytes)`,
      });
  }
  const names = new Set(listed.map((e) => e.path));
  for (const path of [...files.keys()].sort())
    if (!names.has(path))
      problems.push({
        kind: 'unlisted',
        file: `${where}${path}`,
        detail: 'present, not listed in the manifest',
      });
  return problems;
}

function folderFiles(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const full = join(at, name);
      if (statSync(full).isDirectory()) walk(full);
      else files.set(relative(dir, full).split(sep).join('/'), readFileSync(full));
    }
  };
  walk(dir);
  return files;
}

/**
 * Verifies a bundle folder (manifest.json, the files, bundle.tar.gz) or a bundle.tar.gz with its manifest.json
 * beside it. `expectedSha256` (the hash published when the bundle was made, e.g. the action's `sha256` output)
 * guards against a manifest rewritten to match changed files.
 */
export function verifyEvidenceBundle(
  path: string,
  options: { expectedSha256?: string; publicKeyPem?: string; publicKeyWhere?: string } = {},
): BundleVerification {
  if (!existsSync(path)) throw new TollgateError(`evidence verify: ${path} does not exist`);
  const isFolder = statSync(path).isDirectory();
  const dir = isFolder ? path : dirname(path);
  const manifestPath = join(dir, 'manifest.json');
  const manifest = readManifest(manifestPath);
  const tarballPath = isFolder ? join(dir, manifest.tarball.path) : path;
  const tarName = isFolder ? manifest.tarball.path : basename(path);
  const problems: BundleProblem[] = [];
  let checked = 0;

  if (isFolder) {
    const files = folderFiles(dir);
    files.delete('manifest.json');
    files.delete(SIGNATURE_FILE);
    files.delete(manifest.tarball.path);
    problems.push(...compare(files, manifest.files, ''));
    checked += files.size;
  }

  let tarballSha256 = '';
  if (!existsSync(tarballPath))
    problems.push({
      kind: 'missing',
      file: tarName,
      detail: 'the tarball named in the manifest is not present',
    });
  else {
    const tarball = readFileSync(tarballPath);
    tarballSha256 = sha256(tarball);
    if (tarballSha256 !== manifest.tarball.sha256)
      problems.push({
        kind: 'tarball-changed',
        file: tarName,
        detail: `sha256 ${tarballSha256}, the manifest says ${manifest.tarball.sha256}`,
      });
    if (options.expectedSha256 && tarballSha256 !== options.expectedSha256.trim().toLowerCase())
      problems.push({
        kind: 'tarball-differs',
        file: tarName,
        detail: `sha256 ${tarballSha256}, the published hash is ${options.expectedSha256}`,
      });
    let entries;
    try {
      entries = readUstar(gunzipSync(tarball));
    } catch (error) {
      problems.push({
        kind: 'tarball-changed',
        file: tarName,
        detail: `cannot be read: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
    if (entries) {
      problems.push(...compare(new Map(entries.map((e) => [e.path, e.data])), manifest.files, `${tarName}:`));
      checked += entries.length;
    }
  }
  const signaturePath = join(dir, SIGNATURE_FILE);
  const signature = checkManifestSignature(
    readFileSync(manifestPath),
    existsSync(signaturePath) ? readFileSync(signaturePath, 'utf8') : undefined,
    options.publicKeyPem,
    options.publicKeyWhere,
  );
  for (const detail of signature.problems) problems.push({ kind: 'signature', file: SIGNATURE_FILE, detail });
  return {
    manifest: manifestPath,
    title: manifest.title,
    head: manifest.head,
    checked,
    tarballSha256,
    signature,
    problems,
  };
}
