import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';

let dir: string;
let out: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tollgate-cli-'));
  await cp(join(import.meta.dirname, '..', '..', 'registry'), join(dir, 'registry'), { recursive: true });
  out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

const run = (...args: string[]) => main(['-C', dir, '--registry', 'registry', 'validate', ...args], {});

describe('tollgate validate', () => {
  it('exits 0 on the example registry', async () => {
    expect(await run()).toBe(0);
    expect(out).toMatch(/^0 error\(s\), 0 warning\(s\) in 37 registry file\(s\)\n$/);
  });

  it('exits 1 and prints file:line with a fix', async () => {
    const stages = join(dir, 'registry/models/fraud-detector/stages.yaml');
    await writeFile(
      stages,
      'apiVersion: tollgate/v1\nkind: Stages\nmodel: fraud-detector\nstages:\n  production:\n    version: v9\n',
    );
    expect(await run('registry/models/fraud-detector/stages.yaml')).toBe(1);
    expect(out).toContain(
      'models/fraud-detector/stages.yaml:6: error: stage production points to version v9',
    );
    expect(out).toContain('fix: ');
  });

  it('prints JSON with --format json', async () => {
    await writeFile(
      join(dir, 'registry/policy.yaml'),
      'apiVersion: tollgate/v1\nkind: Policy\nroles: {}\nextra: 1\n',
    );
    expect(await run('--format', 'json', 'registry/policy.yaml')).toBe(1);
    const report = JSON.parse(out);
    expect(report).toMatchObject({ files: 1, errors: 1, warnings: 0 });
    expect(report.problems[0]).toMatchObject({ file: 'policy.yaml', line: 4, field: 'extra' });
  });

  it('refuses a path outside the registry', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await run('package.json')).toBe(2);
    expect(String(err.mock.calls[0]?.[0])).toContain('outside the registry');
  });
});

describe('tollgate validate: missing things are errors, not "0 files"', () => {
  const stderr = () => {
    let err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
    return () => err;
  };

  it('exits 3 when there is no registry folder', async () => {
    const err = stderr();
    expect(await main(['-C', dir, '--registry', 'nowhere', 'validate'], {})).toBe(3);
    expect(err()).toContain(`no registry at ${join(dir, 'nowhere')}`);
  });

  it('exits 2 for a path that does not exist', async () => {
    const err = stderr();
    expect(await run('registry/no/such/file.yaml')).toBe(2);
    expect(err()).toContain('registry/no/such/file.yaml: no such file or folder');
  });

  it('a misspelled stage is an error that names the stage it probably means', async () => {
    const stages = join(dir, 'registry/models/fraud-detector/stages.yaml');
    await writeFile(stages, (await readFile(stages, 'utf8')).replace(/^ {2}production:/m, '  prodution:'));
    expect(await run()).toBe(1);
    expect(out).toContain('stage "prodution" is not in the policy\'s stages.order');
    expect(out).toContain('(did you mean production?)');
  });

  it('--strict fails on warnings, which alone pass', async () => {
    await writeFile(join(dir, 'registry/models/fraud-detector/notes.yaml'), 'a: 1\n');
    expect(await run()).toBe(0);
    expect(out).toContain('0 error(s), 1 warning(s)');
    out = '';
    expect(await run('--strict')).toBe(1);
    expect(out).toContain('(--strict: warnings fail)');
  });
});

describe('tollgate validate: one root cause, one error', () => {
  it('a tab in model.yaml is one error with a caret, and the checks that need it are skipped', async () => {
    const model = join(dir, 'registry/models/fraud-detector/model.yaml');
    const lines = (await readFile(model, 'utf8')).split('\n');
    const at = lines.findIndex((l) => l.startsWith('kind:'));
    lines[at] = `\t${lines[at]}`;
    await writeFile(model, lines.join('\n'));
    expect(await run()).toBe(1);
    expect(out).not.toContain('has no model.yaml');
    expect(out).toContain(
      `models/fraud-detector/model.yaml:${at + 1}:1: error: invalid YAML: tab characters`,
    );
    expect(out).toContain(`    ${at + 1} | →kind: Model\n`);
    expect(out).toMatch(
      /^1 error\(s\), 0 warning\(s\) in 37 registry file\(s\); \d+ cross-file check\(s\) skipped/m,
    );
  });

  it('an unclosed [ is reported on its own line and column, not where YAML gave up', async () => {
    const model = join(dir, 'registry/models/fraud-detector/model.yaml');
    const lines = (await readFile(model, 'utf8')).split('\n');
    const at = lines.findIndex((l) => l.startsWith('description:'));
    lines.splice(at, 0, 'tags: [fraud, cards');
    await writeFile(model, lines.join('\n'));
    expect(await run('registry/models/fraud-detector/model.yaml')).toBe(1);
    expect(out).toContain(`model.yaml:${at + 1}:7: error: invalid YAML: this [ is never closed`);
    expect(out).toContain(
      `    ${at + 1} | tags: [fraud, cards\n    ${' '.repeat(String(at + 1).length)} |       ^`,
    );
  });

  it('an invalid version file is its own error, not "stage points to a version it does not have"', async () => {
    await writeFile(join(dir, 'registry/models/fraud-detector/versions/v5.yaml'), 'kind: [ModelVersion\n');
    expect(await run()).toBe(1);
    expect(out).toContain('versions/v5.yaml:1:7: error: invalid YAML');
    expect(out).not.toContain('which fraud-detector does not have');
    expect(out).not.toContain('v5 is not in');
    expect(out).toMatch(/^1 error\(s\)/m);
  });

  it('a version file that parses but breaks its schema is not also "not in versions/" for its retrain', async () => {
    const file = join(dir, 'registry/models/fraud-detector/versions/v5.yaml');
    await writeFile(file, `${await readFile(file, 'utf8')}approved_by: mallory\n`);
    expect(await run()).toBe(1);
    expect(out).toContain('unknown field "approved_by"');
    expect(out).not.toContain('v5 is not in');
  });
});

describe('tollgate validate --since', () => {
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: dir,
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
    });
  beforeEach(() => {
    git('init', '--quiet', '--initial-branch=main');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'add', '-A');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', 'base');
  });

  it('checks only what changed since the ref', async () => {
    expect(await run('--since', 'HEAD', '--format', 'json')).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ files: 0, errors: 0 });
    out = '';
    const stages = join(dir, 'registry/models/fraud-detector/stages.yaml');
    await writeFile(
      stages,
      'apiVersion: tollgate/v1\nkind: Stages\nmodel: fraud-detector\nstages:\n  production:\n    version: v9\n',
    );
    expect(await run('--since', 'HEAD')).toBe(1);
    expect(out).toContain('stage production points to version v9');
  });

  it('reports an audit event edited after it was committed', async () => {
    const audit = join(dir, 'registry/audit/2026/11/20261101T000000Z-fraud-production.yaml');
    await writeFile(audit, (await readFile(audit, 'utf8')).replace(/actor: .*/, 'actor: someone-else'));
    expect(await run('--since', 'HEAD')).toBe(1);
    expect(out).toMatch(/20261101T000000Z-fraud-production\.yaml.*(append-only|never change|changed)/s);
  });
});
