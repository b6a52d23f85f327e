import { describe, expect, it } from 'vitest';
import { effectivePolicy } from '../../src/policy/effective.ts';
import { failed } from '../../src/scheduler/schedule.ts';
import { auditEventsRewritten, checkInvariants, validateRegistry } from '../../src/registry/invariants.ts';
import { loadRegistry, memoryReader } from '../../src/registry/load.ts';
import type { Problem, RegistryDocument, RegistryReader, Schedule } from '../../src/registry/types.ts';
import { serializeDocument } from '../../src/registry/writer.ts';
import { copy, VALID } from './fixtures.ts';

type Files = Record<string, RegistryDocument | string>;

function baseFiles(): Files {
  return Object.fromEntries(Object.values(VALID).map(({ path, doc }) => [path, copy(doc)]));
}

function reader(files: Files): RegistryReader {
  return memoryReader(
    Object.fromEntries(Object.entries(files).map(([p, d]) => [p, typeof d === 'string' ? d : serializeDocument(d)])),
  );
}

async function problemsOf(files: Files) {
  const { registry, problems } = await loadRegistry(reader(files));
  expect(problems).toEqual([]);
  return checkInvariants(registry);
}

const errors = (problems: Problem[]) => problems.filter((p) => p.severity === "error");

describe('checkInvariants', () => {
  it('finds nothing wrong with the fixtures', async () => {
    expect(await problemsOf(baseFiles())).toEqual([]);
  });

  it('a stage must point to an existing version of the same model', async () => {
    const files = baseFiles();
    (files[VALID.Stages.path] as { stages: object }).stages = { production: { version: 'v7' } };
    expect(await problemsOf(files)).toMatchObject([
      { file: VALID.Stages.path, line: 7, field: 'stages.production.version', message: /points to version v7/ },
    ]);
  });

  it('accepts the automatic pause the scheduler writes after repeated failures', async () => {
    const files = baseFiles();
    let schedule = copy(VALID.Schedule.doc) as Schedule;
    const policy = effectivePolicy(undefined);
    for (let i = 0; i < policy.schedule.pauseAfterFailures; i++)
      schedule = failed(schedule, new Date(Date.UTC(2026, 10, 1 + i)), 'trainer crashed', policy);
    expect(schedule.paused_reason).toMatch(/^system:/);
    expect(schedule.paused_until).toBeUndefined();
    files[VALID.Schedule.path] = schedule;
    expect(await problemsOf(files)).toEqual([]);
  });

  it('a stage pointing at an invalid version file says so instead of calling the version missing', async () => {
    const files = baseFiles();
    const stages = files[VALID.Stages.path] as { stages: Record<string, { version: string }> };
    const version = stages.stages.production!.version;
    const path = Object.keys(files).find((p) => p.endsWith(`/versions/${version}.yaml`))!;
    files[path] = `${serializeDocument(files[path] as RegistryDocument)}approved_by: mallory\n`;
    const { registry } = await loadRegistry(reader(files));
    expect(errors(checkInvariants(registry))).toMatchObject([
      { file: VALID.Stages.path, message: `stage production points to version ${version}, whose file is invalid` },
    ]);
  });

  it("a stage may not point to another model's version", async () => {
    const files = baseFiles();
    files['models/churn/model.yaml'] = { ...copy(VALID.Model.doc), name: 'churn' } as RegistryDocument;
    files['models/churn/versions/v2.yaml'] = { ...copy(VALID.ModelVersion.doc), model: 'churn', id: 'v2' } as RegistryDocument;
    (files[VALID.Stages.path] as { stages: object }).stages = { production: { version: 'v2' } };
    expect(errors(await problemsOf(files))).toMatchObject([{ message: /fraud does not have/ }]);
  });

  it('the file name must equal the id', async () => {
    const files = baseFiles();
    files['models/fraud/versions/v2.yaml'] = copy(VALID.ModelVersion.doc);
    expect(await problemsOf(files)).toMatchObject([
      { file: 'models/fraud/versions/v2.yaml', field: 'id', line: 4, message: /named v2\.yaml/ },
    ]);
  });

  it('the folder must equal the model', async () => {
    const files = baseFiles();
    files['models/other/model.yaml'] = { ...copy(VALID.Model.doc), name: 'other' } as RegistryDocument;
    files['models/other/stages.yaml'] = copy(VALID.Stages.doc);
    const [first] = await problemsOf(files);
    expect(first).toMatchObject({ file: 'models/other/stages.yaml', field: 'model', message: /in models\/other\// });
  });

  it('files of a model need its model.yaml', async () => {
    const files = baseFiles();
    delete files[VALID.Model.path];
    const found = await problemsOf(files);
    expect(found.map((p) => p.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/has no model\.yaml/)]),
    );
  });

  it('folder and file names must be safe names', async () => {
    const files = baseFiles();
    files['models/fraud/versions/V1.yaml'] = copy(VALID.ModelVersion.doc);
    expect((await problemsOf(files)).map((p) => p.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/file name "V1" is unsafe/)]),
    );
  });

  it('retrain request ids are unique across models', async () => {
    const files = baseFiles();
    files['models/churn/model.yaml'] = { ...copy(VALID.Model.doc), name: 'churn' } as RegistryDocument;
    files['models/churn/retrains/r1.yaml'] = { ...copy(VALID.RetrainRequest.doc), model: 'churn' } as RegistryDocument;
    expect(await problemsOf(files)).toMatchObject([{ file: 'models/fraud/retrains/r1.yaml', message: /also used by/ }]);
  });

  it('an audit event is filed under its own year and month', async () => {
    const files = baseFiles();
    const event = files[VALID.AuditEvent.path]!;
    delete files[VALID.AuditEvent.path];
    files['audit/2026/12/20261101T000000Z-abc.yaml'] = event;
    expect(await problemsOf(files)).toMatchObject([{ message: /filed under 2026\/12/ }]);
  });

  it.each([
    ['next_run before last_run', { next_run: '2026-10-01T00:00:00Z' }, /next_run .* is before last_run/],
    ['paused_until without a reason', { paused_until: '2026-12-01T00:00:00Z' }, /paused_until is set but paused_reason/],
    ['paused_by without a reason', { paused_by: 'bob' }, /paused_by is set but paused_reason/],
    ['a failure streak with no failure', { failure_streak: 2 }, /failure_streak is 2/],
    ['cooldown without a failure', { cooldown_until: '2026-11-03T00:00:00Z' }, /cooldown_until is set/],
    [
      'cooldown before the failure',
      { last_failure: '2026-11-03T00:00:00Z', failure_streak: 1, cooldown_until: '2026-11-02T00:00:00Z' },
      /cooldown_until is before/,
    ],
  ])('schedule: %s', async (_, change, message) => {
    const files = baseFiles();
    Object.assign(files[VALID.Schedule.path] as object, change);
    expect(errors(await problemsOf(files))).toMatchObject([{ file: VALID.Schedule.path, message }]);
  });

  it('schedule: interval must be positive and the model must match (schema and folder)', async () => {
    const files = baseFiles();
    Object.assign(files[VALID.Schedule.path] as object, { interval: 0, model: 'other' });
    const { problems, registry } = await loadRegistry(reader(files));
    expect(problems).toMatchObject([{ field: 'interval' }]);
    expect(registry.models.get('fraud')?.schedule).toBeUndefined();
  });

  it('sign-off rules may require only defined roles', async () => {
    const files = baseFiles();
    (files[VALID.Policy.path] as { signoff: { rules: { require: string[] }[] } }).signoff.rules[0]!.require = [
      'risk',
      'legal',
    ];
    expect(await problemsOf(files)).toMatchObject([
      { file: 'policy.yaml', field: 'signoff.rules.0.require.1', message: /role "legal"/ },
    ]);
  });

  it('validation.passed must agree with the gates', async () => {
    const files = baseFiles();
    const version = files[VALID.ModelVersion.path] as { validation: { gates: { pass: boolean }[] } };
    version.validation.gates[0]!.pass = false;
    expect(await problemsOf(files)).toMatchObject([{ field: 'validation.passed', message: /gates failed: auc/ }]);
  });

  it('a completed retrain names its version and completion time', async () => {
    const files = baseFiles();
    Object.assign(files[VALID.RetrainRequest.path] as object, { status: 'completed' });
    expect(errors(await problemsOf(files)).map((p) => p.field)).toEqual(['completed_at', 'version']);
  });

  it('warns about a held version at a stage and a dangling parent', async () => {
    const files = baseFiles();
    Object.assign(files[VALID.ModelVersion.path] as object, {
      parent: 'v0',
      held: { reason: 'incident', at: '2026-11-01T00:00:00Z', by: 'bob' },
    });
    const found = await problemsOf(files);
    expect(found.every((p) => p.severity === 'warning')).toBe(true);
    expect(found.map((p) => p.field)).toEqual(['stages.production.version', 'parent']);
  });
});

