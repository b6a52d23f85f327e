// The state-merge action's run(): inputs from INPUT_*, the merged output and the job summary, against the GitHub
// double enforcing the rulesets init applies (the decision and the flow are tested in tests/publish/state-merge.test.ts).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { run } from '../../src/actions/state-merge.ts';
import { applySettings, planSettings } from '../../src/init/settings.ts';
import { useGitHubDouble } from '../github-double/harness.ts';
import { GITHUB_ACTIONS_APP, TOLLGATE_APP } from '../github-double/state.ts';
import { webhookExample } from '../github-double/webhook-examples.ts';
import { contextFromEnv } from './action-context.ts';

const gh = useGitHubDouble();
const summary = join(tmpdir(), `tollgate-state-merge-summary-${process.pid}.md`);
let work: string;
let saved: NodeJS.ProcessEnv;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'tollgate-state-merge-'));
  saved = { ...process.env };
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(async () => {
  vi.restoreAllMocks();
  process.env = saved;
  process.exitCode = 0;
  await rm(work, { recursive: true, force: true });
  await rm(summary, { force: true });
});

it('merges the passed state pull request, leaves the waiting one, and says so', async () => {
  await gh.state.createRepo('acme/models');
  await applySettings(
    gh.client(),
    { owner: 'acme', repo: 'models' },
    planSettings({ defaultBranch: 'main', appId: TOLLGATE_APP.id, emergencyPush: false }),
  );
  gh.state.enforceRulesets('acme/models');
  const pulls = [];
  for (const branch of ['tollgate/state/a', 'tollgate/state/b']) {
    const head = await gh.state.commit(
      'acme/models',
      branch,
      { [`registry/${branch}.yaml`]: 'x: 1\n' },
      branch,
    );
    pulls.push({
      head,
      pull: gh.state.openPull('acme/models', {
        head: branch,
        user: 'tollgate-acme[bot]',
        labels: ['tollgate:state'],
      }),
    });
  }
  for (const [name, appId] of [
    ['tollgate/signoff', TOLLGATE_APP.id],
    ['validate', GITHUB_ACTIONS_APP.id],
  ] as const)
    gh.state.repo('acme/models').checkRuns.push({
      id: gh.state.nextId(),
      appId,
      name,
      headSha: pulls[0]!.head,
      status: 'completed',
      conclusion: 'success',
      title: null,
      summary: null,
      text: null,
      annotations: [],
      detailsUrl: null,
      externalId: null,
      startedAt: gh.state.now(),
      completedAt: gh.state.now(),
    });

  const output = join(work, 'output');
  const event = join(work, 'event.json');
  await writeFile(output, '');
  await writeFile(summary, '');
  const payload = webhookExample('workflow_dispatch');
  payload.repository.default_branch = 'main';
  await writeFile(event, JSON.stringify(payload));
  Object.assign(process.env, {
    GITHUB_REPOSITORY: 'acme/models',
    GITHUB_API_URL: gh.double.baseUrl,
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_EVENT_PATH: event,
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    INPUT_TOKEN: 'test-token',
    'INPUT_APP-ID': String(TOLLGATE_APP.id),
    'INPUT_APP-SLUG': TOLLGATE_APP.slug,
  });
  await run(contextFromEnv());

  expect(await readFile(output, 'utf8')).toMatch(
    new RegExp(`^merged<<\\S+\\n\\[${pulls[0]!.pull.number}\\]\\n`, 'm'),
  );
  const text = await readFile(summary, 'utf8');
  expect(text).toContain(`| #${pulls[0]!.pull.number} | merged: merged as `);
  expect(text).toContain(
    `| #${pulls[1]!.pull.number} | waiting: tollgate/signoff (app ${TOLLGATE_APP.id}) has not passed`,
  );
  expect(gh.state.pull('acme/models', pulls[0]!.pull.number).merged).toBe(true);
  expect(gh.state.pull('acme/models', pulls[1]!.pull.number).state).toBe('open');
  expect(process.exitCode).not.toBe(1);
});
