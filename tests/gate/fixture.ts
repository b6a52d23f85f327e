// A small, readable gate scenario: fraud promoted staging v13 -> production, reviewers with known roles.
import { effectivePolicy } from '../../src/policy/effective.ts';
import type { GateInput, GateVersion, Review } from '../../src/gate/types.ts';
import type { Policy, RegistryChange } from '../../src/registry/types.ts';

export const HEAD = 'h'.repeat(40);
export const OLD = 'a'.repeat(40);

export const basePolicy: Policy = {
  apiVersion: 'tollgate/v1',
  kind: 'Policy',
  roles: {
    risk: { teams: ['acme/risk'] },
    compliance: { users: ['Carol'] },
    'policy-owner': { users: ['paula'] },
  },
};

export const promote: Extract<RegistryChange, { kind: 'stage-changed' }> = {
  kind: 'stage-changed',
  path: 'models/fraud/stages.yaml',
  model: 'fraud',
  stage: 'production',
  from: 'v12',
  to: 'v13',
};

export function approve(login: string, commitId = HEAD, submittedAt = '2026-11-20T10:00:00Z'): Review {
  return { login, state: 'APPROVED', commitId, submittedAt };
}

/** A recorded version that passed validation and is not held. */
export const recorded = (metrics: Record<string, number> = { auc: 0.9 }): GateVersion => ({
  valid: true,
  metrics,
  passed: true,
});

/** Rita is active in acme/risk, Carol is compliance, Olga owns fraud; all have write access. */
export function scenario(overrides: Partial<GateInput> = {}, policy: Policy = basePolicy): GateInput {
  return {
    policy: effectivePolicy(policy),
    changes: [promote],
    models: { fraud: { owners: { users: ['olga'] } }, churn: { owners: { users: ['chen'] } } },
    pullRequest: {
      number: 7,
      author: 'tollgate-app[bot]',
      headSha: HEAD,
      baseRef: 'main',
      requestedBy: ['eve'],
      commitAuthors: ['tollgate-app[bot]'],
    },
    reviews: [approve('rita'), approve('carol'), approve('olga')],
    memberships: { 'acme/risk': { rita: 'active', eve: 'active' } },
    permissions: {
      rita: 'write',
      carol: 'maintain',
      olga: 'admin',
      eve: 'write',
      chen: 'write',
      paula: 'write',
    },
    stageHistory: { fraud: { production: ['v11', 'v12'], staging: ['v12', 'v13'] } },
    versions: {
      fraud: Object.fromEntries(['v9', 'v11', 'v12', 'v13'].map((v) => [v, recorded()])),
    },
    ...overrides,
  };
}
