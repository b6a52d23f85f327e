// One transaction per writing command: the change is staged in a private index (GIT_INDEX_FILE), never the
// user's, committed with commit-tree, and put on the branch with a compare-and-swap (`update-ref ref new old`).
// When another writer moved the branch first, the whole change is built again on the new tip, so a commit's
// message and trailers always describe the content it carries. Nothing in the user's index or working tree
// changes before the ref has moved; then only the paths the commit touched are brought up to date, and only
// where the user's copy was the committed one (see syncCheckout).
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { TollgateError } from '../errors.ts';
import { formatCommitMessage, type Author, type Trailers } from './message.ts';
import { ObjectReader } from './reader.ts';
import { git, runGit, runGitBuffer } from './run.ts';

/** What the builder wants committed; return `{ value }` alone to commit nothing. */
export interface CommitRequest {
  message: string;
  trailers: Trailers;
  author?: Author;
  /** Extra environment for commit-tree, e.g. GIT_AUTHOR_DATE / GIT_COMMITTER_DATE. */
  env?: NodeJS.ProcessEnv;
}

export type Built<T> = { value: T; commit?: CommitRequest };

/** The private index a transaction builds its commit in, starting from the parent commit's tree. */
export interface Stage {
  /** The commit the new commit will have as parent; undefined for a branch created without history. */
  readonly parent: string | undefined;
  /** The file's bytes as staged (the parent's, or as changed by write/revert); undefined when absent. */
  read(path: string): Promise<Buffer | undefined>;
  /** Staged paths at or below `dir` (repository-relative, `''` for all), sorted. */
  list(dir: string): Promise<string[]>;
  /** Sets (or, with null, deletes) a file in the staged tree. */
  write(path: string, content: string | Buffer | null): void;
  /**
   * Applies the inverse of `sha` (against its first parent) to the staged tree, with a three-way fallback as
   * `git revert` has. Returns undefined when it applied, or why it could not (the stage is then unchanged).
   */
  revert(sha: string): Promise<string | undefined>;
  /** Repository-relative paths whose staged content differs from the parent commit. */
  changed(): Promise<string[]>;
  /** The staged tree as it is now, to go back to with reset() when a later part of the change fails. */
  checkpoint(): Promise<string>;
  reset(tree: string): Promise<void>;
}

export interface TransactionOptions<T> {
  /**
   * The ref to move: `refs/heads/<name>`, a branch name, or `HEAD` (a detached checkout). Default: the
   * branch checked out here (or HEAD when detached).
   */
  ref?: string;
  /**
   * The parent of the new commit, given the ref's current tip (undefined when the ref does not exist yet).
   * Default: the tip itself. Returning another commit replaces the branch's history (a promotion branch).
   */
  parent?: (tip: string | undefined) => Promise<string | undefined>;
  /** Compare-and-swap attempts before giving up. Default 8. */
  attempts?: number;
  /**
   * Builds the change on `stage`. Called again, on a fresh stage, after another writer moved the ref, so it
   * must read everything it decides from the stage and do nothing outside it.
   */
  build: (stage: Stage, attempt: number) => Promise<Built<T>>;
  /** Bring the checkout's copies of the touched paths up to date when the ref is checked out here. Default true. */
  updateCheckout?: boolean;
  /** Environment for every git call (e.g. the committer identity on a runner). */
  env?: NodeJS.ProcessEnv;
}

export interface CheckoutUpdate {
  /** Touched paths whose index entry and file now match the branch. */
  updated: string[];
  /** Touched paths left alone because the user's copy had other changes (staged or not). */
  kept: string[];
}

export interface TransactionResult<T> {
  value: T;
  /** The new commit, or undefined when the builder asked for none or the tree did not change. */
  commit?: string;
  /** The full ref that moved (or would have). */
  ref: string;
  /** The commit the ref pointed at before (undefined when it did not exist). */
  previous?: string;
  attempts: number;
  checkout: CheckoutUpdate;
}

const ZERO = '';

/** `<git-dir>/tollgate`: where Tollgate keeps journals, locks and pid files of this checkout. */
export async function tollgateStateDir(repoRoot: string): Promise<string> {
  let gitDir = gitDirs.get(repoRoot);
  if (!gitDir) {
    gitDir = git(repoRoot, ['rev-parse', '--git-dir']).then((d) => resolve(repoRoot, d));
    gitDirs.set(repoRoot, gitDir);
    gitDir.catch(() => gitDirs.delete(repoRoot));
  }
  const path = join(await gitDir, 'tollgate');
  await mkdir(path, { recursive: true });
  return path;
}
const gitDirs = new Map<string, Promise<string>>();

