// The release process: scripts/release.ts (check, stamp, notes, major), the workflow that runs it, and the action
// metadata a Marketplace listing reads.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { load } from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { installedRelease } from '../../src/init/installed.ts';
import { changelogSection, majorTagToMove, releaseNotes, releaseProblems } from '../../scripts/release.ts';
import { cleanupRepos, makeRepo } from '../git/repo-fixture.ts';

afterAll(cleanupRepos);
const root = resolve(import.meta.dirname, '../..');
const node = join(root, 'node_modules/.bin/node');

const changelog = [
  '# Changelog',
  '',
  '## Unreleased',
  '',
  '- something coming',
  '',
  '## [1.3.0] - 2026-12-01',
  '',
  '- **Gate**: fails closed on 429.',
  '- Retrain: lock branch.',
  '',
  '## 1.2.10',
  '',
  '- older',
  '',
].join('\n');
const manifest = { version: '1.3.0', repository: 'github:tollgate-dev/tollgate' };

describe('changelogSection', () => {
  it.each([
    ['1.3.0', '- **Gate**: fails closed on 429.\n- Retrain: lock branch.'],
    ['1.2.10', '- older'],
    ['1.2.1', undefined],
    ['1.3', undefined],
  ])('%s', (version, expected) => {
    expect(changelogSection(changelog, version)).toBe(expected);
  });

  it("this repository's CHANGELOG has entries for package.json's version", () => {
    const ours = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
    expect(changelogSection(ours, version)?.length ?? 0).toBeGreaterThan(0);
  });
});

describe('releaseProblems', () => {
  it('none when the tag is the version and the CHANGELOG has its section', () => {
    expect(releaseProblems(manifest, changelog, 'v1.3.0')).toEqual([]);
  });

  it('a tag that is not the version, and a version without entries', () => {
    expect(releaseProblems({ ...manifest, version: '1.4.0' }, changelog, 'v1.3.0')).toEqual([
      "tag v1.3.0 is not package.json's version (v1.4.0): bump one of them",
      'CHANGELOG.md has no entries under "## 1.4.0": move them there from "Unreleased"',
    ]);
  });
});

describe('releaseNotes', () => {
  const sha = 'd'.repeat(40);
  const commits = [
    { sha: 'e'.repeat(40), subject: 'Gate fails closed on 429' },
    { sha: 'f'.repeat(40), subject: 'Retrain lock branch' },
  ];

  it('the CHANGELOG section, install lines, the pinned actions and the commits since the previous tag', () => {
    const notes = releaseNotes({ manifest, changelog, tag: 'v1.3.0', sha, previousTag: 'v1.2.10', commits });
    expect(notes.startsWith('- **Gate**: fails closed on 429.\n- Retrain: lock branch.\n')).toBe(true);
    expect(notes).toContain('npm install --save-dev tollgate@1.3.0');
    expect(notes).toContain(`\`uses: tollgate-dev/tollgate/actions/<name>@${sha} # v1.3.0\``);
    expect(notes).toContain(
      '### Commits since v1.2.10\n\n- Gate fails closed on 429 (eeeeeee)\n- Retrain lock branch (fffffff)\n',
    );
  });

  it('the first release lists its commits without a previous tag, and long lists end with a count', () => {
    const many = Array.from({ length: 205 }, (_, i) => ({ sha: `${i}`.padStart(40, '0'), subject: `c${i}` }));
    const notes = releaseNotes({ manifest, changelog, tag: 'v1.3.0', sha, commits: many });
    expect(notes).toContain('### Commits\n\n- c0 (0000000)');
    expect(notes).toContain('- c199 ');
    expect(notes).not.toContain('- c200 ');
    expect(notes).toContain('- … and 5 more');
  });

  it('refuses a commit that is not a full SHA, as the stamp would', () => {
    expect(() => releaseNotes({ manifest, changelog, tag: 'v1.3.0', sha: 'abc', commits })).toThrow(
      /40-character/,
    );
  });
});

