import { describe, expect, it } from 'vitest';
import { useGitHubDouble } from '../github-double/harness.ts';
import { deleteBranch, ensureBranch, getRef } from '../../src/github/refs.ts';
import {
  addLabels,
  ensurePullRequest,
  findOpenPullRequest,
  getPullRequest,
  listPullRequestFiles,
  listReviews,
  requestReviewers,
} from '../../src/github/pulls.ts';
import { commentMarker, upsertMarkedComment } from '../../src/github/comments.ts';
import { listCheckRunsForRef, upsertCheckRun, type CheckAnnotation } from '../../src/github/checks.ts';
import { dispatchWorkflow, repositoryDispatch } from '../../src/github/dispatch.ts';
import { GitHubApiError } from '../../src/github/client.ts';
import { GITHUB_ACTIONS_APP, TOLLGATE_APP } from '../github-double/state.ts';

const gh = useGitHubDouble();
const repo = { owner: 'acme', repo: 'models' };
const FULL = 'acme/models';

async function branchWithChange(
  branch: string,
  files: Record<string, string | null> = { 'models/fraud/model.yaml': 'name: fraud\n' },
) {
  await gh.state.createRepo(FULL);
  return gh.state.commit(FULL, branch, files, `Change on ${branch}`);
}

describe('refs', () => {
  it('reads, creates, fast-forwards and deletes a branch', async () => {
    await gh.state.createRepo(FULL);
    const client = gh.client();
    const main = await getRef(client, repo, 'main');
    expect(main).toMatch(/^[0-9a-f]{40}$/);
    expect(await getRef(client, repo, 'tollgate/promote')).toBeUndefined();

    expect(await ensureBranch(client, repo, 'tollgate/promote', main!)).toBe('created');
    expect(await ensureBranch(client, repo, 'tollgate/promote', main!)).toBe('unchanged');
    const next = await gh.state.commit(FULL, 'main', { 'a.txt': 'a' }, 'a');
    expect(await ensureBranch(client, repo, 'tollgate/promote', next)).toBe('updated');
    expect(await gh.state.headSha(FULL, 'tollgate/promote')).toBe(next);

    expect(await deleteBranch(client, repo, 'tollgate/promote')).toBe(true);
    expect(await deleteBranch(client, repo, 'tollgate/promote')).toBe(false);
  });

  it('refuses to move a branch backwards or sideways (no force)', async () => {
    await gh.state.createRepo(FULL);
    const client = gh.client();
    const side = await gh.state.commit(FULL, 'side', { 's.txt': 's' }, 'side');
    await gh.state.commit(FULL, 'main', { 'm.txt': 'm' }, 'main moves');
    const error = await ensureBranch(client, repo, 'main', side).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubApiError);
    expect((error as GitHubApiError).status).toBe(422);
    expect((error as GitHubApiError).message).toContain('PATCH /repos/{owner}/{repo}/git/refs/{ref}');
  });

  it('treats "already exists" after a retried create as created', async () => {
    await gh.state.createRepo(FULL);
    const client = gh.client();
    const main = (await getRef(client, repo, 'main'))!;
    gh.fault('POST', '/repos/{owner}/{repo}/git/refs', { kind: 'lost-response' });
    expect(await ensureBranch(client, repo, 'b', main)).toBe('created');
    expect(gh.double.count('POST', '/repos/{owner}/{repo}/git/refs')).toBe(2);
  });

  it('treats a lost create answer as created when re-run', async () => {
    await gh.state.createRepo(FULL);
    const client = gh.client({ retries: 0 });
    const main = (await getRef(client, repo, 'main'))!;
    gh.fault('POST', '/repos/{owner}/{repo}/git/refs', { kind: 'lost-response' });
    await expect(ensureBranch(client, repo, 'b', main)).rejects.toThrow(/HTTP 502/);
    expect(await ensureBranch(client, repo, 'b', main)).toBe('unchanged');
  });
});

