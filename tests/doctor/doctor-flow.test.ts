// `tollgate doctor` against the GitHub double. The secure set-up is exactly what `tollgate init` writes and applies
// (planInit's files, applySettings' rulesets and environments, the secrets init tells the admin to add), so doctor
// and init cannot drift: a change to either that disagrees fails the first test. Each insecure set-up is one of the
// attacks of issue 13, made on that set-up, and must produce its own finding.
import { describe, expect, it } from 'vitest';
import { doctorCommand } from '../../src/cli/commands/doctor.ts';
import type { CliContext } from '../../src/cli/context.ts';
import { doctorFlow } from '../../src/doctor/doctor-flow.ts';
import type { Finding } from '../../src/doctor/findings.ts';
import { workflowTemplates } from '../../src/init/installed.ts';
import { planInit, WORKFLOWS, type InitAnswers } from '../../src/init/plan.ts';
import { applySettings, planSettings } from '../../src/init/settings.ts';
import { useGitHubDouble } from '../github-double/harness.ts';
import { TOLLGATE_APP } from '../github-double/state.ts';

const gh = useGitHubDouble();
const NAME = 'acme/models';
const REPO = { owner: 'acme', repo: 'models' };
const RELEASE = { repository: 'tollgate-dev/tollgate', version: '1.4.0', tag: 'v1.4.0', sha: 'c'.repeat(40) };
const ANSWERS: InitAnswers = {
  model: 'fraud',
  owners: ['acme/fraud-team'],
  risk: ['acme/model-risk'],
  compliance: ['acme/compliance'],
  policyOwners: ['acme/ml-platform'],
  defaultBranch: 'main',
  registry: 'registry',
  interval: 86_400,
  now: new Date('2026-03-01T00:00:00Z'),
};

/** The files init writes, as they land on the default branch. */
function initFiles(): Record<string, string> {
  const files = planInit(ANSWERS, workflowTemplates([...WORKFLOWS, 'site'], RELEASE));
  return Object.fromEntries(files.map((f) => [f.path, f.content]));
}

/** A repository set up as `tollgate init --apply --app-id` and its printed next steps leave it. */
async function secureRepository(edit: (files: Record<string, string>) => void = () => {}) {
  const files = initFiles();
  edit(files);
  const repo = await gh.state.createRepo(NAME, { files });
  const plan = planSettings({ defaultBranch: 'main', appId: TOLLGATE_APP.id, emergencyPush: true });
  await applySettings(gh.client(), REPO, plan);
  // By hand, as init's next steps say: the App key in both environments, the push key in the emergency one.
  for (const environment of repo.environments)
    environment.secrets =
      environment.name === 'tollgate-emergency'
        ? ['TOLLGATE_APP_KEY', 'TOLLGATE_EMERGENCY_PUSH_KEY']
        : ['TOLLGATE_APP_KEY'];
  repo.variables.TOLLGATE_APP_ID = String(TOLLGATE_APP.id);
  return repo;
}

const ids = (findings: Finding[]) => findings.filter((f) => f.severity !== 'note').map((f) => f.id);
const doctor = () => doctorFlow(gh.client(), REPO);
type Rules = { type: string; parameters?: Record<string, unknown> }[];
const rulesOf = (repo: Awaited<ReturnType<typeof secureRepository>>, name: string) =>
  repo.rulesets.find((r) => r.name === name)!.rules as Rules;

describe('tollgate doctor on the set-up init writes', () => {
  it('finds nothing to fix, reading the App id from the repository variable', async () => {
    await secureRepository();
    const report = await doctor();
    expect(report.findings).toEqual([]);
    expect(report).toMatchObject({ exitCode: 0, defaultBranch: 'main', appId: TOLLGATE_APP.id });
  });
});

