// A corpus of mutated registry files: every one either validates or is refused with a located error (file and,
// where the file has lines, line), never a crash; each in bounded time; and validating the worst 1 MiB files fits
// in a small, fixed heap (a Node process capped at 64 MB of old space, most of it the loaded modules).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { parseRegistryFile } from '../../src/registry/parse.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SEEDS: Record<string, string> = {
  'models/fraud-detector/stages.yaml': readFileSync(join(ROOT, 'registry/models/fraud-detector/stages.yaml'), 'utf8'),
  'models/fraud-detector/versions/v2.yaml': readFileSync(
    join(ROOT, 'registry/models/fraud-detector/versions/v2.yaml'),
    'utf8',
  ),
  'models/fraud-detector/schedule.yaml': readFileSync(
    join(ROOT, 'registry/models/fraud-detector/schedule.yaml'),
    'utf8',
  ),
  'policy.yaml': readFileSync(join(ROOT, 'registry/policy.yaml'), 'utf8'),
};
const MIB = 1 << 20;

/** A small deterministic generator (mulberry32), so a failure names a case that can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Mutation = { name: string; bytes: Buffer };

/** The hostile shapes named in the issue, each at full size. */
function structural(text: string): Mutation[] {
  const lines = text.split('\n');
  const deep = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;
  return [
    { name: 'BOM', bytes: Buffer.from(`\uFEFF${text}`) },
    { name: 'CRLF', bytes: Buffer.from(text.replace(/\n/g, '\r\n')) },
    { name: 'NUL', bytes: Buffer.from(`${lines[0]}\n${lines[1]}\0\n${lines.slice(2).join('\n')}`) },
    { name: 'invalid UTF-8', bytes: Buffer.concat([Buffer.from(`${lines[0]}\n# `), Buffer.from([0xc3, 0x28]), Buffer.from(`\n${lines.slice(1).join('\n')}`)]) },
    { name: 'lone 0xff', bytes: Buffer.concat([Buffer.from(text), Buffer.from([0xff])]) },
    { name: 'overlong UTF-8', bytes: Buffer.concat([Buffer.from('note: '), Buffer.from([0xc0, 0xaf]), Buffer.from(`\n${text}`)]) },
    { name: 'control character', bytes: Buffer.from(`${text}note: "a\u0007b"\n`) },
    { name: 'tag !!js/function', bytes: Buffer.from(`${text}x: !!js/function 'function () {}'\n`) },
    { name: 'custom tag', bytes: Buffer.from(`${text}x: !evil {a: 1}\n`) },
    { name: 'anchor and alias', bytes: Buffer.from(`${text}a: &x [1, 2]\nb: *x\n`) },
    { name: 'merge key', bytes: Buffer.from(`${text}a: {k: 1}\nb:\n  <<: {k: 2}\n`) },
    { name: 'deep flow nesting', bytes: Buffer.from(`${text}x: ${deep(10_000)}\n`) },
    { name: 'deep block nesting', bytes: Buffer.from(`${text}x:\n${Array.from({ length: 200 }, (_, i) => `${'  '.repeat(i + 1)}k${i}:`).join('\n')} 1\n`) },
    { name: 'huge scalar', bytes: Buffer.from(`${text}note: "${'a'.repeat(MIB - text.length - 20)}"\n`) },
    { name: 'huge flow sequence', bytes: Buffer.from(`${text}x: [${'1,'.repeat((MIB - text.length) / 2 - 10)}1]\n`) },
    { name: 'huge block sequence', bytes: Buffer.from(`${text}x:\n${'- 1\n'.repeat((MIB - text.length) / 4 - 10)}`) },
    { name: 'huge mapping', bytes: Buffer.from(`${text}x: {${Array.from({ length: 60_000 }, (_, i) => `k${i}: 1`).join(', ')}}\n`.slice(0, MIB)) },
    { name: 'over 1 MiB', bytes: Buffer.from(`${text}note: "${'a'.repeat(MIB)}"\n`) },
    { name: 'two documents', bytes: Buffer.from(`${text}---\n${text}`) },
    { name: 'empty', bytes: Buffer.alloc(0) },
    { name: 'a scalar', bytes: Buffer.from('just text\n') },
    { name: 'tab indentation', bytes: Buffer.from(text.replace(/\n {2}/, '\n\t')) },
  ];
}