async function tipOf(repoRoot: string, ref: string, env?: NodeJS.ProcessEnv): Promise<string | undefined> {
  const result = await runGit(repoRoot, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], {
    env,
    okCodes: [1, 128],
  });
  return result.code === 0 ? result.stdout.trim() : undefined;
}

/** The full name of `ref` and whether it is what this checkout's HEAD stands on. */
async function resolveTarget(
  repoRoot: string,
  ref: string | undefined,
  env?: NodeJS.ProcessEnv,
): Promise<{ ref: string; checkedOut: boolean }> {
  const head = await runGit(repoRoot, ['symbolic-ref', '-q', 'HEAD'], { env, okCodes: [1] });
  const current = head.code === 0 ? head.stdout.trim() : 'HEAD';
  if (ref === undefined || ref === 'HEAD') return { ref: current, checkedOut: true };
  const full = ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
  const valid = await runGit(repoRoot, ['check-ref-format', full], { env, okCodes: [1, 128] });
  if (valid.code !== 0 || ref.startsWith('-')) {
    throw new TollgateError(`"${ref}" is not a valid branch name`, { field: 'branch' });
  }
  if (full !== current) {
    // A branch checked out in another worktree of this repository would be moved under that worktree's feet.
    const list = await git(repoRoot, ['worktree', 'list', '--porcelain'], { env });
    if (list.split('\n').includes(`branch ${full}`)) {
      throw new TollgateError(
        `branch ${full.replace(/^refs\/heads\//, '')} is checked out in another worktree`,
        {
          fix: 'switch that worktree to another branch, or run Tollgate there',
        },
      );
    }
  }
  return { ref: full, checkedOut: full === current };
}

function assertRepoPath(path: string): string {
  if (
    path === '' ||
    path.startsWith('/') ||
    path.includes('\\') ||
    path.includes('\0') ||
    path.split('/').some((s) => s === '..' || s === '.' || s === '' || s === '.git')
  ) {
    throw new TollgateError(`"${path}" is not a plain repository-relative path`, {
      fix: 'pass paths like registry/models/fraud/stages.yaml',
    });
  }
  return path;
}

/** A git conflict the next attempt may not have: the ref moved, or another process held its lock. */
const CAS_CONFLICT =
  /but expected|is at .* but|cannot lock ref|unable to create .*\.lock|File exists|reference already exists/i;

class PrivateStage implements Stage {
  readonly parent: string | undefined;
  readonly #repoRoot: string;
  readonly #dir: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #pending = new Map<string, Buffer | null>();
  #objects: ObjectReader | undefined;

  constructor(repoRoot: string, dir: string, parent: string | undefined, env: NodeJS.ProcessEnv) {
    this.#repoRoot = repoRoot;
    this.#dir = dir;
    this.parent = parent;
    this.#env = { ...env, GIT_INDEX_FILE: join(dir, 'index') };
  }

