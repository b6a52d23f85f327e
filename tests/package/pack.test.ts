// The package as an outsider gets it: `npm pack`, the tarball installed into an empty folder with no network (the
// package has no dependencies), then `tollgate --version`, `tollgate init` in a fresh git repository and
// `tollgate validate` there, on Node 24 and on Node 22, the oldest line the CLI supports. The CLI bundle is built
// from src/ for this test, so it checks the code as it is, not whatever cli/dist holds.
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOWS } from '../../src/init/plan.ts';
import { checkStamp, repositoryOf, TOLLGATE_ACTIONS } from '../../src/init/release.ts';

const root = resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'tollgate-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const node24 = join(root, 'node_modules', '.bin', 'node');
// Put there by scripts/ensure-node22.sh (which .ci/run runs), or named by TOLLGATE_NODE22.
const node22 =
  process.env.TOLLGATE_NODE22 ?? join(root, 'node_modules/.cache/tollgate-node22/node_modules/node/bin/node');

/** Files `npm pack` would put in the tarball, as npm itself decides from `files`. */
function packedFiles(dir: string): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: dir,
    encoding: 'utf8',
  });
  return (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path).sort();
}

const headSha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
let consumer = '';

beforeAll(() => {
  // A copy of exactly what npm packs, with a CLI bundle freshly built from src/ and a release stamp as the
  // release workflow writes it.
  const stage = join(work, 'stage');
  for (const file of packedFiles(root).filter((f) => !f.startsWith('cli/dist/'))) {
    mkdirSync(dirname(join(stage, file)), { recursive: true });
    cpSync(join(root, file), join(stage, file));
  }
  execFileSync(
    join(root, 'node_modules', '.bin', 'ncc'),
    ['build', join(root, 'src/cli/index.ts'), '-o', join(stage, 'cli/dist'), '--quiet', '--target', 'es2023'],
    { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const tag = `v${manifest.version}`;
  writeFileSync(
    join(stage, 'release.json'),
    JSON.stringify(checkStamp({ version: manifest.version, tag, sha: headSha }, tag)),
  );
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work], {
    cwd: stage,
    stdio: 'ignore',
  });

  consumer = join(work, 'consumer');
  mkdirSync(consumer);
  execFileSync(
    'npm',
    ['install', '--offline', '--no-audit', '--no-fund', join(work, `tollgate-${manifest.version}.tgz`)],
    {
      cwd: consumer,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, npm_config_cache: join(work, 'npm-cache') },
    },
  );
}, 600_000);

describe('what the package ships', () => {
  it('the CLI bundle, templates, schemas, README, LICENSE and CHANGELOG; no sources, tests, bench or actions', () => {
    const files = packedFiles(root);
    for (const f of [
      'bin/tollgate.js',
      'cli/dist/index.js',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'package.json',
    ])
      expect(files).toContain(f);
    for (const name of WORKFLOWS) expect(files).toContain(`templates/workflows/tollgate-${name}.yml`);
    const schemas = readdirSync(join(root, 'schemas')).filter((f) => f.endsWith('.json'));
    expect(schemas.length).toBeGreaterThan(0);
    for (const s of schemas) expect(files).toContain(`schemas/${s}`);
    const unexpected = files.filter(
      (f) => !/^(bin\/tollgate\.js|cli\/dist\/.+|templates\/.+|schemas\/.+\.json|release\.json)$/.test(f),
    );
    expect(unexpected.sort()).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json']);
  });

  it('the release stamp goes in when the release workflow has written one', () => {
    expect(readFileSync(join(consumer, 'node_modules/tollgate/release.json'), 'utf8')).toContain(headSha);
  });

  it('is publishable, needs nothing at run time, and names one repository everywhere', () => {
    expect(manifest.private).toBeUndefined();
    expect(manifest.dependencies ?? {}).toEqual({});
    const repository = repositoryOf(manifest);
    expect(manifest.homepage).toBe(`https://github.com/${repository}#readme`);
    expect(manifest.bugs.url).toBe(`https://github.com/${repository}/issues`);
    expect(manifest.bin.tollgate).toBe('bin/tollgate.js');
    // The installed tree is the package alone: nothing was fetched.
    expect(readdirSync(join(consumer, 'node_modules')).filter((d) => !d.startsWith('.'))).toEqual([
      'tollgate',
    ]);
  });
});