/** Random damage: truncation at any byte, random bytes written over the text, lines swapped or dropped. */
function randomized(text: string, seed: number, count: number): Mutation[] {
  const next = random(seed);
  const bytes = Buffer.from(text);
  const out: Mutation[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 3;
    if (kind === 0) {
      const at = Math.floor(next() * bytes.length);
      out.push({ name: `truncated at ${at}`, bytes: bytes.subarray(0, at) });
    } else if (kind === 1) {
      const copy = Buffer.from(bytes);
      const n = 1 + Math.floor(next() * 8);
      for (let k = 0; k < n; k++) copy[Math.floor(next() * copy.length)] = Math.floor(next() * 256);
      out.push({ name: `${n} random bytes (seed ${seed}, case ${i})`, bytes: copy });
    } else {
      const lines = text.split('\n');
      const a = Math.floor(next() * lines.length);
      const b = Math.floor(next() * lines.length);
      [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      if (next() < 0.5) lines.splice(Math.floor(next() * lines.length), 1);
      out.push({ name: `lines ${a}/${b} swapped (seed ${seed}, case ${i})`, bytes: Buffer.from(lines.join('\n')) });
    }
  }
  return out;
}

const corpus: { path: string; mutation: Mutation }[] = Object.entries(SEEDS).flatMap(([path, text], i) => [
  ...structural(text).map((mutation) => ({ path, mutation })),
  ...randomized(text, 1000 + i, 45).map((mutation) => ({ path, mutation })),
]);

describe('a fuzz corpus of mutated registry files', () => {
  it(`parses each of ${corpus.length} files without throwing: valid, or an error naming file and line`, () => {
    let refused = 0;
    for (const { path, mutation } of corpus) {
      const started = performance.now();
      let parsed;
      try {
        parsed = parseRegistryFile(path, mutation.bytes);
      } catch (error) {
        throw new Error(`${path} (${mutation.name}) threw: ${(error as Error).stack}`);
      }
      const elapsed = performance.now() - started;
      expect(elapsed, `${path} (${mutation.name}) took ${elapsed} ms`).toBeLessThan(2_000);
      const errors = parsed.problems.filter((p) => p.severity === 'error');
      if (errors.length === 0) continue;
      refused++;
      for (const error of errors) {
        expect(error.file, mutation.name).toBe(path);
        expect(error.message, mutation.name).not.toBe('');
        // Every refusal points into the file, except those about the file as a whole.
        if (!/bytes; registry files are at most|holds \d+ YAML documents|file is empty/.test(error.message))
          expect(error.line ?? error.field, `${path} (${mutation.name}): ${error.message}`).toBeDefined();
      }
    }
    // The structural cases are almost all refusals; the random ones mostly so.
    expect(refused).toBeGreaterThan(corpus.length / 2);
  });

  it('names line and column of invalid UTF-8 and of a control character, and accepts a BOM and CRLF', () => {
    const text = SEEDS['models/fraud-detector/stages.yaml']!;
    const bad = parseRegistryFile('s.yaml', Buffer.concat([Buffer.from('kind: Stages\nmodel: fr'), Buffer.from([0xe2, 0x28]), Buffer.from('x\n')]));
    expect(bad.problems).toMatchObject([{ line: 2, column: 10, message: /invalid UTF-8: byte 0xe2 at offset 23/ }]);
    const control = parseRegistryFile('s.yaml', Buffer.from('kind: Stages\nmodel: "a\u001bb"\n'));
    expect(control.problems).toMatchObject([{ line: 2, column: 10, message: /control character U\+001B/ }]);
    const path = 'models/fraud-detector/stages.yaml';
    expect(parseRegistryFile(path, Buffer.from(`\uFEFF${text}`)).problems).toEqual([]);
    expect(parseRegistryFile(path, Buffer.from(text.replace(/\n/g, '\r\n'))).problems).toEqual([]);
  });
});

describe('validating hostile files through the CLI', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('exits 1 with located errors, no stack trace, for a registry full of them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-fuzz-'));
    dirs.push(dir);
    execFileSync('cp', ['-r', join(ROOT, 'registry'), dir]);
    const stages = 'models/fraud-detector/stages.yaml';
    const chosen = structural(SEEDS[stages]!).filter((m) =>
      ['invalid UTF-8', 'NUL', 'huge flow sequence', 'deep flow nesting', 'over 1 MiB', 'anchor and alias'].includes(m.name),
    );
    let out = '';
    let err = '';
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((out += String(c)), true));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((c) => ((err += String(c)), true));
    try {
      for (const m of chosen) {
        writeFileSync(join(dir, 'registry', stages), m.bytes);
        out = '';
        err = '';
        const code = await main(['-C', dir, '--registry', 'registry', 'validate'], {});
        expect(code, `${m.name}: ${out}${err}`).toBe(1);
        expect(`${out}${err}`, m.name).toMatch(new RegExp(`${stages}(:\\d+)?.*error`));
        expect(`${out}${err}`, m.name).not.toMatch(/\n\s+at /);
      }
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  });

  it('validates the worst 1 MiB files in a Node process capped at 64 MB of heap', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-fuzz-'));
    dirs.push(dir);
    const stages = SEEDS['models/fraud-detector/stages.yaml']!;
    const files = structural(stages).filter((m) => /^huge|deep|over 1 MiB/.test(m.name));
    // And the largest file the limits still let through to the parser: just under the indicator budget.
    files.push({ name: 'at the limit', bytes: Buffer.from(`${stages}x: [${'1,'.repeat(49_000)}1]\n`) });
    files.forEach((m, i) => writeFileSync(join(dir, `f${i}.yaml`), m.bytes));
    const script = `
      import { readFileSync } from 'node:fs';
      import { parseRegistryFile } from ${JSON.stringify(join(ROOT, 'src/registry/parse.ts'))};
      const before = process.memoryUsage().heapUsed;
      for (let i = 0; i < ${files.length}; i++) {
        for (let round = 0; round < 3; round++) parseRegistryFile('models/fraud-detector/stages.yaml', readFileSync(${JSON.stringify(dir)} + '/f' + i + '.yaml'));
      }
      console.log(JSON.stringify({ before, after: process.memoryUsage().heapUsed }));
    `;
    const started = performance.now();
    const run = spawnSync(
      process.execPath,
      ['--max-old-space-size=64', '--experimental-strip-types', '--no-warnings', '--input-type=module', '-e', script],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ after: expect.any(Number) });
    // Each file is refused or parsed in a few tens of milliseconds; the whole run is a few seconds at most.
    expect(performance.now() - started).toBeLessThan(30_000);
  });
});
