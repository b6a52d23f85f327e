// History agrees with the audit records before adoption; one timestamp format (UTC Z); no incident before detection.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.ts';
import type { CliContext } from '../../src/cli/context.ts';
import { collectEvidence } from '../../src/evidence/bundle.ts';
import { versionFromAuditRecords } from '../../src/evidence/history-at.ts';
import type { AuditEvent } from '../../src/registry/types.ts';
import { commit, makeRepo, POLICY, removeRepo, stagesYaml, versionYaml, type TestRepo } from './repo.ts';

const record = (id: string, at: string, version: string, stage = 'production'): AuditEvent => ({
  apiVersion: 'tollgate/v1',
  kind: 'AuditEvent',
  id,
  at,
  event: 'version-served',
  actor: 'ops',
  model: 'fraud',
  stage,
  version,
});

describe('versionFromAuditRecords', () => {
  const events = [
    record('20251201T000000Z-a', '2025-12-01T00:00:00Z', 'v0'),
    record('20251215T000000Z-b', '2025-12-15T00:00:00Z', 'v1'),
    record('20251210T000000Z-c', '2025-12-10T00:00:00Z', 'v9', 'staging'),
  ];
  it.each([
    ['2025-11-30T00:00:00Z', undefined],
    ['2025-12-01T00:00:00Z', 'v0'],
    ['2025-12-14T23:59:59Z', 'v0'],
    ['2025-12-20T00:00:00Z', 'v1'],
  ])('at %s: %s', (at, version) => {
    expect(versionFromAuditRecords(events, 'fraud', 'production', at)?.version).toBe(version);
  });
});

let repo: TestRepo;
const INC = 'INC-20260101-030000-abc';
beforeAll(async () => {
  repo = await makeRepo();
  await commit(
    repo,
    {
      'registry/policy.yaml': POLICY,
      'registry/models/fraud/model.yaml':
        'apiVersion: tollgate/v1\nkind: Model\nname: fraud\nowners:\n  users: [olga]\n',
      'registry/models/fraud/stages.yaml': stagesYaml('fraud', { production: 'v1' }),
      'registry/models/fraud/versions/v1.yaml': versionYaml('fraud', 'v1'),
      // What served before Tollgate: recorded as an audit event at adoption.
      'registry/audit/2025/12/20251215T000000Z-before.yaml':
        'apiVersion: tollgate/v1\nkind: AuditEvent\nid: 20251215T000000Z-before\nat: 2025-12-15T00:00:00Z\nevent: version-served\nactor: ops\nmodel: fraud\nstage: production\nversion: v0\n',
    },
    'Adopt Tollgate\n\nTollgate-Event: init',
  );
  // The incident record says it was detected at 03:00, but it was committed at 01:00 (a clock ahead).
  await commit(
    repo,
    {
      [`registry/incidents/${INC}.yaml`]: `apiVersion: tollgate/v1
kind: Incident
id: ${INC}
title: error rate
severity: P2
status: open
models: [fraud]
detected_at: '2026-01-01T03:00:00Z'
timeline:
  - at: '2026-01-01T03:00:00Z'
    event: detected
`,
    },
    `Open incident ${INC}\n\nTollgate-Event: incident-opened\nIncident: ${INC}\nModel: fraud`,
  );
});
afterAll(() => removeRepo(repo));

async function tollgate(...args: string[]) {
  let out = '';
  const context: CliContext = {
    cwd: repo.dir,
    repoRoot: repo.dir,
    registryDir: join(repo.dir, 'registry'),
    env: {},
    now: () => new Date('2026-01-02T00:00:00Z'),
    out: (t) => (out += `${t}\n`),
    err: () => {},
  };
  const [name, ...rest] = args;
  return { code: await commands.find((c) => c.name === name)!.run(rest, context), out };
}

describe('history --at before adoption', () => {
  it('answers from the audit record instead of "no version"', async () => {
    const r = await tollgate('history', 'fraud', '--stage', 'production', '--at', '2025-12-20T00:00:00Z');
    expect(r.out).toContain('production   v0 per audit record 20251215T000000Z-before');
    const json = JSON.parse(
      (
        await tollgate(
          'history',
          'fraud',
          '--stage',
          'production',
          '--at',
          '2025-12-20T00:00:00Z',
          '--format',
          'json',
        )
      ).out,
    ) as { holder: unknown; recordedHolder: { version: string } }[];
    expect(json[0]).toMatchObject({ holder: null, recordedHolder: { version: 'v0' } });
    const before = await tollgate(
      'history',
      'fraud',
      '--stage',
      'production',
      '--at',
      '2025-11-01T00:00:00Z',
    );
    expect(before.out).toContain('(no version at 2025-11-01T00:00:00Z)');
  });
});

describe('evidence times', () => {
  it('writes every commit time in UTC with Z, and never shows an incident opened before its detection', async () => {
    const ev = await collectEvidence(repo.dir, { model: 'fraud' });
    for (const c of ev.commits) expect(c.committer.date).toMatch(/Z$/);
    for (const e of ev.events) expect(e.at, e.event).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const opened = ev.events.find((e) => e.event === 'incident-opened')!;
    expect(opened.at).toBe('2026-01-01T03:00:00Z');
    expect(opened.summary).toContain('committed 2026-01-01T01:00:00Z, before the detection it records');
    expect(ev.warnings.join('\n')).toContain(
      `incident ${INC}: its record was committed 2026-01-01T01:00:00Z`,
    );
  });
});
