// `tollgate incident resolve` with a GitHub token: the resolution and its postmortem draft go to GitHub as one
// pull request on tollgate/postmortem/<id> (against the GitHub double, from a real clone of its repository).
import { load } from 'js-yaml';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { git } from '../../src/git/run.ts';
import type { Incident } from '../../src/registry/types.ts';
import { opsFixture, REPO, type OpsFixture } from '../actions/ops-fixture.ts';
import { useGitHubDouble } from '../github-double/harness.ts';

const gh = useGitHubDouble();
let fixture: OpsFixture | undefined;
afterEach(async () => {
  await fixture?.remove();
  fixture = undefined;
  vi.restoreAllMocks();
});

async function cli(dir: string, args: string[], now: string, env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  const code = await main(['-C', dir, ...args], {
    ...process.env,
    TOLLGATE_NOW: now,
    GITHUB_ACTOR: 'oncall',
    GITHUB_TOKEN: '',
    GH_TOKEN: '',
    GITHUB_REPOSITORY: '',
    ...env,
  });
  vi.restoreAllMocks();
  return { code, out, err };
}

describe('tollgate incident resolve with a GitHub token', () => {
  it('pushes tollgate/postmortem/<id> and opens the pull request, then updates it on a re-run', async () => {
    const f = (fixture = await opsFixture(gh));
    const opened = await cli(
      f.checkout,
      ['incident', 'open', 'fraud-detector', '--metric', 'error_rate=0.07'],
      '2026-11-08T10:00:00Z',
    );
    expect(opened.code).toBe(0);
    await git(f.checkout, ['push', '--quiet', 'origin', 'main']);
    const id = /INC-\d{8}-\d{6}-[a-z0-9]+/.exec(opened.out)![0];
    const head = await git(f.checkout, ['rev-parse', 'HEAD']);
    const env = { GITHUB_TOKEN: 'test-token', GITHUB_API_URL: gh.double.baseUrl, GITHUB_REPOSITORY: REPO };

    const resolved = await cli(
      f.checkout,
      ['incident', 'resolve', id, '--note', 'fixed'],
      '2026-11-08T11:00:00Z',
      env,
    );
    expect(resolved.err).toBe('');
    expect(resolved.code).toBe(0);
    const branch = `tollgate/postmortem/${id}`;
    const [pull] = gh.state.repo(REPO).pulls;
    expect(pull).toMatchObject({
      head: branch,
      base: 'main',
      title: `Resolve incident ${id}: postmortem`,
      labels: ['tollgate:incident', 'tollgate:postmortem'],
    });
    expect(pull!.body).toContain(`Resolves incident **${id}**`);
    expect(pull!.body).toContain('after 1h 00m 00s');
    expect(pull!.body).toContain(
      `[registry/incidents/${id}.postmortem.md](https://github.com/acme/models/blob/${branch}/registry/incidents/${id}.postmortem.md)`,
    );
    expect(resolved.out).toContain(`pull request #${pull!.number} opened`);
    // The pushed branch is one commit on main with the resolved record and the draft; main and the checkout
    // are as they were.
    expect(await git(f.gitDir, ['rev-parse', `${branch}^`])).toBe(head);
    expect(await git(f.gitDir, ['rev-parse', 'main'])).toBe(head);
    expect(await git(f.checkout, ['rev-parse', 'HEAD'])).toBe(head);
    expect(await git(f.checkout, ['status', '--porcelain', '--untracked-files=all'])).toBe('');
    expect((await git(f.gitDir, ['show', '--name-only', '--format=', branch])).split('\n')).toEqual([
      `registry/incidents/${id}.postmortem.md`,
      `registry/incidents/${id}.yaml`,
    ]);
    const record = load(await git(f.gitDir, ['show', `${branch}:registry/incidents/${id}.yaml`])) as Incident;
    expect(record).toMatchObject({ status: 'resolved', resolved_at: '2026-11-08T11:00:00Z' });
    expect(await git(f.gitDir, ['show', `${branch}:registry/incidents/${id}.postmortem.md`])).toContain(
      `# Postmortem: ${id}`,
    );

    // A re-run (a later note) replaces the branch's commit and updates the same pull request.
    const again = await cli(f.checkout, ['incident', 'resolve', id], '2026-11-08T12:00:00Z', env);
    expect(again.out).toContain(`pull request #${pull!.number} updated`);
    expect(gh.state.repo(REPO).pulls).toHaveLength(1);
    expect(gh.state.repo(REPO).pulls[0]!.body).toContain('after 2h 00m 00s');
    expect(await git(f.gitDir, ['rev-parse', `${branch}^`])).toBe(head);
  });

  it('says which repository is missing when the token is set but none is known', async () => {
    const f = (fixture = await opsFixture(gh));
    const opened = await cli(
      f.checkout,
      ['incident', 'open', 'fraud-detector', '--metric', 'error_rate=0.07'],
      '2026-11-08T10:00:00Z',
    );
    const id = /INC-\d{8}-\d{6}-[a-z0-9]+/.exec(opened.out)![0];
    const r = await cli(f.checkout, ['incident', 'resolve', id], '2026-11-08T11:00:00Z', {
      GITHUB_TOKEN: 't',
    });
    expect(r.code).toBe(2);
    expect(r.err).toContain('pass --repo OWNER/NAME');
    expect(await git(f.checkout, ['branch', '--list', 'tollgate/*'])).toBe('');
  });
});
