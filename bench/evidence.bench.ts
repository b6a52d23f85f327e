// Evidence export on a 20,000-commit registry history against the floor of a plain path-limited `git log` of the
// same model folder, in the same run. The repository is generated once with `git fast-import` and cached in the
// OS temp folder; a commit-graph with changed-path Bloom filters is written, as docs/audit.md recommends.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { collectEvidence } from '../src/evidence/bundle.ts';
import { git } from '../src/git/run.ts';

const COMMITS = 20_000;
const MODELS = 20;
const CACHE = join(tmpdir(), `tollgate-bench-evidence-v2-${COMMITS}`);
const ISOLATED = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };

const model = (i: number) => `m${String(i % MODELS).padStart(2, '0')}`;

function data(text: string): string {
  return `data ${Buffer.byteLength(text)}\n${text}\n`;
}

function stagesYaml(m: string, version: string): string {
  return `apiVersion: tollgate/v1\nkind: Stages\nmodel: ${m}\nstages:\n  staging:\n    version: ${version}\n  production:\n    version: ${version}\n`;
}

function versionYaml(m: string, v: string): string {
  return `apiVersion: tollgate/v1\nkind: ModelVersion\nid: ${v}\nmodel: ${m}\ncreated_at: '2026-01-01T00:00:00Z'\nsource:\n  commit: ${'0'.repeat(40)}\n  run_url: https://github.com/org/repo/actions/runs/${v.slice(1)}\nartifact:\n  uri: s3://models/${m}/${v}.bin\n  sha256: ${'a'.repeat(64)}\n  size: 1\nmetrics:\n  auc: 0.9\nvalidation:\n  passed: true\n  gates: []\n`;
}

/** The fast-import stream: per model, versions recorded by pull-request merges and stage moves by squashes. */
export function fastImportStream(commits = COMMITS): string {
  const out: string[] = [];
  let mark = 0;
  let made = 0;
  let prev = 0;
  let pr = 0;
  const base = Date.UTC(2024, 0, 1) / 1000;
  const commit = (ref: string, message: string, files: [string, string][], from: number, merge?: number) => {
    const m = ++mark;
    const when = `${base + made * 600} +0000`;
    out.push(
      `commit ${ref}\nmark :${m}\nauthor Bench <bench@example.com> ${when}\ncommitter Bench <bench@example.com> ${when}\n`,
      data(message),
      from ? `from :${from}\n` : '',
      merge ? `merge :${merge}\n` : '',
      ...files.map(([path, text]) => `M 100644 inline ${path}\n${data(text)}`),
      '\n',
    );
    made++;
    return m;
  };
  const init: [string, string][] = [
    ['registry/policy.yaml', 'apiVersion: tollgate/v1\nkind: Policy\nroles: {}\n'],
  ];
  for (let i = 0; i < MODELS; i++)
    init.push([`registry/models/${model(i)}/stages.yaml`, stagesYaml(model(i), 'v0')]);
  prev = commit('refs/heads/main', 'Bootstrap\n\nTollgate-Event: init\n', init, 0);
  for (let i = 0; made < commits; i++) {
    const m = model(i);
    const v = `v${Math.floor(i / MODELS) + 1}`;
    // Every model is promoted every tenth round; the other rounds record a version.
    if (Math.floor(i / MODELS) % 10 === 9) {
      prev = commit(
        'refs/heads/main',
        `Promote ${m} ${v} (#${++pr})\n\nTollgate-Event: promote\nModel: ${m}\nVersion: ${v}\nStage: production\n`,
        [[`registry/models/${m}/stages.yaml`, stagesYaml(m, v)]],
        prev,
      );
    } else if (i % 2 === 0 && made + 2 <= commits) {
      const file: [string, string] = [`registry/models/${m}/versions/${v}.yaml`, versionYaml(m, v)];
      const side = commit(
        'refs/heads/side',
        `Record ${m} ${v}\n\nTollgate-Event: version-recorded\nModel: ${m}\nVersion: ${v}\n`,
        [file],
        prev,
      );
      prev = commit(
        'refs/heads/main',
        `Merge pull request #${++pr} from org/${m}-${v}\n\nRecord ${m} ${v}\n`,
        [file],
        prev,
        side,
      );
    } else {
      prev = commit(
        'refs/heads/main',
        `Record ${m} ${v}\n\nTollgate-Event: version-recorded\nModel: ${m}\nVersion: ${v}\n`,
        [[`registry/models/${m}/versions/${v}.yaml`, versionYaml(m, v)]],
        prev,
      );
    }
  }
  return out.join('');
}

