// The gate, attacked: every way to get a promotion merged without the sign-offs the base policy demands.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateGate, rolesToResolve } from '../../src/gate/evaluate.ts';
import { renderVerdictMarkdown } from '../../src/gate/render.ts';
import type { GateVerdict, Review } from '../../src/gate/types.ts';
import type { Policy, RegistryChange } from '../../src/registry/types.ts';
import { HEAD, OLD, approve, basePolicy, promote, recorded, scenario } from './fixture.ts';

const signer = (verdict: GateVerdict, role: string) =>
  verdict.requirements.find((r) => r.role === role)?.satisfiedBy?.login;
const missing = (verdict: GateVerdict) =>
  verdict.requirements.filter((r) => !r.satisfiedBy).map((r) => r.role);

describe('evaluateGate: the honest path', () => {
  it('passes a production promotion with risk, compliance and the model owner, each shown with time and commit', () => {
    const verdict = evaluateGate(scenario());
    expect(verdict.conclusion).toBe('success');
    expect(verdict.title).toBe('All 3 sign-offs present');
    expect(verdict.changes).toEqual(['fraud: production v12 → v13']);
    expect(verdict.requirements).toEqual([
      {
        rule: 'production promotion',
        role: 'risk',
        candidates: ['@acme/risk'],
        satisfiedBy: { login: 'rita', at: '2026-11-20T10:00:00Z', commit: HEAD },
      },
      {
        rule: 'production promotion',
        role: 'compliance',
        candidates: ['@Carol'],
        satisfiedBy: { login: 'carol', at: '2026-11-20T10:00:00Z', commit: HEAD },
      },
      {
        rule: 'production promotion',
        role: 'model-owner (fraud)',
        candidates: ['@olga'],
        satisfiedBy: { login: 'olga', at: '2026-11-20T10:00:00Z', commit: HEAD },
      },
    ]);
  });

  it('fails and says who could sign off when a role is missing', () => {
    const verdict = evaluateGate(scenario({ reviews: [approve('rita'), approve('olga')] }));
    expect(verdict.conclusion).toBe('failure');
    expect(verdict.title).toBe('2 of 3 sign-offs; missing: compliance');
    const md = renderVerdictMarkdown(verdict);
    expect(md).toContain('| compliance | production promotion | ❌ missing | @Carol |');
    expect(md).toContain(
      '| risk | production promotion | ✅ @rita at 2026-11-20T10:00:00Z on `hhhhhhh` |  |',
    );
  });
});

