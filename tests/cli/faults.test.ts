// Fault injection: a `git` shim first on PATH wraps the real git and, at its Nth call, fails (exit 1) or kills
// the Tollgate process that called it (SIGKILL, as an OOM killer or a cancelled runner would). For each writing
// command and each N: the repository is never left half-done (no lock, no revert in progress, a registry that
// validates at HEAD, at most the one intended commit, the checkout clean or recorded for the next run to finish),
// and a plain re-run completes with exactly one commit in all and a clean checkout.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { commitsTouching } from '../../src/git/history.ts';
import { gitTreeReader } from '../../src/git/reader.ts';
import { validateRegistry } from '../../src/registry/invariants.ts';
import { hours, promotedFraudRepo, type TestRepo } from '../rollback/repo.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const REAL_GIT = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
const shimDir = mkdtempSync(join(tmpdir(), 'tollgate-shim-'));
const counter = join(shimDir, 'count');
writeFileSync(
  join(shimDir, 'git'),
  `#!/bin/sh
n=$(( $(cat "${counter}" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "${counter}"
if [ "$n" = "$SHIM_AT" ]; then
  if [ "$SHIM_MODE" = kill ]; then kill -9 "$PPID"; sleep 5; fi
  echo "shim: git call $n fails" >&2
  exit 1
fi
exec "${REAL_GIT}" "$@"
`,
);
chmodSync(join(shimDir, 'git'), 0o755);

const repos: TestRepo[] = [];
afterAll(() => {
  repos.splice(0).forEach((r) => r.remove());
  rmSync(shimDir, { recursive: true, force: true });
});

interface WritingCommand {
  name: string;
  args: string[];
  at: number;
  /** The file the one commit must change, with the trailer values that describe it. */
  changes: string;
  trailers: Record<string, string>;
}

const COMMANDS: WritingCommand[] = [
  {
    name: 'schedule pause',
    args: ['schedule', 'pause', 'fraud', '--for', '2h', '--reason', 'migration'],
    at: 101,
    changes: 'registry/models/fraud/schedule.yaml',
    trailers: { 'Tollgate-Event': 'schedule-pause', Model: 'fraud', 'Requested-By': 'oncall' },
  },
  {
    name: 'incident open --auto-rollback',
    args: ['incident', 'open', 'fraud', '--metric', 'error_rate=0.7', '--auto-rollback'],
    at: 101,
    changes: 'registry/models/fraud/stages.yaml',
    trailers: { 'Tollgate-Event': 'rollback', Model: 'fraud', Version: 'v2' },
  },
  {
    name: 'rollback',
    args: ['rollback', 'fraud', '--incident', 'INC-20261105-050000-ab12'],
    at: 101,
    changes: 'registry/models/fraud/stages.yaml',
    trailers: { 'Tollgate-Event': 'rollback', Model: 'fraud', Version: 'v2' },
  },
];

const env = (at: number): NodeJS.ProcessEnv => ({
  ...process.env,
  TOLLGATE_NOW: hours(at).toISOString(),
  TOLLGATE_ACTOR: 'oncall',
  GITHUB_ACTOR: 'oncall',
  GITHUB_TOKEN: '',
  GH_TOKEN: '',
});

/** The CLI in this process, its git calls through the shim when `at` is set. */
let lastErr = '';

async function inProcess(dir: string, command: WritingCommand, fault?: number): Promise<number> {
  const path = process.env.PATH;
  writeFileSync(counter, '0');
  if (fault !== undefined) process.env.PATH = `${shimDir}:${path}`;
  lastErr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation((c) => ((lastErr += String(c)), true));
  try {
    return await main(['-C', dir, ...command.args], {
      ...env(command.at),
      PATH: process.env.PATH,
      SHIM_AT: String(fault ?? 0),
      SHIM_MODE: 'fail',
    });
  } finally {
    process.env.PATH = path;
    vi.restoreAllMocks();
  }
}

