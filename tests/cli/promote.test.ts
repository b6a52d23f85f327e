// `tollgate promote` on a real repository holding the example registry: the branch and commit it writes,
// the pull request it describes, every refusal, and a checkout left exactly as it was.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { parseCommitMessage } from '../../src/git/history.ts';
import { cleanupRepos, makeRepo, type Repo } from '../git/repo-fixture.ts';
import { exampleRegistryFiles, withHeld, withSourceCommit } from '../promotion/example-registry.ts';

const BRANCH = 'tollgate/promote/fraud-detector/production';
const FRAUD = 'registry/models/fraud-detector';

afterEach(() => {
  vi.restoreAllMocks();
  cleanupRepos();
});

async function fixture(): Promise<{ repo: Repo; source: string }> {
  const repo = await makeRepo({ 'README.md': '# models\n' });
  const source = await repo.head();
  repo.writeFiles(exampleRegistryFiles(source));
  await repo.commitAll('Add the registry');
  return { repo, source };
}

/** Runs the CLI with an environment of our own (no GITHUB_ACTOR leaking in from a CI runner). */
async function cli(
  repo: Repo,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  const base = { ...process.env };
  delete base.GITHUB_ACTOR;
  try {
    const code = await main(['-C', repo.dir, 'promote', ...args], { ...base, ...env });
    return { code, out, err };
  } finally {
    vi.restoreAllMocks();
  }
}

/** HEAD, branch, index and working tree: what "the checkout is untouched" means. */
async function checkoutState(repo: Repo): Promise<string[]> {
  return Promise.all([
    repo.git(['rev-parse', 'HEAD']),
    repo.git(['symbolic-ref', '--short', 'HEAD']),
    repo.git(['status', '--porcelain', '--untracked-files=all']),
    repo.git(['diff']),
    repo.git(['diff', '--cached']),
  ]);
}

const branchTip = (repo: Repo, branch = BRANCH) =>
  repo.git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]).catch(() => undefined);

