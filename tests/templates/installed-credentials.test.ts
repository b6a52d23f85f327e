// The workflow templates as a writer without admin rights would attack them (issue 13, points 1, 5 and 6): a
// branch of their own cannot reach the App key, the job that runs training code holds no write credential, no
// job's GITHUB_TOKEN holds more than it uses, only the gate's job can post checks, third-party actions are pinned
// by commit, and actionlint accepts every workflow.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, WORKFLOWS } from '../../src/init/plan.ts';
import { lintWorkflow } from '../../scripts/actionlint.ts';

const ROOT = join(import.meta.dirname, '..', '..');
type Step = { id?: string; uses?: string; run?: string; with?: Record<string, unknown>; if?: string };
type Job = {
  environment?: string | { name: string };
  permissions?: Record<string, string>;
  steps: Step[];
  needs?: string;
  if?: string;
};
type Workflow = { permissions?: unknown; jobs: Record<string, Job> };

const text = (name: string) =>
  readFileSync(join(ROOT, 'templates/workflows', `tollgate-${name}.yml`), 'utf8');
const templates = WORKFLOWS.map((name) => ({
  name,
  raw: text(name),
  workflow: load(text(name)) as Workflow,
}));
const jobs = templates.flatMap(({ name, raw, workflow }) =>
  Object.entries(workflow.jobs).map(([id, job]) => ({
    template: name,
    id,
    job,
    raw: JSON.stringify(job),
    file: raw,
  })),
);
const environmentOf = (job: Job) =>
  typeof job.environment === 'string' ? job.environment : job.environment?.name;
const mintsAppToken = (step: Step) => String(step.uses).startsWith('actions/create-github-app-token@');
const runsTollgate = (step: Step, action: string) =>
  String(step.uses).includes(`/tollgate/actions/${action}@`);

/** The least each job's GITHUB_TOKEN needs; an App token does every write. */
const LEAST: Record<string, Record<string, Record<string, string>>> = {
  validate: { validate: { contents: 'read' } },
  retrain: { train: { contents: 'read', 'pull-requests': 'read' }, record: {} },
  // The sweep records through the App; its own token only opens and comments on incident issues.
  scheduler: {
    tick: { contents: 'read', actions: 'write', 'pull-requests': 'read' },
    escalate: { issues: 'write' },
    digest: {},
  },
  promote: { promote: {} },
  'signoff-gate': { gate: {} },
  'review-relay': { relay: {} },
  rollback: { rollback: {} },
  // Records and pushes through the App; its own token only opens and comments on the incident's issue.
  incident: { incident: { issues: 'write' } },
  // The observe job runs the metrics commands and reads nothing else; the monitor job's own token only dispatches
  // the retrain and incident workflows; state goes through the App.
  monitor: { observe: { contents: 'read' }, monitor: { actions: 'write' } },
  evidence: {
    export: { contents: 'read', 'pull-requests': 'read', checks: 'read' },
    // Signs and stores the bundle's attestation; runs nothing but the attest action.
    attest: { contents: 'read', 'id-token': 'write', attestations: 'write' },
  },
  'state-merge': { merge: {} },
};

