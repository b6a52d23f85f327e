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
