// The rulesets init prints and applies, attacked as a writer without admin rights (issue 13, point 3): a forged
// check of the gate's name, a merge on a stale base, a merge without a review, a direct push.
import { describe, expect, it } from 'vitest';
import {
  assertChecksPinned,
  GATE_RULESET,
  GITHUB_ACTIONS_APP_ID,
  REVIEW_RULESET,
  tollgateRulesets,
  type Ruleset,
} from '../../src/init/rulesets.ts';
import { planSettings } from '../../src/init/settings.ts';

const APP = 123_456;
const rulesets = tollgateRulesets({ defaultBranch: 'main', appId: APP, emergencyPush: true });
const byName = (name: string) => rulesets.find((r) => r.name === name)!;
const rule = <T extends Ruleset['rules'][number]['type']>(ruleset: Ruleset, type: T) =>
  ruleset.rules.find((r) => r.type === type) as Extract<Ruleset['rules'][number], { type: T }>;

describe('tollgateRulesets', () => {
  it('requires both checks, strict, each pinned to the app that posts it', () => {
    const checks = rule(byName(GATE_RULESET), 'required_status_checks').parameters;
    expect(checks.strict_required_status_checks_policy).toBe(true);
    expect(checks.required_status_checks).toEqual([
      { context: 'tollgate/signoff', integration_id: APP },
      { context: 'validate', integration_id: GITHUB_ACTIONS_APP_ID },
    ]);
  });

  it('lets nothing but the emergency push key bypass the checks, and only in the mode a push needs', () => {
    expect(byName(GATE_RULESET).bypass_actors).toEqual([
      { actor_id: null, actor_type: 'DeployKey', bypass_mode: 'always' },
    ]);
    const none = tollgateRulesets({ defaultBranch: 'main', appId: APP, emergencyPush: false });
    expect(none.find((r) => r.name === GATE_RULESET)!.bypass_actors).toEqual([]);
    expect(none.flatMap((r) => r.bypass_actors).some((a) => a.bypass_mode === 'always')).toBe(false);
  });

  it("backs the gate with GitHub's review rule, which only the App may bypass, on pull requests only", () => {
    const review = byName(REVIEW_RULESET);
    expect(rule(review, 'pull_request').parameters).toMatchObject({
      required_approving_review_count: 1,
      require_code_owner_review: true,
      dismiss_stale_reviews_on_push: true,
      require_last_push_approval: true,
    });
    expect(review.bypass_actors).toContainEqual({
      actor_id: APP,
      actor_type: 'Integration',
      bypass_mode: 'pull_request',
    });
    expect(review.rules.map((r) => r.type)).toEqual(['pull_request']);
  });

  it('blocks deletion and force pushes of the default branch, and nothing else', () => {
    for (const ruleset of rulesets)
      expect(ruleset.conditions.ref_name).toEqual({ include: ['refs/heads/main'], exclude: [] });
    expect(byName(GATE_RULESET).rules.map((r) => r.type)).toEqual([
      'deletion',
      'non_fast_forward',
      'pull_request',
      'required_status_checks',
    ]);
  });
});

describe('assertChecksPinned', () => {
  it('refuses a ruleset whose gate check any app could post, saying how to find the App id', () => {
    expect(() =>
      assertChecksPinned(tollgateRulesets({ defaultBranch: 'main', emergencyPush: true })),
    ).toThrow(
      expect.objectContaining({
        message: expect.stringContaining('"tollgate/signoff" is not pinned'),
        fix: expect.stringContaining('App ID'),
      }),
    );
    expect(() => planSettings({ defaultBranch: 'main', emergencyPush: false })).toThrow(/not pinned/);
  });

  it('refuses checks that are not strict, and passes the rulesets init makes', () => {
    const loose = structuredClone(rulesets);
    rule(loose[0]!, 'required_status_checks').parameters.strict_required_status_checks_policy = false;
    expect(() => assertChecksPinned(loose)).toThrow(/not strict/);
    expect(() => assertChecksPinned(rulesets)).not.toThrow();
  });
});
