// The site build for 100 models x 200 versions (about 24,000 commits) against the floor of reading the same
// registry and its log in the same run: every registry file at the head through one ls-tree and one cat-file
// stream, parsed with yaml.load, and one `git log --raw` of the registry folder. Also: a rebuild with nothing
// changed, and, on the example registry, the build against `evidence export` for one model.
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { load } from 'js-yaml';
import { collectEvidence, writeEvidenceBundle } from '../src/evidence/bundle.ts';
import { gitTreeReader } from '../src/git/reader.ts';
import { git } from '../src/git/run.ts';
import { serializeDocument } from '../src/registry/writer.ts';
import { buildSite } from '../src/site/flow.ts';
import { gitSiteSource } from '../src/site/git-source.ts';
import { writeSite } from '../src/site/write.ts';
import { modelName, syntheticDocuments, versionName } from './generate-registry.ts';

const MODELS = 100;
const VERSIONS = 200;
const CACHE = join(tmpdir(), `tollgate-bench-site-v1-${MODELS}x${VERSIONS}`);
const ISOLATED = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
const PREFIX = 'registry/';

const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;

/**
 * The history as Tollgate writes it: the registry adopted in one commit, then round by round a version recorded per
 * model; every tenth round each model's pointers move (a squash merge with trailers) and the gate's merge record
 * follows in a state commit.
 */
function fastImportStream(): string {
  const out: string[] = [];
  let mark = 0;
  let made = 0;
  let pr = 0;
  const base = Date.UTC(2025, 0, 1) / 1000;
  const commit = (message: string, files: [string, string][]) => {
    const when = `${base + made * 300} +0000`;
    out.push(
      `commit refs/heads/main\nmark :${++mark}\nauthor Bench <bench@example.com> ${when}\ncommitter Bench <bench@example.com> ${when}\n`,
      data(message),
      mark > 1 ? `from :${mark - 1}\n` : '',
      ...files.map(([path, text]) => `M 100644 inline ${path}\n${data(text)}`),
      '\n',
    );
    made++;
  };
  const all = [...syntheticDocuments(MODELS, VERSIONS)].map(
    ([path, doc]) => [path, serializeDocument(doc)] as const,
  );
  const byPath = new Map(all);
  const isVersion = (p: string) => p.includes('/versions/');
  commit(
    'Adopt Tollgate\n\nTollgate-Event: init\n',
    all
      .filter(([p]) => !isVersion(p) && !p.endsWith('stages.yaml'))
      .map(([p, t]) => [`${PREFIX}${p}`, t] as [string, string]),
  );
  for (let j = 0; j < VERSIONS; j++)
    for (let i = 0; i < MODELS; i++) {
      const m = modelName(i);
      const v = versionName(j);
      const path = `models/${m}/versions/${v}.yaml`;
      commit(`Record ${m} ${v}\n\nTollgate-Event: version-recorded\nModel: ${m}\nVersion: ${v}\n`, [
        [`${PREFIX}${path}`, byPath.get(path)!],
      ]);
      if (j % 10 !== 9) continue;
      const n = ++pr;
      const stages = `apiVersion: tollgate/v1\nkind: Stages\nmodel: ${m}\nstages:\n  staging:\n    version: ${v}\n  production:\n    version: ${versionName(j - 1)}\n`;
      commit(
        `Promote ${m} ${v} (#${n})\n\nTollgate-Event: promote\nModel: ${m}\nVersion: ${v}\nStage: staging\nRequested-By: erin\n`,
        [[`${PREFIX}models/${m}/stages.yaml`, stages]],
      );
      const at = new Date((base + made * 300) * 1000).toISOString().replace('.000Z', 'Z');
      const id = `${at.slice(0, 10).replaceAll('-', '')}T${at.slice(11, 19).replaceAll(':', '')}Z-pr${n}`;
      commit(`Record the merge of #${n}\n\nTollgate-Event: promotion-merged\n`, [
        [
          `${PREFIX}audit/${id.slice(0, 4)}/${id.slice(4, 6)}/${id}.yaml`,
          `apiVersion: tollgate/v1\nkind: AuditEvent\nid: ${id}\nat: '${at}'\nevent: promotion-merged\nactor: alice\nmodel: ${m}\nversion: ${v}\nstage: staging\npull_request: ${n}\ndetails:\n  approvers:\n    - role: model-owner\n      login: olga\n  check_run:\n    found: true\n    status: completed\n    conclusion: success\n    completed_at: '${at}'\n`,
        ],
      ]);
    }
  return out.join('');
}

