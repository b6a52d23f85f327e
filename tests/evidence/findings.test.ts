import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.ts';
import type { CliContext } from '../../src/cli/context.ts';
import type { Evidence } from '../../src/evidence/bundle.ts';
import { buildFindings, parsePointerChange, type FindingsInput } from '../../src/evidence/findings.ts';
import { buildScenario, removeRepo, type Scenario } from './repo.ts';

const person = (name: string, date: string) => ({ name, email: `${name}@example.com`, date });
const commit = (
  sha: string,
  date: string,
  author = 'mallory',
  trailers: { key: string; value: string }[] = [],
) => ({
  sha,
  parents: [],
  author: person(author, date),
  committer: person(author, date),
  subject: `commit ${sha}`,
  trailers,
  signature: { status: 'N' as const, code: '' },
  files: [],
});

function input(
  over: Partial<FindingsInput['evidence']> = {},
  rest: Partial<FindingsInput> = {},
): FindingsInput {
  return {
    evidence: {
      commits: [
        commit('a1', '2026-01-02T00:00:00Z'),
        commit('b2', '2026-01-03T00:00:00Z', 'ops', [{ key: 'Incident', value: 'INC-1' }]),
      ],
      pullRequests: [],
      stageHistory: [],
      incidents: [],
      events: [],
      headDate: '2026-01-10T00:00:00Z',
      ...over,
    } as FindingsInput['evidence'],
    integrity: {
      findings: [
        {
          sha: 'a1',
          subject: 'hotfix: put the new model back',
          kind: 'direct-push',
          missing: 'a pull request',
          changes: ['fraud production: v4 -> v5'],
        },
        { sha: 'zz', subject: 'out of scope', kind: 'direct-push', missing: 'a pull request' },
      ],
      allowed: [
        {
          sha: 'b2',
          subject: 'Roll back',
          kind: 'emergency-push',
          missing: 'nothing: P0 (allowed by policy)',
          changes: ['fraud production: v5 -> v4'],
        },
      ],
    },
    heldAt: new Map([['a1 fraud v5', 'INC-1: error rate 0.34']]),
    postmortems: new Map(),
    ...rest,
  };
}

describe('buildFindings', () => {
  it('names who pushed, what changed, and the held version it put back into service; emergencies are notices', () => {
    const findings = buildFindings(input());
    expect(findings.map((f) => [f.kind, f.severity])).toEqual([
      ['direct-push', 'violation'],
      ['emergency-push', 'notice'],
    ]);
    expect(findings[0]).toMatchObject({
      who: 'mallory <mallory@example.com>',
      changes: ['fraud production: v4 -> v5'],
      heldIntoService: [
        { model: 'fraud', stage: 'production', version: 'v5', reason: 'INC-1: error rate 0.34' },
      ],
    });
    expect(findings[0]!.detail).toContain(
      'put held version v5 back into fraud production (held: INC-1: error rate 0.34)',
    );
    expect(findings[1]).toMatchObject({ incident: 'INC-1', title: 'Emergency push (allowed by policy)' });
  });

  it('flags a merge that moved a stage with no verdict, and a requester who approved', () => {
    const pr = (number: number, extra: object) => ({
      number,
      found: true,
      reviewsKnown: false,
      reviews: [],
      ...extra,
    });
    const findings = buildFindings(
      input(
        {
          stageHistory: [
            {
              model: 'fraud',
              stage: 'staging',
              version: 'v5',
              since: '2026-01-04T00:00:00Z',
              sha: 'm1',
              subject: '',
              pullRequest: 2,
            },
            {
              model: 'fraud',
              stage: 'production',
              version: 'v5',
              since: '2026-01-05T00:00:00Z',
              sha: 'm2',
              subject: '',
              pullRequest: 3,
              requestedBy: 'erin',
            },
          ],
          pullRequests: [
            pr(2, { mergedAt: '2026-01-04T00:00:00Z', mergedBy: 'alice' }),
            pr(3, {
              recorded: [
                {
                  record: 'r',
                  event: 'promotion-merged',
                  approvers: [{ role: 'risk', login: 'Erin' }],
                  missingRoles: [],
                  gateCheck: 'success',
                },
              ],
            }),
          ],
        } as Partial<Evidence>,
        { integrity: { findings: [], allowed: [] } },
      ),
    );
    expect(findings.map((f) => f.kind).sort()).toEqual(['merge-without-verdict', 'requester-approved']);
    expect(findings.find((f) => f.kind === 'merge-without-verdict')!.detail).toContain(
      'pull request #2 moved fraud staging → v5',
    );
    expect(findings.find((f) => f.kind === 'requester-approved')!.detail).toBe(
      'pull request #3: Erin requested the change and approved it',
    );
  });

  it.each([
    // resolved at, postmortem text, head date → kind or nothing
    ['2026-01-08T00:00:00Z', undefined, 'postmortem-overdue'],
    ['2026-01-08T00:00:00Z', '## Impact\nTODO(author): who was affected', 'postmortem-overdue'],
    ['2026-01-09T12:00:00Z', '## Impact\nTODO(author): who was affected', 'postmortem-unfilled'],
    ['2026-01-09T12:00:00Z', undefined, undefined], // not due yet
    ['2026-01-08T00:00:00Z', '## Impact\nCard payments in EU for 2 h.', undefined],
  ])('postmortem of an incident resolved %s (%j): %s', (resolvedAt, text, kind) => {
    const findings = buildFindings(
      input(
        {
          incidents: [{ id: 'INC-9', models: ['fraud'], status: 'resolved', resolvedAt, timeline: [] }],
        } as Partial<Evidence>,
        {
          integrity: { findings: [], allowed: [] },
          postmortems: new Map(text === undefined ? [] : [['INC-9', text]]),
        },
      ),
    );
    expect(findings.map((f) => f.kind)).toEqual(kind ? [kind] : []);
  });

  it('reads the audit wording of a pointer move', () => {
    expect(parsePointerChange('fraud production: v1 -> v2')).toEqual({
      model: 'fraud',
      stage: 'production',
      from: 'v1',
      to: 'v2',
    });
    expect(parsePointerChange('policy.yaml changed')).toBeUndefined();
  });
});

