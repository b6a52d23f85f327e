// Reading the policy through the registry loader: the file is parsed and schema-checked like any registry file,
// so a broken policy.yaml is reported with its line instead of being half-applied. No file means the defaults.
import { TollgateError } from '../errors.ts';
import { loadFiles } from '../registry/load.ts';
import { POLICY_PATH } from '../registry/paths.ts';
import type { RegistryReader } from '../registry/types.ts';
import { formatProblems } from '../registry/writer.ts';
import { effectivePolicy, type EffectivePolicy } from './effective.ts';

/** The effective policy of the registry `reader` reads; the defaults when it holds no policy.yaml. */
export async function readPolicy(reader: RegistryReader): Promise<EffectivePolicy> {
  const { registry, problems } = await loadFiles(reader, [POLICY_PATH]);
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    throw new TollgateError(
      `${POLICY_PATH} in ${reader.label} is not a valid policy:\n${formatProblems(errors)}`,
      {
        file: POLICY_PATH,
        line: errors[0]!.line,
        fix: 'correct policy.yaml (`tollgate validate` lists every problem)',
      },
    );
  }
  return effectivePolicy(registry.policy);
}
