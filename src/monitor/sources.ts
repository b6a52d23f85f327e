// Builds the MetricsSource a spec names.
import type { MetricsSourceSpec } from '../registry/types.ts';
import { commandSource, fileSource } from './json-source.ts';
import { prometheusSource } from './prometheus.ts';
import { assertSourceSpec, MetricsSourceError, type MetricsSource } from './source.ts';

export interface SourceContext {
  repoRoot: string;
  env: NodeJS.ProcessEnv;
  fetch?: typeof globalThis.fetch;
  /** Where the spec was read, for messages (e.g. models/fraud/model.yaml). */
  where: string;
  /**
   * Whether a `command` source may run here. A metrics command is repository code: `refuse` in any job that holds
   * a write credential (the monitor's record job, the rollback and incident actions), `run` where only the person
   * at the terminal, or a job holding nothing (the monitor's observe job), is exposed to it.
   */
  commands: 'run' | 'refuse';
}

/** The refusal of a command source in a job that holds a write credential. */
export function commandRefused(spec: MetricsSourceSpec, where: string): MetricsSourceError {
  return new MetricsSourceError(
    `the metrics of ${where} come from a command (${(spec.command ?? []).join(' ')}), which is repository code, and ` +
      'this job holds a write credential, so it runs no repository code',
    {
      file: where,
      field: 'monitoring.source',
      fix:
        'let the monitor workflow’s observe job run it (templates/workflows/tollgate-monitor.yml), run the ' +
        'command from a terminal (`tollgate verify-rollback`, `tollgate monitor`), or use a prometheus or file source',
    },
  );
}

export function metricsSourceOf(spec: MetricsSourceSpec, context: SourceContext): MetricsSource {
  assertSourceSpec(spec, context.where);
  switch (spec.kind) {
    case 'prometheus':
      return prometheusSource(spec, { env: context.env, ...(context.fetch ? { fetch: context.fetch } : {}) });
    case 'command':
      if (context.commands !== 'run') throw commandRefused(spec, context.where);
      return commandSource(spec, { repoRoot: context.repoRoot, env: context.env });
    case 'file':
      return fileSource(spec, { repoRoot: context.repoRoot });
  }
}