  /** cat-file reads the index once: a reader started before the index changed would answer from the old one. */
  #indexChanged(): void {
    this.#objects?.close();
    this.#objects = undefined;
  }

  async init(): Promise<void> {
    await git(this.#repoRoot, this.parent ? ['read-tree', this.parent] : ['read-tree', '--empty'], {
      env: this.#env,
    });
  }

  async read(path: string): Promise<Buffer | undefined> {
    assertRepoPath(path);
    if (this.#pending.has(path)) return this.#pending.get(path) ?? undefined;
    this.#objects ??= new ObjectReader(this.#repoRoot, this.#env);
    const object = await this.#objects.lookup(`:${path}`);
    return object?.type === 'blob' ? object.content : undefined;
  }

  async list(dir: string): Promise<string[]> {
    const prefix = dir.replace(/\/+$/, '');
    const args = ['ls-files', '-z', '--full-name'];
    if (prefix !== '') args.push('--', `${prefix}/`);
    const paths = new Set((await git(this.#repoRoot, args, { env: this.#env })).split('\0').filter(Boolean));
    for (const [path, content] of this.#pending) {
      if (prefix !== '' && !path.startsWith(`${prefix}/`)) continue;
      if (content === null) paths.delete(path);
      else paths.add(path);
    }
    return [...paths].sort();
  }

  write(path: string, content: string | Buffer | null): void {
    this.#pending.set(assertRepoPath(path), typeof content === 'string' ? Buffer.from(content) : content);
  }

  async revert(sha: string): Promise<string | undefined> {
    await this.flush();
    const parents = (await git(this.#repoRoot, ['rev-list', '--parents', '-n', '1', sha], { env: this.#env }))
      .split(' ')
      .slice(1);
    const from = parents[0] ?? (await git(this.#repoRoot, ['hash-object', '-t', 'tree', '/dev/null']));
    const patch = await runGitBuffer(
      this.#repoRoot,
      ['diff-tree', '-p', '--binary', '--full-index', '--no-renames', '-r', from, sha],
      { env: this.#env },
    );
    if (patch.stdout.length === 0) return undefined;
    const before = await git(this.#repoRoot, ['write-tree'], { env: this.#env });
    // Raw: the patch goes to git's stdin, which simple-git has no way to pass.
    const applied = await runGitBuffer(
      this.#repoRoot,
      ['apply', '--cached', '--3way', '-R', '--whitespace=nowarn', '-'],
      { env: this.#env, input: patch.stdout, okCodes: [1, 128] },
    );
    this.#indexChanged();
    if (applied.code === 0) return undefined;

    // Back to the tree before this commit: a failed three-way apply leaves conflict stages behind.
    await git(this.#repoRoot, ['read-tree', before], { env: this.#env });
    const conflicted = [...new Set([...applied.stderr.matchAll(/^U (.+)$/gm)].map((m) => m[1]!))];
    return `reverting ${sha.slice(0, 12)} conflicts${conflicted.length ? ` with later changes in ${conflicted.join(', ')}` : ''}`;
  }

  async changed(): Promise<string[]> {
    await this.flush();
    const tree = await git(this.#repoRoot, ['write-tree'], { env: this.#env });
    const base = this.parent
      ? `${this.parent}^{tree}`
      : await git(this.#repoRoot, ['hash-object', '-t', 'tree', '/dev/null']);
    const out = await git(
      this.#repoRoot,
      ['diff-tree', '-r', '-z', '--name-only', '--no-renames', base, tree],
      {
        env: this.#env,
      },
    );
    return out.split('\0').filter(Boolean).sort();
  }

  /** Writes the pending files' blobs (one hash-object for all) and puts them in the private index. */
  async flush(): Promise<void> {
    if (this.#pending.size === 0) return;
    const entries = [...this.#pending];
    const withContent = entries.filter(([, content]) => content !== null);
    const files: string[] = [];
    for (const [i, [, content]] of withContent.entries()) {
      const file = join(this.#dir, `blob-${i}`);
      await writeFile(file, content!);
      files.push(file);
    }
    const oids =
      files.length === 0
        ? []
        : (
            await git(this.#repoRoot, ['hash-object', '-w', '--no-filters', '--stdin-paths'], {
              env: this.#env,
              input: `${files.join('\n')}\n`,
            })
          ).split('\n');
    const lines: string[] = [];
    let next = 0;
    for (const [path, content] of entries) {
      lines.push(content === null ? `0 ${'0'.repeat(40)}\t${path}` : `100644 ${oids[next++]}\t${path}`);
    }
    await git(this.#repoRoot, ['update-index', '-z', '--index-info'], {
      env: this.#env,
      input: `${lines.join('\0')}\0`,
    });
    this.#pending.clear();
    this.#indexChanged();
    await Promise.all(files.map((f) => rm(f, { force: true })));
  }

  async writeTree(): Promise<string> {
    await this.flush();
    return git(this.#repoRoot, ['write-tree'], { env: this.#env });
  }

  checkpoint(): Promise<string> {
    return this.writeTree();
  }

  async reset(tree: string): Promise<void> {
    this.#pending.clear();
    await git(this.#repoRoot, ['read-tree', tree], { env: this.#env });
    this.#indexChanged();
  }

  close(): void {
    this.#objects?.close();
  }
}

/**
 * Runs one transaction: builds the change on a private index from the ref's tip, commits it and moves the ref
 * with a compare-and-swap, rebuilding on the new tip when another writer got there first. On any failure
 * before the ref moved, nothing outside the object database changed (unreferenced objects are git's garbage).
 */
export async function runTransaction<T>(
  repoRoot: string,
  options: TransactionOptions<T>,
): Promise<TransactionResult<T>> {
  const env = options.env ?? {};
  await recoverCheckouts(repoRoot, env);
  const target = await resolveTarget(repoRoot, options.ref, env);
  const attempts = options.attempts ?? 8;
  let lastConflict = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const tip = await tipOf(repoRoot, target.ref, env);
    const parent = options.parent ? await options.parent(tip) : tip;
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-tx-'));
    const stage = new PrivateStage(repoRoot, dir, parent, env);
    let journal: string | undefined;
    try {
      await stage.init();
      const built = await options.build(stage, attempt);
      const none = {
        value: built.value,
        ref: target.ref,
        attempts: attempt,
        checkout: { updated: [], kept: [] },
      };
      if (!built.commit) return { ...none, ...(tip ? { previous: tip } : {}) };
      const tree = await stage.writeTree();
      const parentTree = parent ? await git(repoRoot, ['rev-parse', `${parent}^{tree}`], { env }) : undefined;
      if (tree === parentTree) return { ...none, ...(tip ? { previous: tip } : {}) };
      const request = built.commit;
      const message = formatCommitMessage(request.message, request.trailers);
      const commit = await git(
        repoRoot,
        ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-F', '-'],
        {
          input: message,
          env: { ...env, ...request.env, ...authorEnv(request.author) },
        },
      );
      const sync = target.checkedOut && options.updateCheckout !== false;
      // Written before the ref moves: a process killed between the two leaves a journal the next run finishes.
      if (sync) journal = await writeJournal(repoRoot, { ref: target.ref, parent, commit });
      const moved = await runGit(
        repoRoot,
        ['update-ref', '-m', `tollgate: ${request.message.split('\n')[0]}`, target.ref, commit, tip ?? ZERO],
        { env, okCodes: [1, 128] },
      );
      if (moved.code !== 0) {
        if (journal) await rm(journal, { force: true });
        journal = undefined;
        if (!CAS_CONFLICT.test(moved.stderr)) {
          throw new TollgateError(`git update-ref ${target.ref} failed: ${moved.stderr.trim()}`, {
            fix: 'nothing was changed; check the repository (disk space, permissions) and run again',
          });
        }
        lastConflict = moved.stderr.trim();
        await new Promise((r) => setTimeout(r, Math.random() * 25 * attempt));
        continue;
      }
      let checkout: CheckoutUpdate = { updated: [], kept: [] };
      if (sync) {
        checkout = await syncCheckout(repoRoot, { ref: target.ref, parent, commit }, env);
        await rm(journal!, { force: true });
      }
      return {
        value: built.value,
        commit,
        ref: target.ref,
        ...(tip ? { previous: tip } : {}),
        attempts: attempt,
        checkout,
      };
    } finally {
      stage.close();
      await rm(dir, { recursive: true, force: true });
    }
  }
  throw new TollgateError(
    `${target.ref} kept moving: ${attempts} attempts to commit on it lost to other writers (${lastConflict})`,
    { fix: 'nothing was changed; run the command again' },
  );
}

function authorEnv(author: Author | undefined): NodeJS.ProcessEnv {
  if (!author) return {};
  for (const [field, value] of Object.entries(author)) {
    if (/[<>\r\n]/.test(value) || value.trim() === '') {
      throw new TollgateError(
        `author ${field} ${JSON.stringify(value)} is empty or holds <, > or a newline`,
        {
          field: `author.${field}`,
        },
      );
    }
  }
  return { GIT_AUTHOR_NAME: author.name, GIT_AUTHOR_EMAIL: author.email };
}

interface Journal {
  ref: string;
  parent: string | undefined;
  commit: string;
  pid?: number;
}

async function writeJournal(repoRoot: string, journal: Journal): Promise<string> {
  const dir = await tollgateStateDir(repoRoot);
  const file = join(dir, `checkout-${process.pid}-${randomBytes(4).toString('hex')}.json`);
  await writeFile(file, JSON.stringify({ ...journal, pid: process.pid }));
  return file;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Finishes what a killed run left: for each journal whose process is gone and whose commit reached its ref,
 * brings the checkout's copies of that commit's paths up to date; a commit that never landed is forgotten.
 */
export async function recoverCheckouts(repoRoot: string, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const dir = await tollgateStateDir(repoRoot);
  const recovered: string[] = [];
  for (const name of (await readdir(dir)).filter((n) => /^checkout-.*\.json$/.test(n))) {
    const file = join(dir, name);
    let journal: Journal;
    try {
      journal = JSON.parse(await readFile(file, 'utf8')) as Journal;
    } catch {
      await rm(file, { force: true });
      continue;
    }
    if (journal.pid !== undefined && journal.pid !== process.pid && isAlive(journal.pid)) continue;
    const landed =
      (
        await runGit(repoRoot, ['merge-base', '--is-ancestor', journal.commit, journal.ref], {
          env,
          okCodes: [1, 128],
        })
      ).code === 0;
    if (landed) {
      await syncCheckout(repoRoot, journal, env);
      recovered.push(journal.commit);
    }
    await rm(file, { force: true });
  }
  return recovered;
}

/** Per path a commit changed against its parent: the blob before and after (undefined where absent). */
async function commitChanges(
  repoRoot: string,
  parent: string | undefined,
  commit: string,
  env: NodeJS.ProcessEnv,
): Promise<Map<string, { before?: string; after?: string }>> {
  const out = await git(
    repoRoot,
    parent
      ? ['diff-tree', '-r', '-z', '--no-renames', parent, commit]
      : ['diff-tree', '-r', '-z', '--no-renames', '--no-commit-id', '--root', commit],
    { env },
  );
  const changes = new Map<string, { before?: string; after?: string }>();
  const fields = out.split('\0');
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const header = fields[i]!;
    const m = /^:\d+ \d+ ([0-9a-f]+) ([0-9a-f]+) \w/.exec(header);
    if (!m) continue;
    const absent = /^0+$/;
    changes.set(fields[i + 1]!, {
      ...(absent.test(m[1]!) ? {} : { before: m[1]! }),
      ...(absent.test(m[2]!) ? {} : { after: m[2]! }),
    });
  }
  return changes;
}

/** The blob id git gives `bytes` (no filters: registry files are plain LF text), computed without git. */
function blobId(bytes: Buffer, oidLength: number): string {
  return createHash(oidLength === 64 ? 'sha256' : 'sha1')
    .update(`blob ${bytes.length}\0`)
    .update(bytes)
    .digest('hex');
}

/**
 * After `commit` (on `parent`) moved the checked-out `ref`: each path the commit touched whose index entry and
 * file were the committed content (the parent's or this commit's) is set to the ref's current content, in the
 * file and in the index; any other path is the user's work and is left alone (`kept`). Serialised among Tollgate
 * processes by a lock file, so two runs never interleave their reads and writes of the same paths.
 */
export async function syncCheckout(
  repoRoot: string,
  journal: { ref: string; parent: string | undefined; commit: string },
  env: NodeJS.ProcessEnv = {},
): Promise<CheckoutUpdate> {
  const changes = await commitChanges(repoRoot, journal.parent, journal.commit, env);
  const paths = [...changes.keys()];
  if (paths.length === 0) return { updated: [], kept: [] };
  const release = await lockCheckout(repoRoot);
  try {
    const tip = await tipOf(repoRoot, journal.ref, env);
    // Usually the tip is this commit; after a concurrent writer, ask git what the tip holds now.
    const now = new Map<string, string>();
    if (tip === journal.commit) {
      for (const [path, change] of changes) if (change.after) now.set(path, change.after);
    } else if (tip) {
      const listed = await git(repoRoot, ['ls-tree', '-r', '-z', '--full-tree', tip, '--', ...paths], {
        env,
      });
      for (const record of listed.split('\0')) {
        const tab = record.indexOf('\t');
        if (tab > 0) now.set(record.slice(tab + 1), record.slice(0, tab).split(' ')[2]!);
      }
    }
    const index = new Map<string, string>();
    const staged = await git(
      repoRoot,
      ['ls-files', '-s', '-z', '--full-name', '--', ...paths.map((p) => `:(top,literal)${p}`)],
      { env },
    );
    for (const record of staged.split('\0')) {
      const tab = record.indexOf('\t');
      if (tab > 0) index.set(record.slice(tab + 1), record.slice(0, tab).split(' ')[1]!);
    }
    const oidLength = journal.commit.length;
    const updated: string[] = [];
    const kept: string[] = [];
    const entries: string[] = [];
    for (const path of paths) {
      const { before, after: ours } = changes.get(path)!;
      const inIndex = index.get(path);
      const want = now.get(path);
      const full = join(repoRoot, path);
      const bytes = await readFile(full).catch(() => undefined);
      const file = bytes === undefined ? undefined : blobId(bytes, oidLength);
      // The index entry is committed content (the parent's or this commit's): it follows the branch. A file that
      // is committed content too (or already this commit's, from a writer that wrote it first) follows as well;
      // any other file is the user's work and stays as it is.
      if (inIndex !== before && inIndex !== ours) {
        kept.push(path);
        continue;
      }
      if (want !== inIndex) {
        entries.push(want === undefined ? `0 ${'0'.repeat(40)}\t${path}` : `100644 ${want}\t${path}`);
      }
      if (file !== inIndex && file !== ours) {
        kept.push(path);
        continue;
      }
      if (want === file && want === inIndex) continue;
      if (want === undefined) {
        await unlink(full).catch(() => undefined);
      } else if (want !== file) {
        const content = (await runGitBuffer(repoRoot, ['cat-file', 'blob', want], { env })).stdout;
        await mkdir(dirname(full), { recursive: true });
        const temp = join(
          dirname(full),
          `.${path.split('/').pop()}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
        );
        await writeFile(temp, content, { mode: 0o644 });
        await rename(temp, full);
      }
      updated.push(path);
    }
    if (entries.length > 0) await updateIndex(repoRoot, entries, env);
    return { updated, kept };
  } finally {
    await release();
  }
}

/** `git update-index --index-info` entries, retried while a user's git command holds index.lock. */
async function updateIndex(repoRoot: string, entries: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const paths = entries.map((e) => e.slice(e.indexOf('\t') + 1));
  for (let attempt = 1; ; attempt++) {
    const result = await runGit(repoRoot, ['update-index', '-z', '--index-info'], {
      env,
      input: `${entries.join('\0')}\0`,
      okCodes: [128],
    });
    if (result.code === 0) return;
    if (!/index\.lock/.test(result.stderr) || attempt >= 50) {
      throw new TollgateError(`could not update the index for ${paths.join(', ')}: ${result.stderr.trim()}`, {
        fix: 'the commit is on the branch; run `git status` and `git restore --staged --worktree -- <paths>` to catch up',
      });
    }
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
  }
}

/** An exclusive lock among Tollgate processes on this checkout; a lock whose process is gone is taken over. */
async function lockCheckout(repoRoot: string): Promise<() => Promise<void>> {
  const file = join(await tollgateStateDir(repoRoot), 'checkout.lock');
  for (let attempt = 0; attempt < 1000; attempt++) {
    try {
      await writeFile(file, String(process.pid), { flag: 'wx' });
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(await readFile(file, 'utf8').catch(() => ''));
      if (Number.isInteger(holder) && holder > 0 && !isAlive(holder)) {
        await rm(file, { force: true });
        continue;
      }
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 20));
    }
  }
  throw new TollgateError(`another Tollgate process holds ${file}`, {
    fix: 'wait for it to finish; if none runs, delete the file',
  });
}

/**
 * Takes `commit` back off the checked-out `ref` (compare-and-swap to `previous`) and brings the touched paths of
 * the checkout back with it: for a commit that must not stay, e.g. an emergency rollback that could not be pushed.
 * Refuses when the ref has moved on since.
 */
export async function undoCommit(
  repoRoot: string,
  ref: string,
  commit: string,
  previous: string,
  env: NodeJS.ProcessEnv = {},
): Promise<void> {
  const target = await resolveTarget(repoRoot, ref, env);
  const moved = await runGit(repoRoot, ['update-ref', '-m', 'tollgate: undo', target.ref, previous, commit], {
    env,
    okCodes: [1, 128],
  });
  if (moved.code !== 0) {
    throw new TollgateError(
      `cannot take ${commit.slice(0, 12)} back off ${target.ref}: ${moved.stderr.trim()}`,
      {
        fix: `the branch moved on; revert ${commit.slice(0, 12)} by hand if it must not stay`,
      },
    );
  }
  if (target.checkedOut)
    await syncCheckout(repoRoot, { ref: target.ref, parent: commit, commit: previous }, env);
}
