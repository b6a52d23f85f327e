// Writes schemas/<kind>.schema.json from src/registry/schemas.ts, formatted as the repository's prettier does.
// Run after changing a schema: node --experimental-strip-types --no-warnings scripts/write-schemas.ts
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { KINDS, schemaFileName, schemaFileText } from '../src/registry/schemas.ts';

const dir = join(import.meta.dirname, '..', 'schemas');
for (const kind of KINDS) {
  const file = join(dir, schemaFileName(kind));
  const options = (await resolveConfig(file)) ?? {};
  await writeFile(file, await format(schemaFileText(kind), { ...options, filepath: file }));
}
