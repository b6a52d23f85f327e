// The double cannot drift from GitHub: its routes exist in GitHub's OpenAPI description, and the
// bodies it serves satisfy GitHub's schemas (every test file using the double also checks this).
import { mergePullRequest } from '../../src/github/merge.ts';
import { allowAutoMerge, restrictEnvironmentToBranch } from '../../src/github/rulesets.ts';
import { describe, expect, it } from 'vitest';
import { useGitHubDouble, driftProblems } from './harness.ts';
import { ROUTES } from './routes.ts';
import { githubSiteSource } from '../../src/site/github-source.ts';
import { componentProblems, hasOperation, requestProblems, responseProblems, skeleton } from './openapi.ts';
import { ensureBranch, deleteBranch, getRef } from '../../src/github/refs.ts';
import {
  addLabels,
  ensurePullRequest,
  getPullRequest,
  listPullRequestFiles,
  listReviews,
  requestReviewers,
} from '../../src/github/pulls.ts';
import {
  authenticatedLogin,
  getCollaboratorPermission,
  getTeamMembership,
  listTeamMembers,
} from '../../src/github/access.ts';
import { listCheckRunsForRef, upsertCheckRun } from '../../src/github/checks.ts';
import {
  commentOnIssue,
  findMarkedIssue,
  setIssueState,
  upsertMarkedIssue,
} from '../../src/github/issues.ts';
import { upsertMarkedComment } from '../../src/github/comments.ts';
import { dispatchWorkflow, repositoryDispatch } from '../../src/github/dispatch.ts';
import { createRepositoryRuleset } from '../../src/github/rulesets.ts';
import { tollgateRulesets } from '../../src/init/rulesets.ts';
import { readRepositoryFacts } from '../../src/doctor/doctor-flow.ts';

const gh = useGitHubDouble();

describe('routes', () => {
  it.each(ROUTES.map((route) => [route.method, route.template]))(
    '%s %s is a GitHub REST route',
    (method, template) => {
      expect(hasOperation(method, template)).toBe(true);
    },
  );
});

describe('the schema checker', () => {
  it('rejects a route GitHub does not have', () => {
    expect(responseProblems('GET', '/repos/{owner}/{repo}/tollgate', 200, {})).toEqual([
      'GET /repos/{owner}/{repo}/tollgate is not a GitHub REST route',
    ]);
  });

  it('rejects a missing required field and a wrong type', () => {
    const membership = { url: 'https://api.github.com/x', role: 'member', state: 'active' };
    expect(componentProblems('team-membership', membership)).toEqual([]);
    const { state: _state, ...missing } = membership;
    expect(componentProblems('team-membership', missing).join()).toMatch(
      /must have required property 'state'/,
    );
    expect(componentProblems('team-membership', { ...membership, role: 7 }).join()).toMatch(/must be/);
    expect(componentProblems('team-membership', { ...membership, state: 'maybe' }).join()).toMatch(
      /allowed values/,
    );
  });

  it('follows OpenAPI 3.0 nullable, also on enums', () => {
    const run = skeleton('check-run') as Record<string, unknown>;
    expect(run.conclusion).toBeNull();
    expect(componentProblems('check-run', { ...run, head_sha: 'a'.repeat(40) })).toEqual([]);
    expect(componentProblems('check-run', { ...run, conclusion: 'won' }).join()).toMatch(/allowed values/);
    expect(componentProblems('simple-user', { ...(skeleton('simple-user') as object), email: null })).toEqual(
      [],
    );
  });

  it('checks what the client sends too', () => {
    expect(
      requestProblems('POST', '/repos/{owner}/{repo}/git/refs', { ref: 'refs/heads/x', sha: 'abc' }),
    ).toEqual([]);
    expect(requestProblems('POST', '/repos/{owner}/{repo}/git/refs', { sha: 'abc' }).join()).toMatch(
      /required property 'ref'/,
    );
  });

  it('checks shared error answers (422 validation failed)', () => {
    expect(
      responseProblems('POST', '/repos/{owner}/{repo}/git/refs', 422, {
        message: 'x',
        documentation_url: 'u',
      }),
    ).toEqual([]);
    expect(responseProblems('POST', '/repos/{owner}/{repo}/git/refs', 422, { message: 7 }).join()).toMatch(
      /must be string/,
    );
  });

  it('checks bodies of a documented status and ignores undocumented ones', () => {
    const template = '/orgs/{org}/teams/{team_slug}/memberships/{username}';
    expect(responseProblems('GET', template, 200, { role: 'member' }).join()).toMatch(/required property/);
    expect(responseProblems('GET', template, 404, { message: 'Not Found' })).toEqual([]);
  });
});

it('a route the double does not serve fails the test instead of answering', async () => {
  const client = gh.client({ retries: 0 });
  await expect(
    client.octokit.request('GET /repos/{owner}/{repo}/environments', { owner: 'a', repo: 'b' }),
  ).rejects.toThrow();
});

it('a request body GitHub would not accept is reported as drift', async () => {
  await gh.state.createRepo('acme/models');
  const client = gh.client();
  await client.octokit
    .request('POST /repos/{owner}/{repo}/git/refs', { owner: 'acme', repo: 'models', sha: 'abc' } as never)
    .catch(() => undefined);
  expect(driftProblems(gh.double.records)).toEqual([
    "request POST /repos/{owner}/{repo}/git/refs: (body) must have required property 'ref'",
  ]);
  gh.double.records.length = 0; // deliberate: keep this file's after-all drift check green
});