describe('evaluateGate: who may not sign off', () => {
  it('refuses self-approval by the pull request author', () => {
    const input = scenario();
    input.pullRequest.author = 'carol';
    const verdict = evaluateGate(input);
    expect(verdict.conclusion).toBe('failure');
    expect(missing(verdict)).toEqual(['compliance']);
    expect(verdict.requirements[1]!.candidates).toEqual([]);
    expect(verdict.requirements[1]!.reason).toContain('carol: is an author of this pull request');
  });

  it('refuses the Requested-By requester, who is the real author of a bot-opened promotion', () => {
    const verdict = evaluateGate(scenario({ reviews: [approve('eve'), approve('carol'), approve('olga')] }));
    expect(missing(verdict)).toEqual(['risk']);
  });

  it('refuses a commit author, unless the policy allows commit authors', () => {
    const input = scenario();
    input.pullRequest.commitAuthors.push('Rita');
    expect(missing(evaluateGate(input))).toEqual(['risk']);
    const lenient = scenario({}, { ...basePolicy, signoff: { exclude_commit_authors: false } });
    lenient.pullRequest.commitAuthors.push('rita');
    expect(evaluateGate(lenient).conclusion).toBe('success');
  });

  it('refuses bots, by flag or by a [bot] login listed in a role', () => {
    const policy: Policy = {
      ...basePolicy,
      roles: { ...basePolicy.roles, compliance: { users: ['auditor[bot]'] } },
    };
    const byName = scenario(
      {
        reviews: [approve('rita'), approve('auditor[bot]'), approve('olga')],
        permissions: { 'auditor[bot]': 'admin', rita: 'write', olga: 'write' },
      },
      policy,
    );
    expect(missing(evaluateGate(byName))).toEqual(['compliance']);
    const flagged = scenario({
      reviews: [approve('rita'), { ...approve('carol'), isBot: true }, approve('olga')],
    });
    expect(missing(evaluateGate(flagged))).toEqual(['compliance']);
  });

  it('refuses a pending team invitation and says so', () => {
    const verdict = evaluateGate(
      scenario({
        reviews: [approve('mallory'), approve('carol'), approve('olga')],
        memberships: { 'acme/risk': { mallory: 'pending' } },
        permissions: { mallory: 'write', carol: 'write', olga: 'write' },
      }),
    );
    expect(missing(verdict)).toEqual(['risk']);
    expect(verdict.requirements[0]!.reason).toContain('mallory: invitation to acme/risk is still pending');
  });

  it('refuses a read-only or triage collaborator who holds the role', () => {
    for (const permission of ['read', 'triage', 'none'] as const) {
      const verdict = evaluateGate(
        scenario({ permissions: { rita: 'write', carol: permission, olga: 'write' } }),
      );
      expect(missing(verdict)).toEqual(['compliance']);
      expect(verdict.requirements[1]!.reason).toContain(`has ${permission} access`);
    }
  });

  it('refuses an approver whose permission was not fetched (absent = none)', () => {
    expect(missing(evaluateGate(scenario({ permissions: { rita: 'write', olga: 'write' } })))).toEqual([
      'compliance',
    ]);
  });

  it('matches logins case-insensitively, in roles, teams, permissions and exclusions', () => {
    const verdict = evaluateGate(
      scenario({
        reviews: [approve('RITA'), approve('cArOl'), approve('Olga')],
        memberships: { 'ACME/Risk': { Rita: 'active' } },
        permissions: { rita: 'write', CAROL: 'write', olga: 'write' },
      }),
    );
    expect(verdict.conclusion).toBe('success');
    const input = scenario();
    input.pullRequest.requestedBy = ['CAROL'];
    expect(missing(evaluateGate(input))).toEqual(['compliance']);
  });
});

describe('evaluateGate: which review counts', () => {
  it('refuses an approval of an older commit after a push that changed the pointer', () => {
    const verdict = evaluateGate(
      scenario({ reviews: [approve('rita', OLD), approve('carol'), approve('olga')] }),
    );
    expect(missing(verdict)).toEqual(['risk']);
    expect(verdict.requirements[0]!.reason).toContain('rita: approved aaaaaaa, not the head hhhhhhh');
  });

  it('accepts a stale approval only when allowed and the registry is unchanged since that commit', () => {
    const reviews = [approve('rita', OLD), approve('carol'), approve('olga')];
    const allowing = { ...basePolicy, signoff: { allow_stale_approvals: true } };
    expect(
      evaluateGate(scenario({ reviews, registryUnchangedSince: new Set([OLD]) }, allowing)).conclusion,
    ).toBe('success');
    expect(missing(evaluateGate(scenario({ reviews, registryUnchangedSince: new Set() }, allowing)))).toEqual(
      ['risk'],
    );
    expect(missing(evaluateGate(scenario({ reviews, registryUnchangedSince: new Set([OLD]) })))).toEqual([
      'risk',
    ]);
  });

  it('lets a later CHANGES_REQUESTED or DISMISSED remove an approval, but not a later COMMENTED', () => {
    const later = (login: string, state: Review['state']): Review => ({
      login,
      state,
      commitId: HEAD,
      submittedAt: '2026-11-20T11:00:00Z',
    });
    const base = [approve('rita'), approve('carol'), approve('olga')];
    expect(
      missing(evaluateGate(scenario({ reviews: [...base, later('carol', 'CHANGES_REQUESTED')] }))),
    ).toEqual(['compliance']);
    expect(missing(evaluateGate(scenario({ reviews: [...base, later('carol', 'DISMISSED')] })))).toEqual([
      'compliance',
    ]);
    expect(evaluateGate(scenario({ reviews: [...base, later('carol', 'COMMENTED')] })).conclusion).toBe(
      'success',
    );
    // Order is by time, not by input position: an approval after the change request counts again.
    const reordered = [
      later('carol', 'APPROVED'),
      { ...approve('carol'), state: 'CHANGES_REQUESTED' as const },
    ];
    expect(
      evaluateGate(scenario({ reviews: [approve('rita'), approve('olga'), ...reordered] })).conclusion,
    ).toBe('success');
  });
});

