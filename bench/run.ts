// Runs every `bench*` export of bench/*.bench.ts and prints one table. `npm run bench`; `npm run bench -- site gate`
// runs only the files whose names contain one of the words.
import { readdir } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

interface BenchResult {
  name: string;
  ratio: number;
  detail: string;
}

const dir = import.meta.dirname;
const rows: BenchResult[] = [];
const only = process.argv.slice(2);
const files = (await readdir(dir)).filter(
  (f) => f.endsWith('.bench.ts') && (only.length === 0 || only.some((w) => f.includes(w))),
);
for (const file of files.sort()) {
  const module = (await import(pathToFileURL(join(dir, file)).href)) as Record<string, unknown>;
  for (const [name, fn] of Object.entries(module)) {
    if (/^bench[A-Z]/.test(name) && typeof fn === 'function') {
      rows.push(...(await (fn as () => Promise<BenchResult[]>)()));
    }
  }
}

const width = Math.max(4, ...rows.map((r) => r.name.length));
const lines = [
  `${'name'.padEnd(width)}  ${'ratio'.padStart(8)}  detail`,
  `${'-'.repeat(width)}  ${'-'.repeat(8)}  ${'-'.repeat(6)}`,
  ...rows.map((r) => `${r.name.padEnd(width)}  ${r.ratio.toFixed(3).padStart(8)}  ${r.detail}`),
];
process.stdout.write(`${lines.join('\n')}\n`);
