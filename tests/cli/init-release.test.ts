// `tollgate init` pins Tollgate's actions to the CLI's release and ends with the manual steps; `init --upgrade`
// moves an adopted repository to the running release, diff first, writing only when told to.
import { readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { initCommand } from '../../src/cli/commands/init.ts';
import { main } from '../../src/cli/main.ts';
import type { CliContext } from '../../src/cli/context.ts';
import { installedManifest } from '../../src/init/installed.ts';
import { APP_ENVIRONMENT, APP_ID_VARIABLE, APP_KEY_SECRET } from '../../src/init/next-steps.ts';
import { releaseOf } from '../../src/init/release.ts';
import { useGitHubDouble } from '../github-double/harness.ts';
import { cleanupRepos, makeRepo } from '../git/repo-fixture.ts';

afterAll(cleanupRepos);
const gh = useGitHubDouble();

const prompts = vi.hoisted(() => ({ answers: [] as string[], asked: [] as string[] }));
vi.mock('node:readline/promises', () => ({
  createInterface: () => ({
    question: async (q: string) => {
      prompts.asked.push(q);
      return prompts.answers.shift() ?? '';
    },
    close: () => undefined,
  }),
}));

const tty = process.stdin.isTTY;
afterEach(() => {
  process.stdin.isTTY = tty;
  prompts.answers = [];
  prompts.asked = [];
});

const release = releaseOf(installedManifest());
const pinned = `${release.repository}/actions/validate@${release.tag}`;

function context(repoRoot: string, env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = {
    cwd: repoRoot,
    repoRoot,
    registryDir: join(repoRoot, 'registry'),
    env,
    now: () => new Date('2026-12-01T10:00:00Z'),
    out: (t) => out.push(t),
    err: (t) => err.push(t),
  };
  return { ctx, out, err };
}

const flags = ['--model', 'churn', '--owner', 'acme/ml', '--risk', 'acme/risk', '--compliance', 'acme/comp'];
const readWorkflow = (dir: string, name: string) =>
  readFileSync(join(dir, '.github/workflows', name), 'utf8');

async function adopted(): Promise<string> {
  const repo = await makeRepo({});
  expect(await initCommand.run(flags, context(repo.dir).ctx)).toBe(0);
  return repo.dir;
}

/** Moves every Tollgate `uses:` of a workflow back to an older release, as an adopter's repository would have. */
function olderRelease(dir: string, name: string): void {
  const path = join(dir, '.github/workflows', name);
  writeFileSync(
    path,
    readFileSync(path, 'utf8').replaceAll(`@${release.tag}`, `@${'1'.repeat(40)} # v0.9.0`),
  );
}

describe('tollgate init and the release', () => {
  it("pins every Tollgate action at this CLI's release, and says how", async () => {
    const repo = await makeRepo({});
    const { ctx, out } = context(repo.dir);
    expect(await initCommand.run(flags, ctx)).toBe(0);
    const text = out.join('\n');
    expect(text).toContain(`from ${release.repository} at tag ${release.tag} (a development build`);
    const uses = readdirSync(join(repo.dir, '.github/workflows'))
      .flatMap((f) => readWorkflow(repo.dir, f).split('\n'))
      .filter((l) => l.includes(`${release.repository}/actions/`));
    expect(uses.length).toBeGreaterThan(0);
    for (const l of uses) expect(l).toMatch(new RegExp(`@${release.tag.replace(/\./g, '\\.')}$`));
  });

  it('ends with the manual steps, with the exact names the workflows read', async () => {
    const repo = await makeRepo({});
    await repo.git(['remote', 'add', 'origin', 'https://github.com/acme/models.git']);
    const { ctx, out } = context(repo.dir);
    expect(await initCommand.run(flags, ctx)).toBe(0);
    const steps = out.join('\n').split('Next steps:\n')[1]!;
    expect(steps).toContain('npx tollgate app manifest');
    expect(steps).toContain(`gh variable set ${APP_ID_VARIABLE} --body APP_ID`);
    expect(steps).toContain('https://github.com/acme/models/settings/variables/actions');
    expect(steps).toContain(`gh secret set ${APP_KEY_SECRET} --env ${APP_ENVIRONMENT}`);
    expect(steps).toContain(`environments/${APP_ENVIRONMENT}/deployment-branch-policies' -f name=main`);
    expect(steps).toContain('npx tollgate doctor --app-id APP_ID');
    expect(steps).toContain('gh workflow run tollgate-retrain.yml -f model=churn');
    // The names the steps give are the ones the written workflows read.
    const retrain = readWorkflow(repo.dir, 'tollgate-retrain.yml');
    expect(retrain).toContain(`vars.${APP_ID_VARIABLE}`);
    expect(retrain).toContain(`secrets.${APP_KEY_SECRET}`);
  });

  it('without a GitHub remote, the steps name the settings pages instead of linking them', async () => {
    const repo = await makeRepo({});
    await repo.git(['remote', 'add', 'origin', '/srv/git/models.git']);
    const { ctx, out } = context(repo.dir);
    expect(await initCommand.run(flags, ctx)).toBe(0);
    const steps = out.join('\n').split('Next steps:\n')[1]!;
    expect(steps).toContain('(Settings → Secrets and variables → Actions → Variables)');
    expect(steps).not.toContain('https://');
  });

  it('--apply once adopted applies the settings and leaves every file as it is, asking nothing', async () => {
    await gh.state.createRepo('acme/models');
    const dir = await adopted();
    const policy = join(dir, 'registry/policy.yaml');
    const edited = `${readFileSync(policy, 'utf8')}# tuned by the team\n`;
    writeFileSync(policy, edited);
    process.stdin.isTTY = true;
    const env = { GITHUB_TOKEN: 't', GITHUB_API_URL: gh.double.baseUrl };
    const { ctx, out } = context(dir, env);
    expect(await initCommand.run(['--apply', '--repo', 'acme/models', '--app-id', '77'], ctx)).toBe(0);
    expect(prompts.asked).toEqual([]);
    expect(readFileSync(policy, 'utf8')).toBe(edited);
    expect(out.join('\n')).toContain('has adopted Tollgate already; its files are left as they are');
    expect(gh.state.repo('acme/models').rulesets.length).toBeGreaterThan(0);
  });

  it('--version prints the package version', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(['--version'], {})).toBe(0);
      expect(write.mock.calls.map((c) => String(c[0]))).toEqual([
        `${installedManifest().version as string}\n`,
      ]);
    } finally {
      write.mockRestore();
    }
  });
});