describe('pull requests', () => {
  it('ensurePullRequest finds or creates, then updates body and labels without duplicating', async () => {
    await branchWithChange('tollgate/promote-fraud');
    const client = gh.client();
    const want = {
      head: 'tollgate/promote-fraud',
      base: 'main',
      title: 'Promote fraud',
      body: 'v1',
      labels: ['tollgate'],
    };
    const first = await ensurePullRequest(client, repo, want);
    expect(first.created).toBe(true);
    expect(first.pull.labels).toEqual(['tollgate']);

    const again = await ensurePullRequest(client, repo, want);
    expect(again).toMatchObject({ created: false, updated: false });
    expect(again.pull.number).toBe(first.pull.number);

    const changed = await ensurePullRequest(client, repo, {
      ...want,
      body: 'v2',
      labels: ['tollgate', 'prod'],
    });
    expect(changed).toMatchObject({ created: false, updated: true });
    expect(gh.state.repo(FULL).pulls).toHaveLength(1);
    expect(gh.state.pull(FULL, 1)).toMatchObject({ body: 'v2', labels: ['tollgate', 'prod'] });
  });

  it('never opens a second pull request when the create answer was lost', async () => {
    await branchWithChange('feature');
    const client = gh.client();
    // The create lands, its answer is lost, the retry plugin retries, GitHub says "already exists".
    gh.fault('POST', '/repos/{owner}/{repo}/pulls', { kind: 'lost-response' });
    const result = await ensurePullRequest(client, repo, {
      head: 'feature',
      base: 'main',
      title: 't',
      body: 'b',
    });
    expect(result.pull.number).toBe(1);
    expect(gh.state.repo(FULL).pulls).toHaveLength(1);
    // Re-running the whole step changes nothing.
    await ensurePullRequest(client, repo, { head: 'feature', base: 'main', title: 't', body: 'b' });
    expect(gh.state.repo(FULL).pulls).toHaveLength(1);
  });

  it('reads the pull request, its files (all pages) and reviews (all pages)', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 130; i++) files[`models/m${String(i).padStart(3, '0')}/model.yaml`] = `name: m${i}\n`;
    const head = await branchWithChange('many', files);
    gh.state.setCollaborator(FULL, 'risk-reviewer', 'write');
    gh.state.openPull(FULL, { head: 'many' });
    for (let i = 0; i < 120; i++)
      await gh.state.addReview(FULL, 1, { user: `r${i}`, state: 'COMMENTED', commitId: head });
    const client = gh.client();

    const pull = await getPullRequest(client, repo, 1);
    expect(pull).toMatchObject({ number: 1, headSha: head, baseRef: 'main', headRef: 'many', state: 'open' });
    expect(pull.mergeable).toBe(true);

    const changed = await listPullRequestFiles(client, repo, 1);
    expect(changed).toHaveLength(130);
    expect(changed[0]).toEqual({ path: 'models/m000/model.yaml', status: 'added' });

    const reviews = await listReviews(client, repo, 1);
    expect(reviews).toHaveLength(120);
    expect(reviews[0]).toMatchObject({ author: 'r0', state: 'COMMENTED', commitId: head });
    expect(gh.double.count('GET', '/repos/{owner}/{repo}/pulls/{pull_number}/reviews')).toBe(2);

    await requestReviewers(client, repo, 1, { reviewers: ['risk-reviewer'], teamReviewers: ['risk'] });
    expect(gh.state.pull(FULL, 1).requestedReviewers).toEqual(['risk-reviewer']);
    expect(await addLabels(client, repo, 1, ['a', 'b'])).toEqual(['a', 'b']);
    expect(await findOpenPullRequest(client, repo, 'many')).toMatchObject({ number: 1 });
    expect(await findOpenPullRequest(client, repo, 'nothing')).toBeUndefined();
  });

  it('reports a conflicting pull request as not mergeable', async () => {
    await gh.state.createRepo(FULL, { files: { 'models/a/model.yaml': 'name: a\n' } });
    await gh.state.commit(FULL, 'feature', { 'models/a/model.yaml': 'name: feature\n' }, 'feature edit');
    gh.state.openPull(FULL, { head: 'feature' });
    const client = gh.client();
    expect(await getPullRequest(client, repo, 1)).toMatchObject({ mergeable: true, mergeableState: 'clean' });
    await gh.state.commit(FULL, 'main', { 'models/a/model.yaml': 'name: main\n' }, 'main edit');
    expect(await getPullRequest(client, repo, 1)).toMatchObject({
      mergeable: false,
      mergeableState: 'dirty',
    });
  });

  it('a merged pull request is closed and its changes are on the base branch', async () => {
    await branchWithChange('feature');
    gh.state.openPull(FULL, { head: 'feature' });
    const merge = await gh.state.mergePull(FULL, 1);
    const client = gh.client();
    expect(await getRef(client, repo, 'main')).toBe(merge);
    expect(await getPullRequest(client, repo, 1)).toMatchObject({ state: 'closed', merged: true });
    expect(await findOpenPullRequest(client, repo, 'feature')).toBeUndefined();
  });

  it('fails rather than return a file list GitHub cut at 3,000', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 3001; i++) files[`data/f${i}.txt`] = `${i}\n`;
    await branchWithChange('huge', files);
    gh.state.openPull(FULL, { head: 'huge' });
    await expect(listPullRequestFiles(gh.client(), repo, 1)).rejects.toThrow(/3000 or more files/);
  });

  it('reports renames with the previous path', async () => {
    await gh.state.createRepo(FULL, { files: { 'models/a/model.yaml': 'name: a\nowner: x\nrisk: high\n' } });
    await gh.state.commit(
      FULL,
      'rename',
      { 'models/a/model.yaml': null, 'models/b/model.yaml': 'name: a\nowner: x\nrisk: high\n' },
      'mv',
    );
    gh.state.openPull(FULL, { head: 'rename' });
    expect(await listPullRequestFiles(gh.client(), repo, 1)).toEqual([
      { path: 'models/b/model.yaml', status: 'renamed', previousPath: 'models/a/model.yaml' },
    ]);
  });
});

