// The rollback and incident actions' run(): inputs from the environment, outputs, the job summary and its
// API-call footnote, against the GitHub double.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, expect, it, vi } from 'vitest';
import { run as runIncidentAction } from '../../src/actions/incident.ts';
import { run as runRollbackAction } from '../../src/actions/rollback.ts';
import { useGitHubDouble } from '../github-double/harness.ts';
import { webhookExample } from '../github-double/webhook-examples.ts';
import { contextFromEnv } from './action-context.ts';
import { MODEL, REPO, opsFixture, type OpsFixture } from './ops-fixture.ts';

const gh = useGitHubDouble();
// @actions/core caches the summary file's path on first use, so every run in this file shares one.
const summary = join(tmpdir(), `tollgate-ops-summary-${process.pid}.md`);
let fixture: OpsFixture | undefined;
let saved: NodeJS.ProcessEnv;

beforeEach(() => {
  saved = { ...process.env };
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(async () => {
  vi.restoreAllMocks();
  process.env = saved;
  process.exitCode = 0;
  await fixture?.remove();
  fixture = undefined;
});
afterAll(() => rm(summary, { force: true }));

async function runWith(
  f: OpsFixture,
  action: (context: ReturnType<typeof contextFromEnv>) => Promise<void>,
  inputs: Record<string, string>,
  event: { name: string; payload: unknown } = {
    name: 'workflow_dispatch',
    payload: webhookExample('workflow_dispatch'),
  },
): Promise<Record<string, string>> {
  const output = join(f.work, 'output');
  const eventPath = join(f.work, 'event.json');
  await writeFile(output, '');
  await writeFile(summary, '');
  await writeFile(eventPath, JSON.stringify(event.payload));
  Object.assign(process.env, {
    GITHUB_REPOSITORY: REPO,
    GITHUB_WORKSPACE: f.checkout,
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_API_URL: gh.double.baseUrl,
    GITHUB_ACTOR: 'oncall',
    INPUT_TOKEN: 'test-token',
    INPUT_REGISTRY: 'registry',
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
  });
  await action(contextFromEnv());
  const outputs: Record<string, string> = {};
  for (const m of (await readFile(output, 'utf8')).matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm))
    outputs[m[1]!] = m[3]!;
  outputs.summary = await readFile(summary, 'utf8');
  return outputs;
}

it('rollback run(): sets target, commit and pull-request, and counts the API calls', async () => {
  const f = (fixture = await opsFixture(gh));
  const outputs = await runWith(f, runRollbackAction, { model: MODEL, 'dry-run': 'false' });
  expect(process.exitCode ?? 0).toBe(0);
  const [pull] = gh.state.repo(REPO).pulls;
  expect(outputs).toMatchObject({ target: 'v3', 'pull-request': String(pull!.number) });
  expect(outputs.commit).toMatch(/^[0-9a-f]{40}$/);
  expect(outputs.summary).toContain('## Tollgate rollback');
  expect(outputs.summary).toMatch(/GitHub API: \d+ calls/);
});

it('incident run(): reads a repository_dispatch payload and sets id, severity and rolled-back', async () => {
  const f = (fixture = await opsFixture(gh));
  const outputs = await runWith(
    f,
    runIncidentAction,
    { 'dry-run': 'true' },
    {
      name: 'repository_dispatch',
      payload: {
        ...webhookExample('repository_dispatch'),
        action: 'tollgate-incident',
        client_payload: { model: MODEL, metrics: { availability: 0.3 } },
      },
    },
  );
  expect(process.exitCode ?? 0).toBe(0);
  expect(outputs).toMatchObject({ severity: 'P0', 'rolled-back': 'false', 'rollback-pull-request': '' });
  expect(outputs.id).toMatch(/^INC-\d{8}-\d{6}-[0-9a-f]{4}$/);
  expect(outputs.summary).toContain('dry run: nothing written');
  expect(outputs.summary).toContain('GitHub API: 1 call');
});