describe('the App key (attack 1: a workflow pushed on a branch mints the App token)', () => {
  it('is read only by jobs in an environment that init restricts to the default branch', () => {
    const readers = jobs.filter(({ raw }) => raw.includes('secrets.TOLLGATE_APP_KEY'));
    expect(readers.map((j) => `${j.template}/${j.id}`).sort()).toEqual(
      [
        'incident/incident',
        'monitor/monitor',
        'promote/promote',
        'retrain/record',
        'rollback/rollback',
        'scheduler/digest',
        'scheduler/escalate',
        'signoff-gate/gate',
        'state-merge/merge',
      ].sort(),
    );
    for (const { template, id, job } of readers)
      expect(Object.values(ENVIRONMENTS), `${template}/${id}`).toContain(environmentOf(job));
    // Every step that mints a token sits in one of those jobs.
    for (const { template, id, job } of jobs.filter(({ job }) => job.steps.some(mintsAppToken)))
      expect(environmentOf(job), `${template}/${id}`).toBeDefined();
  });

  it('reads the App id from a variable and the key from a secret, never from the repository', () => {
    for (const { job } of jobs)
      for (const step of job.steps.filter(mintsAppToken))
        expect(step.with).toMatchObject({
          'app-id': '${{ vars.TOLLGATE_APP_ID }}',
          'private-key': '${{ secrets.TOLLGATE_APP_KEY }}',
        });
  });

  it("names the App's own bot to the gate and the state merge, so another bot's pull request writes no records", () => {
    for (const [template, action] of [
      ['signoff-gate', 'signoff-gate'],
      ['state-merge', 'state-merge'],
    ] as const) {
      const { job } = jobs.find(
        (j) => j.template === template && j.job.steps.some((s) => runsTollgate(s, action)),
      )!;
      const step = job.steps.find((s) => runsTollgate(s, action))!;
      const minted = job.steps.find(mintsAppToken)!;
      expect(step.with?.['app-slug'], template).toBe(`\${{ steps.${minted.id}.outputs.app-slug }}`);
    }
  });

  it('gives only the sign-off gate a token that can write check runs; every other App token is narrowed', () => {
    for (const { template, id, job } of jobs)
      for (const step of job.steps.filter(mintsAppToken)) {
        const asked = Object.fromEntries(
          Object.entries(step.with ?? {}).filter(([key]) => key.startsWith('permission-')),
        );
        if (template === 'signoff-gate') expect(asked['permission-checks']).toBe('write');
        // It reads the checks it merges on; it cannot write one.
        // The digest only reads: pull requests, the heads it fetches, and who is in a team.
        else if (template === 'scheduler' && id === 'digest')
          expect(asked).toEqual({
            'permission-contents': 'read',
            'permission-pull-requests': 'read',
            'permission-members': 'read',
          });
        else if (template === 'state-merge')
          expect(asked).toEqual({
            'permission-contents': 'write',
            'permission-pull-requests': 'write',
            'permission-checks': 'read',
          });
        else
          expect(asked, `${template}/${id}`).toEqual({
            'permission-contents': 'write',
            'permission-pull-requests': 'write',
          });
      }
  });

  it('keeps the emergency push key in the rollback and incident jobs, alone in their own environment', () => {
    const holders = jobs.filter(({ raw }) => raw.includes('secrets.TOLLGATE_EMERGENCY_PUSH_KEY'));
    expect(holders.map((j) => `${j.template}/${j.id}`).sort()).toEqual([
      'incident/incident',
      'rollback/rollback',
    ]);
    for (const { job } of holders) expect(environmentOf(job)).toBe(ENVIRONMENTS.emergency);
    for (const { job } of jobs.filter((j) => !holders.includes(j)))
      expect(environmentOf(job)).not.toBe(ENVIRONMENTS.emergency);
  });
});

describe('the retrain (attack 5: training code reads the push token)', () => {
  const retrain = templates.find((t) => t.name === 'retrain')!.workflow;
  const { train, record } = retrain.jobs as { train: Job; record: Job };

  it('runs the training command in a job with no write credential and a checkout that keeps none', () => {
    const trains = train.steps.find((s) => runsTollgate(s, 'retrain'))!;
    expect(trains.with!.mode).toBe('train');
    expect(trains.with!.token).toBeUndefined();
    expect(Object.values(train.permissions!).every((level) => level === 'read')).toBe(true);
    expect(train.environment).toBeUndefined();
    expect(JSON.stringify(train)).not.toMatch(/secrets\.|create-github-app-token/);
    const checkout = train.steps.find((s) => String(s.uses).startsWith('actions/checkout@'))!;
    expect(checkout.with).toMatchObject({ 'persist-credentials': false });
  });

  it('records in a job that runs no training code, verifying what the training job reported', () => {
    expect(record.needs).toBe('train');
    expect(record.steps.every((s) => s.run === undefined)).toBe(true);
    const records = record.steps.find((s) => runsTollgate(s, 'retrain'))!;
    expect(records.with).toMatchObject({
      mode: 'record',
      report: '${{ needs.train.outputs.report }}',
      'output-dir': '${{ runner.temp }}/tollgate-training',
    });
    // The files land outside the workspace, where nothing runs them, under the name the training job uploaded.
    const download = record.steps.find((s) => String(s.uses).startsWith('actions/download-artifact@'))!;
    const upload = train.steps.find((s) => String(s.uses).startsWith('actions/upload-artifact@'))!;
    expect(download.with).toEqual({ name: upload.with!.name, path: '${{ runner.temp }}/tollgate-training' });
    expect(record.if).toContain("needs.train.outputs.status == 'failed'");
  });
});