/** The CLI as its own process, killed by the shim at git call `fault`. */
function killedAt(dir: string, command: WritingCommand, fault: number): number | null {
  writeFileSync(counter, '0');
  const run = spawnSync(
    process.execPath,
    [
      '--experimental-strip-types',
      '--no-warnings',
      join(ROOT, 'src/cli/index.ts'),
      '-C',
      dir,
      ...command.args,
    ],
    {
      env: {
        ...env(command.at),
        PATH: `${shimDir}:${process.env.PATH}`,
        SHIM_AT: String(fault),
        SHIM_MODE: 'kill',
      },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  return run.status;
}

const gitCalls = (): number => Number(execFileSync('cat', [counter], { encoding: 'utf8' }));

/** Back to the repository as `fixture` left it: branch, index, files and Tollgate's own state. */
async function restore(r: TestRepo, head: string): Promise<void> {
  await r.git(['reset', '-q', '--hard', head]);
  await r.git(['clean', '-qfdx']);
  rmSync(join(r.dir, '.git/tollgate'), { recursive: true, force: true });
}

async function assertNothingHalfDone(r: TestRepo, head: string, command: WritingCommand, label: string) {
  for (const leftover of [
    'index.lock',
    'REVERT_HEAD',
    'MERGE_HEAD',
    'CHERRY_PICK_HEAD',
    'refs/heads/main.lock',
  ])
    expect(existsSync(join(r.dir, '.git', leftover)), `${label}: .git/${leftover}`).toBe(false);
  const added = await commitsTouching(r.dir, [], { ref: 'HEAD', exclude: head });
  expect(added.length, `${label}: commits added`).toBeLessThanOrEqual(1);
  const reader = gitTreeReader(r.dir, 'HEAD');
  try {
    const errors = (await validateRegistry(reader)).filter((p) => p.severity === 'error');
    expect(errors, `${label}: registry at HEAD`).toEqual([]);
  } finally {
    reader.close();
  }
  const status = await r.git(['status', '--porcelain']);
  if (status !== '') {
    // Only a run stopped after its commit landed leaves the checkout behind, and it says so in a journal.
    expect(added.length, `${label}: dirty checkout without a commit: ${status}`).toBe(1);
    const journals = readdirSync(join(r.dir, '.git/tollgate')).filter((f) => f.startsWith('checkout-'));
    expect(journals.length, `${label}: dirty checkout without a journal: ${status}`).toBe(1);
  }
}

async function assertRerunCompletes(r: TestRepo, head: string, command: WritingCommand, label: string) {
  expect(await inProcess(r.dir, command), `${label}: re-run: ${lastErr}`).toBe(0);
  await assertCompleted(r, head, command, label);
}

async function assertCompleted(r: TestRepo, head: string, command: WritingCommand, label: string) {
  expect(await r.git(['status', '--porcelain']), `${label}: status after the re-run`).toBe('');
  const added = await commitsTouching(r.dir, [], { ref: 'HEAD', exclude: head });
  expect(added.length, `${label}: one commit in all`).toBe(1);
  const files = (await r.git(['show', '--name-only', '--format=', 'HEAD'])).split('\n');
  expect(files, label).toContain(command.changes);
  for (const [key, value] of Object.entries(command.trailers))
    expect(added[0]!.trailers[key], `${label}: trailer ${key}`).toContain(value);
  expect(
    readdirSync(join(r.dir, '.git/tollgate')).filter((f) => f.endsWith('.json')),
    label,
  ).toEqual([]);
}

describe.each(COMMANDS)('a git fault during `tollgate $name`', (command) => {
  it('at every git call, failing or killed, leaves nothing half-done, and a re-run completes', async () => {
    const r = await promotedFraudRepo(repos);
    r.write(
      'registry/models/fraud/model.yaml',
      'apiVersion: tollgate/v1\nkind: Model\nname: fraud\nowners:\n  users: [alice]\nschedule:\n  interval: 86400\n',
    );
    const head = await r.commit('Schedule fraud', 100.5);

    // A clean run counts the git calls to fault.
    expect(await inProcess(r.dir, command, 10_000)).toBe(0);
    const calls = gitCalls();
    expect(calls).toBeGreaterThan(3);
    await restore(r, head);

    // TOLLGATE_FAULTS=all faults every call in both modes (minutes); by default a spread of calls, always
    // including the last ones around the ref update and the checkout update, keeps each command to seconds.
    const all = process.env.TOLLGATE_FAULTS === 'all';
    const every = Array.from({ length: calls }, (_, i) => i + 1);
    const failAt = all
      ? every
      : [...new Set([Math.ceil(calls / 3), Math.ceil((2 * calls) / 3), calls - 1, calls])];
    for (const n of failAt) {
      const label = `${command.name}, git call ${n} of ${calls} fails`;
      const code = await inProcess(r.dir, command, n);
      await assertNothingHalfDone(r, head, command, label);
      // A tolerated failure (an optional lookup) may still succeed: success means the whole change is there.
      if (code === 0) await assertCompleted(r, head, command, label);
      else await assertRerunCompletes(r, head, command, label);
      await restore(r, head);
    }
    // A killed run costs a Node start each.
    const killAt = all ? every : [calls - 1];
    for (const n of killAt) {
      const label = `${command.name}, killed at git call ${n} of ${calls}`;
      const code = killedAt(r.dir, command, n);
      await assertNothingHalfDone(r, head, command, label);
      // Call counts vary a little between runs: a run the shim did not reach completes on its own.
      if (code === 0) await assertCompleted(r, head, command, label);
      else await assertRerunCompletes(r, head, command, label);
      await restore(r, head);
    }
  }, 240_000);
});
