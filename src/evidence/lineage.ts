// The data lineage of a version as an auditor reads it: where its training data came from, whether that reference
// pins the content, and whether it is the very data its parent was trained on (pure).
import { mutableDataReason } from '../policy/regression.ts';

type DataRef = { uri: string; sha256?: string };

export interface Lineage {
  data?: DataRef;
  evaluation?: DataRef;
  parent?: string;
  warnings: string[];
}

export function lineageOf(
  version: { data?: DataRef; evaluation?: DataRef; parent?: string },
  parentData?: DataRef,
): Lineage {
  const warnings: string[] = [];
  const mutable =
    version.data === undefined ? 'no training data is recorded' : mutableDataReason(version.data);
  if (mutable) warnings.push(mutable);
  if (version.data && parentData) {
    const same =
      version.data.sha256 !== undefined && parentData.sha256 !== undefined
        ? version.data.sha256 === parentData.sha256
        : version.data.uri === parentData.uri && version.data.sha256 === parentData.sha256;
    if (same)
      warnings.push(
        `trained on the same data as its parent ${version.parent}${version.data.sha256 ? '' : ' (same URI, no hash to tell)'}: a retrain on unchanged data`,
      );
  }
  return {
    ...(version.data ? { data: version.data } : {}),
    ...(version.evaluation ? { evaluation: version.evaluation } : {}),
    ...(version.parent ? { parent: version.parent } : {}),
    warnings,
  };
}
