// Reading incident records through the registry loader (parsed and schema-checked like every registry file).
import { TollgateError } from '../errors.ts';
import { loadFiles } from '../registry/load.ts';
import type { Incident, RegistryReader } from '../registry/types.ts';
import { formatProblems } from '../registry/writer.ts';

/** The incidents at `paths` (registry-relative; missing ones are skipped). A broken record is an error. */
export async function readIncidents(reader: RegistryReader, paths: string[]): Promise<Incident[]> {
  const { registry, problems } = await loadFiles(reader, paths);
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    throw new TollgateError(`cannot read incident records in ${reader.label}:\n${formatProblems(errors)}`, {
      file: errors[0]!.file,
      line: errors[0]!.line,
      fix: 'correct the record (`tollgate validate` lists every problem)',
    });
  }
  return [...registry.incidents.values()];
}
