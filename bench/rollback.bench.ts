// Rollback on a big registry: 20,000 commits, 1,000 models. Times pointerHistory + chooseRollbackTarget +
// applyRollback for one model against a floor of `git log --format=%H -- <stages.yaml>` in the same run, without
// and with a commit-graph carrying changed-path Bloom filters. The repository is built once with
// `git fast-import` and cached under the OS temp folder, keyed by its parameters.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { git, runGit } from '../src/git/run.ts';
import { effectivePolicy } from '../src/policy/effective.ts';
import { applyRollback, pointerHistory } from '../src/rollback/execute.ts';
import { rollbackAndPublish } from '../src/rollback/publish.ts';
import { chooseRollbackTarget } from '../src/rollback/target.ts';

export interface BenchResult {
  name: string;
  /** Measured / floor: lower is better. */
  ratio: number;
  detail: string;
}

const COMMITS = 20_000;
const MODELS = 1_000;
const STEP = 600; // seconds between commits
const T0 = Date.parse('2026-01-01T00:00:00Z') / 1000;
const BUILD = 'v3';

const model = (m: number) => `model-${String(m).padStart(4, '0')}`;
const stagesDoc = (m: number, staging: number, production: number) =>
  `apiVersion: tollgate/v1\nkind: Stages\nmodel: ${model(m)}\nstages:\n  staging:\n    version: v${staging}\n  production:\n    version: v${production}\n`;
const versionDoc = (m: number, v: number) =>
  `apiVersion: tollgate/v1\nkind: ModelVersion\nid: v${v}\nmodel: ${model(m)}\ncreated_at: 2026-01-01T00:00:00Z\n` +
  `source:\n  commit: '${'0'.repeat(40)}'\nartifact:\n  uri: s3://bench/${model(m)}/v${v}\n  sha256: '${'0'.repeat(64)}'\n  size: 1\n` +
  `metrics:\n  auc: 0.9\nvalidation:\n  passed: true\n  gates: []\n`;

/** Commit 0 adds every model at v1; then odd commits add a version and stage it, even ones promote it. */
function fastImportStream(): string {
  const out: string[] = [];
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  const file = (path: string, text: string) => `M 100644 inline registry/${path}\n${data(text)}`;
  const commit = (i: number, message: string, files: string[]) =>
    `commit refs/heads/main\ncommitter Bench <bench@example.com> ${T0 + i * STEP} +0000\n${data(message)}${files.join('')}`;
  const first: string[] = [];
  for (let m = 0; m < MODELS; m++) {
    first.push(file(`models/${model(m)}/stages.yaml`, stagesDoc(m, 1, 1)));
    first.push(file(`models/${model(m)}/versions/v1.yaml`, versionDoc(m, 1)));
  }
  out.push(commit(0, 'Add models', first));
  const version = new Array<number>(MODELS).fill(1);
  for (let i = 1; i < COMMITS; i++) {
    const m = Math.floor((i - 1) / 2) % MODELS;
    const v = version[m]! + 1;
    if (i % 2 === 1) {
      out.push(
        commit(i, `Add ${model(m)} v${v} and stage it`, [
          file(`models/${model(m)}/versions/v${v}.yaml`, versionDoc(m, v)),
          file(`models/${model(m)}/stages.yaml`, stagesDoc(m, v, v - 1)),
        ]),
      );
    } else {
      version[m] = v;
      out.push(
        commit(
          i,
          `Promote ${model(m)} v${v} to production\n\nTollgate-Event: promotion\nModel: ${model(m)}\n`,
          [file(`models/${model(m)}/stages.yaml`, stagesDoc(m, v, v))],
        ),
      );
    }
  }
  return out.join('');
}

