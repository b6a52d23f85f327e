// `tollgate canary analyze MODEL`: reads the canary's and the baseline's metrics over the policy's window from the
// model's metrics source and hands them to the pure analysis (canary.ts).
import { TollgateError } from '../errors.ts';
import { effectivePolicy } from '../policy/effective.ts';
import type { Registry } from '../registry/types.ts';
import { analyzeCanary, type CanaryAnalysis } from './canary.ts';
import type { MetricsSource } from './source.ts';
import type { WindowStat } from './window.ts';

export interface CanaryFlowInput {
  registry: Registry;
  model: string;
  source: MetricsSource;
  now: Date;
  canaryStage?: string;
  baselineStage?: string;
}

export interface CanaryFlowResult extends CanaryAnalysis {
  model: string;
  canary: { stage: string; version: string; weight?: number };
  baseline: { stage: string; version?: string };
  source: string;
}

export async function runCanaryAnalysis(input: CanaryFlowInput): Promise<CanaryFlowResult> {
  const canaryStage = input.canaryStage ?? 'canary';
  const baselineStage = input.baselineStage ?? 'production';
  const entry = input.registry.models.get(input.model);
  const pointer = entry?.stages?.stages[canaryStage];
  if (!entry || !pointer)
    throw new TollgateError(`${input.model} has no ${canaryStage} stage to analyze`, {
      file: `models/${input.model}/stages.yaml`,
      fix: `deploy one first: tollgate promote ${input.model} VERSION --to ${canaryStage} --weight 10%`,
    });
  const policy = effectivePolicy(input.registry.policy);
  const { window, limits, relative } = policy.monitoring.canary;
  const metrics = [...new Set([...limits.map((l) => l.metric), ...relative.map((r) => r.metric)])];
  const baselineVersion = entry.stages?.stages[baselineStage]?.version;
  const read = async (stage: string, version: string | undefined) => {
    const out: Record<string, WindowStat | undefined> = {};
    for (const metric of metrics)
      out[metric] = await input.source.overWindow(
        metric,
        'avg',
        { model: input.model, stage, ...(version ? { version } : {}) },
        input.now,
        window,
      );
    return out;
  };
  const analysis = analyzeCanary({
    window,
    limits,
    relative,
    canary: await read(canaryStage, pointer.version),
    baseline: await read(baselineStage, baselineVersion),
  });
  return {
    ...analysis,
    model: input.model,
    canary: {
      stage: canaryStage,
      version: pointer.version,
      ...(pointer.weight !== undefined ? { weight: pointer.weight } : {}),
    },
    baseline: { stage: baselineStage, ...(baselineVersion ? { version: baselineVersion } : {}) },
    source: input.source.label,
  };
}
