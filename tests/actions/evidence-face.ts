// What the evidence action's face hands the evidence export flow, for tests that drive it as a workflow_dispatch
// run would: the subject from the inputs, the checkout, and GitHub reviews when there is a client.
import { resolve } from 'node:path';
import { EVIDENCE_USAGE } from '../../src/actions/evidence.ts';
import type { ActionEnvironment } from '../../src/actions/runtime.ts';
import { evidenceSubjectFrom, type EvidenceSubject } from '../../src/evidence/bundle.ts';
import {
  evidenceSummary,
  exportEvidence,
  type EvidenceExportResult,
} from '../../src/evidence/export-flow.ts';
import { githubReviews } from '../../src/evidence/github-reviews.ts';
import type { GitHubClient } from '../../src/github/client.ts';

export interface EvidenceInputs {
  model: string;
  version: string;
  pr: string;
  incident: string;
  since: string;
  until: string;
  out: string;
  registry: string;
  checkName: string;
}

export const subjectFromInputs = (inputs: Partial<EvidenceInputs>): EvidenceSubject =>
  evidenceSubjectFrom(inputs, { command: 'Tollgate evidence', usage: EVIDENCE_USAGE });

export async function runEvidence(
  inputs: EvidenceInputs,
  env: ActionEnvironment,
  deps: { client?: GitHubClient; now: Date },
): Promise<EvidenceExportResult & { subject: EvidenceSubject; calls: number; summary: string }> {
  const subject = subjectFromInputs(inputs);
  const repo = { owner: env.owner, repo: env.repo };
  const reviews = deps.client
    ? githubReviews({ client: deps.client, repo, checkName: inputs.checkName })
    : undefined;
  const result = await exportEvidence(
    {
      subject,
      registryPrefix: `${inputs.registry}/`,
      out: resolve(env.workspace, inputs.out),
      requireFullHistory: true,
    },
    { repoRoot: env.workspace, ...(reviews ? { reviews } : {}) },
  );
  const calls = reviews?.calls() ?? 0;
  const summary = evidenceSummary(
    result,
    reviews ? { ...repo, checkName: inputs.checkName, calls } : undefined,
  );
  return { ...result, subject, calls, summary };
}