describe('tollgate promote', () => {
  it('--dry-run prints the pull request it would open and writes nothing', async () => {
    const { repo } = await fixture();
    const before = await checkoutState(repo);
    const { code, out } = await cli(repo, [
      'fraud-detector',
      'v5',
      '--to',
      'production',
      '--requested-by',
      'eve',
      '--dry-run',
    ]);
    expect(code).toBe(0);
    expect(out).toContain(
      'Promote fraud-detector v5 to production (replacing v4) (dry run: nothing written)',
    );
    expect(out).toContain('title:     Promote fraud-detector v5 to production (replacing v4)');
    expect(out).toContain('labels:    tollgate, tollgate:promotion, stage:production');
    expect(out).toContain(
      'reviewers: @rita-risk, @alice, @acme/model-risk, @acme/compliance, @acme/fraud-ml',
    );
    expect(out).toContain('| **auc** | 0.924 | 0.931 | +0.007 |');
    expect(out).toContain('| compliance | production promotion | @acme/compliance |');
    expect(await branchTip(repo)).toBeUndefined();
    expect(await checkoutState(repo)).toEqual(before);
  });

  it('commits the new pointer with trailers to the promotion branch, leaving a dirty checkout alone', async () => {
    const { repo } = await fixture();
    await repo.git(['checkout', '--quiet', '-b', 'feature']);
    repo.writeFiles({ 'notes.txt': 'work in progress\n', 'README.md': '# models, edited\n' });
    await repo.git(['add', 'README.md']);
    const before = await checkoutState(repo);

    const { code, out } = await cli(repo, ['fraud-detector', 'v5', '--to', 'production'], {
      GITHUB_ACTOR: 'eve',
    });
    expect(code).toBe(0);
    expect(out).toMatch(/committed Promote fraud-detector v5 to production \(replacing v4\) to .* on main/);
    expect(await checkoutState(repo)).toEqual(before);

    const tip = (await branchTip(repo))!;
    expect(await repo.git(['rev-parse', `${tip}^`])).toBe(await repo.git(['rev-parse', 'main']));
    expect(await repo.git(['diff', '--name-only', 'main', tip])).toBe(`${FRAUD}/stages.yaml`);
    const stages = await repo.git(['show', `${tip}:${FRAUD}/stages.yaml`]);
    expect(stages).toContain('  production:\n    version: v5');
    expect(stages).toContain('  staging:\n    version: v5');
    const message = parseCommitMessage(await repo.git(['log', '-1', '--format=%B', tip]));
    expect(message.subject).toBe('Promote fraud-detector v5 to production (replacing v4)');
    expect(message.trailers).toEqual({
      'Tollgate-Event': ['promote'],
      Model: ['fraud-detector'],
      Version: ['v5'],
      Stage: ['production'],
      From: ['v4'],
      'Requested-By': ['eve'],
    });
  });

  it('re-running updates the same branch, rebuilt on the default branch as it is now', async () => {
    const { repo } = await fixture();
    expect(
      (await cli(repo, ['fraud-detector', 'v5', '--to', 'production', '--requested-by', 'eve'])).code,
    ).toBe(0);
    const first = await branchTip(repo);
    repo.writeFiles({ 'README.md': '# models v2\n' });
    const main2 = await repo.commitAll('Edit the README');
    expect(
      (await cli(repo, ['fraud-detector', 'v5', '--to', 'production', '--requested-by', 'eve'])).code,
    ).toBe(0);
    const second = (await branchTip(repo))!;
    expect(second).not.toBe(first);
    expect(await repo.git(['rev-parse', `${second}^`])).toBe(main2);
    expect(await repo.git(['branch', '--list', 'tollgate/*'])).toBe(`  ${BRANCH}`);
  });

  it('takes Requested-By from git user.name when it is a login, and refuses to guess otherwise', async () => {
    const { repo } = await fixture();
    const guess = await cli(repo, ['churn-predictor', 'v3', '--to', 'production', '--dry-run']);
    expect(guess.code).toBe(2);
    expect(guess.err).toContain('fix: pass --requested-by');

    await repo.git(['config', 'user.name', 'carol']);
    const { code, out } = await cli(repo, [
      'churn-predictor',
      'v3',
      '--to',
      'production',
      '--format',
      'json',
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report).toMatchObject({
      ok: true,
      dryRun: false,
      from: 'v2',
      requestedBy: 'carol',
      branch: 'tollgate/promote/churn-predictor/production',
      trailers: { 'Requested-By': 'carol', From: 'v2' },
      pullRequest: { labels: ['tollgate', 'tollgate:promotion', 'stage:production'], base: 'main' },
    });
    expect(report.commit).toBe(await branchTip(repo, report.branch));
    expect(report.pullRequest.reviewers.users).not.toContain('carol');
  });

  it('counts a stage a version held earlier in history', async () => {
    const { repo } = await fixture();
    const stagesFile = join(repo.dir, FRAUD, 'stages.yaml');
    const original = readFileSync(stagesFile, 'utf8');
    repo.writeFiles({
      [`${FRAUD}/stages.yaml`]: original.replace('staging:\n    version: v5', 'staging:\n    version: v2'),
    });
    await repo.commitAll('Promote v2 to staging');
    repo.writeFiles({ [`${FRAUD}/stages.yaml`]: original });
    await repo.commitAll('Promote v5 to staging');

    const { code, out } = await cli(repo, [
      'fraud-detector',
      'v2',
      '--to',
      'production',
      '--requested-by',
      'eve',
    ]);
    expect(code).toBe(0);
    expect(out).toContain('production v4 -> v2');
  });

  describe('refusals exit 1 with the reason and the fix, and write nothing', () => {
    const cases: [string, (repo: Repo, source: string) => Promise<void>, string[], RegExp, RegExp][] = [
      [
        'an unknown version',
        async () => {},
        ['v9', '--to', 'staging'],
        /has no version "v9"/,
        /use one of: v1, v2/,
      ],
      [
        'a version failing its gates',
        async () => {},
        ['v3', '--to', 'staging'],
        /v3 fails its validation gates: auc >= 0.85 \(got 0.842\)/,
        /train a version that passes/,
      ],
      [
        'a held version',
        async (repo) => {
          const file = join(repo.dir, FRAUD, 'versions/v1.yaml');
          repo.writeFiles({ [`${FRAUD}/versions/v1.yaml`]: withHeld(readFileSync(file, 'utf8')) });
          await repo.commitAll('Hold v1');
        },
        ['v1', '--to', 'staging'],
        /v1 is held: error rate spike/,
        /tollgate unhold fraud-detector v1/,
      ],
      [
        'a skipped stage',
        async () => {},
        ['v2', '--to', 'production'],
        /skips a stage: production needs a version that held staging first/,
        /tollgate promote fraud-detector v2 --to staging/,
      ],
      [
        'a source commit that is not on the default branch',
        async (repo) => {
          await repo.git(['checkout', '--quiet', '-b', 'experiment']);
          repo.writeFiles({ 'train.py': 'print("unreviewed")\n' });
          const side = await repo.commitAll('Unreviewed training code');
          await repo.git(['checkout', '--quiet', 'main']);
          const file = join(repo.dir, FRAUD, 'versions/v1.yaml');
          repo.writeFiles({
            [`${FRAUD}/versions/v1.yaml`]: withSourceCommit(readFileSync(file, 'utf8'), side),
          });
          await repo.commitAll('Record v1 from the experiment');
        },
        ['v1', '--to', 'staging'],
        /trained from commit [0-9a-f]{12}, which is not on main/,
        /retrain from main/,
      ],
      [
        'a version recorded in the checkout but not merged',
        async (repo) => {
          await repo.git(['checkout', '--quiet', '-b', 'retrain']);
          const file = join(repo.dir, FRAUD, 'versions/v5.yaml');
          repo.writeFiles({
            [`${FRAUD}/versions/v6.yaml`]: readFileSync(file, 'utf8').replace('id: v5', 'id: v6'),
          });
          await repo.commitAll('Record v6');
        },
        ['v6', '--to', 'staging'],
        /v6 is in this checkout but not on main/,
        /merge the pull request that records v6 into main first/,
      ],
      [
        'an unknown stage',
        async () => {},
        ['v5', '--to', 'shadow'],
        /not a stage in stages.order/,
        /staging, canary, production/,
      ],
      [
        'a version already in the stage',
        async () => {},
        ['v5', '--to', 'staging'],
        /v5 is already in staging/,
        /nothing to do/,
      ],
      [
        'a move down the stage order',
        async () => {},
        ['v4', '--to', 'staging'],
        /v4 is already in production, above staging/,
        /tollgate rollback fraud-detector --stage staging/,
      ],
    ];
    it.each(cases)('%s', async (_name, arrange, args, reason, fix) => {
      const { repo, source } = await fixture();
      await arrange(repo, source);
      const before = await checkoutState(repo);
      const { code, err } = await cli(repo, ['fraud-detector', ...args, '--requested-by', 'eve']);
      expect(code).toBe(1);
      expect(err).toMatch(/^tollgate: promotion refused: /);
      expect(err).toMatch(reason);
      expect(err).toMatch(new RegExp(`\\n {2}fix: .*${fix.source}`));
      expect(await repo.git(['branch', '--list', 'tollgate/*'])).toBe('');
      expect(await checkoutState(repo)).toEqual(before);
    });

    it('as JSON with --format json', async () => {
      const { repo } = await fixture();
      const { code, out } = await cli(repo, [
        'fraud-detector',
        'v9',
        '--to',
        'staging',
        '--requested-by',
        'eve',
        '--format',
        'json',
      ]);
      expect(code).toBe(1);
      expect(JSON.parse(out)).toMatchObject({ ok: false, reason: expect.stringMatching(/no version "v9"/) });
    });
  });

  it('refuses while the registry on the default branch has errors', async () => {
    const { repo } = await fixture();
    repo.writeFiles({
      [`${FRAUD}/stages.yaml`]:
        'apiVersion: tollgate/v1\nkind: Stages\nmodel: fraud-detector\nstages:\n  production:\n    version: v9\n',
    });
    await repo.commitAll('Break the pointer');
    const { code, err } = await cli(repo, [
      'fraud-detector',
      'v5',
      '--to',
      'production',
      '--requested-by',
      'eve',
    ]);
    // Refused by a rule: exit 1, as every refusal (docs/cli.md).
    expect(code).toBe(1);
    expect(err).toMatch(/the registry on main has 1 error\(s\); promotions wait until it is valid/);
    expect(err).toContain('stage production points to version v9');
  });

  it('works with the registry in another folder (--registry)', async () => {
    const { repo } = await fixture();
    await repo.git(['mv', 'registry', 'ops']);
    await repo.commitAll('Move the registry');
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
    const code = await main(
      ['-C', repo.dir, '--registry', 'ops', 'promote', 'churn-predictor', 'v3', '--to', 'production'],
      { ...process.env, GITHUB_ACTOR: 'eve' },
    );
    vi.restoreAllMocks();
    expect(code).toBe(0);
    expect(out).toContain('ops/models/churn-predictor/stages.yaml: production v2 -> v3');
    const tip = (await branchTip(repo, 'tollgate/promote/churn-predictor/production'))!;
    expect(await repo.git(['diff', '--name-only', 'main', tip])).toBe(
      'ops/models/churn-predictor/stages.yaml',
    );
  });

  it('needs a model, a version and --to', async () => {
    const { repo } = await fixture();
    const { code, err } = await cli(repo, ['fraud-detector', 'v5']);
    expect(code).toBe(2);
    expect(err).toContain('promote: --to STAGE is required');
  });

  it("refuses to replace a promotion branch holding someone else's commit, naming it, unless --force", async () => {
    const { repo } = await fixture();
    const args = ['fraud-detector', 'v5', '--to', 'production', '--requested-by', 'eve'];
    expect((await cli(repo, args)).code).toBe(0);
    // A reviewer adds a commit of their own to the promotion branch.
    await repo.git(['checkout', '--quiet', BRANCH]);
    repo.writeFiles({ 'NOTES.md': 'rollout plan\n' });
    const theirs = await repo.commitAll('Add the rollout plan');
    await repo.git(['checkout', '--quiet', 'main']);

    const refused = await cli(repo, args);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain(`${theirs.slice(0, 12)} "Add the rollout plan" by Test User`);
    expect(refused.err).toContain('--force');
    expect(await branchTip(repo)).toBe(theirs);

    const forced = await cli(repo, [...args, '--force']);
    expect(forced.code).toBe(0);
    expect(await branchTip(repo)).not.toBe(theirs);
    expect(
      await repo.git(['merge-base', '--is-ancestor', theirs, BRANCH]).then(
        () => true,
        () => false,
      ),
    ).toBe(false);
  });
});
