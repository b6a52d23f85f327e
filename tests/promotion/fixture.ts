import type { ModelVersion } from '../../src/registry/types.ts';

export const MAIN_SHA = '1'.repeat(40);
export const BRANCH_SHA = '2'.repeat(40);

export function version(
  id: string,
  metrics: Record<string, number>,
  extra: Partial<ModelVersion> = {},
): ModelVersion {
  return {
    apiVersion: 'tollgate/v1',
    kind: 'ModelVersion',
    id,
    model: 'fraud',
    created_at: `2026-11-${id.slice(1).padStart(2, '0')}T00:00:00Z`,
    source: { commit: MAIN_SHA },
    artifact: { uri: `s3://models/fraud/${id}.onnx`, sha256: 'f'.repeat(64), size: 1024 },
    metrics,
    validation: {
      passed: (metrics.auc ?? 0) >= 0.9,
      gates: [
        {
          metric: 'auc',
          op: '>=',
          threshold: 0.9,
          value: metrics.auc ?? null,
          pass: (metrics.auc ?? 0) >= 0.9,
        },
      ],
    },
    ...extra,
  };
}
