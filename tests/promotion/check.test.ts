import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/errors.ts';
import { effectivePolicy } from '../../src/policy/effective.ts';
import {
  checkPromotion,
  promotionBranch,
  promotionCommit,
  promotionCommitMessage,
  promotionStages,
  type PromotionRequest,
} from '../../src/promotion/check.ts';
import type { ModelVersion, Registry, Stages } from '../../src/registry/types.ts';

import { MAIN_SHA, BRANCH_SHA, version } from './fixture.ts';

const stages: Stages = {
  apiVersion: 'tollgate/v1',
  kind: 'Stages',
  model: 'fraud',
  stages: {
    production: { version: 'v12' },
    staging: { version: 'v13' },
    canary: { version: 'v12', weight: 0.1 },
  },
};

function registry(versions: ModelVersion[]): Registry {
  return {
    models: new Map([
      [
        'fraud',
        {
          model: {
            apiVersion: 'tollgate/v1',
            kind: 'Model',
            name: 'fraud',
            owners: { users: ['olga'] },
            gates: [{ metric: 'auc', op: '>=', threshold: 0.9 }],
          },
          stages,
          versions: new Map(versions.map((v) => [v.id, v])),
          retrains: new Map(),
        },
      ],
    ]),
    incidents: new Map(),
    audit: new Map(),
    documents: new Map(),
  };
}

const versions = [
  version('v11', { auc: 0.9 }),
  version('v12', { auc: 0.91 }),
  version('v13', { auc: 0.93 }),
  version('v14', { auc: 0.95 }),
  version('v15', { auc: 0.8 }),
];

function request(overrides: Partial<PromotionRequest> = {}): PromotionRequest {
  return {
    registry: registry(versions),
    policy: effectivePolicy(undefined),
    model: 'fraud',
    version: 'v13',
    stage: 'production',
    isOnDefaultBranch: (sha) => sha === MAIN_SHA,
    ...overrides,
  };
}

describe('checkPromotion', () => {
  it('accepts a staging version for production and reports the version it replaces', () => {
    expect(checkPromotion(request())).toEqual({ ok: true, from: 'v12' });
  });

  it('accepts a first version for an empty stage with no from', () => {
    const reg = registry(versions);
    reg.models.get('fraud')!.stages = undefined;
    expect(checkPromotion(request({ registry: reg, stage: 'staging', version: 'v14' }))).toEqual({
      ok: true,
    });
  });

  const refusals: [string, Partial<PromotionRequest>, RegExp][] = [
    ['an unknown model', { model: 'churn' }, /unknown model "churn"/],
    ['an unknown version', { version: 'v99' }, /has no version "v99"/],
    ['an unsafe name', { version: '../v1' }, /unsafe version name/],
    ['an unknown stage', { stage: 'shadow' }, /not a stage in stages.order/],
    [
      'a version that fails its gates',
      { version: 'v15', stage: 'staging' },
      /fails its validation gates: auc >= 0.9 \(got 0.8\)/,
    ],
    ['a version from a commit not on the default branch', { isOnDefaultBranch: () => false }, /not on main/],
    ['a version already in the stage', { version: 'v12' }, /already in production/],
    [
      'a move down the stage order',
      { version: 'v12', stage: 'staging' },
      /already in production, above staging/,
    ],
    [
      'a skipped stage',
      { version: 'v14' },
      /skips a stage: production needs a version that held staging first/,
    ],
  ];
  it.each(refusals)('refuses %s, with a fix', (_name, overrides, reason) => {
    const result = checkPromotion(request(overrides));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toMatch(reason);
    expect(result.fix.length).toBeGreaterThan(0);
  });

  it('refuses a held version and names the unhold command', () => {
    const held = version(
      'v13',
      { auc: 0.93 },
      { held: { reason: 'INC-1 drift', at: '2026-11-20T00:00:00Z', by: 'oncall' } },
    );
    const result = checkPromotion(request({ registry: registry([versions[1]!, held]) }));
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('is held: INC-1 drift') });
    expect(!result.ok && result.fix).toContain('tollgate unhold fraud v13');
  });

  it('re-checks gates against the current policy, which may have tightened since training', () => {
    const policy = effectivePolicy({
      apiVersion: 'tollgate/v1',
      kind: 'Policy',
      roles: {},
      gates: [{ metric: 'recall', op: '>=', threshold: 0.5 }],
    });
    const result = checkPromotion(request({ policy }));
    expect(result).toMatchObject({
      ok: false,
      reason: expect.stringContaining('recall >= 0.5 (got nothing)'),
    });
  });

  it('accepts a version that held the required stage earlier, per history', () => {
    const result = checkPromotion(
      request({ version: 'v14', heldBefore: (s, v) => s === 'staging' && v === 'v14' }),
    );
    expect(result).toEqual({ ok: true, from: 'v12' });
  });

  it('refuses a version trained on a branch even when it passes everything else', () => {
    const branchy = version('v13', { auc: 0.99 }, { source: { commit: BRANCH_SHA } });
    expect(checkPromotion(request({ registry: registry([branchy]) })).ok).toBe(false);
  });
});