describe('majorTagToMove', () => {
  it.each([
    ['v1.3.0', ['v1.0.0', 'v1.2.10', 'v1.3.0'], 'v1'],
    ['v1.2.11', ['v1.2.10', 'v1.3.0', 'v1.2.11'], undefined],
    ['v1.3.1', ['v1.3.0', 'v1.3.1', 'v2.0.0'], 'v1'],
    ['v2.0.0-rc.1', ['v1.3.0', 'v2.0.0-rc.1'], undefined],
    ['v1.10.0', ['v1.9.0', 'v1.10.0', 'v1', 'nightly'], 'v1'],
    ['v1.9.5', ['v1.10.0', 'v1.9.5'], undefined],
  ])('%s among %j moves %s', (tag, tags, expected) => {
    expect(majorTagToMove(tag, tags)).toBe(expected);
  });
});

describe('scripts/release.ts in a repository', () => {
  async function releaseRepo() {
    const repo = await makeRepo({
      'package.json': `${JSON.stringify({ name: 'tollgate', ...manifest })}\n`,
      'CHANGELOG.md': changelog,
    });
    return repo;
  }
  const run = (cwd: string, ...args: string[]) =>
    spawnSync(node, [join(root, 'scripts/release.ts'), ...args], { cwd, encoding: 'utf8' });

  it('stamp writes release.json for HEAD, which the installed CLI then pins', async () => {
    const repo = await releaseRepo();
    const head = await repo.head();
    expect(run(repo.dir, 'stamp', 'v1.3.0').status).toBe(0);
    const stamp = JSON.parse(readFileSync(join(repo.dir, 'release.json'), 'utf8'));
    expect(stamp).toEqual({ version: '1.3.0', tag: 'v1.3.0', sha: head });
    cpSync(join(root, 'templates'), join(repo.dir, 'templates'), { recursive: true });
    expect(installedRelease(repo.dir)).toEqual({
      repository: 'tollgate-dev/tollgate',
      version: '1.3.0',
      tag: 'v1.3.0',
      sha: head,
    });
  });

  it('check and stamp refuse a tag that is not the version, and write nothing', async () => {
    const repo = await releaseRepo();
    const check = run(repo.dir, 'check', 'v1.3.1');
    expect(check.status).toBe(1);
    expect(check.stderr).toContain("tag v1.3.1 is not package.json's version (v1.3.0)");
    const stamp = run(repo.dir, 'stamp', 'v1.3.1');
    expect(stamp.status).not.toBe(0);
    expect(readdirSync(repo.dir)).not.toContain('release.json');
    expect(run(repo.dir, 'check', 'v1.3.0').status).toBe(0);
  });

  it('notes list the commits since the previous release tag; major names the tag to move', async () => {
    const repo = await releaseRepo();
    await repo.git(['tag', 'v1.2.10']);
    repo.writeFiles({ 'a.txt': 'a\n' });
    await repo.commitAll('Gate fails closed on 429');
    await repo.git(['tag', 'v1.3.0']);
    const notes = run(repo.dir, 'notes', 'v1.3.0');
    expect(notes.status).toBe(0);
    expect(notes.stdout).toMatch(
      /### Commits since v1\.2\.10\n\n- Gate fails closed on 429 \([0-9a-f]{7}\)\n$/,
    );
    expect(run(repo.dir, 'major', 'v1.3.0').stdout).toBe('v1\n');
    await repo.git(['tag', 'v1.4.0']);
    expect(run(repo.dir, 'major', 'v1.3.0').stdout).toBe('');
  });
});

