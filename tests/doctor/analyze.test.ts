// doctor's pure judgement, table-tested: CODEOWNERS matching as GitHub does it, which rulesets cover the default
// branch, classic branch protection, and the bypass rules (who may get around which requirement).
import { describe, expect, it } from 'vitest';
import {
  analyzeRepository,
  rulesetCovers,
  type EnvironmentFact,
  type RepositoryFacts,
  type RulesetFact,
} from '../../src/doctor/analyze.ts';
import { ownersOf, parseCodeowners, patternMatches } from '../../src/doctor/codeowners.ts';
import { doctorExitCode } from '../../src/doctor/findings.ts';
import { tollgateRulesets } from '../../src/init/rulesets.ts';

describe('CODEOWNERS patterns', () => {
  it.each([
    ['/.github/', '.github/workflows/x.yml', true],
    ['/.github/', 'a/.github/x', false],
    ['.github/', 'a/.github/x', true],
    ['/registry/policy.yaml', 'registry/policy.yaml', true],
    ['/registry/policy.yaml', 'registry/policy.yaml.bak', false],
    ['*.yml', 'deep/down/x.yml', true],
    ['/.github/workflows/tollgate-*.yml', '.github/workflows/tollgate-gate.yml', true],
    ['/.github/workflows/tollgate-*.yml', '.github/CODEOWNERS', false],
    ['docs/*', 'docs/a.md', true],
    ['docs/*', 'docs/sub/a.md', true],
    ['**/schemas/**', 'x/schemas/a.json', true],
    ['*', 'anything/at/all', true],
    ['schemas', 'schemas/Policy.schema.json', true],
  ])('%s covers %s: %s', (pattern, path, expected) => {
    expect(patternMatches(pattern, path)).toBe(expected);
  });

  it('lets the last matching line decide, and a line without owners remove them', () => {
    const rules = parseCodeowners(
      '# comment\n* @acme/all\n/registry/ @acme/risk # trailing\n/registry/audit/\n',
    );
    expect(ownersOf(rules, 'registry/policy.yaml')).toEqual({ owners: ['@acme/risk'], line: 3 });
    expect(ownersOf(rules, 'registry/audit/x.yaml')).toEqual({ owners: [], line: 4 });
    expect(ownersOf(rules, 'README.md').owners).toEqual(['@acme/all']);
  });
});

describe('rulesetCovers', () => {
  const ruleset = (include: string[], exclude: string[] = []): RulesetFact => ({
    id: 1,
    name: 'r',
    enforcement: 'active',
    conditions: { ref_name: { include, exclude } },
  });
  it.each([
    [['~DEFAULT_BRANCH'], [], true],
    [['~ALL'], ['refs/heads/main'], false],
    [['refs/heads/main'], [], true],
    [['refs/heads/ma*'], [], true],
    [['refs/heads/release/*'], [], false],
    [['refs/heads/**'], [], true],
    [[], [], false],
  ])('include %j exclude %j covers main: %s', (include, exclude, expected) => {
    expect(rulesetCovers(ruleset(include, exclude), 'main')).toBe(expected);
  });
});

const APP = 42;
const ok = <T>(value: T) => ({ ok: true as const, value });
const CLEAN_SECRETS = ok([] as string[]);