async function cachedRepo(): Promise<{ dir: string; base: string }> {
  const dir = join(tmpdir(), `tollgate-bench-rollback-${BUILD}-${COMMITS}c-${MODELS}m`);
  const marker = join(dir, '.git', 'tollgate-bench-base');
  if (!existsSync(marker)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    await git(dir, ['init', '-q', '-b', 'main']);
    await git(dir, ['fast-import', '--quiet'], { input: fastImportStream() });
    await git(dir, ['reset', '-q', '--hard', 'main']);
    writeFileSync(marker, await git(dir, ['rev-parse', 'main']));
  }
  await git(dir, ['config', 'user.name', 'Bench']);
  await git(dir, ['config', 'user.email', 'bench@example.com']);
  const base = (await git(dir, ['show', '-s', '--format=%H', 'main'])).trim();
  return { dir, base };
}

async function seconds<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = process.hrtime.bigint();
  const value = await work();
  return [value, Number(process.hrtime.bigint() - start) / 1e9];
}

export async function benchRollback(): Promise<BenchResult[]> {
  const saved = { global: process.env.GIT_CONFIG_GLOBAL, nosystem: process.env.GIT_CONFIG_NOSYSTEM };
  process.env.GIT_CONFIG_GLOBAL = '/dev/null';
  process.env.GIT_CONFIG_NOSYSTEM = '1';
  try {
    const [{ dir, base }, setup] = await seconds(cachedRepo);
    const target = model(Math.floor(MODELS / 2) + 7);
    const stages = `registry/models/${target}/stages.yaml`;
    const now = new Date((T0 + COMMITS * STEP + 3600) * 1000);
    const results: BenchResult[] = [];
    for (const graph of [false, true]) {
      await git(dir, ['reset', '-q', '--hard', base]);
      rmSync(join(dir, '.git/objects/info/commit-graph'), { force: true });
      rmSync(join(dir, '.git/objects/info/commit-graphs'), { recursive: true, force: true });
      let graphSeconds = 0;
      if (graph)
        [, graphSeconds] = await seconds(() =>
          git(dir, ['commit-graph', 'write', '--reachable', '--changed-paths']),
        );
      const [, floor] = await seconds(() => runGit(dir, ['log', '--format=%H', '--', stages]));
      const [result, work] = await seconds(async () => {
        const history = await pointerHistory(dir, 'HEAD', stages, 'production');
        const plan = chooseRollbackTarget({
          model: target,
          stage: 'production',
          history,
          current: history.at(-1)?.to,
          stableFor: 86_400,
          now,
          held: [],
        });
        return {
          moves: history.length,
          plan,
          applied: await applyRollback(dir, plan, { by: 'bench', now, forwardFixOnConflict: true }),
        };
      });
      await git(dir, ['reset', '-q', '--hard', base]);
      // The rollback action's own work without the API: plan, apply, then the same commit on its branch.
      const [published, action] = await seconds(() =>
        rollbackAndPublish(dir, { model: target, by: 'bench', now, policy: effectivePolicy(undefined) }),
      );
      await git(dir, ['reset', '-q', '--hard', base]);
      const label = graph ? 'commit-graph --changed-paths' : 'no commit-graph';
      results.push({
        name: `rollback one model of ${MODELS} in ${COMMITS} commits (${label})`,
        ratio: work / floor,
        detail:
          `rollback ${work.toFixed(3)} s, rollback action path ${action.toFixed(3)} s (${published.mode}; target < 5 s) ` +
          `vs git log floor ${floor.toFixed(3)} s; ` +
          `${result.moves} pointer moves, ${result.plan.current} -> ${result.plan.target} by ${result.applied.mode}` +
          (graph ? `; commit-graph write ${graphSeconds.toFixed(2)} s` : '') +
          `; repo setup ${setup.toFixed(2)} s (cached under ${dir})`,
      });
    }
    return results;
  } finally {
    if (saved.global === undefined) delete process.env.GIT_CONFIG_GLOBAL;
    else process.env.GIT_CONFIG_GLOBAL = saved.global;
    if (saved.nosystem === undefined) delete process.env.GIT_CONFIG_NOSYSTEM;
    else process.env.GIT_CONFIG_NOSYSTEM = saved.nosystem;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await benchRollback()) console.log(`${r.name}: ratio ${r.ratio.toFixed(2)} — ${r.detail}`);
}
