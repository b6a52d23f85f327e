// Which release of Tollgate's actions this CLI belongs to, and how an adopter's workflows name them. Pure: the
// package manifest and the release stamp come in as data (src/init/installed.ts reads them).
//
// The repository that hosts the actions is named in exactly one place, package.json `repository`. The exact
// commit comes from the release stamp (release.json) that the release workflow writes into the published package
// from the tagged commit; init then pins `uses: OWNER/NAME/actions/X@<sha> # vX.Y.Z`. A tag can be moved by
// whoever controls the repository's tags, a commit cannot, so an adopter's gate runs exactly the code that was
// released; the comment keeps the pin readable and lets Dependabot and Renovate update it. A development build
// has no stamp: it pins the version's tag and says so.
import { TollgateError } from '../errors.ts';

/** Every action the repository ships (actions/<name>/action.yml); tests/init/release.test.ts keeps this in step. */
export const TOLLGATE_ACTIONS = [
  'evidence',
  'incident',
  'monitor',
  'promote',
  'retrain',
  'rollback',
  'scheduler',
  'signoff-gate',
  'site',
  'state-merge',
  'validate',
] as const;

/** The package.json fields this module reads. */
export interface PackageManifest {
  name?: unknown;
  version?: unknown;
  repository?: unknown;
}

/** What the release workflow stamps into the published package (release.json). */
export interface ReleaseStamp {
  version: string;
  tag: string;
  sha: string;
}

export interface Release {
  /** `owner/name` on GitHub, from package.json `repository`. */
  repository: string;
  version: string;
  /** `v` + version: the tag the release workflow publishes from. */
  tag: string;
  /** The tagged commit, when this CLI came from a stamped release; absent in a development build. */
  sha?: string;
}

const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const NAME = /^[A-Za-z0-9_.-]+$/;
const SHA = /^[0-9a-f]{40}$/;

/**
 * `owner/name` from package.json `repository`, in any form npm accepts for GitHub: `github:owner/name`,
 * `owner/name`, or `{ url }` with an https, `git+https`, `git://` or `git@github.com:` URL.
 */
export function repositoryOf(manifest: PackageManifest): string {
  const field = manifest.repository;
  const value =
    typeof field === 'string'
      ? field
      : typeof field === 'object' && field !== null && typeof (field as { url?: unknown }).url === 'string'
        ? (field as { url: string }).url
        : undefined;
  const match =
    value === undefined
      ? null
      : (/^(?:github:)?([^/:@\s]+)\/([^/\s]+)$/.exec(value) ??
        /^(?:git\+)?(?:https?|git|ssh):\/\/(?:[^@/]+@)?github\.com\/([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(
          value,
        ) ??
        /^git@github\.com:([^/]+)\/([^/]+?)(?:\.git)?$/.exec(value));
  const owner = match?.[1];
  const name = match?.[2]?.replace(/\.git$/, '');
  if (!owner || !name || !NAME.test(owner) || !NAME.test(name))
    throw new TollgateError(
      `package.json "repository" does not name a GitHub repository (${JSON.stringify(field)})`,
      { file: 'package.json', field: 'repository', fix: 'set it to "github:OWNER/NAME"' },
    );
  return `${owner}/${name}`;
}

/** The release a CLI with this manifest and (optional) stamp belongs to; refuses a stamp from another version. */
export function releaseOf(manifest: PackageManifest, stamp?: unknown): Release {
  const version = manifest.version;
  if (typeof version !== 'string' || !SEMVER.test(version))
    throw new TollgateError(`package.json "version" is not a semantic version (${JSON.stringify(version)})`, {
      file: 'package.json',
      field: 'version',
      fix: 'set it to MAJOR.MINOR.PATCH',
    });
  const release: Release = { repository: repositoryOf(manifest), version, tag: `v${version}` };
  if (stamp === undefined) return release;
  const checked = checkStamp(stamp, release.tag);
  return { ...release, sha: checked.sha };
}

/** A release stamp as the release workflow must write it: this version's tag and a full commit SHA. */
export function checkStamp(stamp: unknown, tag: string): ReleaseStamp {
  const s = (typeof stamp === 'object' && stamp !== null ? stamp : {}) as Record<string, unknown>;
  const problem =
    s.tag !== tag || s.version !== tag.slice(1)
      ? `it is for ${JSON.stringify(s.tag)}, but package.json says ${tag}`
      : typeof s.sha !== 'string' || !SHA.test(s.sha)
        ? `"sha" is not a full 40-character commit SHA (${JSON.stringify(s.sha)})`
        : undefined;
  if (problem)
    throw new TollgateError(`release.json does not belong to this package: ${problem}`, {
      file: 'release.json',
      fix: 'delete release.json (only the release workflow writes it, from the tagged commit)',
    });
  return { version: s.version as string, tag, sha: s.sha as string };
}

/** `v1` for 1.4.2: the tag the release workflow moves to each new release of that major version. */
export function majorTag(version: string): string {
  return `v${version.split('.')[0]}`;
}

/** The `uses:` value for one of Tollgate's actions at this release, and the comment that goes after it. */
export function actionReference(release: Release, action: string): { uses: string; comment?: string } {
  const path = `${release.repository}/actions/${action}`;
  return release.sha === undefined
    ? { uses: `${path}@${release.tag}` }
    : { uses: `${path}@${release.sha}`, comment: release.tag };
}

/** How init and `init --upgrade` describe the pin they write. */
export function describePin(release: Release): string {
  return release.sha === undefined
    ? `${release.repository} at tag ${release.tag} (a development build of the CLI: no release stamp, so no ` +
        'commit SHA is known; a published release pins the commit)'
    : `${release.repository} at ${release.sha} (${release.tag})`;
}

export interface UsesChange {
  line: number;
  action: string;
  from: string;
  to: string;
}

// `- uses: owner/name/actions/x@ref  # comment`, optionally quoted, with or without the list dash.
const USES_LINE =
  /^(\s*(?:-\s+)?uses:[ \t]+)(["']?)([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)\/actions\/([A-Za-z0-9_.-]+)@([^\s"'#]+)\2([ \t]+#.*)?$/;

/**
 * Rewrites every `uses:` of one of Tollgate's actions in a workflow to this release, leaving every other line
 * (third-party actions, comments, whatever the adopter changed) as it was. A line's own trailing comment is
 * replaced: after a SHA it must name the tag. Paths under the repository that are not actions of this release
 * are left alone and reported, so an upgrade never points a workflow at an action that does not exist.
 */
export function pinTollgateUses(
  text: string,
  release: Release,
): { text: string; changes: UsesChange[]; unknown: { line: number; action: string }[] } {
  const changes: UsesChange[] = [];
  const unknown: { line: number; action: string }[] = [];
  const lines = text.split('\n').map((raw, index) => {
    const cr = raw.endsWith('\r') ? '\r' : '';
    const line = cr ? raw.slice(0, -1) : raw;
    const m = USES_LINE.exec(line);
    if (!m || m[3]!.toLowerCase() !== release.repository.toLowerCase()) return raw;
    const action = m[4]!;
    if (!(TOLLGATE_ACTIONS as readonly string[]).includes(action)) {
      unknown.push({ line: index + 1, action });
      return raw;
    }
    const ref = actionReference(release, action);
    const next = `${m[1]}${m[2]}${ref.uses}${m[2]}${ref.comment ? ` # ${ref.comment}` : ''}`;
    if (next !== line) changes.push({ line: index + 1, action, from: line.trim(), to: next.trim() });
    return next + cr;
  });
  return { text: lines.join('\n'), changes, unknown };
}