describe('evaluateGate: one person, one role', () => {
  it('does not let one person fill two roles, unless the policy allows it', () => {
    const policy: Policy = { ...basePolicy, roles: { ...basePolicy.roles, compliance: { users: ['rita'] } } };
    const input = scenario({ reviews: [approve('rita'), approve('olga')] }, policy);
    expect(evaluateGate(input).conclusion).toBe('failure');
    const lenient = { ...policy, signoff: { allow_one_person_many_roles: true } };
    expect(evaluateGate(scenario({ reviews: [approve('rita'), approve('olga')] }, lenient)).conclusion).toBe(
      'success',
    );
  });

  it('assigns optimally: someone eligible for two roles takes the one only they can fill', () => {
    // Olga is in acme/risk and the fraud owner, and approved first; Rita can only be risk.
    const verdict = evaluateGate(
      scenario({
        reviews: [approve('olga', HEAD, '2026-11-20T09:00:00Z'), approve('carol'), approve('rita')],
        memberships: { 'acme/risk': { olga: 'active', rita: 'active' } },
      }),
    );
    expect(verdict.conclusion).toBe('success');
    expect(signer(verdict, 'risk')).toBe('rita');
    expect(signer(verdict, 'model-owner (fraud)')).toBe('olga');
  });
});

describe('evaluateGate: what the diff needs', () => {
  it('blocks a merge record added by a pull request a person opened, and passes the one Tollgate App opens', () => {
    const record: RegistryChange = {
      kind: 'audit-appended',
      path: 'audit/2026/11/20261125T120000Z-pr12-0123abcd-fraud-production.yaml',
      id: '20261125T120000Z-pr12-0123abcd-fraud-production',
    };
    const pr = scenario().pullRequest;
    const byPerson = evaluateGate(
      scenario({ changes: [record], reviews: [], pullRequest: { ...pr, author: 'mallory' } }),
    );
    expect(byPerson.conclusion).toBe('failure');
    expect(byPerson.blocking.join('\n')).toContain(
      'merge record 20261125T120000Z-pr12-0123abcd-fraud-production',
    );
    const byApp = evaluateGate(
      scenario({ changes: [record], reviews: [], pullRequest: { ...pr, authorIsBot: true } }),
    );
    expect(byApp.conclusion).toBe('success');
    // With the App's slug known, another bot (a writer's own workflow as github-actions) is no record writer.
    const asBot = (author: string) =>
      evaluateGate(
        scenario({
          changes: [record],
          reviews: [],
          pullRequest: { ...pr, author, authorIsBot: true, recordWriter: 'tollgate-acme' },
        }),
      );
    expect(asBot('github-actions').conclusion).toBe('failure');
    expect(asBot('github-actions').blocking.join('\n')).toContain('another bot (github-actions) opened');
    expect(asBot('github-actions[bot]').conclusion).toBe('failure');
    expect(asBot('tollgate-acme').conclusion).toBe('success');
    expect(asBot('tollgate-acme[bot]').conclusion).toBe('success');
    // An ordinary audit event stays state a person may add.
    const note: RegistryChange = {
      ...record,
      path: 'audit/2026/11/20261125T120000Z-note.yaml',
      id: '20261125T120000Z-note',
    };
    expect(
      evaluateGate(scenario({ changes: [note], reviews: [], pullRequest: { ...pr, author: 'mallory' } }))
        .conclusion,
    ).toBe('success');
  });

  it('needs policy owners for a head policy change: a loosening PR is judged by the base policy', () => {
    const loosen: RegistryChange = { kind: 'policy-changed', path: 'policy.yaml', fields: ['signoff.rules'] };
    const verdict = evaluateGate(
      scenario({ changes: [loosen], reviews: [approve('rita'), approve('carol')] }),
    );
    expect(verdict.conclusion).toBe('failure');
    expect(verdict.requirements.map((r) => [r.rule, r.role])).toEqual([['policy change', 'policy-owner']]);
    expect(evaluateGate(scenario({ changes: [loosen], reviews: [approve('paula')] })).conclusion).toBe(
      'success',
    );
  });

  it('does not let owners written into model.yaml by the pull request sign off its promotion', () => {
    // models come from the base branch: mallory added herself as owner in this very pull request.
    const changes: RegistryChange[] = [
      { kind: 'model-changed', path: 'models/fraud/model.yaml', model: 'fraud' },
      promote,
    ];
    const verdict = evaluateGate(
      scenario({
        changes,
        reviews: [approve('rita'), approve('carol'), approve('mallory')],
        permissions: { rita: 'write', carol: 'write', mallory: 'write' },
      }),
    );
    expect(verdict.conclusion).toBe('failure');
    expect(verdict.requirements.find((r) => r.role === 'model-owner (fraud)')).toMatchObject({
      rule: 'model settings changed, production promotion',
      candidates: ['@olga'],
    });
    expect(verdict.requirements.find((r) => r.role === 'model-owner (fraud)')!.satisfiedBy).toBeUndefined();
  });

  it('blocks a promotion mixed with a workflow, action or build change, whatever the reviews', () => {
    for (const path of [
      '.github/workflows/gate.yml',
      'actions/gate/action.yml',
      'src/gate/evaluate.ts',
      'dist/index.js',
      'package.json',
    ]) {
      const verdict = evaluateGate(scenario({ changes: [promote, { kind: 'file-changed', path }] }));
      expect(verdict.conclusion).toBe('failure');
      expect(verdict.blocking[0]).toContain(`mixed change`);
      expect(verdict.blocking[0]).toContain(path);
    }
    const docs = evaluateGate(
      scenario({ changes: [promote, { kind: 'file-changed', path: 'docs/gate.md' }] }),
    );
    expect(docs.conclusion).toBe('success');
  });

  it('blocks a promotion mixed with a policy change, and a policy change mixed with code', () => {
    const policyChange: RegistryChange = { kind: 'policy-changed', path: 'policy.yaml', fields: ['roles'] };
    const all = [approve('rita'), approve('carol'), approve('olga'), approve('paula')];
    expect(evaluateGate(scenario({ changes: [promote, policyChange], reviews: all })).blocking).toHaveLength(
      1,
    );
    const withCode = evaluateGate(
      scenario({
        changes: [policyChange, { kind: 'file-changed', path: '.github/workflows/x.yml' }],
        reviews: all,
      }),
    );
    expect(withCode.conclusion).toBe('failure');
  });

  it('fails on an unknown or renamed registry file and on a rewritten audit event', () => {
    const unknown = evaluateGate(
      scenario({ changes: [{ kind: 'unknown-registry-file', path: 'models/fraud/stages.yml' }] }),
    );
    expect(unknown.conclusion).toBe('failure');
    expect(unknown.blocking[0]).toContain('models/fraud/stages.yml');
    const rewritten = evaluateGate(
      scenario({ changes: [{ kind: 'audit-rewritten', path: 'audit/2026/11/x.yaml', id: 'x' }] }),
    );
    expect(rewritten.conclusion).toBe('failure');
    expect(rewritten.stateOnly).toBe(false);
  });

  it('passes a state-only pull request with no sign-offs and no reviews', () => {
    const verdict = evaluateGate(
      scenario({
        reviews: [],
        changes: [
          {
            kind: 'schedule-changed',
            path: 'models/fraud/schedule.yaml',
            model: 'fraud',
            fields: ['next_run'],
          },
          { kind: 'audit-appended', path: 'audit/2026/11/y.yaml', id: 'y' },
        ],
      }),
    );
    expect(verdict).toMatchObject({ conclusion: 'success', stateOnly: true, requirements: [] });
  });

  it('needs only the rollback rule for a move back to a version that held production with sign-off', () => {
    const back: RegistryChange = { ...promote, from: 'v13', to: 'v12' };
    const verdict = evaluateGate(scenario({ changes: [back], reviews: [approve('olga')] }));
    expect(verdict.conclusion).toBe('success');
    expect(verdict.requirements.map((r) => [r.rule, r.role])).toEqual([
      ['production rollback', 'model-owner (fraud)'],
    ]);
    expect(verdict.changes).toEqual(['fraud: production v13 → v12 (rollback)']);
  });

  it('needs full sign-off for a "rollback" to a version that never held production', () => {
    const back: RegistryChange = { ...promote, from: 'v13', to: 'v9' };
    const verdict = evaluateGate(scenario({ changes: [back], reviews: [approve('olga')] }));
    expect(verdict.conclusion).toBe('failure');
    expect(missing(verdict)).toEqual(['risk', 'compliance']);
  });

  it('needs each model’s owners when one pull request touches several models', () => {
    const changes: RegistryChange[] = [
      { kind: 'version-added', path: 'models/fraud/versions/v14.yaml', model: 'fraud', version: 'v14' },
      { kind: 'version-added', path: 'models/churn/versions/v3.yaml', model: 'churn', version: 'v3' },
    ];
    const onlyFraud = evaluateGate(scenario({ changes, reviews: [approve('olga')] }));
    expect(missing(onlyFraud)).toEqual(['model-owner (churn)']);
    expect(evaluateGate(scenario({ changes, reviews: [approve('olga'), approve('chen')] })).conclusion).toBe(
      'success',
    );
  });

  it('treats a weight change on a stage as a forward stage change', () => {
    const weight: RegistryChange = { ...promote, stage: 'canary', from: 'v12', to: 'v12' };
    const verdict = evaluateGate(scenario({ changes: [weight], reviews: [approve('olga')] }));
    expect(verdict.conclusion).toBe('success');
    expect(verdict.requirements.map((r) => [r.rule, r.role])).toEqual([
      ['stage change', 'model-owner (fraud)'],
    ]);
    expect(verdict.changes).toEqual(['fraud: canary v12 settings changed']);
  });

  it('passes an empty diff with nothing to sign off', () => {
    const verdict = evaluateGate(scenario({ changes: [], reviews: [] }));
    expect(verdict).toMatchObject({
      conclusion: 'success',
      title: 'No changes',
      requirements: [],
      stateOnly: false,
    });
  });

  it('fails naming the policy fix when a rule requires a role the policy does not define', () => {
    const policy: Policy = { ...basePolicy, roles: { risk: { teams: ['acme/risk'] } } };
    const verdict = evaluateGate(scenario({}, policy));
    expect(verdict.conclusion).toBe('failure');
    expect(verdict.blocking[0]).toContain('requires role "compliance"');
    expect(verdict.blocking[0]).toContain('add roles.compliance');
  });

  it('explains a role that lists nobody instead of waiting for a sign-off that cannot come', () => {
    const policy: Policy = { ...basePolicy, roles: { ...basePolicy.roles, compliance: {} } };
    const verdict = evaluateGate(scenario({}, policy));
    expect(missing(verdict)).toEqual(['compliance']);
    expect(verdict.requirements[1]!.reason).toContain('role compliance lists no users or teams');
  });

  it('does not read a role named like an Object prototype property', () => {
    const policy: Policy = {
      ...basePolicy,
      signoff: { rules: [{ name: 'odd', change: 'stage-changed', require: ['constructor'] }] },
    };
    expect(evaluateGate(scenario({}, policy)).blocking[0]).toContain('requires role "constructor"');
  });

  it('fails closed on a change no rule covers', () => {
    const policy: Policy = {
      ...basePolicy,
      signoff: { rules: [{ name: 'prod', change: 'stage-changed', stage: 'production', require: ['risk'] }] },
    };
    const verdict = evaluateGate(
      scenario(
        { changes: [{ kind: 'model-removed', path: 'models/churn/model.yaml', model: 'churn' }] },
        policy,
      ),
    );
    expect(verdict.blocking[0]).toContain('no sign-off rule covers');
  });

  it('does not let a new model’s head-listed owners sign off unless a base role vets them', () => {
    const changes: RegistryChange[] = [
      { kind: 'model-added', path: 'models/spam/model.yaml', model: 'spam' },
      { kind: 'version-added', path: 'models/spam/versions/v1.yaml', model: 'spam', version: 'v1' },
    ];
    const models = { spam: { owners: { users: ['sam'] }, new: true } };
    const permissions = { rita: 'write', sam: 'write' } as const;
    const vetted = evaluateGate(
      scenario({ changes, models, permissions, reviews: [approve('rita'), approve('sam')] }),
    );
    expect(vetted.conclusion).toBe('success');
    const policy: Policy = {
      ...basePolicy,
      signoff: {
        rules: [
          { name: 'new model', change: 'model-added', require: [] },
          { name: 'new version', change: 'version-added', require: ['model-owner'] },
        ],
      },
    };
    const unvetted = evaluateGate(
      scenario({ changes, models, permissions, reviews: [approve('sam')] }, policy),
    );
    expect(unvetted.conclusion).toBe('failure');
    expect(unvetted.requirements[0]!.reason).toContain('owner list is unvetted');
    const unknown = evaluateGate(
      scenario({ changes, models: {}, permissions, reviews: [approve('rita'), approve('sam')] }),
    );
    expect(unknown.requirements.find((r) => r.role === 'model-owner (spam)')!.reason).toContain(
      'no model.yaml',
    );
  });

  it('treats a pull request into another branch as the policy says', () => {
    const input = scenario({ reviews: [] });
    input.pullRequest.baseRef = 'release';
    expect(evaluateGate(input).blocking[0]).toContain('not the default branch main');
    const none = scenario({ reviews: [] }, { ...basePolicy, signoff: { non_default_branch: 'none' } });
    none.pullRequest.baseRef = 'release';
    expect(evaluateGate(none).conclusion).toBe('success');
  });
});