function tollgate(node: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  // Through the installed bin link, with `node` on PATH as the shebang finds it.
  return spawnSync(join(consumer, 'node_modules', '.bin', 'tollgate'), args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      PATH: `${dirname(node)}:${process.env.PATH}`,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
    },
    timeout: 120_000,
  });
}

const initFlags = [
  'init',
  '--model',
  'fraud-detector',
  '--owner',
  'acme/fraud-ml',
  '--risk',
  'acme/model-risk',
  '--compliance',
  'acme/compliance',
  '--policy-owner',
  'acme/ml-platform',
];

describe.each([
  ['Node 24', node24, '24'],
  ['Node 22', node22, '22'],
])('the installed CLI on %s', (_label, node, major) => {
  it('prints its version, adopts a fresh repository whose registry then validates', () => {
    if (!existsSync(node)) {
      const why = `${node} is missing: run \`sh scripts/ensure-node22.sh\` (CI runs it in .ci/run)`;
      if (process.env.CI === 'true') throw new Error(why);
      console.warn(`\n!!!!! SKIPPING the installed CLI on Node ${major}: ${why} !!!!!\n`);
      return;
    }
    expect(execFileSync(node, ['--version'], { encoding: 'utf8' })).toMatch(new RegExp(`^v${major}\\.`));
    const version = tollgate(node, ['--version'], consumer);
    expect(version.stderr).toBe('');
    expect(version.stdout).toBe(`${manifest.version}\n`);
    expect(version.status).toBe(0);

    const repo = join(work, `adopter-${major}`);
    mkdirSync(repo);
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo });
    const init = tollgate(node, initFlags, repo);
    expect(init.stderr).toBe('');
    expect(init.status).toBe(0);
    expect(init.stdout).toContain('gh workflow run tollgate-retrain.yml -f model=fraud-detector');
    // Every Tollgate action is pinned to the stamped commit, with the tag beside it.
    const repository = repositoryOf(manifest);
    const workflows = readdirSync(join(repo, '.github/workflows'));
    const uses = workflows
      .flatMap((f) => readFileSync(join(repo, '.github/workflows', f), 'utf8').split('\n'))
      .filter((l) => l.includes(`${repository}/actions/`));
    expect(uses.length).toBeGreaterThanOrEqual(TOLLGATE_ACTIONS.length);
    for (const line of uses) expect(line).toMatch(new RegExp(`@${headSha} # v${manifest.version}$`));

    const validate = tollgate(node, ['validate'], repo);
    expect(validate.stdout).toMatch(/0 error\(s\)/);
    expect(validate.status).toBe(0);
  });
});

describe('on a Node.js older than 22', () => {
  it('the installed bin says so in one line and exits 3, without loading the CLI', () => {
    // Node 20 as the bin sees it: the check reads process.versions before anything else is loaded.
    const r = spawnSync(
      node24,
      [
        '--input-type=module',
        '-e',
        "Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '20.19.0' } });" +
          "Object.defineProperty(process, 'version', { value: 'v20.19.0' });" +
          `await import(${JSON.stringify(join(consumer, 'node_modules/tollgate/bin/tollgate.js'))});`,
        '--',
        '--version',
      ],
      { encoding: 'utf8' },
    );
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      'tollgate: needs Node.js 22 or newer, this is v20.19.0: install a current LTS release (https://nodejs.org/en/download)',
    ]);
    expect(r.status).toBe(3);
  });

  it("package.json's engines and the bin's check name the same oldest major", () => {
    const source = readFileSync(join(root, 'bin/tollgate.js'), 'utf8');
    const checked = /const MINIMUM_NODE_MAJOR = (\d+);/.exec(source)?.[1];
    expect(manifest.engines.node).toBe(`>=${checked}`);
  });

  it('a real older Node (the machine’s, when it has one) gets the same line', (ctx) => {
    const system = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => {
      if (!existsSync(p)) return false;
      return (
        Number(execFileSync(p, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' })) < 22
      );
    });
    if (!system) return ctx.skip();
    const r = spawnSync(system, [join(consumer, 'node_modules/tollgate/bin/tollgate.js'), '--version'], {
      encoding: 'utf8',
    });
    expect(r.stderr).toMatch(/^tollgate: needs Node\.js 22 or newer, this is v\d+\.\d+\.\d+: .+\n$/);
    expect(r.status).toBe(3);
  });
});
