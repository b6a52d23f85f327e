// Isolated temporary git repositories for tests: no global or system config, fixed identities and dates.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { git, runGit } from '../../src/git/run.ts';

// Every git process in the test worker (fixture and code under test alike) ignores the machine's config.
process.env.GIT_CONFIG_GLOBAL = '/dev/null';
process.env.GIT_CONFIG_NOSYSTEM = '1';

const created: string[] = [];
let clock = Date.parse('2026-01-01T00:00:00Z');

/** The next fixed timestamp (one minute after the previous one), so commits order predictably. */
export function nextDate(): string {
  clock += 60_000;
  return new Date(clock).toISOString();
}

/** Environment that pins both author and committer dates. */
export function dateEnv(date: string): NodeJS.ProcessEnv {
  return { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
}

export interface CommitOptions {
  date?: string;
  author?: { name: string; email: string };
}

export interface Repo {
  dir: string;
  /** stdout of a git command run in the repo (trailing newline removed). */
  git(args: string[], env?: NodeJS.ProcessEnv): Promise<string>;
  /** Writes files (repo-relative path -> text); null deletes the file. */
  writeFiles(files: Record<string, string | null>): void;
  symlink(path: string, target: string): void;
  /** `git add -A` and commit everything; returns the new sha. */
  commitAll(message: string, options?: CommitOptions): Promise<string>;
  head(): Promise<string>;
}

export function tempDir(prefix = 'tollgate-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

function repoAt(dir: string): Repo {
  return {
    dir,
    git: (args, env) => git(dir, args, { env }),
    writeFiles(files) {
      for (const [path, content] of Object.entries(files)) {
        const full = join(dir, path);
        if (content === null) rmSync(full, { force: true });
        else {
          mkdirSync(dirname(full), { recursive: true });
          writeFileSync(full, content);
        }
      }
    },
    symlink(path, target) {
      const full = join(dir, path);
      mkdirSync(dirname(full), { recursive: true });
      symlinkSync(target, full);
    },
    async commitAll(message, options = {}) {
      const date = options.date ?? nextDate();
      const env: NodeJS.ProcessEnv = { ...dateEnv(date) };
      if (options.author) {
        env.GIT_AUTHOR_NAME = options.author.name;
        env.GIT_AUTHOR_EMAIL = options.author.email;
      }
      await git(dir, ['add', '-A']);
      await git(dir, ['commit', '--quiet', '--allow-empty', '--cleanup=verbatim', '-F', '-'], {
        input: message,
        env,
      });
      return git(dir, ['rev-parse', 'HEAD']);
    },
    head: () => git(dir, ['rev-parse', 'HEAD']),
  };
}

async function configure(dir: string): Promise<void> {
  for (const [key, value] of [
    ['user.name', 'Test User'],
    ['user.email', 'test@example.com'],
    ['commit.gpgsign', 'false'],
    ['core.autocrlf', 'false'],
    ['core.symlinks', 'true'],
  ] as const) {
    await git(dir, ['config', key, value]);
  }
}

/** A fresh repository on branch `main` with optional initial files committed. */
export async function makeRepo(files?: Record<string, string | null>): Promise<Repo> {
  const dir = tempDir();
  await git(dir, ['init', '--quiet', '-b', 'main']);
  await configure(dir);
  const repo = repoAt(dir);
  if (files) {
    repo.writeFiles(files);
    await repo.commitAll('initial');
  }
  return repo;
}

export interface BareRemote {
  dir: string;
  /** A configured clone of the remote (origin = the remote). */
  clone(options?: { depth?: number }): Promise<Repo>;
}

/** A bare repository to push to; seeded from `seed` (pushed as `main`) when given. */
export async function makeBareRemote(seed?: Repo): Promise<BareRemote> {
  const dir = tempDir('tollgate-remote-');
  await git(dir, ['init', '--quiet', '--bare', '-b', 'main']);
  if (seed) {
    await runGit(seed.dir, ['remote', 'remove', 'origin'], { okCodes: [2] });
    await git(seed.dir, ['remote', 'add', 'origin', dir]);
    await git(seed.dir, ['push', '--quiet', 'origin', 'main']);
  }
  return {
    dir,
    async clone(options = {}) {
      const target = join(tempDir('tollgate-clone-'), 'repo');
      const args = ['clone', '--quiet'];
      if (options.depth !== undefined) args.push(`--depth=${options.depth}`);
      // file:// so --depth is honoured (a plain path clones with hard links and ignores it).
      await git(tmpdir(), [...args, `file://${dir}`, target]);
      await configure(target);
      return repoAt(target);
    },
  };
}

export function cleanupRepos(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}