describe('evaluateGate: a hand-written promotion of a version that may not serve there', () => {
  const everyone = [approve('rita'), approve('carol'), approve('olga')];
  const withVersion = (version: ReturnType<typeof recorded>, policy: Policy = basePolicy) =>
    evaluateGate(scenario({ reviews: everyone, versions: { fraud: { v13: version } } }, policy));

  it('blocks a held (rolled-back) version whatever the sign-offs, and a rollback to one too', () => {
    const verdict = withVersion({ ...recorded(), held: 'INC-7: error rate' });
    expect(verdict.conclusion).toBe('failure');
    expect(verdict.blocking).toEqual([expect.stringContaining('version v13 is held (INC-7: error rate)')]);
    const back: RegistryChange = { ...promote, from: 'v13', to: 'v12' };
    const rollback = evaluateGate(
      scenario({
        changes: [back],
        reviews: [approve('olga')],
        versions: { fraud: { v12: { ...recorded(), held: 'on the base branch: bad' } } },
      }),
    );
    expect(rollback.blocking).toEqual([expect.stringContaining('is held')]);
  });

  it('recomputes validation from the metrics against the base gates, never trusting a recorded pass', () => {
    const gated: Policy = { ...basePolicy, gates: [{ metric: 'auc', op: '>=', threshold: 0.85 }] };
    expect(withVersion(recorded({ auc: 0.9 }), gated).conclusion).toBe('success');
    // The version file says passed: true, but its metrics fail the base policy's gate.
    const faked = withVersion(recorded({ auc: 0.8 }), gated);
    expect(faked.conclusion).toBe('failure');
    expect(faked.blocking[0]).toContain('fails its validation gates: auc >= 0.85 (got 0.8)');
    // A metric the version does not report fails its gate; a recorded failure fails too.
    expect(withVersion(recorded({}), gated).blocking[0]).toContain('got nothing');
    expect(withVersion({ ...recorded(), passed: false }).blocking[0]).toContain('recorded as failed');
    // The model's own gates, from the base, apply as well.
    const strict = scenario({
      reviews: everyone,
      models: {
        fraud: { owners: { users: ['olga'] }, gates: [{ metric: 'auc', op: '>', threshold: 0.95 }] },
      },
    });
    expect(evaluateGate(strict).blocking[0]).toContain('auc > 0.95 (got 0.9)');
  });

  it('blocks a forward move worse than the version it replaces beyond the no_regression tolerance, not a rollback', () => {
    const guarded: Policy = {
      ...basePolicy,
      metrics: { auc: { better: 'higher' }, fpr: { better: 'lower' } },
      no_regression: [
        { metric: 'auc', tolerance: 0.01, stage: 'production' },
        { metric: 'fpr', tolerance: 0 },
      ],
    };
    const withPair = (v12: Record<string, number>, v13: Record<string, number>, policy = guarded) =>
      evaluateGate(
        scenario(
          { reviews: everyone, versions: { fraud: { v12: recorded(v12), v13: recorded(v13) } } },
          policy,
        ),
      );
    expect(withPair({ auc: 0.924, fpr: 0.041 }, { auc: 0.92, fpr: 0.041 }).conclusion).toBe('success');
    const worse = withPair({ auc: 0.924, fpr: 0.041 }, { auc: 0.875, fpr: 0.069 });
    expect(worse.conclusion).toBe('failure');
    expect(worse.blocking).toEqual([
      expect.stringContaining(
        'fraud: production → v13: no_regression on auc: 0.924 → 0.875 is worse than v12 by 0.049',
      ),
      expect.stringContaining(
        'no_regression on fpr: 0.041 → 0.069 is worse than v12 by 0.028 (lower is better, tolerance 0)',
      ),
    ]);
    // A metric the candidate drops fails closed, like a gate on a missing metric.
    expect(withPair({ auc: 0.9, fpr: 0.04 }, { auc: 0.95 }).blocking[0]).toContain(
      'the candidate does not report fpr',
    );
    // Without the rule, worse is shown in the body but not blocked.
    expect(withPair({ auc: 0.924 }, { auc: 0.875 }, basePolicy).conclusion).toBe('success');
    // A rollback to a worse version is how production recovers: never blocked by no_regression.
    const back: RegistryChange = { ...promote, from: 'v13', to: 'v12' };
    const rollback = evaluateGate(
      scenario(
        {
          changes: [back],
          reviews: [approve('olga')],
          versions: { fraud: { v12: recorded({ auc: 0.8 }), v13: recorded({ auc: 0.95 }) } },
        },
        guarded,
      ),
    );
    expect(rollback.blocking).toEqual([]);
  });

  it('blocks a promotion that skips staging, and one to a version with no valid record', () => {
    const skip = evaluateGate(
      scenario({ reviews: everyone, stageHistory: { fraud: { production: ['v12'] } } }),
    );
    expect(skip.conclusion).toBe('failure');
    expect(skip.blocking).toEqual([
      expect.stringContaining('skips a stage: production takes only a version that held staging'),
    ]);
    const ghost: RegistryChange = { ...promote, to: 'v99' };
    expect(evaluateGate(scenario({ changes: [ghost], reviews: everyone })).blocking[0]).toContain(
      'models/fraud/versions/v99.yaml is missing or invalid',
    );
    const invalid = withVersion({ ...recorded(), valid: false });
    expect(invalid.blocking[0]).toContain('missing or invalid');
  });

  it('lets a rollback skip the gates and stage order, since the version served there before', () => {
    const back: RegistryChange = { ...promote, from: 'v13', to: 'v11' };
    const gated: Policy = { ...basePolicy, gates: [{ metric: 'auc', op: '>=', threshold: 0.95 }] };
    const verdict = evaluateGate(scenario({ changes: [back], reviews: [approve('olga')] }, gated));
    expect(verdict).toMatchObject({ conclusion: 'success', blocking: [] });
  });
});

