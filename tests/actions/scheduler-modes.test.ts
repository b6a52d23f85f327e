// The scheduler action's escalate mode (the job the installed scheduler workflow runs every tick), against the GitHub
// double: an incident nobody acknowledged within its severity's response time is escalated once per level, recorded
// as one state change on the default branch, and announced on its GitHub issue with the issues token.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { run as runSchedulerAction } from '../../src/actions/scheduler.ts';
import { main } from '../../src/cli/main.ts';
import { git } from '../../src/git/run.ts';
import type { Incident } from '../../src/registry/types.ts';
import { exampleFiles } from '../cli/registry-repo.ts';
import { ISOLATED_GIT_ENV } from '../github-double/git-store.ts';
import { useGitHubDouble } from '../github-double/harness.ts';
import { webhookExample } from '../github-double/webhook-examples.ts';
import { contextFromEnv } from './action-context.ts';
import { BOT } from './ops-fixture.ts';

const gh = useGitHubDouble();
const REPO = 'acme/models';
const summary = join(tmpdir(), `tollgate-scheduler-modes-summary-${process.pid}.md`);
let work: string;
let checkout: string;
let saved: NodeJS.ProcessEnv;

/** The example policy, state pushed, and P2 announced on a GitHub issue only (no webhook secrets in a test). */
function files(): Record<string, string> {
  const all = exampleFiles();
  all['registry/policy.yaml'] = all['registry/policy.yaml']!.replace(
    'state_writes: pull-request',
    'state_writes: push',
  ).replace(
    /^incident:\n/m,
    'incident:\n  response:\n    P2:\n      respond_within: 3600\n      escalate: [on-call]\n      channels: [github-issue]\n',
  );
  return all;
}

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'tollgate-scheduler-modes-'));
  const { gitDir } = await gh.state.createRepo(REPO, { files: files() });
  checkout = join(work, 'checkout');
  await git(work, ['clone', '--quiet', gitDir, checkout], { env: ISOLATED_GIT_ENV });
  await git(checkout, ['config', 'user.name', 'On Call']);
  await git(checkout, ['config', 'user.email', 'oncall@example.com']);
  saved = { ...process.env };
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(async () => {
  vi.restoreAllMocks();
  process.env = saved;
  process.exitCode = 0;
  await rm(work, { recursive: true, force: true });
  await rm(summary, { force: true });
});

/** A P2 incident on fraud-detector detected `hoursAgo` hours ago, recorded on the remote's main. */
async function openIncident(hoursAgo: number): Promise<string> {
  const now = new Date(Date.now() - hoursAgo * 3_600_000).toISOString();
  const code = await main(
    ['-C', checkout, 'incident', 'open', 'fraud-detector', '--metric', 'error_rate=0.07'],
    {
      ...process.env,
      ...ISOLATED_GIT_ENV,
      TOLLGATE_NOW: now,
      TOLLGATE_ACTOR: 'oncall',
      GITHUB_TOKEN: '',
      GH_TOKEN: '',
      TOLLGATE_NOTIFY_WEBHOOK: '',
      TOLLGATE_SLACK_WEBHOOK: '',
    },
  );
  expect(code).toBe(0);
  await git(checkout, ['push', '--quiet', 'origin', 'HEAD:main'], { env: ISOLATED_GIT_ENV });
  const listed = await git(checkout, ['diff', '--name-only', 'HEAD~1', 'HEAD', '--', 'registry/incidents']);
  return /incidents\/(INC-[^/]+)\.yaml/.exec(listed)![1]!;
}

async function escalate(): Promise<Record<string, string>> {
  const output = join(work, 'output');
  const event = join(work, 'event.json');
  await writeFile(output, '');
  await writeFile(summary, '');
  const payload = webhookExample('workflow_dispatch');
  payload.ref = 'refs/heads/main';
  payload.repository.default_branch = 'main';
  await writeFile(event, JSON.stringify(payload));
  // The job's checkout: the default branch as it is now.
  await git(checkout, ['pull', '--quiet', '--rebase', 'origin', 'main'], { env: ISOLATED_GIT_ENV });
  Object.assign(process.env, ISOLATED_GIT_ENV, BOT, {
    GITHUB_REPOSITORY: REPO,
    GITHUB_API_URL: gh.double.baseUrl,
    GITHUB_WORKSPACE: checkout,
    GITHUB_EVENT_NAME: 'schedule',
    GITHUB_EVENT_PATH: event,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_ACTOR: 'alice',
    GITHUB_RUN_ID: '92',
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    RUNNER_TEMP: work,
    TOLLGATE_NOTIFY_WEBHOOK: '',
    TOLLGATE_SLACK_WEBHOOK: '',
    TOLLGATE_PAGERDUTY_ROUTING_KEY: '',
    INPUT_MODE: 'escalate',
    INPUT_TOKEN: 'app-token',
    'INPUT_ISSUES-TOKEN': 'github-token',
    INPUT_REGISTRY: 'registry',
    'INPUT_DRY-RUN': 'false',
  });
  await runSchedulerAction(contextFromEnv());
  const outputs: Record<string, string> = {};
  for (const m of (await readFile(output, 'utf8')).matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm))
    outputs[m[1]!] = m[3]!;
  outputs.summary = await readFile(summary, 'utf8');
  return outputs;
}

const remoteRecord = async (id: string): Promise<Incident> =>
  load(await git(gh.state.repo(REPO).gitDir, ['show', `main:registry/incidents/${id}.yaml`])) as Incident;

