// Release helpers for .github/workflows/release.yml (docs/releasing.md), each a pure function plus a thin shell:
//   node scripts/release.ts check vX.Y.Z   the tag is package.json's version and CHANGELOG.md has its section
//   node scripts/release.ts stamp vX.Y.Z   writes release.json ({ version, tag, sha } of HEAD) for the package
//   node scripts/release.ts notes vX.Y.Z   prints the GitHub release notes: the CHANGELOG section + commits
//   node scripts/release.ts major vX.Y.Z   prints the major tag to move to this release (v1), or nothing
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { describeError } from '../src/errors.ts';
import { TOLLGATE_ACTIONS, checkStamp, releaseOf, type PackageManifest } from '../src/init/release.ts';

/** The body of `## X.Y.Z` (optionally `## [X.Y.Z]` and text after it) up to the next `## `, trimmed. */
export function changelogSection(changelog: string, version: string): string | undefined {
  const lines = changelog.split('\n');
  const escaped = version.replace(/[.+]/g, '\\$&');
  const heading = new RegExp(`^## \\[?${escaped}\\]?(?:\\s|$)`);
  const start = lines.findIndex((l) => heading.test(l));
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  return lines
    .slice(start + 1, end < 0 ? undefined : end)
    .join('\n')
    .trim();
}

/** Every reason the tag cannot be released as it stands; empty when it can. */
export function releaseProblems(manifest: PackageManifest, changelog: string, tag: string): string[] {
  const problems: string[] = [];
  if (tag !== `v${String(manifest.version)}`)
    problems.push(
      `tag ${tag} is not package.json's version (v${String(manifest.version)}): bump one of them`,
    );
  if (!changelogSection(changelog, String(manifest.version)))
    problems.push(
      `CHANGELOG.md has no entries under "## ${String(manifest.version)}": move them there from "Unreleased"`,
    );
  return problems;
}

export interface Commit {
  sha: string;
  subject: string;
}

const MAX_COMMITS = 200;

export function releaseNotes(input: {
  manifest: PackageManifest;
  changelog: string;
  tag: string;
  sha: string;
  previousTag?: string;
  commits: Commit[];
}): string {
  const release = releaseOf(input.manifest, {
    version: String(input.manifest.version),
    tag: input.tag,
    sha: input.sha,
  });
  const shown = input.commits.slice(0, MAX_COMMITS);
  return [
    changelogSection(input.changelog, release.version) ?? '',
    '',
    '### Install',
    '',
    '```sh',
    `npm install --save-dev tollgate@${release.version}`,
    'npx tollgate init        # or, in a repository that already uses Tollgate:',
    'npx tollgate init --upgrade',
    '```',
    '',
    `The actions at this release: \`uses: ${release.repository}/actions/<name>@${release.sha} # ${release.tag}\`, ` +
      `for ${TOLLGATE_ACTIONS.map((a) => `\`${a}\``).join(', ')}.`,
    '',
    input.previousTag === undefined ? '### Commits' : `### Commits since ${input.previousTag}`,
    '',
    ...shown.map((c) => `- ${c.subject} (${c.sha.slice(0, 7)})`),
    ...(input.commits.length > shown.length ? [`- … and ${input.commits.length - shown.length} more`] : []),
    '',
  ].join('\n');
}

const STABLE_TAG = /^v(\d+)\.(\d+)\.(\d+)$/;

/**
 * The major tag (`v1`) that should point at this release: only for a stable release that is the newest of its
 * major version, so a patch to an older minor line never moves adopters of `@v1` backwards.
 */
export function majorTagToMove(tag: string, allTags: string[]): string | undefined {
  const m = STABLE_TAG.exec(tag);
  if (!m) return undefined;
  const key = (t: RegExpExecArray) => [Number(t[1]), Number(t[2]), Number(t[3])];
  const mine = key(m);
  for (const other of allTags) {
    const o = STABLE_TAG.exec(other);
    if (!o || Number(o[1]) !== mine[0]) continue;
    const theirs = key(o);
    const newer = theirs[1]! > mine[1]! || (theirs[1] === mine[1] && theirs[2]! > mine[2]!);
    if (newer) return undefined;
  }
  return `v${m[1]}`;
}

function git(args: string[]): string {
  return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function main(argv: string[]): number {
  const [command, tag] = argv;
  if (!command || !tag || !['check', 'stamp', 'notes', 'major'].includes(command)) {
    process.stderr.write('usage: node scripts/release.ts check|stamp|notes|major vX.Y.Z\n');
    return 2;
  }
  if (command === 'major') {
    const move = majorTagToMove(tag, git(['tag', '--list', 'v*']).split('\n'));
    if (move) process.stdout.write(`${move}\n`);
    return 0;
  }
  const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as PackageManifest;
  const changelog = readFileSync('CHANGELOG.md', 'utf8');
  if (command === 'check') {
    const problems = releaseProblems(manifest, changelog, tag);
    for (const p of problems) process.stderr.write(`release: ${p}\n`);
    return problems.length > 0 ? 1 : 0;
  }
  const sha = git(['rev-parse', 'HEAD']);
  if (command === 'stamp') {
    if (tag !== `v${String(manifest.version)}`) {
      process.stderr.write(
        `release: tag ${tag} is not package.json's version (v${String(manifest.version)})\n`,
      );
      return 1;
    }
    const stamp = checkStamp({ version: String(manifest.version), tag, sha }, `v${String(manifest.version)}`);
    writeFileSync('release.json', `${JSON.stringify(stamp, null, 2)}\n`);
    process.stdout.write(`release.json: ${tag} at ${sha}\n`);
    return 0;
  }
  // The newest release tag before this one (pre-releases included), if there is any.
  let previousTag: string | undefined;
  try {
    previousTag = git(['describe', '--tags', '--abbrev=0', '--match', 'v[0-9]*.[0-9]*.[0-9]*', 'HEAD^']);
  } catch {
    previousTag = undefined;
  }
  const log = git(['log', '--no-merges', '--format=%H%x09%s', previousTag ? `${previousTag}..HEAD` : 'HEAD']);
  const commits = log
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => ({ sha: l.slice(0, 40), subject: l.slice(41) }));
  process.stdout.write(releaseNotes({ manifest, changelog, tag, sha, previousTag, commits }));
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`release: ${describeError(error)}\n`);
    process.exitCode = 1;
  }
}