describe('evidence export: findings first', () => {
  let s: Scenario;
  const work = mkdtempSync(join(tmpdir(), 'tollgate-findings-'));
  beforeAll(async () => {
    s = await buildScenario();
  });
  afterAll(() => {
    removeRepo(s.repo);
    rmSync(work, { recursive: true, force: true });
  });
  async function tollgate(...args: string[]) {
    let out = '';
    const context: CliContext = {
      cwd: work,
      repoRoot: s.repo.dir,
      registryDir: join(s.repo.dir, 'registry'),
      env: {},
      now: () => new Date('2026-02-01T00:00:00Z'),
      out: (t) => (out += `${t}\n`),
      err: () => {},
    };
    const [name, ...rest] = args;
    return { code: await commands.find((c) => c.name === name)!.run(rest, context), out };
  }

  it('opens every rendering with the summary and the findings; --strict exits 1', async () => {
    const plain = await tollgate('evidence', 'export', '--model', 'fraud', '--out', 'b1');
    expect(plain.code).toBe(0);
    expect(plain.out).toContain('Findings: ');
    const strict = await tollgate('evidence', 'export', '--model', 'fraud', '--out', 'b2', '--strict');
    expect(strict.code).toBe(1);
    const findings = JSON.parse(readFileSync(join(work, 'b2', 'findings.json'), 'utf8')) as {
      kind: string;
      sha?: string;
      who?: string;
    }[];
    expect(findings.find((f) => f.sha === s.directPush)).toMatchObject({
      kind: 'direct-push',
      who: 'Dana Dev <dana@example.com>',
    });
    expect(findings.some((f) => f.kind === 'emergency-push' && f.sha === s.emergency)).toBe(true);
    const evidence = JSON.parse(readFileSync(join(work, 'b2', 'evidence.json'), 'utf8')) as {
      summary: { models: string[]; auditedSince: string };
    };
    expect(evidence.summary).toMatchObject({ models: ['fraud'], auditedSince: s.baseline });
    const md = readFileSync(join(work, 'b2', 'report.md'), 'utf8');
    const html = readFileSync(join(work, 'b2', 'report.html'), 'utf8');
    for (const text of [md, html]) {
      expect(text.indexOf('Summary')).toBeGreaterThan(0);
      expect(text.indexOf('Findings')).toBeLessThan(text.indexOf('Timeline'));
      expect(text.indexOf('who requested, who approved')).toBeLessThan(text.indexOf('Timeline'));
    }
    // The adoption commit's events are folded out of the timeline.
    expect(md).toContain('from adopting Tollgate are left out here');
  });
});
