import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { effectivePolicy } from '../../src/policy/effective.ts';
import { planPromotion, reviewersFor, type PromotionPlanInput } from '../../src/promotion/plan.ts';
import type { ModelVersion, Policy, Registry, Stages } from '../../src/registry/types.ts';
import { MAIN_SHA, version } from './fixture.ts';

const stages: Stages = {
  apiVersion: 'tollgate/v1',
  kind: 'Stages',
  model: 'fraud',
  stages: { production: { version: 'v12' }, staging: { version: 'v13' } },
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
            owners: { users: ['olga', 'eve'], teams: ['acme/fraud-ml'] },
            key_metrics: ['auc'],
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

const policy: Policy = {
  apiVersion: 'tollgate/v1',
  kind: 'Policy',
  roles: { risk: { teams: ['acme/risk'], users: ['rita'] }, compliance: { users: ['carl', 'Eve'] } },
};

function input(overrides: Partial<PromotionPlanInput> = {}): PromotionPlanInput {
  return {
    registry: registry([version('v12', { auc: 0.91 }), version('v13', { auc: 0.93 })]),
    policy: effectivePolicy(policy),
    model: 'fraud',
    version: 'v13',
    stage: 'production',
    requestedBy: 'eve',
    isOnDefaultBranch: (sha) => sha === MAIN_SHA,
    registryDir: 'registry',
    baseBranch: 'main',
    ...overrides,
  };
}

describe('planPromotion', () => {
  it('proposes the pointer, the commit and the pull request', () => {
    const plan = planPromotion(input({ runUrl: 'https://github.com/acme/models/actions/runs/7' }));
    if (!plan.ok) throw new Error(plan.reason);
    expect(plan).toMatchObject({
      from: 'v12',
      branch: 'tollgate/promote/fraud/production',
      path: 'registry/models/fraud/stages.yaml',
      subject: 'Promote fraud v13 to production (replacing v12)',
      trailers: { 'Tollgate-Event': 'promote', From: 'v12', 'Requested-By': 'eve' },
      pullRequest: {
        title: 'Promote fraud v13 to production (replacing v12)',
        labels: ['tollgate', 'tollgate:promotion', 'stage:production'],
      },
    });
    expect(load(plan.content)).toEqual({
      ...stages,
      stages: { production: { version: 'v13' }, staging: { version: 'v13' } },
    });
    expect(
      plan.content.startsWith('# yaml-language-server: $schema=../../../schemas/Stages.schema.json\n'),
    ).toBe(true);
    expect(plan.pullRequest.body).toContain(
      'Opened by [this workflow run](https://github.com/acme/models/actions/runs/7).',
    );
    expect(plan.pullRequest.body).toMatch(/\nRequested by @eve\.\n$/);
    expect(plan.requirements.map((r) => r.role)).toEqual(['risk', 'compliance', 'model-owner (fraud)']);
  });

  it('asks everyone who can fill a role for review, except the requester (any case)', () => {
    const plan = planPromotion(input());
    if (!plan.ok) throw new Error(plan.reason);
    expect(plan.pullRequest.reviewers).toEqual({
      users: ['rita', 'carl', 'olga'],
      teams: ['acme/risk', 'acme/fraud-ml'],
    });
  });

  it('writes at the registry root when the registry is the repository', () => {
    const plan = planPromotion(input({ registryDir: '' }));
    expect(plan.ok && plan.path).toBe('models/fraud/stages.yaml');
  });

  it('passes a refusal from checkPromotion through', () => {
    expect(planPromotion(input({ isOnDefaultBranch: () => false }))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not on main/),
    });
  });

  it('refuses what the gate would block whatever the reviews, with its fix', () => {
    const plan = planPromotion(input({ policy: effectivePolicy({ ...policy, roles: {} }) }));
    expect(plan).toEqual({
      ok: false,
      reason: expect.stringMatching(
        /^the sign-off gate would block this pull request: .*requires role "risk"/,
      ),
      fix: expect.stringMatching(/add roles\.risk/),
    });
  });

  it('refuses a candidate worse than production beyond the no_regression tolerance, as the gate would', () => {
    const guarded = effectivePolicy({
      ...policy,
      metrics: { auc: { better: 'higher' } },
      no_regression: [{ metric: 'auc', tolerance: 0.005 }],
    });
    const worse = registry([version('v12', { auc: 0.93 }), version('v13', { auc: 0.91 })]);
    expect(planPromotion(input({ policy: guarded, registry: worse }))).toEqual({
      ok: false,
      reason: expect.stringContaining('no_regression on auc: 0.93 → 0.91 is worse than v12 by 0.02'),
      fix: expect.stringContaining('promote a version no worse than v12'),
    });
    const plan = planPromotion(input({ policy: guarded }));
    expect(plan.ok && plan.pullRequest.body).toContain(
      '| **auc** | 0.91 | 0.93 | +0.02 | ▲ better — ✅ within no_regression, tolerance 0.005 |',
    );
  });

  it('asks for rollback sign-offs when the version held the stage before', () => {
    const rollbackPolicy: Policy = {
      ...policy,
      signoff: {
        rules: [
          { name: 'promotion', change: 'stage-changed', rollback: false, require: ['risk'] },
          { name: 'rollback', change: 'stage-changed', rollback: true, require: ['model-owner'] },
        ],
      },
    };
    const base = input({ policy: effectivePolicy(rollbackPolicy) });
    const forward = planPromotion(base);
    const back = planPromotion({ ...base, stageHistory: { fraud: { production: ['v13', 'v12'] } } });
    expect(forward.ok && forward.requirements.map((r) => r.rule)).toEqual(['promotion']);
    expect(back.ok && back.requirements.map((r) => r.rule)).toEqual(['rollback']);
  });
});

describe('reviewersFor', () => {
  it('skips satisfied requirements and splits users from teams', () => {
    expect(
      reviewersFor(
        [
          {
            rule: 'r',
            role: 'a',
            candidates: ['@x', '@org/t'],
            satisfiedBy: { login: 'x', at: '', commit: '' },
          },
          { rule: 'r', role: 'b', candidates: ['@y', '@Req', '@org/u', '@org/u'] },
        ],
        'req',
      ),
    ).toEqual({ users: ['y'], teams: ['org/u'] });
  });
});
