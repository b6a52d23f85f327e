import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isShallow } from '../../src/git/history.ts';
import { readObjects } from '../../src/git/reader.ts';
import {
  auditFileEvents,
  committerDate,
  mergeEvents,
  parseLog,
  pullRequestOf,
  readAuditEvents,
  readTrail,
  registryEventsFromTrail,
} from '../../src/evidence/history.ts';
import { buildScenario, commit, makeRepo, removeRepo, run, type Scenario } from './repo.ts';

let s: Scenario;
beforeAll(async () => {
  s = await buildScenario();
});
afterAll(() => removeRepo(s.repo));

describe('trailers (split by the git layer)', () => {
  // One record of `git log -z --format=<FORMAT> --raw` output with no changed files.
  const record = (message: string) =>
    `\x1e${['a'.repeat(40), '', 'A', 'a@x', 'T', 'C', 'c@x', 'T', 'N', message].join('\0')}\0`;
  const trailersOf = (message: string) => parseLog(record(message))[0]!.trailers;

  it('reads the final paragraph when every line is a trailer', () => {
    expect(trailersOf('Subject\n\nbody text\n\nModel: fraud\nVersion: v2\n')).toEqual([
      { key: 'Model', value: 'fraud' },
      { key: 'Version', value: 'v2' },
    ]);
    expect(parseLog(record('Subject\n\nbody text\n\nModel: fraud\n'))[0]!.body).toBe('body text');
  });
  it('ignores a final paragraph that is prose, and a subject-only message', () => {
    expect(trailersOf('Subject\n\nThis is: not all trailers\nbecause of this line')).toEqual([]);
    expect(trailersOf('Model: fraud')).toEqual([]);
  });
  it('joins continuation lines', () => {
    expect(trailersOf('S\n\nNote: first\n  second')).toEqual([{ key: 'Note', value: 'first second' }]);
  });
});

describe('pullRequestOf', () => {
  it('finds the number in a trailer, a merge subject or a squash suffix', () => {
    expect(pullRequestOf({ subject: 'x', trailers: [{ key: 'Pull-Request', value: '#12' }] })).toBe(12);
    expect(pullRequestOf({ subject: 'Merge pull request #7 from org/b', trailers: [] })).toBe(7);
    expect(pullRequestOf({ subject: 'Promote (#31)', trailers: [] })).toBe(31);
    expect(pullRequestOf({ subject: 'Promote #31 now', trailers: [] })).toBeUndefined();
  });
});

describe('readTrail', () => {
  it('reads first-parent commits with parents, people, trailers, signature status and files', async () => {
    const trail = await readTrail(s.repo.dir);
    expect(trail.map((c) => c.sha)).toContain(s.pr1.merge);
    // The branch commits of merged pull requests are not on the first-parent line.
    expect(trail.map((c) => c.sha)).not.toContain(s.pr1.head);
    const merge = trail.find((c) => c.sha === s.pr2.merge)!;
    expect(merge.parents).toHaveLength(2);
    expect(merge.files).toEqual([
      {
        status: 'M',
        path: 'registry/models/fraud/stages.yaml',
        blob: expect.stringMatching(/^[0-9a-f]{40}$/),
        previousBlob: expect.stringMatching(/^[0-9a-f]{40}$/),
      },
    ]);
    expect(merge.committer.date).toBe('2026-01-01T04:00:00Z');
    expect(merge.author).toEqual({
      name: 'Dana Dev',
      email: 'dana@example.com',
      date: '2026-01-01T04:00:00Z',
    });
    expect(merge.signature).toEqual({ status: 'none', code: 'N' });
    const squash = trail.find((c) => c.sha === s.squash3)!;
    expect(squash.subject).toBe('Promote fraud v2 to production (#3)');
    expect(squash.trailers).toContainEqual({ key: 'Requested-By', value: 'alice' });
  });

  it('limits by path and time', async () => {
    const other = await readTrail(s.repo.dir, { paths: ['registry/models/other/'] });
    expect(other.map((c) => c.sha)).toEqual([s.squashNoTrailers, s.baseline]);
    const window = await readTrail(s.repo.dir, {
      since: '2026-01-01T05:00:00Z',
      until: '2026-01-01T06:00:00Z',
    });
    expect(window.map((c) => c.sha)).toEqual([s.directPush, s.squash3]);
  });

  it('hands each commit to onCommit as git prints it, newest first, and returns the same trail', async () => {
    const seen: string[] = [];
    const streamed = await readTrail(s.repo.dir, { onCommit: (c) => seen.push(c.sha) });
    expect(streamed).toEqual(await readTrail(s.repo.dir));
    expect(seen).toEqual(streamed.map((c) => c.sha));
    await expect(readTrail(s.repo.dir, { ref: 'no-such-ref', onCommit: () => {} })).rejects.toThrow(
      /git log .* failed \(exit 128\)/,
    );
    // A failing callback stops the walk and is the answer.
    await expect(
      readTrail(s.repo.dir, {
        onCommit: () => {
          throw new Error('stop here');
        },
      }),
    ).rejects.toThrow('stop here');
  });

  it('refuses a shallow clone and says how to fix it', async () => {
    const shallow = await makeRepo();
    try {
      await run(shallow, ['clone', '-q', '--depth', '1', `file://${s.repo.dir}`, 'clone']);
      await expect(readTrail(`${shallow.dir}/clone`)).rejects.toMatchObject({
        message: expect.stringContaining('shallow clone'),
        fix: expect.stringContaining('fetch-depth: 0'),
      });
      expect(await readTrail(`${shallow.dir}/clone`, { allowShallow: true })).toHaveLength(1);
      // A linked worktree of the shallow clone, and a folder inside it, are shallow too.
      await run(shallow, ['-C', 'clone', 'worktree', 'add', '-q', '../linked']);
      expect(await isShallow(`${shallow.dir}/linked`)).toBe(true);
      expect(await isShallow(`${shallow.dir}/clone/registry`)).toBe(true);
      expect(await isShallow(s.repo.dir)).toBe(false);
      expect(await isShallow(`${s.repo.dir}/registry`)).toBe(false);
    } finally {
      removeRepo(shallow);
    }
  });

  it('keeps a commit message with odd characters intact', async () => {
    const repo = await makeRepo();
    try {
      await commit(repo, { 'registry/policy.yaml': 'x: 1\n' }, 'Ünïcode\x1f subject\n\nbody ✓\n\nModel: m');
      const [c] = await readTrail(repo.dir);
      expect(c!.subject).toBe('Ünïcode\x1f subject');
      expect(c!.body).toBe('body ✓');
      expect(c!.trailers).toEqual([{ key: 'Model', value: 'm' }]);
      expect(c!.files).toEqual([{ status: 'A', path: 'registry/policy.yaml', blob: expect.any(String) }]);
    } finally {
      removeRepo(repo);
    }
  });
});