describe('the monitor (a metrics command in model.yaml reads the App token)', () => {
  const monitor = templates.find((t) => t.name === 'monitor')!.workflow;
  const { observe, monitor: record } = monitor.jobs as { observe: Job; monitor: Job };

  it('runs the metrics commands in a job with no write credential and a checkout that keeps none', () => {
    const observes = observe.steps.find((s) => runsTollgate(s, 'monitor'))!;
    expect(observes.with!.mode).toBe('observe');
    expect(observes.with!.token).toBeUndefined();
    expect(observes.with!['dispatch-token']).toBeUndefined();
    expect(observe.permissions).toEqual({ contents: 'read' });
    expect(observe.environment).toBeUndefined();
    expect(JSON.stringify(observe)).not.toMatch(/secrets\.|create-github-app-token|github\.token/);
    const checkout = observe.steps.find((s) => String(s.uses).startsWith('actions/checkout@'))!;
    expect(checkout.with).toMatchObject({ 'persist-credentials': false });
  });

  it('judges and records in a job that runs no repository code, from what the observe job captured', () => {
    expect(record.needs).toBe('observe');
    expect(record.steps.every((s) => s.run === undefined)).toBe(true);
    const records = record.steps.find((s) => runsTollgate(s, 'monitor'))!;
    expect(records.with).toMatchObject({
      mode: 'record',
      observations: '${{ runner.temp }}/tollgate-observations',
    });
    const download = record.steps.find((s) => String(s.uses).startsWith('actions/download-artifact@'))!;
    const upload = observe.steps.find((s) => String(s.uses).startsWith('actions/upload-artifact@'))!;
    expect(download.with).toEqual({
      name: upload.with!.name,
      path: '${{ runner.temp }}/tollgate-observations',
    });
  });
});

describe('permissions and pins (attack 6)', () => {
  it('grants nothing at workflow level and the least per job', () => {
    for (const { name, workflow } of templates) {
      expect(workflow.permissions, name).toEqual({});
      const granted = Object.fromEntries(
        Object.entries(workflow.jobs).map(([id, job]) => [id, job.permissions ?? {}]),
      );
      expect(granted, name).toEqual(LEAST[name]);
    }
  });

  it('pins every third-party action by full commit, with its version in a comment', () => {
    const files = [
      ...templates.map((t) => ({ name: t.name, raw: t.raw })),
      ...readdirSync(join(ROOT, '.github/workflows')).map((f) => ({
        name: f,
        raw: readFileSync(join(ROOT, '.github/workflows', f), 'utf8'),
      })),
    ];
    let thirdParty = 0;
    for (const { name, raw } of files)
      for (const line of raw.split('\n').filter((l) => /^\s*(-\s+)?uses:/.test(l))) {
        // Tollgate's own actions are rendered by init from the version it is run as (the package's concern).
        if (line.includes('/tollgate/actions/')) continue;
        thirdParty += 1;
        expect(line, name).toMatch(/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
      }
    expect(thirdParty).toBeGreaterThanOrEqual(15);
  });

  it('pins the same version of an action everywhere', () => {
    const pins = new Map<string, Set<string>>();
    for (const { raw } of templates)
      for (const [, action, ref] of raw.matchAll(/uses: ([\w.-]+\/[\w.-]+)@(\S+ # \S+)/g)) {
        if (!pins.has(action!)) pins.set(action!, new Set());
        pins.get(action!)!.add(ref!);
      }
    for (const [action, refs] of pins) expect([...refs], action).toHaveLength(1);
  });
});

describe('actionlint', () => {
  const workflows = [
    ...templates.map((t) => ({ path: `templates/workflows/tollgate-${t.name}.yml`, raw: t.raw })),
    ...readdirSync(join(ROOT, '.github/workflows')).map((f) => ({
      path: `.github/workflows/${f}`,
      raw: readFileSync(join(ROOT, '.github/workflows', f), 'utf8'),
    })),
  ];

  it.each(workflows.map((w) => [w.path, w.raw]))('finds nothing in %s', async (path, raw) => {
    expect(await lintWorkflow(raw, path)).toEqual([]);
  });

  it('reports what it should: a job output that does not exist', async () => {
    const broken = text('retrain').replace('needs.train.outputs.report', 'needs.train.outputs.reprot');
    const problems = await lintWorkflow(broken, 'tollgate-retrain.yml');
    expect(problems.map((p) => p.message).join('\n')).toContain('reprot');
  });
});