describe('.github/workflows/release.yml', () => {
  const text = readFileSync(join(root, '.github/workflows/release.yml'), 'utf8');
  const workflow = load(text) as {
    on: { push: { tags: string[] } };
    permissions: unknown;
    jobs: Record<
      string,
      {
        permissions: Record<string, string>;
        needs?: string;
        environment?: string;
        steps: { uses?: string; run?: string }[];
      }
    >;
  };

  it('runs on release tags only, never on the major tag it moves', () => {
    // GitHub's filter syntax: + repeats the preceding character class; translate it for a check.
    const patterns = workflow.on.push.tags.map(
      (p) => new RegExp(`^${p.replace(/\./g, '\\.').replace(/\*/g, '.*')}$`),
    );
    const matches = (tag: string) => patterns.some((p) => p.test(tag));
    expect(['v1.0.0', 'v12.3.45', 'v2.0.0-rc.1'].every(matches)).toBe(true);
    expect(['v1', 'v1.0', 'latest', '1.0.0'].some(matches)).toBe(false);
  });

  it('grants nothing by default and each job the least it needs; only publish gets an OIDC token', () => {
    expect(workflow.permissions).toEqual({});
    expect(workflow.jobs.verify!.permissions).toEqual({ contents: 'read' });
    expect(workflow.jobs.publish!.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(workflow.jobs.publish!.environment).toBe('npm');
    expect(workflow.jobs['github-release']!.permissions).toEqual({ contents: 'write' });
    expect(workflow.jobs.publish!.needs).toBe('verify');
    expect(workflow.jobs['github-release']!.needs).toBe('publish');
  });

  it('pins every action by commit SHA with its version beside it, and puts no expression in a run script', () => {
    const uses = text.split('\n').filter((l) => /^\s*-?\s*uses:/.test(l));
    expect(uses.length).toBeGreaterThan(0);
    for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    for (const job of Object.values(workflow.jobs))
      for (const step of job.steps) expect(step.run ?? '').not.toContain('${{');
  });

  it('verifies with the full CI before anything is published, and publishes with provenance', () => {
    const runs = (job: string) => workflow.jobs[job]!.steps.map((s) => s.run ?? '').join('\n');
    expect(runs('verify')).toContain('node scripts/release.ts check');
    expect(runs('verify')).toContain('bash .ci/run');
    expect(runs('publish')).toMatch(/node scripts\/release\.ts stamp[\s\S]*npm publish --provenance/);
    expect(runs('github-release')).toContain('node scripts/release.ts notes');
    expect(runs('github-release')).toContain('git push --force origin "refs/tags/$major"');
    // CI itself checks every bundle: .ci/run runs check-dist.
    expect(readFileSync(join(root, '.ci/run'), 'utf8')).toContain('npm run check-dist');
  });
});

describe('action metadata for a Marketplace listing', () => {
  // GitHub's branding colours, and the icons used here (all in GitHub's Feather subset).
  const COLORS = ['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark'];
  const ICONS = [
    'archive',
    'alert-triangle',
    'arrow-up-circle',
    'refresh-cw',
    'rotate-ccw',
    'clock',
    'shield',
    'check-square',
    'globe',
    'git-merge',
  ];
  interface ActionMetadata {
    name: string;
    description: string;
    author?: string;
    branding?: { color?: string; icon?: string };
    runs: { using: string };
  }
  const actions = readdirSync(join(root, 'actions')).filter((d) =>
    existsSync(join(root, 'actions', d, 'action.yml')),
  );
  const metadata = (name: string) =>
    load(readFileSync(join(root, 'actions', name, 'action.yml'), 'utf8')) as ActionMetadata;

  it.each(actions)('%s has a name, description, author and branding', (name) => {
    const action = metadata(name);
    expect(action.name).toMatch(/^Tollgate /);
    expect(String(action.description).length).toBeGreaterThan(40);
    expect(action.author).toBeTruthy();
    expect(COLORS).toContain(action.branding?.color);
    expect(ICONS).toContain(action.branding?.icon);
    expect(action.runs.using).toBe('node24');
  });

  it('names are unique', () => {
    const names = actions.map((a) => metadata(a).name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('a release stamp written in a checkout is never committed (only the release workflow makes one)', () => {
    expect(
      execFileSync('git', ['check-ignore', 'release.json'], { cwd: root, encoding: 'utf8' }).trim(),
    ).toBe('release.json');
  });
});