describe('committerDate', () => {
  it('prints the committer time of a raw commit object in UTC (Z), whatever the committer offset', async () => {
    const repo = await makeRepo();
    try {
      await commit(repo, { 'registry/policy.yaml': 'x: 1\n' }, 'first');
      await run(repo, ['commit', '-q', '--allow-empty', '-m', 'east'], '2026-03-01T10:00:00+05:30');
      await run(repo, ['commit', '-q', '--allow-empty', '-m', 'west'], '2026-03-01T10:00:00-07:00');
      for (const rev of ['HEAD', 'HEAD~1', 'HEAD~2']) {
        const [object] = (await readObjects(repo.dir, [rev])).values();
        const iso = await run(repo, ['log', '-1', '--format=%cI', rev]);
        const shown = committerDate(object!.content.toString('utf8'))!;
        expect(shown).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        expect(Date.parse(shown)).toBe(Date.parse(iso));
      }
      // East of UTC: 10:00+05:30 is 04:30Z.
      {
        const [object] = (await readObjects(repo.dir, ['HEAD~1'])).values();
        expect(committerDate(object!.content.toString('utf8'))).toBe('2026-03-01T04:30:00Z');
      }
    } finally {
      removeRepo(repo);
    }
  });
});

describe('signatures and deletions', () => {
  it('reports a good SSH signature, no signature, and a deleted file without a blob', async () => {
    const repo = await makeRepo();
    try {
      const key = join(repo.dir, '..', `${basename(repo.dir)}-key`);
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
      writeFileSync(`${key}.allowed`, `dana@example.com ${readFileSync(`${key}.pub`, 'utf8')}`);
      await run(repo, ['config', 'gpg.format', 'ssh']);
      await run(repo, ['config', 'user.signingkey', key]);
      await run(repo, ['config', 'gpg.ssh.allowedSignersFile', `${key}.allowed`]);
      await run(repo, ['config', 'commit.gpgsign', 'true']);
      await commit(repo, { 'registry/models/m/versions/v1.yaml': 'id: v1\n' }, 'Signed');
      await run(repo, ['config', 'commit.gpgsign', 'false']);
      await commit(repo, { 'registry/models/m/versions/v1.yaml': null }, 'Remove v1');
      const [removed, signed] = await readTrail(repo.dir);
      expect(signed!.signature).toEqual({ status: 'good', code: 'G' });
      expect(removed!.signature.status).toBe('none');
      expect(removed!.files).toEqual([
        { status: 'D', path: 'registry/models/m/versions/v1.yaml', previousBlob: signed!.files[0]!.blob },
      ]);
      expect(registryEventsFromTrail([removed!])[0]).toMatchObject({
        event: 'version-removed',
        version: 'v1',
      });
      for (const suffix of ['', '.pub', '.allowed']) rmSync(`${key}${suffix}`, { force: true });
    } finally {
      removeRepo(repo);
    }
  });
});

describe('registry events', () => {
  it('takes trailer events, infers the rest from paths, and attributes pull requests', async () => {
    const events = registryEventsFromTrail(await readTrail(s.repo.dir));
    const bySha = (sha: string) => events.filter((e) => e.sha === sha);
    expect(bySha(s.pr2.merge)).toEqual([
      expect.objectContaining({ event: 'stage-changed', model: 'fraud', pullRequest: 2 }),
    ]);
    expect(bySha(s.squash3)).toEqual([
      expect.objectContaining({
        event: 'promote',
        model: 'fraud',
        version: 'v2',
        stage: 'production',
        pullRequest: 3,
        requestedBy: 'alice',
      }),
    ]);
    expect(
      bySha(s.directPush)
        .map((e) => e.event)
        .sort(),
    ).toEqual(['stage-changed', 'version-added']);
    expect(bySha(s.emergency)[0]).toMatchObject({ event: 'rollback', incident: 'INC-20260101-100000-abc' });
  });

  it('reads audit-event files at a ref and merges them in time order', async () => {
    const files = await readAuditEvents(s.repo.dir, 'HEAD');
    expect(files.map((f) => f.path)).toEqual(['registry/audit/2026/01/20260101T150000Z-note.yaml']);
    expect(await readAuditEvents(s.repo.dir, s.baseline)).toEqual([]);
    const merged = mergeEvents(registryEventsFromTrail(await readTrail(s.repo.dir)), auditFileEvents(files));
    const times = merged.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(merged.find((e) => e.source === 'audit-file')).toMatchObject({
      event: 'schedule-paused',
      actor: 'olga',
    });
  });
});