/** Facts for a repository with init's rulesets and nothing else checked wrong. */
function facts(overrides: Partial<RepositoryFacts> = {}): RepositoryFacts {
  const rulesets = tollgateRulesets({ defaultBranch: 'main', appId: APP, emergencyPush: true }).map(
    (r, i) => ({ ...r, id: i + 1 }) as RulesetFact,
  );
  return {
    repository: 'acme/models',
    defaultBranch: 'main',
    rulesets: ok(rulesets),
    protection: ok(null),
    environments: ok(
      ['tollgate', 'tollgate-emergency'].map((name) => ({
        name,
        branches: ok([{ name: 'main', type: 'branch' }]),
        secrets: ok([
          'TOLLGATE_APP_KEY',
          ...(name === 'tollgate-emergency' ? ['TOLLGATE_EMERGENCY_PUSH_KEY'] : []),
        ]),
      })),
    ),
    repositorySecrets: CLEAN_SECRETS,
    organizationSecrets: CLEAN_SECRETS,
    actions: ok({ defaultWorkflowPermissions: 'read', canApprovePullRequestReviews: false }),
    workflows: ok([
      { path: '.github/workflows/tollgate-signoff-gate.yml', text: 'permissions: {}\njobs: {}\n' },
      { path: '.github/workflows/tollgate-validate.yml', text: 'permissions: {}\njobs: {}\n' },
      { path: '.github/workflows/tollgate-state-merge.yml', text: 'permissions: {}\njobs: {}\n' },
    ]),
    codeowners: ok({ path: '.github/CODEOWNERS', text: '* @acme/ml-platform\n' }),
    appId: APP,
    policy: { emergencyPush: true, policyOwners: ['@acme/ml-platform'] },
    guardedFiles: ['.github/workflows/tollgate-signoff-gate.yml', 'registry/policy.yaml'],
    ...overrides,
  };
}
const weaknesses = (f: RepositoryFacts) =>
  analyzeRepository(f)
    .filter((x) => x.severity !== 'note')
    .map((x) => `${x.id} @ ${x.where}`);

