// THE registry writer: the only code that turns documents into registry files. Canonical text (schema key order,
// LF, final newline, a schema comment for editors), every document validated before any file is touched, and
// each file replaced atomically, so a reader never sees half a file and a bad batch changes nothing.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TollgateError } from '../errors.ts';
import { assertRegistryPath } from './load.ts';
import { parseRegistryFile } from './parse.ts';
import { classifyRegistryPath } from './paths.ts';
import { canonicalDocument, formatProblems, serializeDocument } from './canonical.ts';
import type { Problem, RegistryDocument } from './types.ts';
import { validateDocumentSchema } from './validate-schema.ts';

export { canonicalDocument, formatProblems, schemaReference, serializeDocument } from './canonical.ts';

export interface RegistryFileWrite {
  /** Registry-relative path, e.g. models/fraud/stages.yaml. */
  path: string;
  /** A document to serialize canonically. */
  document?: RegistryDocument;
  /** Text to write as is (e.g. a postmortem); YAML text is validated like a document. */
  text?: string;
}

/**
 * Validates every file, then writes each one (temporary file + rename). Nothing is written when any file is
 * invalid. Files whose content is already what would be written are left alone. Returns the paths written.
 */
export async function writeRegistryFiles(registryDir: string, files: RegistryFileWrite[]): Promise<string[]> {
  const problems: Problem[] = [];
  const planned: { path: string; text: string }[] = [];
  for (const file of files) {
    assertRegistryPath(file.path);
    const place = classifyRegistryPath(file.path);
    if (!place) {
      problems.push({ file: file.path, severity: 'error', message: 'not a registry file place', fix: 'see docs/registry.md' });
      continue;
    }
    if ((file.document === undefined) === (file.text === undefined)) {
      throw new TollgateError(`${file.path}: give exactly one of document or text`);
    }
    if (file.document) {
      const found = validateDocumentSchema(file.path, canonicalDocument(file.document));
      if (file.document.kind !== place.kind) {
        found.push({
          file: file.path,
          field: 'kind',
          severity: 'error',
          message: `a ${file.document.kind} cannot be written to ${file.path}, where a ${place.kind} belongs`,
          fix: 'write it to the path of its kind (src/registry/paths.ts)',
        });
      }
      problems.push(...found);
      planned.push({ path: file.path, text: serializeDocument(file.document) });
    } else {
      const text = file.text!;
      if (place.kind !== 'Postmortem') problems.push(...parseRegistryFile(file.path, text).problems);
      planned.push({ path: file.path, text });
    }
  }
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    throw new TollgateError(`refusing to write ${files.length} registry file(s):\n${formatProblems(errors)}`, {
      file: errors[0]!.file,
      line: errors[0]!.line,
      fix: 'correct the documents; nothing was written',
    });
  }
  for (const { path } of planned) await refuseLinks(registryDir, path);
  const written: string[] = [];
  for (const { path, text } of planned) {
    const target = join(registryDir, ...path.split('/'));
    const current = await readFile(target, 'utf8').catch(() => undefined);
    if (current === text) continue;
    await mkdir(dirname(target), { recursive: true });
    const temp = join(dirname(target), `.${path.split('/').pop()}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      await writeFile(temp, text, { flag: 'wx' });
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw new TollgateError(`could not write ${path}: ${(error as Error).message}`, { file: path, cause: error });
    }
    written.push(path);
  }
  return written;
}

/** A symbolic link on the way to a registry file would make the write land outside the registry. */
async function refuseLinks(registryDir: string, path: string): Promise<void> {
  const parts = path.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const stat = await lstat(join(registryDir, ...parts.slice(0, i))).catch(() => undefined);
    if (!stat) return;
    if (stat.isSymbolicLink()) {
      throw new TollgateError(`${parts.slice(0, i).join('/')} is a symbolic link; Tollgate does not write through links`, {
        file: path,
        fix: 'replace the link with a real folder or file',
      });
    }
  }
}

/** Problems as text for a terminal or a log: `file:line: severity: message` and the fix below. */