describe('scheduler action, mode escalate', () => {
  it('escalates an unacknowledged incident once per level, records it on main and on its GitHub issue', async () => {
    const id = await openIncident(1.5);
    const outputs = await escalate();
    expect(process.exitCode).not.toBe(1);
    expect(JSON.parse(outputs.incidents!)).toEqual([id]);
    expect(outputs.summary).toContain('## Escalation sweep');
    expect(outputs.summary).toContain(`${id}: not acknowledged within 1h 00m 00s (P2 response time)`);
    const record = await remoteRecord(id);
    expect(record.escalations).toEqual([expect.objectContaining({ severity: 'P2', by: 'tollgate-bot' })]);
    const [issue] = gh.state.repo(REPO).issues;
    expect(issue!.labels).toEqual(['tollgate:incident', 'severity:P2', 'model:fraud-detector']);
    expect(record.timeline.at(-1)).toMatchObject({
      event: 'notified',
      detail: `issue #${issue!.number} opened (github-issue escalated)`,
    });
    const log = await git(gh.state.repo(REPO).gitDir, ['log', '-1', '--format=%s%n%b', 'main']);
    expect(log).toContain('Escalate 1 unacknowledged incident');
    expect(log).toContain('Tollgate-Event: incident-escalated');

    // The next tick: nothing due, nothing written, nothing sent.
    const head = await git(gh.state.repo(REPO).gitDir, ['rev-parse', 'main']);
    const comments = gh.state.repo(REPO).comments.length;
    const again = await escalate();
    expect(JSON.parse(again.incidents!)).toEqual([]);
    expect(again.summary).toContain('Nothing is due');
    expect(await git(gh.state.repo(REPO).gitDir, ['rev-parse', 'main'])).toBe(head);
    expect(gh.state.repo(REPO).comments).toHaveLength(comments);
  });

  it('comments on the issue what followed: a rollback recorded by another job, once', async () => {
    const id = await openIncident(1.5);
    await escalate();
    const [issue] = gh.state.repo(REPO).issues;
    // The rollback pull request merged: the merge record puts rollback-completed on the incident (as gate/merged.ts).
    await git(checkout, ['pull', '--quiet', '--rebase', 'origin', 'main'], { env: ISOLATED_GIT_ENV });
    const file = join(checkout, `registry/incidents/${id}.yaml`);
    const record = load(await readFile(file, 'utf8')) as Incident;
    record.timeline.push({
      at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      event: 'rollback-completed',
      detail: 'fraud-detector production v4 -> v3 (pull request #7 merged)',
    });
    await writeFile(file, dump(record));
    await git(checkout, ['commit', '-qam', 'Record the rollback'], { env: ISOLATED_GIT_ENV });
    await git(checkout, ['push', '--quiet', 'origin', 'HEAD:main'], { env: ISOLATED_GIT_ENV });

    const followed = await escalate();
    expect(JSON.parse(followed.incidents!)).toEqual([id]);
    expect(followed.summary).toContain(`${id}: rollback-completed to its GitHub issue`);
    const comments = gh.state.repo(REPO).comments.filter((c) => c.issue === issue!.number);
    expect(comments.at(-1)!.body).toBe(
      'Update: rollback-completed — fraud-detector production v4 -> v3 (pull request #7 merged)',
    );
    expect((await remoteRecord(id)).timeline.at(-1)).toMatchObject({
      event: 'notified',
      detail: `issue #${issue!.number} commented (github-issue updated)`,
    });
    const log = await git(gh.state.repo(REPO).gitDir, ['log', '-1', '--format=%s%n%b', 'main']);
    expect(log).toContain('Tell the GitHub issues of 1 incident what followed');
    expect(log).toContain('Tollgate-Event: incident-notified');

    // Told once: the next sweep has nothing to say.
    const count = gh.state.repo(REPO).comments.length;
    expect(JSON.parse((await escalate()).incidents!)).toEqual([]);
    expect(gh.state.repo(REPO).comments).toHaveLength(count);
  });

  it('with state_writes: pull-request, opens a state pull request for the sweep and merges it', async () => {
    const policy = join(checkout, 'registry/policy.yaml');
    await writeFile(
      policy,
      (await readFile(policy, 'utf8')).replace('state_writes: push', 'state_writes: pull-request'),
    );
    await git(checkout, ['commit', '-qam', 'State through pull requests'], { env: ISOLATED_GIT_ENV });
    await git(checkout, ['push', '--quiet', 'origin', 'HEAD:main'], { env: ISOLATED_GIT_ENV });
    const id = await openIncident(1.5);
    const outputs = await escalate();
    expect(JSON.parse(outputs.incidents!)).toEqual([id]);
    const [pull] = gh.state.repo(REPO).pulls;
    expect(pull).toMatchObject({ labels: ['tollgate:state'], title: 'Escalate 1 unacknowledged incident' });
    expect(pull!.head).toMatch(/^tollgate\/state\/escalate\/\d{8}t\d{6}$/);
    expect(outputs.summary).toMatch(new RegExp(`in pull request #${pull!.number} \\((merged|auto-merge)\\)`));
    expect(pull!.body).toContain(`- ${id}: not acknowledged within 1h 00m 00s (P2 response time)`);
  });

  it('writes nothing when no incident is overdue', async () => {
    const id = await openIncident(0.5);
    const head = await git(gh.state.repo(REPO).gitDir, ['rev-parse', 'main']);
    const outputs = await escalate();
    expect(JSON.parse(outputs.incidents!)).toEqual([]);
    expect((await remoteRecord(id)).escalations ?? []).toEqual([]);
    expect(await git(gh.state.repo(REPO).gitDir, ['rev-parse', 'main'])).toBe(head);
    expect(gh.state.repo(REPO).issues).toHaveLength(0);
  });
});
