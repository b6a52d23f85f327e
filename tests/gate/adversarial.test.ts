// The adversarial cases that the other gate tests cover only in passing, each stated on its own.
import { describe, expect, it } from 'vitest';
import { submittedReviews } from '../../src/gate/reviews.ts';
import { evaluateGate } from '../../src/gate/evaluate.ts';
import type { GateVerdict } from '../../src/gate/types.ts';
import type { ReviewContext } from '../../src/github/review-context.ts';
import { diffDocuments } from '../../src/registry/diff.ts';
import type { RegistryChange } from '../../src/registry/types.ts';
import { HEAD, approve, promote, recorded, scenario } from './fixture.ts';

const missing = (verdict: GateVerdict) =>
  verdict.requirements.filter((r) => !r.satisfiedBy).map((r) => r.role);
const everyone = [approve('rita'), approve('carol'), approve('olga')];

describe('adversarial cases', () => {
  it('7, 8: an approver not in the role’s team, or removed from it before evaluation, does not count', () => {
    const removed = scenario({ memberships: { 'acme/risk': { rita: 'none' } } });
    expect(missing(evaluateGate(removed))).toEqual(['risk']);
    const outsider = scenario({ memberships: {} });
    expect(missing(evaluateGate(outsider))).toEqual(['risk']);
  });

  it('13: two models promoted in one pull request need each model’s owner', () => {
    const churn: RegistryChange = { ...promote, path: 'models/churn/stages.yaml', model: 'churn', to: 'v4' };
    const input = scenario({
      changes: [promote, churn],
      stageHistory: { ...scenario().stageHistory, churn: { staging: ['v4'] } },
      versions: { ...scenario().versions, churn: { v4: recorded() } },
    });
    const verdict = evaluateGate(input);
    expect(missing(verdict)).toEqual(['model-owner (churn)']);
    expect(evaluateGate({ ...input, reviews: [...everyone, approve('chen')] }).conclusion).toBe('success');
  });

  it('18: a review that only COMMENTED is no sign-off', () => {
    const commented = scenario({
      reviews: [approve('rita'), approve('carol'), { ...approve('olga'), state: 'COMMENTED' }],
    });
    expect(missing(evaluateGate(commented))).toEqual(['model-owner (fraud)']);
  });

  it('20: a review whose author account was deleted (no login) is dropped, not counted', () => {
    const context = {
      reviews: [
        {
          id: 1,
          author: undefined,
          authorIsBot: false,
          state: 'APPROVED',
          commitSha: HEAD,
          submittedAt: 'x',
          authorCanPush: true,
        },
        {
          id: 2,
          author: 'rita',
          authorIsBot: false,
          state: 'APPROVED',
          commitSha: HEAD,
          submittedAt: 'x',
          authorCanPush: true,
        },
        {
          id: 3,
          author: 'olga',
          authorIsBot: false,
          state: 'PENDING',
          commitSha: HEAD,
          submittedAt: undefined,
          authorCanPush: true,
        },
      ],
    } as unknown as ReviewContext;
    expect(submittedReviews(context).map((r) => r.login)).toEqual(['rita']);
  });

  it('21: deleting stages.yaml is a change to every stage, and removing production needs its sign-offs', () => {
    const text = [
      'apiVersion: tollgate/v1',
      'kind: Stages',
      'model: fraud',
      'stages:',
      '  staging: { version: v13 }',
      '  production: { version: v12 }',
      '',
    ].join('\n');
    const changes = diffDocuments('models/fraud/stages.yaml', text, undefined);
    expect(changes).toEqual([
      {
        kind: 'stage-changed',
        path: 'models/fraud/stages.yaml',
        model: 'fraud',
        stage: 'production',
        from: 'v12',
      },
      {
        kind: 'stage-changed',
        path: 'models/fraud/stages.yaml',
        model: 'fraud',
        stage: 'staging',
        from: 'v13',
      },
    ]);
    const verdict = evaluateGate(scenario({ changes, reviews: [approve('olga')] }));
    expect(verdict.conclusion).toBe('failure');
    expect(missing(verdict)).toEqual(['risk', 'compliance']);
  });
});
