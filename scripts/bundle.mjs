// Bundles every action (src/actions/<name>.ts -> actions/<name>/dist) and the CLI (src/cli/index.ts -> cli/dist)
// with ncc. With --check, bundles into a temporary folder and fails when any committed bundle differs.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const check = process.argv.includes('--check');
const ncc = join('node_modules', '.bin', 'ncc');

const actionNames = (await readdir('src/actions'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => basename(f, '.ts'))
  .filter((n) => existsSync(join('actions', n, 'action.yml')));
const targets = [
  ...actionNames.map((n) => ({ entry: `src/actions/${n}.ts`, out: `actions/${n}/dist` })),
  { entry: 'src/cli/index.ts', out: 'cli/dist' },
];

const scratch = check ? await mkdtemp(join(tmpdir(), 'tollgate-dist-')) : undefined;

async function build({ entry, out }) {
  const dest = scratch ? join(scratch, out) : out;
  if (!scratch) await rm(dest, { recursive: true, force: true });
  await run(ncc, ['build', entry, '-o', dest, '--quiet', '--target', 'es2023'], { maxBuffer: 1 << 26 });
  return dest;
}

async function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

// Two at a time: the machines have two cores.
const queue = [...targets];
const stale = [];
await Promise.all(
  [0, 1].map(async () => {
    for (let t = queue.shift(); t; t = queue.shift()) {
      const dest = await build(t);
      // ncc copies any file a `resolve(<unknown>, 'name')` might reach as an asset, which ties the bundle to the
      // checkout's path (a clone in a folder named differently bundles differently). No bundle needs assets.
      const assets = (await filesUnder(dest)).filter((f) => f !== 'index.js' && f !== 'package.json');
      if (assets.length > 0) {
        stale.push(`${t.out}: ncc copied assets (${assets.join(', ')}); join such paths outside resolve()`);
        continue;
      }
      if (!scratch) {
        console.log(`bundled ${t.entry} -> ${t.out}`);
        continue;
      }
      const [fresh, committed] = await Promise.all([filesUnder(dest), filesUnder(t.out)]);
      if (fresh.join('\n') !== committed.join('\n')) {
        stale.push(
          `${t.out}: files differ (fresh: ${fresh.join(', ')}; committed: ${committed.join(', ') || 'none'})`,
        );
        continue;
      }
      for (const f of fresh) {
        const [a, b] = await Promise.all([readFile(join(dest, f)), readFile(join(t.out, f))]);
        if (!a.equals(b)) stale.push(`${t.out}/${f} differs from a fresh bundle of ${t.entry}`);
      }
    }
  }),
);
if (scratch) await rm(scratch, { recursive: true, force: true });
if (stale.length > 0) {
  console.error(
    `check-dist: ${stale.length} stale bundle(s):\n  ${stale.join('\n  ')}\nRun \`npm run bundle\` and commit the result.`,
  );
  process.exit(1);
}
if (check) console.log(`check-dist: ${targets.length} bundles are up to date`);
