// The rollback action against the GitHub double, on a real clone with a real pointer history.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runRollback } from '../../src/actions/rollback.ts';
import { git, runGit } from '../../src/git/run.ts';
import { parseCommitMessage } from '../../src/git/history.ts';
import { useGitHubDouble } from '../github-double/harness.ts';
import { BOT, MODEL, REPO, at, opsFixture, type OpsFixture } from './ops-fixture.ts';

const gh = useGitHubDouble();
let fixture: OpsFixture | undefined;
afterEach(async () => {
  await fixture?.remove();
  fixture = undefined;
});

const BRANCH = `tollgate/rollback/${MODEL}/production`;
const INCIDENT = 'INC-20261107-070000-ab12';

/** Records an incident of `severity` on main (as the incident action would have) and pushes it. */
async function recordIncident(f: OpsFixture, severity: string): Promise<void> {
  await writeFile(
    join(f.checkout, `registry/incidents/${INCIDENT}.yaml`),
    [
      'apiVersion: tollgate/v1',
      'kind: Incident',
      `id: ${INCIDENT}`,
      `title: ${severity} on ${MODEL}`,
      `severity: ${severity}`,
      'status: open',
      `models: [${MODEL}]`,
      'metrics: {availability: 0.2}',
      "detected_at: '2026-11-07T07:00:00Z'",
      'timeline: []',
      '',
    ].join('\n'),
  );
  await git(f.checkout, ['add', '-A']);
  await git(f.checkout, ['commit', '-qm', `Open incident ${INCIDENT}`]);
  await git(f.checkout, ['push', '--quiet', 'origin', 'main']);
}

describe('rollback action', () => {
  it('opens one pull request carrying the rollback commit, and finds it again on a re-run', async () => {
    const f = (fixture = await opsFixture(gh));
    const head = await git(f.checkout, ['rev-parse', 'HEAD']);
    const client = gh.client();
    const inputs = { model: MODEL, dryRun: false };
    const first = await runRollback(inputs, f.env, { client, now: at(151), gitEnv: BOT });

    expect(first.target).toBe('v3');
    expect(first.outcome.mode).toBe('pull-request');
    const pulls = gh.state.repo(REPO).pulls;
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({ head: BRANCH, base: 'main', labels: ['tollgate:rollback'] });
    expect(first.pullRequest).toBe(pulls[0]!.number);
    // The pull request's head is the rollback commit itself, with its trailers.
    expect(await git(f.gitDir, ['rev-parse', `refs/heads/${BRANCH}`])).toBe(first.commit);
    const { trailers } = parseCommitMessage(await git(f.gitDir, ['log', '-1', '--format=%B', BRANCH]));
    expect(trailers).toMatchObject({ 'Tollgate-Event': ['rollback'], From: ['v4'], Version: ['v3'] });
    // The default branch and the checkout are untouched.
    expect(await f.remoteProduction()).toBe('v4');
    expect(await git(f.checkout, ['rev-parse', 'HEAD'])).toBe(head);
    expect(await git(f.checkout, ['status', '--porcelain'])).toBe('');

    const again = await runRollback(inputs, f.env, { client, now: at(152), gitEnv: BOT });
    expect(again.pullRequest).toBe(first.pullRequest);
    expect(gh.state.repo(REPO).pulls).toHaveLength(1);
    expect(again.summary).toContain('updated');
  });

  it('pushes directly for an incident whose severity allows an emergency push, and not twice', async () => {
    const f = (fixture = await opsFixture(gh));
    await recordIncident(f, 'P0');
    const client = gh.client();
    const inputs = { model: MODEL, incident: INCIDENT, dryRun: false };
    const result = await runRollback(inputs, f.env, { client, now: at(151), gitEnv: BOT });
    expect(result.outcome.mode).toBe('pushed');
    expect(result.severity).toBe('P0');
    expect(result.pullRequest).toBeUndefined();
    expect(await f.remoteProduction()).toBe('v3');
    expect(await git(f.gitDir, ['rev-parse', 'main'])).toBe(result.commit);
    expect(client.calls()).toBe(0);

    // A re-run for the same incident finds its rollback already made.
    const rerun = await runRollback(inputs, f.env, { client, now: at(152), gitEnv: BOT });
    expect(rerun.outcome.mode).toBe('already-done');
    expect(rerun.commit).toBe(result.commit);
    expect(await f.remoteProduction()).toBe('v3');

    // Anything else is a rollback of a rollback: refused.
    await expect(
      runRollback({ model: MODEL, dryRun: false }, f.env, { client, now: at(152), gitEnv: BOT }),
    ).rejects.toThrow(/was itself a rollback; Tollgate does not roll back a rollback/);
    expect(await f.remoteProduction()).toBe('v3');
  });

  it('proposes rather than pushes for a severity the policy does not allow to push', async () => {
    const f = (fixture = await opsFixture(gh));
    await recordIncident(f, 'P2');
    const result = await runRollback({ model: MODEL, incident: INCIDENT, dryRun: false }, f.env, {
      client: gh.client(),
      now: at(151),
      gitEnv: BOT,
    });
    expect(result.outcome.mode).toBe('pull-request');
    expect(gh.state.repo(REPO).pulls[0]!.body).toContain(`Incident: ${INCIDENT} (P2)`);
    expect(await f.remoteProduction()).toBe('v4');
  });

  it('writes nothing and calls nothing on a dry run', async () => {
    const f = (fixture = await opsFixture(gh));
    const head = await git(f.checkout, ['rev-parse', 'HEAD']);
    const client = gh.client();
    const result = await runRollback({ model: MODEL, dryRun: true }, f.env, { client, now: at(151) });
    expect(result.target).toBe('v3');
    expect(result.commit).toBeUndefined();
    expect(result.summary).toContain('Dry run: would revert 1 commit(s)');
    expect(client.calls()).toBe(0);
    expect(await git(f.checkout, ['rev-parse', 'HEAD'])).toBe(head);
    expect(await git(f.checkout, ['status', '--porcelain', '--untracked-files=all'])).toBe('');
    const { code } = await runGit(f.gitDir, ['rev-parse', '--verify', `refs/heads/${BRANCH}`], {
      okCodes: [128],
    });
    expect(code).toBe(128);
  });

  it('refuses a checkout that is not the default branch', async () => {
    const f = (fixture = await opsFixture(gh));
    await git(f.checkout, ['checkout', '-q', '--detach']);
    await expect(
      runRollback({ model: MODEL, dryRun: false }, f.env, { client: gh.client(), now: at(151) }),
    ).rejects.toMatchObject({ fix: expect.stringContaining('fetch-depth: 0') });
  });
});