describe('rolesToResolve', () => {
  it('asks only about approvers that could count, and only for teams of required roles', () => {
    const {
      memberships: _m,
      permissions: _p,
      ...rest
    } = scenario({
      reviews: [approve('rita'), approve('carol'), approve('olga'), approve('eve'), approve('zed', OLD)],
    });
    expect(rolesToResolve(rest)).toEqual({
      memberships: [
        { team: 'acme/risk', login: 'carol' },
        { team: 'acme/risk', login: 'olga' },
        { team: 'acme/risk', login: 'rita' },
      ],
      permissions: ['carol', 'olga', 'rita'],
    });
  });

  it('asks about model-owner teams too, and never about excluded reviewers or bots', () => {
    const {
      memberships: _m,
      permissions: _p,
      ...rest
    } = scenario({
      models: { fraud: { owners: { teams: ['acme/fraud-owners'] } } },
      reviews: [approve('olga'), approve('eve'), approve('ci[bot]')],
    });
    expect(rolesToResolve(rest)).toEqual({
      memberships: [
        { team: 'acme/fraud-owners', login: 'olga' },
        { team: 'acme/risk', login: 'olga' },
      ],
      permissions: ['olga'],
    });
  });

  it('asks nothing for a state-only or blocked pull request', () => {
    const {
      memberships: _m,
      permissions: _p,
      ...rest
    } = scenario({
      changes: [promote, { kind: 'file-changed', path: 'src/x.ts' }],
    });
    expect(rolesToResolve(rest)).toEqual({ memberships: [], permissions: [] });
  });
});