describe('marked comments', () => {
  it('creates one comment, then updates it, never posting a second', async () => {
    await branchWithChange('feature');
    gh.state.openPull(FULL, { head: 'feature' });
    const client = gh.client();
    const first = await upsertMarkedComment(client, repo, 1, 'gate', 'Missing: risk');
    expect(first.action).toBe('created');
    expect(await upsertMarkedComment(client, repo, 1, 'gate', 'Missing: risk')).toEqual({
      id: first.id,
      action: 'unchanged',
    });
    expect(await upsertMarkedComment(client, repo, 1, 'gate', 'All signed')).toEqual({
      id: first.id,
      action: 'updated',
    });
    const comments = gh.state.repo(FULL).comments;
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toBe(`${commentMarker('gate')}\nAll signed`);
  });

  it('a re-run after a failed edit still leaves exactly one comment', async () => {
    await branchWithChange('feature');
    gh.state.openPull(FULL, { head: 'feature' });
    const client = gh.client({ retries: 0 });
    await upsertMarkedComment(client, repo, 1, 'gate', 'one');
    gh.fault('PATCH', '/repos/{owner}/{repo}/issues/comments/{comment_id}', { kind: 'server-error' });
    await expect(upsertMarkedComment(client, repo, 1, 'gate', 'two')).rejects.toThrow(GitHubApiError);
    await upsertMarkedComment(client, repo, 1, 'gate', 'two');
    expect(gh.state.repo(FULL).comments.map((c) => c.body)).toEqual([`${commentMarker('gate')}\ntwo`]);
  });
});

describe('re-runs after a fault midway', () => {
  it('ensurePullRequest: the PR was opened but labelling failed; the re-run labels it, still one PR', async () => {
    await branchWithChange('feature');
    const client = gh.client({ retries: 1 });
    const want = { head: 'feature', base: 'main', title: 't', body: 'b', labels: ['tollgate'] };
    gh.fault('POST', '/repos/{owner}/{repo}/issues/{issue_number}/labels', { kind: 'server-error' }, 2);
    await expect(ensurePullRequest(client, repo, want)).rejects.toThrow(/labels/);
    expect(gh.state.pull(FULL, 1).labels).toEqual([]);
    const rerun = await ensurePullRequest(client, repo, want);
    expect(rerun).toMatchObject({ created: false, updated: true });
    expect(gh.state.repo(FULL).pulls).toHaveLength(1);
    expect(gh.state.pull(FULL, 1).labels).toEqual(['tollgate']);
  });
});

