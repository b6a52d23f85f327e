// The raw way Tollgate runs git: argv only (never a shell), output as text, failures as TollgateError. simple-git
// (client.ts) does what it has a typed API for; this runner stays for what simple-git cannot do: input on stdin
// (hash-object, update-index --index-info, commit-tree -F -, apply), exact bytes (cat-file), output streamed while
// git runs (log, cat-file --batch) and exit codes that are answers, not errors (merge-base --is-ancestor).
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { TollgateError } from '../errors.ts';

export interface GitOptions {
  /** Written to git's stdin. */
  input?: string;
  /** Extra environment, e.g. GIT_AUTHOR_DATE for reproducible commits. */
  env?: NodeJS.ProcessEnv;
  /** Exit codes that are answers, not failures (e.g. 1 for `git merge-base --is-ancestor`). */
  okCodes?: number[];
}

export interface GitResult {
  stdout: string;
  stderr: string;
  code: number;
}

export function runGit(cwd: string, args: string[], options: GitOptions = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      {
        cwd,
        encoding: 'utf8',
        maxBuffer: 1 << 30,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...options.env },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        if (code === 0 || options.okCodes?.includes(code)) return resolve({ stdout, stderr, code });
        reject(
          new TollgateError(`git ${args.join(' ')} failed (exit ${code}) in ${cwd}: ${stderr.trim()}`, {
            cause: error,
            kind: 'environment',
          }),
        );
      },
    );
    writeInput(child.stdin, options.input);
  });
}

/**
 * Hands `input` to git's stdin. Git may exit before reading it all (a failed command, a killed process): the
 * pipe then fails with EPIPE, which is git's exit code's story to tell, never an unhandled error of ours.
 */
function writeInput(stdin: NodeJS.WritableStream | null, input: string | Buffer | undefined): void {
  if (!stdin) return;
  stdin.on('error', () => undefined);
  if (input !== undefined) stdin.end(input);
}

/** stdout of a git command that must succeed, without the trailing newline. */
export async function git(cwd: string, args: string[], options: GitOptions = {}): Promise<string> {
  return (await runGit(cwd, args, options)).stdout.replace(/\n$/, '');
}

export interface GitBufferResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

/**
 * Like runGit, but stdout stays bytes: for `git cat-file --batch`, whose headers count bytes, and for file
 * contents that must round-trip exactly.
 */
export function runGitBuffer(
  cwd: string,
  args: string[],
  options: Omit<GitOptions, 'input'> & { input?: string | Buffer } = {},
): Promise<GitBufferResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      {
        cwd,
        encoding: 'buffer',
        maxBuffer: 1 << 30,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...options.env },
      },
      (error, stdout, stderrBytes) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        const stderr = stderrBytes.toString('utf8');
        if (code === 0 || options.okCodes?.includes(code)) return resolve({ stdout, stderr, code });
        reject(
          new TollgateError(`git ${args.join(' ')} failed (exit ${code}) in ${cwd}: ${stderr.trim()}`, {
            cause: error,
            kind: 'environment',
          }),
        );
      },
    );
    writeInput(child.stdin, options.input);
  });
}

/** A long-running git process with piped stdio (e.g. `git cat-file --batch`), argv only, same environment. */
export function spawnGit(
  cwd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): ChildProcessWithoutNullStreams {
  return spawn('git', args, {
    cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...env },
  });
}

/**
 * Runs a git command that must succeed and hands its stdout to `onRecord` one `separator`-delimited record at a
 * time as git prints it (the text before the first separator too, when not empty), so a caller can act on the
 * first records of a long `git log` while git still walks the rest.
 */
export function streamGit(
  cwd: string,
  args: string[],
  separator: string,
  onRecord: (record: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawnGit(cwd, args);
    const decoder = new StringDecoder('utf8');
    let pending = '';
    let stderr = '';
    let failure: unknown;
    const emit = (record: string) => {
      if (failure !== undefined || record === '') return;
      try {
        onRecord(record);
      } catch (error) {
        failure = error;
        child.kill();
      }
    };
    child.stdout.on('data', (chunk: Buffer) => {
      pending += decoder.write(chunk);
      const records = pending.split(separator);
      pending = records.pop()!;
      for (const record of records) emit(record);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error) => (failure ??= error));
    child.on('close', (code) => {
      if (failure !== undefined) return reject(failure);
      if (code !== 0)
        return reject(
          new TollgateError(`git ${args.join(' ')} failed (exit ${code}) in ${cwd}: ${stderr.trim()}`, {
            kind: 'environment',
          }),
        );
      emit(pending + decoder.end());
      if (failure !== undefined) reject(failure);
      else resolve();
    });
  });
}