describe('evaluateGate: monotonic in approvals', () => {
  const logins = ['rita', 'carol', 'olga', 'eve', 'mallory', 'paula', 'chen'];
  const reviewArb = fc.record({
    login: fc.constantFrom(...logins),
    state: fc.constantFrom('APPROVED', 'CHANGES_REQUESTED', 'COMMENTED', 'DISMISSED') as fc.Arbitrary<
      Review['state']
    >,
    commitId: fc.constantFrom(HEAD, OLD),
    submittedAt: fc
      .integer({ min: 0, max: 59 })
      .map((m) => `2026-11-20T10:${String(m).padStart(2, '0')}:00Z`),
  });
  const changesArb = fc.subarray<RegistryChange>([
    promote,
    { kind: 'version-added', path: 'models/churn/versions/v3.yaml', model: 'churn', version: 'v3' },
    { kind: 'policy-changed', path: 'policy.yaml', fields: ['roles'] },
  ]);

  it('adding a final approval never turns success into failure', () => {
    fc.assert(
      fc.property(
        fc.array(reviewArb, { maxLength: 8 }),
        changesArb,
        fc.constantFrom(...logins),
        (reviews, changes, who) => {
          const before = evaluateGate(scenario({ reviews, changes }));
          const after = evaluateGate(
            scenario({ reviews: [...reviews, approve(who, HEAD, '2026-11-20T11:00:00Z')], changes }),
          );
          if (before.conclusion === 'success') expect(after.conclusion).toBe('success');
          const satisfied = (v: GateVerdict) => v.requirements.filter((r) => r.satisfiedBy).length;
          expect(satisfied(after)).toBeGreaterThanOrEqual(satisfied(before));
        },
      ),
    );
  });

  it('does not depend on the order reviews arrive in', () => {
    fc.assert(
      fc.property(fc.array(reviewArb, { maxLength: 8 }), changesArb, fc.nat(), (raw, changes, seed) => {
        // Distinct times, so only the input order differs between the two runs.
        const reviews = raw.map((r, i) => ({
          ...r,
          submittedAt: `2026-11-20T10:${String(i).padStart(2, '0')}:00Z`,
        }));
        const shuffled = [...reviews].sort(
          (a, b) =>
            ((a.submittedAt.charCodeAt(15) * 31 + seed) % 7) -
            ((b.submittedAt.charCodeAt(15) * 31 + seed) % 7),
        );
        const a = evaluateGate(scenario({ reviews, changes }));
        const b = evaluateGate(scenario({ reviews: shuffled, changes }));
        expect(b.conclusion).toBe(a.conclusion);
        expect(b.requirements.map((r) => r.satisfiedBy?.login)).toEqual(
          a.requirements.map((r) => r.satisfiedBy?.login),
        );
      }),
    );
  });

  it('removing every review of one reviewer never turns failure into success', () => {
    fc.assert(
      fc.property(
        fc.array(reviewArb, { minLength: 1, maxLength: 8 }),
        changesArb,
        fc.constantFrom(...logins),
        (reviews, changes, who) => {
          const before = evaluateGate(scenario({ reviews, changes }));
          const after = evaluateGate(scenario({ reviews: reviews.filter((r) => r.login !== who), changes }));
          if (before.conclusion === 'failure') expect(after.conclusion).toBe('failure');
        },
      ),
    );
  });
});
