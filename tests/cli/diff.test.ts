import { afterAll, describe, expect, it } from 'vitest';
import { diffCommand } from '../../src/cli/commands/diff.ts';
import type { CliContext } from '../../src/cli/context.ts';
import { join } from 'node:path';
import { cleanupRepos, makeRepo } from '../git/repo-fixture.ts';

afterAll(cleanupRepos);

function context(repoRoot: string) {
  const lines: string[] = [];
  const ctx: CliContext = {
    cwd: repoRoot,
    repoRoot,
    registryDir: join(repoRoot, 'registry'),
    env: {},
    now: () => new Date('2026-01-01T00:00:00Z'),
    out: (t) => lines.push(t),
    err: (t) => lines.push(t),
  };
  return { ctx, lines };
}

const stages = (v: string) =>
  `apiVersion: tollgate/v1\nkind: Stages\nmodel: fraud\nstages:\n  production:\n    version: ${v}\n`;

describe('tollgate diff', () => {
  it('defaults to the merge base with main against the working tree', async () => {
    const repo = await makeRepo({ 'registry/models/fraud/stages.yaml': stages('v4') });
    await repo.git(['checkout', '--quiet', '-b', 'promote']);
    repo.writeFiles({ 'registry/models/fraud/stages.yaml': stages('v5') });
    await repo.commitAll('promote');
    repo.writeFiles({ 'notes.md': 'n' });
    const { ctx, lines } = context(repo.dir);
    expect(await diffCommand.run([], ctx)).toBe(0);
    expect(lines.slice(1)).toEqual([
      '  fraud: production v4 → v5',
      '  notes.md changed (outside the registry)',
    ]);
  });

  it('takes two refs and prints JSON', async () => {
    const repo = await makeRepo({ 'registry/models/fraud/stages.yaml': stages('v4') });
    repo.writeFiles({ 'registry/models/fraud/stages.yaml': stages('v5') });
    await repo.commitAll('promote');
    const { ctx, lines } = context(repo.dir);
    expect(await diffCommand.run(['HEAD~1', 'HEAD', '--format', 'json'], ctx)).toBe(0);
    const parsed = JSON.parse(lines.join('\n')) as { changes: unknown[]; outside: string[] };
    expect(parsed.changes).toEqual([
      {
        kind: 'stage-changed',
        path: 'models/fraud/stages.yaml',
        model: 'fraud',
        stage: 'production',
        from: 'v4',
        to: 'v5',
      },
    ]);
    expect(parsed.outside).toEqual([]);
  });

  it('says so when nothing changed, and refuses a bad format', async () => {
    const repo = await makeRepo({ 'registry/models/fraud/stages.yaml': stages('v4') });
    const { ctx, lines } = context(repo.dir);
    expect(await diffCommand.run([], ctx)).toBe(0);
    expect(lines[0]).toMatch(/^no changes between \S+ and the working tree$/);
    await expect(diffCommand.run(['--format', 'xml'], ctx)).rejects.toThrow(/--format/);
  });
});
