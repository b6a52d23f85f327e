// `tollgate gate simulate` on a real repository: the same facts and verdict as the action, reviews as flags.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gateCommand, parseMembers, parsePermissions } from '../../src/cli/commands/gate.ts';
import type { CliContext } from '../../src/cli/context.ts';
import { cleanupRepos, makeRepo, type Repo } from '../git/repo-fixture.ts';

afterAll(cleanupRepos);

const STAGES = 'registry/models/fraud-detector/stages.yaml';
const stages = (production: string) =>
  `apiVersion: tollgate/v1\nkind: Stages\nmodel: fraud-detector\nstages:\n  staging:\n    version: v5\n  production:\n    version: ${production}\n`;

function context(repoRoot: string) {
  const lines: string[] = [];
  const ctx: CliContext = {
    cwd: repoRoot,
    repoRoot,
    registryDir: join(repoRoot, 'registry'),
    env: {},
    now: () => new Date('2026-11-25T12:00:00Z'),
    out: (t) => lines.push(t),
    err: (t) => lines.push(t),
  };
  return { ctx, output: () => lines.join('\n') };
}

async function promotionRepo(): Promise<Repo> {
  const repo = await makeRepo();
  cpSync(join(import.meta.dirname, '..', '..', 'registry'), join(repo.dir, 'registry'), { recursive: true });
  await repo.commitAll('registry');
  await repo.git(['checkout', '--quiet', '-b', 'promote']);
  repo.writeFiles({ [STAGES]: stages('v5') });
  await repo.commitAll(
    'Promote fraud-detector v5 to production\n\nTollgate-Event: promote\nRequested-By: eve\n',
  );
  return repo;
}

const simulate = (repo: Repo, ...flags: string[]) => {
  const { ctx, output } = context(repo.dir);
  return gateCommand.run(['simulate', '--base', 'main', '--head', 'promote', ...flags], ctx).then((code) => ({
    code,
    out: output(),
  }));
};

describe('tollgate gate simulate', () => {
  it('fails with the missing sign-offs, then passes once every role has signed off', async () => {
    const repo = await promotionRepo();
    const missing = await simulate(repo, '--approve', 'rita-risk', '--approve', 'carol');
    expect(missing.code).toBe(1);
    expect(missing.out).toContain('fraud-detector: production v4 → v5');
    expect(missing.out).toMatch(/\| compliance \| production promotion \| ❌ missing/);
    expect(missing.out).toMatch(/\| model-owner \(fraud-detector\) \|.*❌ missing.*@alice/);

    const complete = await simulate(
      repo,
      '--approve',
      'rita-risk',
      '--approve',
      'carol',
      '--approve',
      'alice',
      '--member',
      'acme/compliance=carol',
    );
    expect(complete.code).toBe(0);
    expect(complete.out).toContain('All 3 sign-offs present');
  });

  it('treats the Requested-By person as an author, a reader as no sign-off, and an old commit as stale (JSON)', async () => {
    const repo = await promotionRepo();
    const { code, out } = await simulate(
      repo,
      '--approve',
      'rita-risk@HEAD~1',
      '--approve',
      'eve',
      '--approve',
      'carol',
      '--approve',
      'alice',
      '--member',
      'acme/compliance=carol',
      '--member',
      'acme/model-risk=eve',
      '--permission',
      'alice=read',
      '--format',
      'json',
    );
    expect(code).toBe(1);
    const parsed = JSON.parse(out) as {
      conclusion: string;
      verdict: { requirements: { role: string; satisfiedBy?: { login: string }; reason?: string }[] };
    };
    expect(parsed.conclusion).toBe('failure');
    const byRole = Object.fromEntries(parsed.verdict.requirements.map((r) => [r.role, r]));
    expect(byRole.risk!.satisfiedBy).toBeUndefined();
    expect(byRole.risk!.reason).toMatch(/rita-risk: approved [0-9a-f]{7}, not the head/);
    expect(byRole.risk!.reason).toMatch(/eve: is an author/);
    expect(byRole.compliance!.satisfiedBy?.login).toBe('carol');
    expect(byRole['model-owner (fraud-detector)']!.reason).toMatch(/alice: has read access/);
  });

  it('parses --member and --permission, and refuses what it cannot read', async () => {
    expect(parseMembers(['acme/compliance=carol,paul:pending'])).toEqual({
      'acme/compliance': { carol: 'active', paul: 'pending' },
    });
    expect(parsePermissions(['rita=read'])).toEqual({ rita: 'read' });
    expect(() => parseMembers(['compliance=carol'])).toThrow(/ORG\/TEAM=LOGIN/);
    expect(() => parsePermissions(['rita=owner'])).toThrow(/LEVEL one of/);
    const repo = await promotionRepo();
    await expect(simulate(repo, '--approve', 'not a login')).rejects.toThrow(/not a GitHub login/);
    const { ctx } = context(repo.dir);
    await expect(gateCommand.run(['simulate', '--base', 'main'], ctx)).rejects.toThrow(
      /--head REF is required/,
    );
  });
});