describe('promotionStages', () => {
  it('moves one pointer and keeps the rest and the weight', () => {
    expect(promotionStages(stages, 'canary', 'v14')).toEqual({
      ...stages,
      stages: { ...stages.stages, canary: { version: 'v14', weight: 0.1 } },
    });
    expect(stages.stages.canary).toEqual({ version: 'v12', weight: 0.1 });
  });

  it('starts a pointer document for a model without one', () => {
    expect(promotionStages(undefined, 'staging', 'v1', 'spam')).toEqual({
      apiVersion: 'tollgate/v1',
      kind: 'Stages',
      model: 'spam',
      stages: { staging: { version: 'v1' } },
    });
    expect(() => promotionStages(undefined, 'staging', 'v1')).toThrow(TollgateError);
  });
});

describe('promotionBranch and promotionCommitMessage', () => {
  it('names the branch per model and stage', () => {
    expect(promotionBranch('fraud', 'production')).toBe('tollgate/promote/fraud/production');
    expect(() => promotionBranch('fraud', 'prod;rm -rf')).toThrow(TollgateError);
  });

  it('writes trailers that git log can read back', () => {
    expect(
      promotionCommitMessage({
        model: 'fraud',
        version: 'v13',
        stage: 'production',
        from: 'v12',
        requestedBy: 'eve',
      }),
    ).toBe(
      'Promote fraud v13 to production (replacing v12)\n\n' +
        'Tollgate-Event: promote\nModel: fraud\nVersion: v13\nStage: production\nFrom: v12\nRequested-By: eve\n',
    );
    expect(
      promotionCommitMessage({ model: 'fraud', version: 'v1', stage: 'staging', requestedBy: 'ci[bot]' }),
    ).toBe(
      'Promote fraud v1 to staging\n\nTollgate-Event: promote\nModel: fraud\nVersion: v1\nStage: staging\nRequested-By: ci[bot]\n',
    );
  });

  it('gives subject and trailers apart for the commit function', () => {
    expect(
      promotionCommit({ model: 'fraud', version: 'v13', stage: 'production', requestedBy: 'eve' }),
    ).toEqual({
      subject: 'Promote fraud v13 to production',
      trailers: {
        'Tollgate-Event': 'promote',
        Model: 'fraud',
        Version: 'v13',
        Stage: 'production',
        'Requested-By': 'eve',
      },
    });
  });

  it('refuses a requester that could inject another trailer', () => {
    expect(() =>
      promotionCommitMessage({
        model: 'fraud',
        version: 'v13',
        stage: 'production',
        requestedBy: 'eve\nRequested-By: x',
      }),
    ).toThrow(/not a GitHub login/);
  });
});
