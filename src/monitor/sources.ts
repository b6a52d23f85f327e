// Builds the MetricsSource a spec names.
import type { MetricsSourceSpec } from '../registry/types.ts';
import { commandSource, fileSource } from './json-source.ts';
import { prometheusSource } from './prometheus.ts';
import { assertSourceSpec, type MetricsSource } from './source.ts';

export interface SourceContext {
  repoRoot: string;
  env: NodeJS.ProcessEnv;
  fetch?: typeof globalThis.fetch;
  /** Where the spec was read, for messages (e.g. models/fraud/model.yaml). */
  where: string;
}

export function metricsSourceOf(spec: MetricsSourceSpec, context: SourceContext): MetricsSource {
  assertSourceSpec(spec, context.where);
  switch (spec.kind) {
    case 'prometheus':
      return prometheusSource(spec, { env: context.env, ...(context.fetch ? { fetch: context.fetch } : {}) });
    case 'command':
      return commandSource(spec, { repoRoot: context.repoRoot, env: context.env });
    case 'file':
      return fileSource(spec, { repoRoot: context.repoRoot });
  }
}
