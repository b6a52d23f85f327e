// The one place that names Tollgate's actions: package.json `repository` plus the release stamp, and the rewrite
// of `uses:` lines that init and `init --upgrade` share.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/errors.ts';
import {
  actionReference,
  checkStamp,
  majorTag,
  pinTollgateUses,
  releaseOf,
  repositoryOf,
  TOLLGATE_ACTIONS,
  type Release,
} from '../../src/init/release.ts';

const root = resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const SHA = 'a'.repeat(40);
const tagged: Release = { repository: 'tollgate-dev/tollgate', version: '1.4.2', tag: 'v1.4.2' };
const stamped: Release = { ...tagged, sha: SHA };

describe('repositoryOf', () => {
  it.each([
    ['github:tollgate-dev/tollgate', 'tollgate-dev/tollgate'],
    ['tollgate-dev/tollgate', 'tollgate-dev/tollgate'],
    [{ type: 'git', url: 'git+https://github.com/tollgate-dev/tollgate.git' }, 'tollgate-dev/tollgate'],
    [{ url: 'https://github.com/acme/tollgate-fork' }, 'acme/tollgate-fork'],
    [{ url: 'git://github.com/acme/tg.git' }, 'acme/tg'],
    [{ url: 'git@github.com:acme/tg.git' }, 'acme/tg'],
    [{ url: 'ssh://git@github.com/acme/tg.git' }, 'acme/tg'],
  ])('%j names %s', (repository, expected) => {
    expect(repositoryOf({ repository })).toBe(expected);
  });

  it.each([
    [undefined],
    ['gitlab:acme/tg'],
    [{ url: 'https://gitlab.com/acme/tg.git' }],
    ['acme'],
    ['acme/tg/extra'],
    [{ url: 'https://github.com/acme' }],
    ['acme/t g'],
  ])('refuses %j with the field and the fix', (repository) => {
    const error = (() => {
      try {
        repositoryOf({ repository });
      } catch (e) {
        return e;
      }
    })() as TollgateError;
    expect(error).toBeInstanceOf(TollgateError);
    expect(error.field).toBe('repository');
    expect(error.fix).toContain('github:OWNER/NAME');
  });

  it('reads the package.json this repository ships', () => {
    expect(repositoryOf(manifest)).toMatch(/^[\w.-]+\/[\w.-]+$/);
  });
});

describe('releaseOf and the stamp', () => {
  it('a development build pins the tag of its version', () => {
    expect(releaseOf({ version: '1.4.2', repository: 'github:tollgate-dev/tollgate' })).toEqual(tagged);
  });

  it('a stamped build pins the commit the release workflow recorded', () => {
    const stamp = { version: '1.4.2', tag: 'v1.4.2', sha: SHA };
    expect(releaseOf({ version: '1.4.2', repository: 'github:tollgate-dev/tollgate' }, stamp)).toEqual(
      stamped,
    );
  });

  it.each([
    [{ version: '1.4.1', tag: 'v1.4.1', sha: SHA }, /for "v1.4.1", but package.json says v1.4.2/],
    [{ version: '1.4.2', tag: 'v1.4.2', sha: 'abc123' }, /not a full 40-character commit SHA/],
    [{ version: '1.4.2', tag: 'v1.4.2', sha: 'A'.repeat(40) }, /not a full 40-character commit SHA/],
    [{ version: '1.4.2', tag: 'v1.4.2' }, /"sha"/],
    ['v1.4.2', /for undefined/],
  ])('refuses a stamp %j that does not belong to the package', (stamp, message) => {
    expect(() => checkStamp(stamp, 'v1.4.2')).toThrow(message);
  });

  it.each([['1.4'], ['v1.4.2'], [142], [undefined]])('refuses version %j', (version) => {
    expect(() => releaseOf({ version, repository: 'a/b' })).toThrow(/not a semantic version/);
  });

  it.each([
    ['1.4.2', 'v1'],
    ['0.3.0', 'v0'],
    ['12.0.0-rc.1', 'v12'],
  ])('the major tag of %s is %s', (version, tag) => {
    expect(majorTag(version)).toBe(tag);
  });

  it('actionReference: a commit with the tag as comment, or the tag alone', () => {
    expect(actionReference(stamped, 'retrain')).toEqual({
      uses: `tollgate-dev/tollgate/actions/retrain@${SHA}`,
      comment: 'v1.4.2',
    });
    expect(actionReference(tagged, 'retrain')).toEqual({
      uses: 'tollgate-dev/tollgate/actions/retrain@v1.4.2',
    });
  });
});