describe('validateRegistry', () => {
  it('with paths, checks those files and what refers to them', async () => {
    const files = baseFiles();
    // A broken file elsewhere, which a scoped run must not report.
    files['incidents/INC-20261101-000000-zz.yaml'] = 'apiVersion: tollgate/v1\nkind: Incident\n';
    delete files[VALID.ModelVersion.path];
    const r = reader(files);
    expect([...new Set((await validateRegistry(r)).map((p) => p.file))]).toEqual([
      'incidents/INC-20261101-000000-zz.yaml',
      'models/fraud/stages.yaml',
    ]);
    // The deleted version: its stage pointer is now dangling.
    expect(await validateRegistry(r, { paths: [VALID.ModelVersion.path] })).toMatchObject([
      { file: 'models/fraud/stages.yaml', message: /points to version v1/ },
    ]);
    expect(await validateRegistry(r, { paths: [VALID.AuditEvent.path] })).toEqual([]);
  });

  it('with paths, reads only the files it needs', async () => {
    const files = baseFiles();
    for (let i = 0; i < 50; i++) {
      files[`models/fraud/versions/x${i}.yaml`] = { ...copy(VALID.ModelVersion.doc), id: `x${i}` } as RegistryDocument;
    }
    const inner = reader(files);
    const reads: string[] = [];
    const counting: RegistryReader = {
      label: 'counting',
      list: async (dir) => {
        throw new Error(`list(${dir}) should not be needed`);
      },
      read: async (path) => {
        reads.push(path);
        return inner.read(path);
      },
    };
    expect(await validateRegistry(counting, { paths: ['models/fraud/versions/x3.yaml'] })).toEqual([]);
    expect(reads.length).toBeLessThanOrEqual(8);
  });
});

describe('auditEventsRewritten', () => {
  it('flags an edited or deleted audit event, and allows new ones', async () => {
    const base = reader(baseFiles());
    const edited = baseFiles();
    Object.assign(edited[VALID.AuditEvent.path] as object, { actor: 'mallory' });
    const added = 'audit/2026/11/20261102T000000Z-new.yaml';
    edited[added] = { ...copy(VALID.AuditEvent.doc), id: '20261102T000000Z-new' } as RegistryDocument;
    expect(await auditEventsRewritten(base, reader(edited), [VALID.AuditEvent.path, added])).toMatchObject([
      { file: VALID.AuditEvent.path, message: /was edited/ },
    ]);
    const deleted = baseFiles();
    delete deleted[VALID.AuditEvent.path];
    expect(await auditEventsRewritten(base, reader(deleted), [VALID.AuditEvent.path])).toMatchObject([
      { message: /was deleted/ },
    ]);
    expect(await auditEventsRewritten(base, base, [VALID.AuditEvent.path])).toEqual([]);
  });
});