describe('non-idempotent creates', () => {
  it('a lost comment create is not retried, and the re-run edits the comment that landed', async () => {
    await branchWithChange('feature');
    gh.state.openPull(FULL, { head: 'feature' });
    const client = gh.client();
    gh.fault('POST', '/repos/{owner}/{repo}/issues/{issue_number}/comments', { kind: 'lost-response' });
    await expect(upsertMarkedComment(client, repo, 1, 'gate', 'first')).rejects.toThrow(/HTTP 502/);
    expect(await upsertMarkedComment(client, repo, 1, 'gate', 'second')).toMatchObject({ action: 'updated' });
    expect(gh.state.repo(FULL).comments).toHaveLength(1);
  });

  it('a lost check run create is not retried, and the re-run updates the run that landed', async () => {
    const sha = await branchWithChange('feature');
    const client = gh.client();
    const input = {
      name: 'tollgate/gate',
      headSha: sha,
      conclusion: 'failure' as const,
      title: 't',
      summary: 's',
    };
    gh.fault('POST', '/repos/{owner}/{repo}/check-runs', { kind: 'lost-response' });
    await expect(upsertCheckRun(client, repo, input)).rejects.toThrow(/HTTP 502/);
    expect(await upsertCheckRun(client, repo, input)).toMatchObject({ created: false });
    expect(gh.state.repo(FULL).checkRuns).toHaveLength(1);
  });
});

describe('check runs', () => {
  const annotations = (n: number): CheckAnnotation[] =>
    Array.from({ length: n }, (_, i) => ({
      path: 'models/fraud/model.yaml',
      startLine: i + 1,
      level: 'failure',
      message: `problem ${i}`,
    }));

  it('creates one check run per name and sha, then updates it; annotations go in batches of 50', async () => {
    const sha = await branchWithChange('feature');
    const client = gh.client();
    const created = await upsertCheckRun(client, repo, {
      name: 'tollgate/validate',
      headSha: sha,
      conclusion: 'failure',
      title: '120 problems',
      summary: 'see annotations',
      annotations: annotations(120),
    });
    expect(created).toMatchObject({ created: true, requests: 3 });
    const [run] = gh.state.repo(FULL).checkRuns;
    expect(run).toMatchObject({ name: 'tollgate/validate', conclusion: 'failure', status: 'completed' });
    expect(run!.annotations).toHaveLength(120);

    const updated = await upsertCheckRun(client, repo, {
      name: 'tollgate/validate',
      headSha: sha,
      conclusion: 'success',
      title: 'valid',
      summary: 'ok',
    });
    expect(updated).toMatchObject({ id: created.id, created: false });
    expect(gh.state.repo(FULL).checkRuns).toHaveLength(1);
    expect(gh.state.repo(FULL).checkRuns[0]).toMatchObject({ conclusion: 'success', summary: 'ok' });
  });

  it('a re-run with annotations supersedes the annotated run instead of doubling its annotations', async () => {
    const sha = await branchWithChange('feature');
    const client = gh.client();
    const input = {
      name: 'tollgate/validate',
      headSha: sha,
      conclusion: 'failure' as const,
      title: '3 problems',
      summary: 's',
      annotations: annotations(3),
    };
    const first = await upsertCheckRun(client, repo, input);
    const second = await upsertCheckRun(client, repo, input);
    expect(second).toMatchObject({ created: true, superseded: first.id });
    const runs = gh.state.repo(FULL).checkRuns;
    expect(runs.map((run) => run.annotations.length)).toEqual([3, 3]);
    const third = await upsertCheckRun(client, repo, { ...input, annotations: [], conclusion: 'success' });
    expect(third).toMatchObject({ id: second.id, created: false });
  });
});

