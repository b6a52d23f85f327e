// Publishing the site: the workflow template builds on pushes to the default branch with a read-only token and only
// its deploy job may write Pages; third-party actions are pinned by commit; the action it runs declares what the
// workflow passes; and `tollgate init --with-site` installs it (and only then).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { initCommand } from '../../src/cli/commands/init.ts';
import type { CliContext } from '../../src/cli/context.ts';
import { cleanupRepos, makeRepo } from '../git/repo-fixture.ts';

afterAll(cleanupRepos);

const ROOT = join(import.meta.dirname, '..', '..');
type Step = { id?: string; uses?: string; run?: string; with?: Record<string, string> };
type Job = {
  needs?: string;
  permissions?: Record<string, string>;
  environment?: { name: string };
  steps: Step[];
};
const raw = readFileSync(join(ROOT, 'templates/workflows/tollgate-site.yml'), 'utf8');
const workflow = load(raw) as {
  on: Record<string, unknown>;
  permissions: unknown;
  jobs: Record<string, Job>;
};

describe('templates/workflows/tollgate-site.yml', () => {
  it('builds on every push to the default branch (and by hand), one deployment at a time', () => {
    expect(workflow.on).toEqual({ push: { branches: ['main'] }, workflow_dispatch: null });
    expect(raw).toMatch(/cancel-in-progress: false/);
  });

  it('grants nothing at workflow level, reads in the build job, and writes Pages only in the deploy job', () => {
    expect(workflow.permissions).toEqual({});
    const { build, deploy } = workflow.jobs;
    expect(Object.values(build!.permissions!).every((p) => p === 'read')).toBe(true);
    expect(deploy!.permissions).toEqual({ pages: 'write', 'id-token': 'write' });
    expect(deploy!.needs).toBe('build');
    expect(deploy!.environment?.name).toBe('github-pages');
    expect(deploy!.steps.map((s) => s.uses?.split('@')[0])).toEqual(['actions/deploy-pages']);
  });

  it('checks out the full history without keeping the token, then builds and uploads what the action wrote', () => {
    const steps = workflow.jobs.build!.steps;
    const checkout = steps.findIndex((s) => s.uses?.startsWith('actions/checkout@'));
    const site = steps.findIndex((s) => s.uses?.includes('/actions/site@'));
    const upload = steps.findIndex((s) => s.uses?.startsWith('actions/upload-pages-artifact@'));
    expect(checkout).toBeLessThan(site);
    expect(site).toBeLessThan(upload);
    expect(steps[checkout]!.with).toMatchObject({ 'fetch-depth': 0, 'persist-credentials': false });
    expect(steps[upload]!.with!.path).toBe(`\${{ steps.${steps[site]!.id}.outputs.path }}`);
    const declared = Object.keys(
      (load(readFileSync(join(ROOT, 'actions/site/action.yml'), 'utf8')) as { inputs: object }).inputs,
    );
    expect(Object.keys(steps[site]!.with!).filter((k) => !declared.includes(k))).toEqual([]);
    for (const s of steps) expect(s.run).toBeUndefined();
  });

  it('pins every third-party action by full commit, with its version in a comment', () => {
    const uses = [...raw.matchAll(/uses: (\S+)(.*)$/gm)].map((m) => ({ ref: m[1]!, comment: m[2]!.trim() }));
    const thirdParty = uses.filter((u) => !u.ref.startsWith('tollgate-dev/tollgate/'));
    expect(thirdParty.map((u) => u.ref.split('@')[0]).sort()).toEqual([
      'actions/checkout',
      'actions/deploy-pages',
      'actions/upload-pages-artifact',
    ]);
    for (const u of thirdParty) {
      expect(u.ref).toMatch(/@[0-9a-f]{40}$/);
      expect(u.comment).toMatch(/^# v\d+\.\d+\.\d+$/);
    }
  });
});

describe('tollgate init --with-site', () => {
  const context = (repoRoot: string): CliContext => ({
    cwd: repoRoot,
    repoRoot,
    registryDir: join(repoRoot, 'registry'),
    env: {},
    now: () => new Date('2026-11-25T10:00:00Z'),
    out: () => undefined,
    err: () => undefined,
  });
  const flags = [
    '--model',
    'churn',
    '--owner',
    'acme/ml',
    '--risk',
    'acme/risk',
    '--compliance',
    'dana',
    '--policy-owner',
    'acme/ml-platform',
  ];

  it('installs the site workflow when asked, and not otherwise', async () => {
    const plain = await makeRepo({});
    expect(await initCommand.run(flags, context(plain.dir))).toBe(0);
    expect(existsSync(join(plain.dir, '.github/workflows/tollgate-site.yml'))).toBe(false);
    expect(existsSync(join(plain.dir, '.github/workflows/tollgate-validate.yml'))).toBe(true);

    const withSite = await makeRepo({});
    expect(await initCommand.run([...flags, '--with-site'], context(withSite.dir))).toBe(0);
    // As written by init: the template, with Tollgate's own action pinned to this CLI's release.
    const written = readFileSync(join(withSite.dir, '.github/workflows/tollgate-site.yml'), 'utf8');
    const unpin = (text: string) => text.replace(/(tollgate\/actions\/site)@\S+.*$/m, '$1');
    expect(unpin(written)).toBe(unpin(raw));
    expect(written).toMatch(/uses: tollgate-dev\/tollgate\/actions\/site@\S+/);
  });
});
