// `tollgate init` on a real repository: what it writes validates, nothing is overwritten unless asked,
// CODEOWNERS is appended once, and --apply creates the ruleset through the API.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { initCommand } from '../../src/cli/commands/init.ts';
import { validateCommand } from '../../src/cli/commands/validate.ts';
import type { CliContext } from '../../src/cli/context.ts';
import { useGitHubDouble } from '../github-double/harness.ts';
import { cleanupRepos, makeRepo } from '../git/repo-fixture.ts';

afterAll(cleanupRepos);

// In a terminal, init asks its questions through readline; the test answers them.
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
const gh = useGitHubDouble();

function context(repoRoot: string, env: NodeJS.ProcessEnv = {}) {
  const lines: string[] = [];
  const ctx: CliContext = {
    cwd: repoRoot,
    repoRoot,
    registryDir: join(repoRoot, 'registry'),
    env,
    now: () => new Date('2026-11-25T10:00:00Z'),
    out: (t) => lines.push(t),
    err: (t) => lines.push(t),
  };
  return { ctx, lines };
}

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

describe('tollgate init', () => {
  it('writes a registry that validates, the workflows and a CODEOWNERS block', async () => {
    const repo = await makeRepo({ '.github/CODEOWNERS': '* @acme/everyone\n' });
    const { ctx, lines } = context(repo.dir);
    expect(await initCommand.run(flags, ctx)).toBe(0);
    for (const path of [
      'registry/policy.yaml',
      'registry/models/churn/model.yaml',
      'schemas/Policy.schema.json',
      '.github/workflows/tollgate-signoff-gate.yml',
      '.github/workflows/tollgate-review-relay.yml',
    ])
      expect(existsSync(join(repo.dir, path)), path).toBe(true);
    const codeowners = readFileSync(join(repo.dir, '.github/CODEOWNERS'), 'utf8');
    expect(codeowners.startsWith('* @acme/everyone\n')).toBe(true);
    expect(codeowners).toContain('/registry/ @acme/ml-platform @acme/risk');
    expect(codeowners).toContain('/.github/ @acme/ml-platform');
    // Without the App id there is no ruleset that pins the gate's check: init says how to find the id instead.
    const output = lines.join('\n');
    expect(output).not.toContain('"context": "tollgate/signoff"');
    expect(output).toContain('no ruleset without the App id');
    expect(output).toContain('"App ID"');

    const validation = context(repo.dir);
    expect(await validateCommand.run([], validation.ctx)).toBe(0);
  });

  it('refuses to overwrite without --force, and appends CODEOWNERS only once', async () => {
    const repo = await makeRepo({});
    expect(await initCommand.run(flags, context(repo.dir).ctx)).toBe(0);
    await expect(initCommand.run(flags, context(repo.dir).ctx)).rejects.toThrow(
      /overwrite registry\/policy.yaml/,
    );
    expect(await initCommand.run([...flags, '--force'], context(repo.dir).ctx)).toBe(0);
    const codeowners = readFileSync(join(repo.dir, '.github/CODEOWNERS'), 'utf8');
    expect(codeowners.match(/# Tollgate:/g)).toHaveLength(1);
  });

  it('writes nothing on --dry-run', async () => {
    const repo = await makeRepo({});
    const { ctx, lines } = context(repo.dir);
    expect(await initCommand.run([...flags, '--dry-run'], ctx)).toBe(0);
    expect(existsSync(join(repo.dir, 'registry'))).toBe(false);
    expect(lines[0]!.split('\n')[0]).toBe('init (dry run) would write:');
  });

  it('prints the rulesets pinned to the App id, and the environments to create', async () => {
    const repo = await makeRepo({});
    const { ctx, lines } = context(repo.dir);
    expect(await initCommand.run([...flags, '--app-id', '77'], ctx)).toBe(0);
    const output = lines.join('\n');
    expect(output).toContain('"integration_id": 77');
    expect(output).toContain('Environments "tollgate" and "tollgate-emergency"');
  });

  it('--apply creates the environments for the default branch only, both rulesets, and turns on auto-merge', async () => {
    await gh.state.createRepo('acme/models');
    gh.state.repo('acme/models').allowAutoMerge = false;
    const repo = await makeRepo({});
    const { ctx, lines } = context(repo.dir, { GITHUB_TOKEN: 't', GITHUB_API_URL: gh.double.baseUrl });
    const args = [...flags, '--apply', '--repo', 'acme/models', '--app-id', '77', '--default-branch', 'main'];
    expect(await initCommand.run(args, ctx)).toBe(0);
    const state = gh.state.repo('acme/models');
    expect(state.rulesets.map((r) => r.name)).toEqual(['tollgate', 'tollgate-reviews']);
    expect(JSON.stringify(state.rulesets[0])).toContain('"integration_id":77');
    expect(state.environments.map((e) => [e.name, e.branchPolicy])).toEqual([
      ['tollgate', [{ name: 'main', type: 'branch' }]],
      ['tollgate-emergency', [{ name: 'main', type: 'branch' }]],
    ]);
    expect(state.allowAutoMerge).toBe(true);
    expect(lines.join('\n')).toMatch(
      /Applied ruleset "tollgate" \(id \d+\) and ruleset "tollgate-reviews" \(id \d+\) to acme\/models.*GitHub API: 7 calls/s,
    );
  });

  it('--apply without the App id refuses before it writes anything, and says where to find the id', async () => {
    const repo = await makeRepo({});
    await expect(
      initCommand.run([...flags, '--apply', '--repo', 'acme/models'], context(repo.dir).ctx),
    ).rejects.toThrow(
      expect.objectContaining({ message: expect.stringContaining('is not pinned'), field: 'app-id' }),
    );
    expect(existsSync(join(repo.dir, 'registry'))).toBe(false);
    expect(existsSync(join(repo.dir, '.github'))).toBe(false);
  });

  it('--apply without a token says which token to set', async () => {
    const repo = await makeRepo({});
    await expect(
      initCommand.run(
        [...flags, '--apply', '--repo', 'acme/models', '--app-id', '77'],
        context(repo.dir).ctx,
      ),
    ).rejects.toThrow(/no GitHub token/);
  });
});

describe('tollgate init in a terminal', () => {
  it('asks for what the flags did not say', async () => {
    prompts.answers = ['churn', 'acme/churn-ml', '', 'acme/compliance', 'acme/platform'];
    prompts.asked = [];
    const asked = prompts.asked;
    const tty = process.stdin.isTTY;
    process.stdin.isTTY = true;
    try {
      const repo = await makeRepo({});
      expect(await initCommand.run([], context(repo.dir).ctx)).toBe(0);
      expect(asked[0]).toMatch(/^First model name \[my-model\]: $/);
      expect(asked).toHaveLength(5);
      const policy = readFileSync(join(repo.dir, 'registry/policy.yaml'), 'utf8');
      // An empty answer takes the default shown in brackets.
      expect(policy).toContain('my-org/model-risk');
      expect(existsSync(join(repo.dir, 'registry/models/churn/model.yaml'))).toBe(true);
    } finally {
      process.stdin.isTTY = tty;
    }
  });
});