describe('listCheckRunsForRef', () => {
  it('lists the runs on a commit: the latest of each name by default, every run with filter all', async () => {
    const sha = await branchWithChange('feature');
    const client = gh.client();
    const base = { headSha: sha, title: 't', summary: 's' };
    await upsertCheckRun(client, repo, { ...base, name: 'tollgate/signoff', conclusion: 'failure' });
    await upsertCheckRun(client, repo, { ...base, name: 'other', conclusion: 'success' });
    // A second run of the same name (a superseded, annotated one), as a re-run leaves it.
    gh.state.repo(FULL).checkRuns.push({
      ...gh.state.repo(FULL).checkRuns[0]!,
      id: gh.state.nextId(),
      conclusion: 'success',
      completedAt: '2026-01-02T00:00:00Z',
    });
    const latest = await listCheckRunsForRef(client, repo, sha, { checkName: 'tollgate/signoff' });
    expect(latest).toEqual([
      expect.objectContaining({
        name: 'tollgate/signoff',
        headSha: sha,
        status: 'completed',
        conclusion: 'success',
        completedAt: '2026-01-02T00:00:00Z',
      }),
    ]);
    const all = await listCheckRunsForRef(client, repo, sha, { filter: 'all' });
    expect(all.map((run) => `${run.name} ${run.conclusion}`).sort()).toEqual([
      'other success',
      'tollgate/signoff failure',
      'tollgate/signoff success',
    ]);
    expect(await listCheckRunsForRef(client, repo, 'feature', { checkName: 'none' })).toEqual([]);
  });

  it('names the App GitHub filed each run under, filters by app_id, and keeps the latest run per App', async () => {
    const sha = await branchWithChange('feature');
    gh.state.appToken('workflow-token', GITHUB_ACTIONS_APP);
    const gate = gh.client();
    const workflow = gh.client({ token: 'workflow-token' });
    const base = { name: 'tollgate/signoff', headSha: sha, title: 't', summary: 's' };
    const own = await upsertCheckRun(gate, repo, { ...base, conclusion: 'failure' });
    expect(own.app).toEqual({ id: TOLLGATE_APP.id, slug: TOLLGATE_APP.slug });
    // A newer run of the same name from another App: a suite of its own, so GitHub's `latest` lists both.
    const forged = await upsertCheckRun(
      workflow,
      repo,
      { ...base, conclusion: 'success' },
      { candidates: [] },
    );
    expect(forged.app).toEqual({ id: GITHUB_ACTIONS_APP.id, slug: 'github-actions' });
    const latest = await listCheckRunsForRef(gate, repo, sha, { checkName: base.name });
    expect(latest.map((r) => [r.id, r.app?.id])).toEqual([
      [own.id, TOLLGATE_APP.id],
      [forged.id, GITHUB_ACTIONS_APP.id],
    ]);
    const mine = await listCheckRunsForRef(gate, repo, sha, { checkName: base.name, appId: TOLLGATE_APP.id });
    expect(mine.map((r) => r.id)).toEqual([own.id]);
    // Only the App that created a run may change it: the name-only upsert of today hit the newest run, the forged one.
    await expect(upsertCheckRun(gate, repo, { ...base, conclusion: 'success' })).rejects.toThrow(/HTTP 403/);
    expect(gh.state.repo(FULL).checkRuns.map((r) => r.conclusion)).toEqual(['failure', 'success']);
  });
});

describe('pull request merge facts', () => {
  it('reads when and by whom a pull request was merged', async () => {
    await branchWithChange('feature');
    const pull = gh.state.openPull(FULL, { head: 'feature', user: 'dana' });
    const client = gh.client();
    expect(await getPullRequest(client, repo, pull.number)).not.toHaveProperty('mergedAt');
    await gh.state.mergePull(FULL, pull.number, 'maya');
    expect(await getPullRequest(client, repo, pull.number)).toMatchObject({
      merged: true,
      mergedAt: gh.state.pull(FULL, pull.number).mergedAt,
      mergedBy: 'maya',
      author: 'dana',
    });
  });
});

describe('dispatch', () => {
  it('returns run details when GitHub answers 200, and nothing when it answers 204', async () => {
    await gh.state.createRepo(FULL);
    const client = gh.client();
    const run = await dispatchWorkflow(client, repo, {
      workflow: 'retrain.yml',
      ref: 'main',
      inputs: { model: 'fraud' },
    });
    expect(run.runId).toBeGreaterThan(0);
    expect(run.htmlUrl).toContain('/actions/runs/');
    gh.state.returnRunDetails = false;
    expect(await dispatchWorkflow(client, repo, { workflow: 'retrain.yml', ref: 'main' })).toEqual({});
    expect(gh.state.repo(FULL).workflowDispatches).toEqual([
      { workflow: 'retrain.yml', ref: 'main', inputs: { model: 'fraud' } },
      { workflow: 'retrain.yml', ref: 'main', inputs: {} },
    ]);
    await repositoryDispatch(client, repo, 'tollgate-rollback', { model: 'fraud' });
    expect(gh.state.repo(FULL).repositoryDispatches).toEqual([
      { eventType: 'tollgate-rollback', clientPayload: { model: 'fraud' } },
    ]);
  });

  it('names the call when the ref does not exist', async () => {
    await gh.state.createRepo(FULL);
    await expect(
      dispatchWorkflow(gh.client(), repo, { workflow: 'retrain.yml', ref: 'nope' }),
    ).rejects.toThrow(
      /POST \/repos\/\{owner\}\/\{repo\}\/actions\/workflows\/\{workflow_id\}\/dispatches failed \(HTTP 422\)/,
    );
  });
});