describe('attack 1: a workflow pushed on a branch mints the App token', () => {
  it('finds a job that reads the App key without an environment', async () => {
    await secureRepository((files) => {
      const path = '.github/workflows/tollgate-promote.yml';
      files[path] = files[path]!.replace(/^ {4}environment: tollgate\n/m, '');
    });
    const report = await doctor();
    expect(report.exitCode).toBe(1);
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        id: 'app-key-without-environment',
        where: '.github/workflows/tollgate-promote.yml job promote',
      }),
    );
  });

  it('finds the App key kept as a repository secret, and any other workflow that reads it', async () => {
    const repo = await secureRepository((files) => {
      files['.github/workflows/build.yml'] =
        'on: push\njobs:\n  leak:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ secrets.TOLLGATE_APP_KEY }}"\n';
    });
    repo.secrets.push('TOLLGATE_APP_KEY');
    expect(ids((await doctor()).findings).sort()).toEqual([
      'app-key-repository-secret',
      'app-key-without-environment',
    ]);
  });

  it('finds environments any branch may deploy to', async () => {
    const repo = await secureRepository();
    repo.environments.find((e) => e.name === 'tollgate')!.branchPolicy = null;
    repo.environments.find((e) => e.name === 'tollgate-emergency')!.branchPolicy = [
      { name: 'main', type: 'branch' },
      { name: 'release/*', type: 'branch' },
    ];
    const found = (await doctor()).findings.filter((f) => f.id === 'environment-not-default-branch');
    expect(found.map((f) => f.where)).toEqual(['environment "tollgate"', 'environment "tollgate-emergency"']);
    expect(found[1]!.problem).toContain('branch "release/*"');
  });

  it('finds the App as a bypass actor that may push (bypass_mode always)', async () => {
    const repo = await secureRepository();
    const gate = repo.rulesets.find((r) => r.name === 'tollgate')!;
    gate.bypass_actors = [{ actor_id: TOLLGATE_APP.id, actor_type: 'Integration', bypass_mode: 'always' }];
    const found = (await doctor()).findings.filter((f) => f.id === 'bypass-actor');
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]).toMatchObject({ where: 'ruleset "tollgate"' });
    expect(found[0]!.attack).toContain("App's token");
  });
});

describe('attack 2: a forged check of the gate name', () => {
  it('finds a required tollgate/signoff that is not pinned to the Tollgate App', async () => {
    const repo = await secureRepository();
    const checks = rulesOf(repo, 'tollgate').find((r) => r.type === 'required_status_checks')!;
    checks.parameters = {
      strict_required_status_checks_policy: true,
      required_status_checks: [
        { context: 'tollgate/signoff' },
        { context: 'validate', integration_id: 15368 },
      ],
    };
    expect(ids((await doctor()).findings)).toEqual(['gate-check-not-pinned']);
  });

  it('finds the check pinned to GitHub Actions, the App every workflow posts as', async () => {
    const repo = await secureRepository();
    const checks = rulesOf(repo, 'tollgate').find((r) => r.type === 'required_status_checks')!;
    (checks.parameters!.required_status_checks as { integration_id: number }[])[0]!.integration_id = 15368;
    expect(ids((await doctor()).findings)).toEqual(['gate-check-not-pinned']);
  });
});

describe('attack 3: weaken the gate first, then pass through it', () => {
  it('finds no approvals, no code-owner review, no strict checks and an unpinned validate', async () => {
    const repo = await secureRepository();
    repo.rulesets = repo.rulesets.filter((r) => r.name !== 'tollgate-reviews');
    const checks = rulesOf(repo, 'tollgate').find((r) => r.type === 'required_status_checks')!;
    checks.parameters = {
      strict_required_status_checks_policy: false,
      required_status_checks: [
        { context: 'tollgate/signoff', integration_id: TOLLGATE_APP.id },
        { context: 'validate' },
      ],
    };
    expect(ids((await doctor()).findings).sort()).toEqual([
      'checks-not-strict',
      'code-owner-review-off',
      'last-push-approval-off',
      'no-required-approvals',
      'validate-check-not-pinned',
    ]);
  });

  it('finds CODEOWNERS that cover only the Tollgate workflows', async () => {
    await secureRepository((files) => {
      files['.github/CODEOWNERS'] = '/.github/workflows/tollgate-*.yml @acme/ml-platform\n';
    });
    const found = (await doctor()).findings.filter((f) => f.id === 'codeowners-gap');
    expect(found.map((f) => f.problem)).toEqual([
      'registry/policy.yaml has no code owner',
      'schemas/Policy.schema.json has no code owner',
      '.github/CODEOWNERS has no code owner',
    ]);
  });

  it('finds guarded files owned by someone other than the policy owners', async () => {
    await secureRepository((files) => {
      files['.github/CODEOWNERS'] += '/registry/policy.yaml @acme/fraud-team\n';
    });
    const found = (await doctor()).findings.filter((f) => f.severity === 'weakness');
    expect(found).toEqual([
      expect.objectContaining({ id: 'codeowners-not-policy-owners', where: '.github/CODEOWNERS:7' }),
    ]);
  });
});

