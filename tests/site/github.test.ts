// The site's GitHub port against the shared GitHub double (checked against GitHub's OpenAPI description): open
// promotion pull requests with the gate's latest verdict, the evidence workflow's bundles with their digests, and
// a site that still builds, saying so, when GitHub refuses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite } from '../../src/site/flow.ts';
import { gitSiteSource } from '../../src/site/git-source.ts';
import { githubSiteSource } from '../../src/site/github-source.ts';
import { repoLinks } from '../../src/site/html.ts';
import { removeRepo } from '../evidence/repo.ts';
import { useGitHubDouble } from '../github-double/harness.ts';
import { textOf } from './text.ts';
import { buildSiteScenario, type SiteScenario } from './scenario.ts';

const gh = useGitHubDouble();
let s: SiteScenario;
beforeAll(async () => {
  s = await buildSiteScenario();
}, 60_000);
afterAll(() => removeRepo(s.repo));

const DIGEST = `sha256:${'e'.repeat(64)}`;
const FORGED = `sha256:${'f'.repeat(64)}`;

async function arrange() {
  const repo = await gh.state.createRepo('acme/models');
  const head = await gh.state.commit(
    'acme/models',
    'tollgate/promote/fraud/production',
    { 'x.txt': 'x' },
    'Promote',
  );
  const pull = gh.state.openPull('acme/models', {
    head: 'tollgate/promote/fraud/production',
    base: 'main',
    title: 'Promote fraud v4 to production',
    user: 'tollgate-bot',
  });
  await gh.state.commit('acme/models', 'feature/other', { 'y.txt': 'y' }, 'Other');
  gh.state.openPull('acme/models', { head: 'feature/other', base: 'main', title: 'Unrelated', user: 'dana' });
  repo.checkRuns.push(
    {
      id: 1,
      name: 'tollgate/signoff',
      headSha: head,
      status: 'completed',
      conclusion: 'success',
      title: null,
      summary: null,
      text: null,
      annotations: [],
      detailsUrl: null,
      externalId: null,
      startedAt: '2026-01-02T00:00:00Z',
      completedAt: '2026-01-02T00:01:00Z',
    },
    {
      id: 2,
      name: 'tollgate/signoff',
      headSha: head,
      status: 'completed',
      conclusion: 'failure',
      title: 'compliance missing',
      summary: null,
      text: null,
      annotations: [],
      detailsUrl: null,
      externalId: null,
      startedAt: '2026-01-02T01:00:00Z',
      completedAt: '2026-01-02T01:01:00Z',
    },
  );
  repo.artifacts.push(
    {
      id: 71,
      name: 'tollgate-evidence',
      sizeInBytes: 20480,
      digest: DIGEST,
      createdAt: '2026-01-02T03:00:00Z',
      expired: false,
      runId: 900,
      headBranch: 'main',
      headSha: s.directPush,
    },
    // A writer's own workflow on their branch, uploading a bundle of the same name (and attesting it): not evidence.
    {
      id: 73,
      name: 'tollgate-evidence',
      sizeInBytes: 30720,
      digest: FORGED,
      createdAt: '2026-01-02T04:00:00Z',
      expired: false,
      runId: 902,
      headBranch: 'forged-evidence',
      headSha: s.directPush,
    },
    {
      id: 72,
      name: 'coverage-report',
      sizeInBytes: 5000,
      digest: null,
      createdAt: '2026-01-02T02:00:00Z',
      expired: false,
      runId: 901,
      headBranch: 'main',
      headSha: s.directPush,
    },
  );
  return { pull };
}

describe('the site with GitHub data', () => {
  it('lists promotions waiting for sign-off with the newest gate verdict, and evidence bundles with their digest', async () => {
    const { pull } = await arrange();
    const client = gh.client();
    const github = githubSiteSource({
      client,
      repo: { owner: 'acme', repo: 'models' },
      server: 'https://github.com',
    });
    const site = await buildSite(
      { git: gitSiteSource(s.repo.dir, 'registry/'), github, clock: () => new Date('2026-01-02T12:00:00Z') },
      { registryPrefix: 'registry/', repo: repoLinks('acme/models'), since: s.bootstrap },
    );
    expect(site.github).toEqual({ promotions: 1, bundles: 1, calls: client.calls() });
    // One listing of pull requests, one of check runs per promotion, the default branch, one page of artifacts.
    expect(client.calls()).toBe(4);
    const index = site.files.find((f) => f.path === 'index.html')!.content;
    const text = textOf(index);
    expect(text).toContain(
      `#${pull.number} Promote fraud v4 to production fraud → production tollgate-bot ! waiting: gate failure`,
    );
    expect(text).not.toContain('Unrelated');
    expect(text).toContain(
      `tollgate-evidence 2026-01-02 03:00 UTC ${s.directPush.slice(0, 8)} ${DIGEST} 20 KiB`,
    );
    expect(text).not.toContain('coverage-report');
    expect(index).toContain('href="https://github.com/acme/models/actions/runs/900"');
    // How to check a download against the digest listed, by the evidence workflow's attestation.
    // Pinned to the evidence workflow on the default branch: `--repo` alone also accepts a writer's branch run.
    expect(text).toContain(
      'gh attestation verify tollgate-evidence.zip --repo acme/models --signer-workflow acme/models/.github/workflows/tollgate-evidence.yml --source-ref refs/heads/main',
    );
    // The bundle a writer's branch run uploaded is not listed.
    expect(text).not.toContain(FORGED);
    expect(index).not.toContain('actions/runs/902');
  });

  it('still builds from git when GitHub refuses, and says what GitHub did not answer', async () => {
    await arrange();
    gh.fault('GET', '/repos/{owner}/{repo}/actions/artifacts', {
      kind: 'forbidden',
      message: 'Resource not accessible by integration',
    });
    const github = githubSiteSource({
      client: gh.client(),
      repo: { owner: 'acme', repo: 'models' },
      server: 'https://github.com',
    });
    const site = await buildSite(
      { git: gitSiteSource(s.repo.dir, 'registry/'), github, clock: () => new Date('2026-01-02T12:00:00Z') },
      { registryPrefix: 'registry/', since: s.bootstrap },
    );
    expect(site.github).toMatchObject({ error: expect.stringMatching(/403|not accessible/i) });
    const text = textOf(site.files.find((f) => f.path === 'index.html')!.content);
    expect(text).toMatch(/Promotions GitHub could not be read: .*(403|not accessible)/i);
    expect(text).toContain('production v3');
  });
});