it('every route the double serves answers with bodies GitHub documents', async () => {
  const FULL = 'acme/models';
  const repo = { owner: 'acme', repo: 'models' };
  await gh.state.createRepo(FULL);
  const head = await gh.state.commit(
    FULL,
    'promote',
    { 'models/fraud/model.yaml': 'name: fraud\n' },
    'promote',
  );
  gh.state.setCollaborator(FULL, 'alice', 'write');
  gh.state.addTeam('acme', 'risk', { members: ['alice'], pending: ['bob'] });
  const client = gh.client();

  await getRef(client, repo, 'promote');
  await ensureBranch(client, repo, 'copy', (await getRef(client, repo, 'main'))!);
  await ensureBranch(client, repo, 'copy', head);
  await deleteBranch(client, repo, 'copy');
  const { pull } = await ensurePullRequest(client, repo, {
    head: 'promote',
    base: 'main',
    title: 'Promote',
    body: 'one',
    labels: ['tollgate'],
  });
  await gh.state.commit(FULL, 'promote', { 'models/fraud/card.md': '# card\n' }, 'card');
  await ensurePullRequest(client, repo, { head: 'promote', base: 'main', title: 'Promote', body: 'two' });
  await gh.state.addReview(FULL, pull.number, { user: 'alice', state: 'APPROVED' });
  await getPullRequest(client, repo, pull.number);
  await listPullRequestFiles(client, repo, pull.number);
  await listReviews(client, repo, pull.number);
  await requestReviewers(client, repo, pull.number, { reviewers: ['alice'] });
  await addLabels(client, repo, pull.number, ['prod']);
  await getTeamMembership(client, { org: 'acme', team: 'risk' }, 'alice');
  await getTeamMembership(client, { org: 'acme', team: 'risk' }, 'zed');
  await listTeamMembers(client, { org: 'acme', team: 'risk' });
  await getCollaboratorPermission(client, repo, 'alice');
  const check = { name: 'tollgate/gate', headSha: head, title: 't', summary: 's' };
  await upsertCheckRun(client, repo, { ...check, status: 'in_progress' });
  await upsertCheckRun(client, repo, {
    ...check,
    conclusion: 'failure',
    annotations: [{ path: 'models/fraud/model.yaml', startLine: 1, level: 'failure', message: 'm' }],
  });
  await listCheckRunsForRef(client, repo, head, { checkName: check.name, filter: 'all' });
  expect(
    await mergePullRequest(client, repo, pull.number, { sha: head, method: 'squash', title: 't' }),
  ).toEqual({
    status: 'head-moved',
  });
  const current = (await getPullRequest(client, repo, pull.number)).headSha;
  expect(
    await mergePullRequest(client, repo, pull.number, { sha: current, method: 'squash', title: 't' }),
  ).toMatchObject({ status: 'merged', method: 'squash' });
  expect(await getPullRequest(client, repo, pull.number)).toMatchObject({ mergedBy: 'tollgate-bot' });
  await upsertMarkedComment(client, repo, pull.number, 'gate', 'a');
  await upsertMarkedComment(client, repo, pull.number, 'gate', 'b');
  const issue = await upsertMarkedIssue(client, repo, 'incident:INC-1', {
    title: 'P0',
    body: 'one',
    labels: ['tollgate:incident', 'severity:P0'],
    findBy: ['tollgate:incident'],
  });
  expect(issue).toMatchObject({ created: true, state: 'open' });
  await upsertMarkedIssue(client, repo, 'incident:INC-1', {
    title: 'P1',
    body: 'two',
    labels: ['tollgate:incident', 'severity:P1'],
    findBy: ['tollgate:incident'],
  });
  await commentOnIssue(client, repo, issue.number, 'rolled back');
  await setIssueState(client, repo, issue.number, { state: 'closed' });
  expect(await findMarkedIssue(client, repo, 'incident:INC-1', ['tollgate:incident'])).toMatchObject({
    number: issue.number,
    state: 'closed',
  });
  await dispatchWorkflow(client, repo, { workflow: 'retrain.yml', ref: 'main' });
  await repositoryDispatch(client, repo, 'tollgate-rollback');
  for (const ruleset of tollgateRulesets({ defaultBranch: 'main', appId: 7, emergencyPush: true }))
    await createRepositoryRuleset(client, repo, ruleset);
  await allowAutoMerge(client, repo);
  await restrictEnvironmentToBranch(client, repo, 'tollgate', 'main');
  await githubSiteSource({ client, repo, server: 'https://github.com' }).evidenceBundles();
  // What `tollgate doctor` reads: every settings route, a protected branch, a file and a folder.
  const state = gh.state.repo(FULL);
  state.protection.main = {
    required_status_checks: {
      strict: true,
      contexts: ['validate'],
      checks: [{ context: 'validate', app_id: 15368 }],
    },
    enforce_admins: { enabled: true, url: 'https://api.github.com/x' },
  };
  state.variables.TOLLGATE_APP_ID = '7';
  await gh.state.commit(
    FULL,
    'main',
    { '.github/workflows/tollgate-validate.yml': 'permissions: {}\n' },
    'wf',
  );
  // Who a person's token belongs to (`tollgate signoffs pending --me`).
  gh.state.tokenUsers.set('test-token', 'rita');
  expect(await authenticatedLogin(client)).toBe('rita');
  const facts = await readRepositoryFacts(client, repo);
  expect(facts).toMatchObject({ appId: 7, protection: { ok: true }, workflows: { ok: true } });

  const served = new Set(gh.double.records.map((record) => `${record.method} ${record.template}`));
  expect(
    ROUTES.map((route) => `${route.method} ${route.template}`).filter((key) => !served.has(key)),
  ).toEqual([]);
  expect(driftProblems(gh.double.records)).toEqual([]);
});