describe('analyzeRepository', () => {
  it("passes init's rulesets, and exits 0", () => {
    expect(analyzeRepository(facts())).toEqual([]);
    expect(doctorExitCode(analyzeRepository(facts()))).toBe(0);
  });

  it('refuses the deploy-key bypass when the policy allows no emergency push', () => {
    const found = weaknesses(
      facts({ policy: { emergencyPush: false, policyOwners: ['@acme/ml-platform'] } }),
    );
    expect(found).toContain('bypass-actor @ ruleset "tollgate"');
    expect(found).toContain('bypass-actor @ ruleset "tollgate-reviews"');
  });

  it('allows the App to bypass the review ruleset only in pull_request mode', () => {
    const f = facts();
    const reviews = (f.rulesets as { value: RulesetFact[] }).value[1]!;
    reviews.bypass_actors = [{ actor_id: APP, actor_type: 'Integration', bypass_mode: 'always' }];
    expect(weaknesses(f)).toEqual(['bypass-actor @ ruleset "tollgate-reviews"']);
    const [finding] = analyzeRepository(f).filter((x) => x.id === 'bypass-actor');
    expect(finding!.problem).toBe(
      `Integration ${APP} (always) may bypass it, and no rule without that bypass requires an approving review; ` +
        "requires a code owner's review; requires the most recent push to be approved by someone else",
    );
  });

  it('counts a requirement held twice as held when one holder has no stray bypass', () => {
    const f = facts();
    const [gate] = (f.rulesets as { value: RulesetFact[] }).value;
    (f.rulesets as { value: RulesetFact[] }).value.push({
      ...gate!,
      id: 9,
      name: 'admins-may-skip',
      bypass_actors: [{ actor_id: 5, actor_type: 'RepositoryRole', bypass_mode: 'always' }],
    });
    expect(weaknesses(f)).toEqual([]);
  });

  it("notes when the App may not merge Tollgate's state pull requests past the review rule", () => {
    const f = facts();
    const reviews = (f.rulesets as { value: RulesetFact[] }).value[1]!;
    reviews.bypass_actors = reviews.bypass_actors!.filter((a) => a.actor_type !== 'Integration');
    const found = analyzeRepository(f);
    expect(found.map((x) => [x.id, x.severity, x.where])).toEqual([
      ['state-merge-blocked', 'note', 'ruleset "tollgate-reviews"'],
    ]);
    expect(doctorExitCode(found)).toBe(0);
  });

  it('says so when the token cannot see who may bypass', () => {
    const f = facts();
    for (const r of (f.rulesets as { value: RulesetFact[] }).value) delete r.bypass_actors;
    expect(weaknesses(f).every((w) => w.startsWith('bypass-unreadable'))).toBe(true);
    expect(doctorExitCode(analyzeRepository(f))).toBe(1);
  });

  it('ignores rulesets that are not active or do not cover the default branch', () => {
    const f = facts();
    const [gate, reviews] = (f.rulesets as { value: RulesetFact[] }).value;
    gate!.enforcement = 'evaluate';
    reviews!.conditions = { ref_name: { include: ['refs/heads/release'], exclude: [] } };
    expect(weaknesses(f)).toContain('pull-request-not-required @ rules on main');
    expect(analyzeRepository(f).map((x) => x.id)).toContain('ruleset-not-active');
  });

  it('reads classic branch protection: admins bypass unless enforced, and unpinned checks', () => {
    const f = facts({
      rulesets: ok([]),
      protection: ok({
        required_status_checks: {
          strict: true,
          checks: [
            { context: 'tollgate/signoff', app_id: APP },
            { context: 'validate', app_id: 15368 },
          ],
        },
        required_pull_request_reviews: {
          required_approving_review_count: 1,
          require_code_owner_reviews: true,
          dismiss_stale_reviews: true,
          require_last_push_approval: true,
        },
        enforce_admins: { enabled: true },
        allow_force_pushes: { enabled: false },
        allow_deletions: { enabled: false },
      }),
    });
    expect(weaknesses(f)).toEqual([]);
    const lax = structuredClone(f);
    (lax.protection as { value: { enforce_admins: { enabled: boolean } } }).value.enforce_admins.enabled =
      false;
    expect(new Set(weaknesses(lax))).toEqual(new Set(['bypass-actor @ classic branch protection']));
  });

  it('flags the emergency key in the gate environment and the App key as an organization secret', () => {
    const f = facts({ organizationSecrets: ok(['TOLLGATE_APP_KEY']) });
    const environments = (f.environments as { value: { name: string; secrets: { value: string[] } }[] })
      .value;
    environments[0]!.secrets.value.push('TOLLGATE_EMERGENCY_PUSH_KEY');
    expect(weaknesses(f)).toEqual([
      'emergency-key-misplaced @ environment "tollgate"',
      'app-key-organization-secret @ organization secrets',
    ]);
  });

  it('flags a github-pages environment any branch may deploy to, when the site workflow is installed', () => {
    const site = { path: '.github/workflows/tollgate-site.yml', text: 'permissions: {}\njobs: {}\n' };
    const withPages = (branches: EnvironmentFact['branches'], workflows = [site]) => {
      const f = facts();
      (f.environments as { value: EnvironmentFact[] }).value.push({
        name: 'github-pages',
        branches,
        secrets: ok([]),
      });
      (f.workflows as { value: { path: string; text: string }[] }).value.push(...workflows);
      return weaknesses(f);
    };
    const found = ['pages-environment-not-default-branch @ environment "github-pages"'];
    expect(withPages(ok([{ name: 'main', type: 'branch' }]))).toEqual([]);
    expect(withPages(ok(null))).toEqual(found);
    expect(withPages(ok('protected'))).toEqual(found);
    expect(
      withPages(
        ok([
          { name: 'main', type: 'branch' },
          { name: '*', type: 'branch' },
        ]),
      ),
    ).toEqual(found);
    // Without the site workflow the Pages environment is not Tollgate's business.
    expect(withPages(ok(null), [])).toEqual([]);
  });

  it('allows the merge-queue pattern in the environments, and nothing else', () => {
    const f = facts();
    const environments = (f.environments as { value: { branches: { value: unknown[] } }[] }).value;
    environments[0]!.branches.value.push({ name: 'gh-readonly-queue/main/*', type: 'branch' });
    expect(weaknesses(f)).toEqual([]);
    environments[1]!.branches.value.push({ name: 'v*', type: 'tag' });
    expect(weaknesses(f)).toEqual(['environment-not-default-branch @ environment "tollgate-emergency"']);
  });
});