describe('pinTollgateUses', () => {
  it.each([
    [
      '      - uses: tollgate-dev/tollgate/actions/validate@v1',
      `      - uses: tollgate-dev/tollgate/actions/validate@${SHA} # v1.4.2`,
    ],
    [
      '        uses: tollgate-dev/tollgate/actions/evidence@v1',
      `        uses: tollgate-dev/tollgate/actions/evidence@${SHA} # v1.4.2`,
    ],
    [
      `  - uses: tollgate-dev/tollgate/actions/promote@${'b'.repeat(40)} # v1.0.0`,
      `  - uses: tollgate-dev/tollgate/actions/promote@${SHA} # v1.4.2`,
    ],
    [
      "  - uses: 'tollgate-dev/tollgate/actions/rollback@v1'",
      `  - uses: 'tollgate-dev/tollgate/actions/rollback@${SHA}' # v1.4.2`,
    ],
    [
      '  - uses: "Tollgate-Dev/Tollgate/actions/incident@main"  # pinned',
      `  - uses: "tollgate-dev/tollgate/actions/incident@${SHA}" # v1.4.2`,
    ],
    [
      '  - uses: tollgate-dev/tollgate/actions/scheduler@v1\r',
      `  - uses: tollgate-dev/tollgate/actions/scheduler@${SHA} # v1.4.2\r`,
    ],
  ])('rewrites %j', (line, expected) => {
    const result = pinTollgateUses(`${line}\n`, stamped);
    expect(result.text).toBe(`${expected}\n`);
    expect(result.changes).toHaveLength(1);
    expect(result.changes[0]!.line).toBe(1);
  });

  it.each([
    ['      - uses: actions/checkout@v5'],
    ['      - uses: someone-else/tollgate/actions/validate@v1'],
    ['      - uses: tollgate-dev/tollgate-extra/actions/validate@v1'],
    ['      - uses: ./actions/validate'],
    ['      # uses: tollgate-dev/tollgate/actions/validate@v1'],
    ['      run: echo "uses: tollgate-dev/tollgate/actions/validate@v1"'],
    ['      - uses: docker://tollgate-dev/tollgate/actions/validate@v1'],
  ])('leaves %j alone', (line) => {
    const result = pinTollgateUses(`${line}\n`, stamped);
    expect(result.text).toBe(`${line}\n`);
    expect(result.changes).toEqual([]);
  });

  it('reports, and leaves, a path under the repository that this release does not ship', () => {
    const text = 'steps:\n  - uses: tollgate-dev/tollgate/actions/from-the-future@v9\n';
    expect(pinTollgateUses(text, stamped)).toEqual({
      text,
      changes: [],
      unknown: [{ line: 2, action: 'from-the-future' }],
    });
  });

  it('a line already at the release is no change', () => {
    const line = `  - uses: tollgate-dev/tollgate/actions/validate@${SHA} # v1.4.2\n`;
    expect(pinTollgateUses(line, stamped).changes).toEqual([]);
  });
});

describe('every file derives its action references from package.json', () => {
  const repository = repositoryOf(manifest);

  it('TOLLGATE_ACTIONS lists exactly the actions the repository ships', () => {
    const shipped = readdirSync(join(root, 'actions'))
      .filter((d) => existsSync(join(root, 'actions', d, 'action.yml')))
      .sort();
    expect([...TOLLGATE_ACTIONS]).toEqual(shipped);
  });

  it("the templates name package.json's repository for every Tollgate action, so init can pin them", () => {
    const folder = join(root, 'templates', 'workflows');
    const seen = new Set<string>();
    for (const file of readdirSync(folder)) {
      const text = readFileSync(join(folder, file), 'utf8');
      const steps = Object.values(
        (load(text) as { jobs: Record<string, { steps?: { uses?: string }[] }> }).jobs,
      )
        .flatMap((job) => job.steps ?? [])
        .map((s) => s.uses)
        .filter(
          (u): u is string => u !== undefined && /\/actions\/[\w-]+@/.test(u) && !u.startsWith('actions/'),
        );
      for (const uses of steps) {
        expect(uses.startsWith(`${repository}/actions/`), `${file}: ${uses}`).toBe(true);
        seen.add(/\/actions\/([\w-]+)@/.exec(uses)![1]!);
      }
      // Every such line is one init rewrites (nothing hides in a form the pattern misses).
      expect(pinTollgateUses(text, releaseOf(manifest)).changes.length, file).toBe(steps.length);
    }
    expect([...seen].sort()).toEqual([...TOLLGATE_ACTIONS]);
  });

  it("the docs name package.json's repository at its major tag, and no placeholder owner", () => {
    const major = majorTag(manifest.version);
    const docs = [
      'README.md',
      ...readdirSync(join(root, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`),
    ];
    let references = 0;
    for (const doc of docs) {
      const text = readFileSync(join(root, doc), 'utf8');
      expect(text, doc).not.toMatch(/(OWNER|<owner>|YOUR_ORG)\/tollgate\//i);
      for (const m of text.matchAll(/uses: ([\w.-]+\/[\w.-]+)\/actions\/([\w-]+)@(<[^>\n]+>|[^\s`]+)/g)) {
        references += 1;
        // The major tag, or a placeholder in angle brackets where a page explains the exact pin.
        const ref = m[3]!.startsWith('<') ? major : m[3];
        expect(`${m[1]}@${ref}`, `${doc}: ${m[0]}`).toBe(`${repository}@${major}`);
        expect(TOLLGATE_ACTIONS as readonly string[], `${doc}: ${m[0]}`).toContain(m[2]);
      }
    }
    expect(references).toBeGreaterThan(0);
  });
});