async function benchRepository(): Promise<string> {
  if (existsSync(join(CACHE, '.git', 'tollgate-bench-complete'))) return CACHE;
  const building = `${CACHE}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  const env = { env: ISOLATED };
  await git(building, ['init', '-q', '-b', 'main'], env);
  await git(building, ['fast-import', '--quiet'], { ...env, input: fastImportStream() });
  await git(building, ['commit-graph', 'write', '--reachable', '--changed-paths'], env);
  await git(building, ['reset', '-q', '--hard', 'main'], env);
  writeFileSync(join(building, '.git', 'tollgate-bench-complete'), '');
  rmSync(CACHE, { recursive: true, force: true });
  renameSync(building, CACHE);
  return CACHE;
}

/** Reading the registry and its log, and nothing else: the least any site of it must do. */
async function readFloor(repo: string): Promise<number> {
  const reader = gitTreeReader(repo, 'main', PREFIX);
  try {
    const paths = await reader.list('');
    const texts = await Promise.all(paths.map((p) => reader.read(p)));
    for (const t of texts) load(t!.toString('utf8'));
    await git(repo, [
      'log',
      '--first-parent',
      '--raw',
      '--no-abbrev',
      '--format=%H%x00%P%x00%cI%x00%B',
      'main',
      '--',
      PREFIX,
    ]);
    return paths.length;
  } finally {
    reader.close();
  }
}

async function build(repo: string, out: string) {
  const site = await buildSite(
    { git: gitSiteSource(repo, PREFIX), clock: () => new Date('2026-06-01T00:00:00Z') },
    { registryPrefix: PREFIX },
  );
  return { site, written: writeSite(out, site.files) };
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

/** The example registry in a repository of its own, committed once, as a new adopter's would be. */
async function exampleRepository(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-site-example-'));
  const env = {
    env: { ...ISOLATED, GIT_AUTHOR_DATE: '2026-11-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-11-01T00:00:00Z' },
  };
  await git(dir, ['init', '-q', '-b', 'main'], env);
  cpSync(resolve(import.meta.dirname, '..', 'registry'), join(dir, 'registry'), { recursive: true });
  await git(dir, ['add', '-A'], env);
  await git(
    dir,
    ['-c', 'user.name=Bench', '-c', 'user.email=bench@example.com', 'commit', '-q', '-m', 'Adopt Tollgate'],
    env,
  );
  return dir;
}

export async function benchSite(): Promise<{ name: string; ratio: number; detail: string }[]> {
  const repo = await benchRepository();
  const work = mkdtempSync(join(tmpdir(), 'tollgate-bench-site-out-'));
  const rows: { name: string; ratio: number; detail: string }[] = [];
  try {
    let files = 0;
    let pages = 0;
    let fresh = 0;
    const [ours, floor] = (await fastestOfEach(3, [
      async () => {
        const out = join(work, `fresh-${fresh++}`);
        pages = (await build(repo, out)).site.files.length;
        rmSync(out, { recursive: true, force: true });
      },
      async () => {
        files = await readFloor(repo);
      },
    ])) as [number, number];
    rows.push({
      name: `site for ${MODELS} models x ${VERSIONS} versions vs reading the registry and its log`,
      ratio: ours / floor,
      detail: `${files} files, ${pages} pages: build ${(ours / 1000).toFixed(2)} s, read ${(floor / 1000).toFixed(2)} s`,
    });

    const kept = join(work, 'kept');
    await build(repo, kept);
    let rewritten = 0;
    const [again] = (await fastestOfEach(1, [
      async () => {
        rewritten = (await build(repo, kept)).written.written.length;
      },
    ])) as [number];
    rows.push({
      name: 'the same site rebuilt with nothing changed vs reading the registry and its log',
      ratio: again / floor,
      detail: `${rewritten} pages rewritten: ${(again / 1000).toFixed(2)} s`,
    });

    const example = await exampleRepository();
    try {
      let n = 0;
      const [site, evidence] = (await fastestOfEach(5, [
        async () => {
          const out = join(work, `example-${n++}`);
          await build(example, out);
          rmSync(out, { recursive: true, force: true });
        },
        async () => {
          const out = join(work, `evidence-${n++}`);
          await writeEvidenceBundle(await collectEvidence(example, { model: 'fraud-detector' }), out);
          rmSync(out, { recursive: true, force: true });
        },
      ])) as [number, number];
      rows.push({
        name: 'site for the example registry vs evidence export for one model',
        ratio: site / evidence,
        detail: `site ${site.toFixed(0)} ms, evidence export (fraud-detector) ${evidence.toFixed(0)} ms (target: about 1)`,
      });
    } finally {
      rmSync(example, { recursive: true, force: true });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

if (import.meta.main) {
  for (const r of await benchSite()) console.log(`${r.name}: ratio ${r.ratio.toFixed(2)} (${r.detail})`);
}
