// The action end to end on a real temporary git repository: base commit, a pull request head, outputs.
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/actions/validate.ts';
import { webhookExample } from '../github-double/webhook-examples.ts';
import { contextFromEnv } from './action-context.ts';

// @actions/core caches the summary file's path on first use, so every run in this file shares one.
const summary = join(tmpdir(), `tollgate-action-summary-${process.pid}.md`);
let repo: string;
let saved: NodeJS.ProcessEnv;
let stdout: string;

const GIT_ENV = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_DATE: '2026-11-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2026-11-01T00:00:00Z',
};
const sh = (...args: string[]) =>
  execFileSync('git', args, { cwd: repo, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' }).trim();

beforeEach(async () => {
  repo = await mkdtemp(join(tmpdir(), 'tollgate-action-'));
  await cp(join(import.meta.dirname, '..', '..', 'registry'), join(repo, 'registry'), { recursive: true });
  sh('init', '-q', '-b', 'main');
  sh('config', 'user.name', 'Test');
  sh('config', 'user.email', 'test@example.com');
  sh('add', '.');
  sh('commit', '-qm', 'base');
  saved = { ...process.env };
  stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
});
afterEach(async () => {
  vi.restoreAllMocks();
  process.env = saved;
  process.exitCode = 0;
  await rm(repo, { recursive: true, force: true });
});

afterAll(async () => {
  await rm(summary, { force: true });
});

async function runOnPullRequest(): Promise<Record<string, string>> {
  const base = sh('rev-parse', 'HEAD~1');
  const event = join(repo, '..', `${repo.split('/').pop()}-event.json`);
  // GitHub's own pull_request.opened example, pointed at this repository's base commit.
  const payload = webhookExample('pull_request', { action: 'opened' });
  payload.pull_request.base.sha = base;
  await writeFile(event, JSON.stringify(payload));
  const output = join(repo, '..', `${repo.split('/').pop()}-output`);
  await writeFile(output, '');
  await writeFile(summary, '');
  Object.assign(process.env, GIT_ENV, {
    GITHUB_WORKSPACE: repo,
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: event,
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    INPUT_REGISTRY: 'registry',
    INPUT_SCOPE: 'auto',
    INPUT_BASE: '',
  });
  await run(contextFromEnv());
  const text = await readFile(output, 'utf8');
  const outputs: Record<string, string> = {};
  for (const m of text.matchAll(/^(\w+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) outputs[m[1]!] = m[3]!;
  outputs.summary = await readFile(summary, 'utf8');
  await rm(event);
  await rm(output);
  return outputs;
}

describe('validate action run()', () => {
  it('checks the changed files, annotates file:line and fails on errors', async () => {
    await writeFile(
      join(repo, 'registry/models/fraud-detector/stages.yaml'),
      'apiVersion: tollgate/v1\nkind: Stages\nmodel: fraud-detector\nstages:\n  production:\n    version: v9\n',
    );
    const audit = 'registry/audit/2026/11/20261102T031505Z-inc-lat.yaml';
    await writeFile(join(repo, audit), (await readFile(join(repo, audit), 'utf8')).replace('P2', 'P3'));
    sh('commit', '-qam', 'change');
    const outputs = await runOnPullRequest();
    expect(outputs).toMatchObject({ errors: '2', warnings: '0', files: '2' });
    expect(stdout).toContain(
      '::error title=Tollgate validate,file=registry/models/fraud-detector/stages.yaml,line=6::',
    );
    expect(stdout).toContain(`file=${audit}::audit event`);
    expect(outputs.summary).toContain('Checked 2 changed registry file(s)');
    expect(process.exitCode).toBe(1);
  });

  it('passes a clean change', async () => {
    const schedule = join(repo, 'registry/models/fraud-detector/schedule.yaml');
    await writeFile(
      schedule,
      (await readFile(schedule, 'utf8')).replace('interval: 604800', 'interval: 86400'),
    );
    sh('commit', '-qam', 'daily');
    const outputs = await runOnPullRequest();
    expect(outputs).toMatchObject({ errors: '0', warnings: '0', files: '1' });
    expect(outputs.summary).toContain('No problems found.');
    expect(process.exitCode).not.toBe(1);
  });
});
