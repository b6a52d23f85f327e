// The CLI contract over every command and subcommand, read from the same tables the parser uses: help exits 0
// and lists every option with its default and examples; an unknown option exits 2 and suggests the nearest.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { allCommands } from '../../src/cli/commands/index.ts';
import { main } from '../../src/cli/main.ts';
import type { CommandSpec } from '../../src/cli/spec.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tollgate-contract-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  const code = await main(['-C', dir, ...args], {});
  vi.restoreAllMocks();
  return { code, out, err };
}

const leaves: CommandSpec[] = allCommands.flatMap((c) => [c, ...(c.subcommands ?? [])]);

describe.each(leaves.map((spec) => [spec.name, spec] as const))('tollgate %s', (name, spec) => {
  it('--help exits 0 and lists every option, its default and the examples', async () => {
    const { code, out, err } = await run(...name.split(' '), '--help');
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain(`usage: tollgate ${name}`);
    expect(out).toContain(spec.summary);
    for (const [option, o] of Object.entries(spec.options)) {
      expect(out).toContain(`--${option}`);
      expect(o.description.length, `--${option} has a description`).toBeGreaterThan(0);
      if (typeof o.default === 'string') expect(out).toContain(`[default: ${o.default}]`);
    }
    expect(spec.examples.length, 'examples').toBeGreaterThanOrEqual(1);
    for (const [line] of spec.examples) expect(out).toContain(line);
  });

  it('`tollgate help` shows the same page', async () => {
    const viaFlag = await run(...name.split(' '), '--help');
    const viaHelp = await run('help', ...name.split(' '));
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.out).toBe(viaFlag.out);
  });

  const options = Object.keys(spec.options);
  it.runIf(options.length > 0)('an unknown option exits 2 and suggests the nearest one', async () => {
    const option = options[0]!;
    // A typo: the option with its last letter doubled.
    const typo = `--${option}${option.at(-1)}`;
    const { code, err } = await run(...name.split(' '), typo);
    expect(code).toBe(2);
    expect(err).toContain(`unknown option ${typo}`);
    expect(err).toContain(`did you mean --${option}?`);
  });

  it('a writing command takes --dry-run and --allow-dirty', () => {
    if (!spec.writes) return;
    expect(options).toContain('dry-run');
    expect(options).toContain('allow-dirty');
  });
});

describe('tollgate (no command), help, version, completion', () => {
  it('bare `tollgate` prints the overview with every command and the exit codes, exit 0', async () => {
    const { code, out } = await run();
    expect(code).toBe(0);
    for (const c of allCommands) expect(out).toContain(`  ${c.name}`);
    expect(out).toMatch(/exit codes:\n {2}0 {2}done/);
    expect((await run('--help')).out).toBe(out);
    expect((await run('help')).out).toBe(out);
  });

  it('--version prints the package version', async () => {
    const { code, out } = await run('--version');
    expect(code).toBe(0);
    expect(out.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('an unknown command exits 2 and suggests the nearest', async () => {
    const { code, err } = await run('promte', 'x');
    expect(code).toBe(2);
    expect(err).toContain('unknown command "promte" (did you mean promote?)');
    expect((await run('help', 'valdate')).err).toContain('did you mean validate?');
  });

  it('an unknown subcommand exits 2 and suggests the nearest', async () => {
    const { code, err } = await run('schedule', 'pase', 'fraud-detector');
    expect(code).toBe(2);
    expect(err).toContain('unknown subcommand "pase" (did you mean pause?)');
  });

  it('a bad option value exits 2 with the allowed ones', async () => {
    const { code, err } = await run('diff', '--format', 'jsno');
    expect(code).toBe(2);
    expect(err).toContain('--format must be text or json, not jsno (did you mean json?)');
  });

  it.each(['bash', 'zsh', 'fish'])('completion %s names every command and its options', async (shell) => {
    const { code, out } = await run('completion', shell);
    expect(code).toBe(0);
    for (const c of allCommands) expect(out).toContain(c.name);
    expect(out).toContain('requested-by');
    expect(out).toContain('set-interval');
  });

  it('completion for an unknown shell exits 2', async () => {
    const { code, err } = await run('completion', 'bsh');
    expect(code).toBe(2);
    expect(err).toContain('did you mean bash?');
  });
});

// One bad input per command, and the code the contract gives it (docs/cli.md): 1 the thing is wrong or refused,
// 2 usage, 3 environment. Run against a git repository holding the example registry.
describe('one bad input per command gives its documented exit code', () => {
  let repo: string;
  beforeAll(async () => {
    const { registryRepo } = await import('./registry-repo.ts');
    repo = (await registryRepo()).dir;
  });
  afterAll(async () => (await import('../git/repo-fixture.ts')).cleanupRepos());

  const cases: [string, string[], number, string][] = [
    ['init', ['init', '--risk'], 2, '--risk'],
    ['app', ['app', 'manifest', '--format', 'yaml'], 2, 'must be json or html'],
    ['validate', ['validate', 'registry/nope.yaml'], 2, 'no such file'],
    ['diff', ['diff', 'a', 'b', 'c'], 2, 'expected [BASE [HEAD]], got 3'],
    ['gate simulate', ['gate', 'simulate', '--base', 'HEAD'], 2, '--head REF is required'],
    ['gate record-merge', ['gate', 'record-merge', '--merge', 'HEAD'], 2, 'is required'],
    ['schedule status', ['schedule', 'status', 'nosuchmodel'], 1, 'no model nosuchmodel'],
    ['schedule pause', ['schedule', 'pause', 'fraud-detector'], 2, '--reason TEXT is required'],
    ['retrain', ['retrain', 'fraud-detector', '--trigger', 'manul'], 2, 'did you mean manual?'],
    ['train', ['train'], 2, 'needs the command after `--`'],
    ['promote', ['promote', 'fraud-detector', 'v5'], 2, '--to STAGE is required'],
    ['incident open', ['incident', 'open', 'fraud-detector', '--metric', 'auc'], 2, 'NAME=NUMBER'],
    ['incident show', ['incident', 'show'], 2, 'expected ID, got 0'],
    [
      'rollback',
      ['rollback', 'fraud-detector', '--to', 'v5', '--dry-run'],
      1,
      'never held production, so it cannot be a rollback target',
    ],
    ['unhold', ['unhold', 'fraud-detector', 'v2', '--reason', 'x', '--dry-run'], 1, 'not held'],
    ['history', ['history', 'fraud-detektor'], 1, 'did you mean fraud-detector?'],
    ['audit log', ['audit', 'log', '--since', 'yesterday'], 1, 'is not a time'],
    ['audit verify', ['audit', 'verify', '--since', 'no-such-ref'], 2, "unknown revision 'no-such-ref'"],
    ['evidence verify', ['evidence', 'verify', 'no-such-bundle'], 2, 'no such folder or file'],
    ['site', ['site'], 2, '--out DIR is required'],
    ['doctor', ['doctor', 'extra'], 2, 'expected no arguments'],
    ['completion', ['completion'], 2, 'expected bash|zsh|fish, got 0'],
  ];

  it.each(cases)('%s', async (_, args, code, message) => {
    let err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
    const got = await main(['-C', repo, ...args], {
      ...process.env,
      TOLLGATE_ACTOR: 'alice',
      GITHUB_TOKEN: '',
    });
    vi.restoreAllMocks();
    expect(got, err).toBe(code);
    expect(err).toContain(message);
  });
});