describe('attack 5: training code reads the push token', () => {
  it('finds a retrain job that trains and holds the App token', async () => {
    await secureRepository((files) => {
      files['.github/workflows/tollgate-retrain.yml'] = `on: workflow_dispatch
permissions: {}
jobs:
  retrain:
    runs-on: ubuntu-latest
    environment: tollgate
    steps:
      - id: app
        uses: actions/create-github-app-token@fee1f7d63c2ff003460e3d139729b119787bc349 # v2.2.2
        with:
          app-id: \${{ vars.TOLLGATE_APP_ID }}
          private-key: \${{ secrets.TOLLGATE_APP_KEY }}
      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0
        with:
          token: \${{ steps.app.outputs.token }}
      - uses: tollgate-dev/tollgate/actions/retrain@${'c'.repeat(40)} # v1.4.0
        with:
          token: \${{ steps.app.outputs.token }}
`;
    });
    const found = (await doctor()).findings.filter((f) => f.severity !== 'note');
    expect(found).toEqual([
      expect.objectContaining({
        id: 'user-code-with-write-token',
        where: '.github/workflows/tollgate-retrain.yml job retrain',
      }),
    ]);
    expect(found[0]!.problem).toContain('mints an App token');
  });
});

describe('attack 6: broad tokens and moving tags', () => {
  it('finds workflow permissions that are not {}, tag pins, and write-by-default Actions settings', async () => {
    const repo = await secureRepository((files) => {
      const path = '.github/workflows/tollgate-validate.yml';
      files[path] = files[path]!.replace('permissions: {}', 'permissions: write-all').replace(
        /actions\/checkout@[0-9a-f]{40} # v5.0.0/,
        'actions/checkout@v5',
      );
    });
    repo.workflowPermissions = { defaultWorkflowPermissions: 'write', canApprovePullRequestReviews: true };
    expect(ids((await doctor()).findings).sort()).toEqual([
      'action-not-pinned',
      'actions-can-approve',
      'default-token-write',
      'workflow-permissions-not-empty',
    ]);
  });
});

describe('what the token cannot read', () => {
  it('reports a 403 on an admin endpoint as a finding, not a crash', async () => {
    await secureRepository();
    gh.fault('GET', '/repos/{owner}/{repo}/rulesets', { kind: 'forbidden' });
    gh.fault('GET', '/repos/{owner}/{repo}/actions/secrets', { kind: 'forbidden' });
    const report = await doctor();
    expect(report.exitCode).toBe(1);
    expect(report.findings.filter((f) => f.severity === 'unreadable').map((f) => f.id)).toEqual([
      'rulesets-unreadable',
      'repository-secrets-unreadable',
    ]);
    // With no rule readable, doctor claims nothing about them either way.
    expect(ids(report.findings)).not.toContain('pull-request-not-required');
  });
});

describe('the command', () => {
  function context(env: NodeJS.ProcessEnv) {
    const out: string[] = [];
    const err: string[] = [];
    const ctx: CliContext = {
      cwd: '/nonexistent',
      repoRoot: '/nonexistent',
      registryDir: '/nonexistent/registry',
      env: { GITHUB_TOKEN: 'test-token', GITHUB_API_URL: gh.double.baseUrl, ...env },
      now: () => new Date('2026-03-01T00:00:00Z'),
      out: (t) => out.push(t),
      err: (t) => err.push(t),
    };
    return { ctx, out, err };
  }

  it('prints each weakness with its attack and fix, as text or JSON, and exits 1', async () => {
    const repo = await secureRepository();
    repo.secrets.push('TOLLGATE_APP_KEY');
    const text = context({});
    expect(await doctorCommand.run(['--repo', NAME], text.ctx)).toBe(1);
    expect(text.out.join('\n')).toMatch(
      /\[app-key-repository-secret\] repository secrets: TOLLGATE_APP_KEY is a repository secret[^\n]*\n {4}attack: [^\n]+\n {4}fix: delete it from Settings/,
    );
    const json = context({});
    expect(await doctorCommand.run(['--repo', NAME, '--format', 'json'], json.ctx)).toBe(1);
    const report = JSON.parse(json.out.join('\n')) as { findings: Finding[]; exitCode: number };
    expect(report.findings.map((f) => f.id)).toEqual(['app-key-repository-secret']);
  });

  it('exits 0 on the secure set-up and 3 when GitHub cannot answer', async () => {
    await secureRepository();
    expect(
      await doctorCommand.run(['--repo', NAME, '--app-id', String(TOLLGATE_APP.id)], context({}).ctx),
    ).toBe(0);
    const failing = context({});
    expect(await doctorCommand.run(['--repo', 'acme/missing'], failing.ctx)).toBe(3);
    expect(failing.err.join('\n')).toContain('GET /repos/{owner}/{repo}');
    const tokenless = context({ GITHUB_TOKEN: '' });
    expect(await doctorCommand.run(['--repo', NAME], tokenless.ctx)).toBe(3);
    expect(tokenless.err.join('\n')).toContain('no GitHub token');
    // A usage error is not an environment error.
    await expect(doctorCommand.run(['--repo', 'not-a-repo'], context({}).ctx)).rejects.toThrow(
      '--repo not-a-repo',
    );
  });
});