describe('tollgate init --upgrade', () => {
  it('--dry-run prints the diff and writes nothing', async () => {
    const dir = await adopted();
    olderRelease(dir, 'tollgate-validate.yml');
    const before = readWorkflow(dir, 'tollgate-validate.yml');
    const { ctx, out } = context(dir);
    expect(await initCommand.run(['--upgrade', '--dry-run'], ctx)).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('--- a/.github/workflows/tollgate-validate.yml');
    expect(text).toContain(
      `-      - uses: ${release.repository}/actions/validate@${'1'.repeat(40)} # v0.9.0`,
    );
    expect(text).toContain(`+      - uses: ${pinned}`);
    const installed = readdirSync(join(dir, '.github/workflows')).filter((f) =>
      f.startsWith('tollgate-'),
    ).length;
    expect(text).toContain(
      `Would rewrite 1 \`uses:\` line(s) in 1 file(s); ${installed - 1} file(s) already current.`,
    );
    // This checkout has no release stamp, so it would replace a commit pin with a tag, and says so.
    expect(text).toContain(`warning: 1 line(s) pinned to a commit would name the tag ${release.tag} instead`);
    expect(readWorkflow(dir, 'tollgate-validate.yml')).toBe(before);
  });

  it('outside a terminal it shows the diff, writes nothing, and asks for --yes', async () => {
    const dir = await adopted();
    olderRelease(dir, 'tollgate-retrain.yml');
    const before = readWorkflow(dir, 'tollgate-retrain.yml');
    process.stdin.isTTY = false;
    const { ctx, out } = context(dir);
    await expect(initCommand.run(['--upgrade'], ctx)).rejects.toThrow(/nothing written/);
    expect(out.join('\n')).toContain('+++ b/.github/workflows/tollgate-retrain.yml');
    expect(readWorkflow(dir, 'tollgate-retrain.yml')).toBe(before);
  });

  it('--yes rewrites only the uses lines, keeps what the adopter changed, and a second run finds nothing', async () => {
    const dir = await adopted();
    olderRelease(dir, 'tollgate-retrain.yml');
    olderRelease(dir, 'tollgate-promote.yml');
    const path = join(dir, '.github/workflows/tollgate-retrain.yml');
    const edited = readFileSync(path, 'utf8').replace(
      'timeout-minutes: 120',
      'timeout-minutes: 30 # our trainer is quick',
    );
    writeFileSync(path, edited);
    const { ctx, out } = context(dir);
    expect(await initCommand.run(['--upgrade', '--yes'], ctx)).toBe(0);
    // The retrain workflow runs the retrain action in each of its two jobs.
    const installed = readdirSync(join(dir, '.github/workflows')).filter((f) =>
      f.startsWith('tollgate-'),
    ).length;
    expect(out.join('\n')).toContain(
      `Rewrote 3 \`uses:\` line(s) in 2 file(s); ${installed - 2} file(s) already current.`,
    );
    const after = readFileSync(path, 'utf8');
    expect(after).toContain('timeout-minutes: 30 # our trainer is quick');
    expect(after).toBe(edited.replaceAll(`@${'1'.repeat(40)} # v0.9.0`, `@${release.tag}`));
    expect(readdirSync(join(dir, '.github/workflows')).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const again = context(dir);
    expect(await initCommand.run(['--upgrade', '--yes'], again.ctx)).toBe(0);
    expect(again.out.join('\n')).toContain(`All ${installed} Tollgate workflow(s) already use it.`);
  });

  it('in a terminal it asks, and writes only on yes', async () => {
    const dir = await adopted();
    olderRelease(dir, 'tollgate-evidence.yml');
    const before = readWorkflow(dir, 'tollgate-evidence.yml');
    process.stdin.isTTY = true;

    prompts.answers = ['n'];
    const declined = context(dir);
    expect(await initCommand.run(['--upgrade'], declined.ctx)).toBe(1);
    expect(prompts.asked).toEqual(['Write these changes to 1 file(s)? [y/N] ']);
    expect(declined.err).toEqual(['Nothing written.']);
    expect(readWorkflow(dir, 'tollgate-evidence.yml')).toBe(before);

    prompts.answers = ['y'];
    const accepted = context(dir);
    expect(await initCommand.run(['--upgrade'], accepted.ctx)).toBe(0);
    expect(readWorkflow(dir, 'tollgate-evidence.yml')).toContain(
      `${release.repository}/actions/evidence@${release.tag}`,
    );
  });

  it('--format json lists the changes', async () => {
    const dir = await adopted();
    olderRelease(dir, 'tollgate-validate.yml');
    const { ctx, out } = context(dir);
    expect(await initCommand.run(['--upgrade', '--dry-run', '--format', 'json'], ctx)).toBe(0);
    const report = JSON.parse(out.join('\n'));
    expect(report.written).toBe(false);
    expect(report.release).toEqual(release);
    expect(report.changed).toEqual([
      {
        path: '.github/workflows/tollgate-validate.yml',
        changes: [expect.objectContaining({ action: 'validate', to: `- uses: ${pinned}` })],
      },
    ]);
  });

  it('refuses a repository that has not adopted Tollgate, and a workflow that is a symbolic link', async () => {
    const empty = await makeRepo({});
    await expect(initCommand.run(['--upgrade', '--yes'], context(empty.dir).ctx)).rejects.toThrow(
      /no \.github\/workflows\/tollgate-\*\.yml/,
    );
    const dir = await adopted();
    symlinkSync('/etc/hostname', join(dir, '.github/workflows/tollgate-extra.yml'));
    await expect(initCommand.run(['--upgrade', '--yes'], context(dir).ctx)).rejects.toThrow(/symbolic link/);
  });
});