/** The cached benchmark repository, built on first use. */
export async function repositoryForEvidenceBench(): Promise<string> {
  if (existsSync(join(CACHE, '.git', 'tollgate-bench-complete'))) return CACHE;
  const building = `${CACHE}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  const env = { env: ISOLATED };
  await git(building, ['init', '-q', '-b', 'main'], env);
  await git(building, ['fast-import', '--quiet'], { ...env, input: fastImportStream() });
  await git(building, ['branch', '-D', 'side'], env);
  await git(building, ['commit-graph', 'write', '--reachable', '--changed-paths'], env);
  await git(building, ['reset', '-q', '--hard', 'main'], env);
  await git(building, ['config', 'core.commitGraph', 'true'], env);
  writeFileSync(join(building, '.git', 'tollgate-bench-complete'), '');
  rmSync(CACHE, { recursive: true, force: true });
  renameSync(building, CACHE);
  return CACHE;
}

/** Fastest of `rounds` timings of each, taken alternately so both sides see the same machine load. */
async function fastestOfEach(rounds: number, runs: (() => Promise<unknown>)[]): Promise<number[]> {
  const fastest = runs.map(() => Infinity);
  for (let round = 0; round < rounds; round++)
    for (const [i, run] of runs.entries()) {
      const start = performance.now();
      await run();
      fastest[i] = Math.min(fastest[i]!, performance.now() - start);
    }
  return fastest;
}

/** Runs `body` with git reading (or ignoring) the commit-graph's changed-path filters, for every git it starts. */
async function withChangedPaths<T>(use: boolean, body: () => Promise<T>): Promise<T> {
  const saved = ['GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_VALUE_0'].map((k) => [
    k,
    process.env[k],
  ]);
  if (!use)
    Object.assign(process.env, {
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'commitGraph.readChangedPaths',
      GIT_CONFIG_VALUE_0: 'false',
    });
  try {
    return await body();
  } finally {
    for (const [k, v] of saved)
      if (v === undefined) delete process.env[k!];
      else process.env[k!] = v;
  }
}

export async function benchEvidence(): Promise<{ name: string; ratio: number; detail: string }[]> {
  const repo = await repositoryForEvidenceBench();
  const target = 'm07';
  const folder = `registry/models/${target}/`;
  const rows: { name: string; ratio: number; detail: string }[] = [];
  // Both sides run under the same commit-graph state: with the changed-path filters (as recommended), and with
  // git told to ignore them (a commit-graph written without --changed-paths).
  for (const filters of [true, false]) {
    let commits = 0;
    const [ours, floor] = (await withChangedPaths(filters, () =>
      fastestOfEach(9, [
        async () => {
          commits = (await collectEvidence(repo, { model: target })).commits.length;
        },
        () => git(repo, ['log', '--', folder]),
      ]),
    )) as [number, number];
    rows.push({
      name: `evidence for one model vs git log -- <model folder>${filters ? '' : ' (no changed-path filters)'}`,
      ratio: ours / floor,
      detail: `${COMMITS} commits, ${commits} for ${target}: collectEvidence ${ours.toFixed(1)} ms, git log ${floor.toFixed(1)} ms (target ratio <= 2)`,
    });
  }
  return rows;
}

if (import.meta.main) {
  for (const r of await benchEvidence()) console.log(`${r.name}: ratio ${r.ratio.toFixed(2)} (${r.detail})`);
}
