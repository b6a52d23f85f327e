// The workflow templates, as `tollgate init` renders them, through the same static analysis `tollgate doctor` runs on
// a live repository's workflows (src/doctor/workflows.ts): a template init installs can never fail doctor. Each rule
// is then shown to catch its attack on a real template, so an analyzer that stopped looking would fail here too.
// installed-credentials.test.ts holds the template-specific expectations (which jobs hold which key, the least
// permissions per job, the two-job retrain); this file holds the general rules.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeWorkflow } from '../../src/doctor/workflows.ts';
import { workflowTemplates } from '../../src/init/installed.ts';
import { WORKFLOWS } from '../../src/init/plan.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const STAMPED = { repository: 'tollgate-dev/tollgate', version: '1.4.0', tag: 'v1.4.0', sha: 'c'.repeat(40) };
const NAMES = [...WORKFLOWS, 'site'];
const rendered = workflowTemplates(NAMES, STAMPED);
const path = (name: string) => `.github/workflows/tollgate-${name}.yml`;
// The strictest reading: a job without `permissions:` counts as holding a writing GITHUB_TOKEN.
const analyze = (name: string, text: string) =>
  analyzeWorkflow(path(name), text, { full: true, defaultReadOnly: false });
const idsOf = (name: string, text: string) => analyze(name, text).map((f) => `${f.id} @ ${f.where}`);

describe('every template init installs', () => {
  it.each(NAMES)('tollgate-%s.yml passes every rule doctor checks', (name) => {
    expect(analyze(name, rendered[name]!)).toEqual([]);
  });

  it("pins Tollgate's own actions by tag only in a development build, and doctor says so as a note", () => {
    const dev = workflowTemplates(['promote'], {
      repository: 'tollgate-dev/tollgate',
      version: '1.4.0',
      tag: 'v1.4.0',
    });
    const findings = analyze('promote', dev.promote!);
    expect(findings.map((f) => [f.id, f.severity])).toEqual([['tollgate-action-not-pinned', 'note']]);
  });

  it("keeps this repository's own workflows from reading the App key outside its environments", () => {
    const dir = join(ROOT, '.github/workflows');
    for (const file of readdirSync(dir))
      expect(
        analyzeWorkflow(`.github/workflows/${file}`, readFileSync(join(dir, file), 'utf8'), { full: false }),
      ).toEqual([]);
  });
});

describe('the rules catch their attack on a real template', () => {
  it('a job that reads the App key without an environment (attack 1)', () => {
    const text = rendered.promote!.replace(/^ {4}environment: tollgate\n/m, '');
    expect(idsOf('promote', text)).toEqual([
      'app-key-without-environment @ .github/workflows/tollgate-promote.yml job promote',
    ]);
    const elsewhere = rendered['signoff-gate']!.replace('environment: tollgate', 'environment: staging');
    expect(idsOf('signoff-gate', elsewhere)).toEqual([
      'app-key-without-environment @ .github/workflows/tollgate-signoff-gate.yml job gate',
    ]);
  });

  it('the emergency push key outside the emergency environment (attack 1)', () => {
    const text = rendered.rollback!.replace('environment: tollgate-emergency', 'environment: tollgate');
    expect(idsOf('rollback', text)).toEqual([
      'emergency-key-without-environment @ .github/workflows/tollgate-rollback.yml job rollback',
    ]);
  });

  it('a job that runs repository code while it holds a write credential (attack 5)', () => {
    // A set-up step in the recording job, which holds the App token.
    const script = rendered.retrain!.replace(
      '      # Outside the workspace:',
      '      - run: ./scripts/prepare.sh\n      # Outside the workspace:',
    );
    expect(script).not.toBe(rendered.retrain);
    expect(idsOf('retrain', script)).toEqual([
      'user-code-with-write-token @ .github/workflows/tollgate-retrain.yml job record',
    ]);
    // The training job given a writing token.
    const writing = rendered.retrain!.replace(/( {4}permissions:\n {6}contents: )read/, '$1write');
    expect(idsOf('retrain', writing)).toEqual([
      'user-code-with-write-token @ .github/workflows/tollgate-retrain.yml job train',
    ]);
    // Training in the recording job (mode `all`, the single-job retrain of old).
    const oneJob = rendered.retrain!.replace('mode: record', 'mode: all');
    expect(idsOf('retrain', oneJob)).toEqual([
      'user-code-with-write-token @ .github/workflows/tollgate-retrain.yml job record',
    ]);
    // A job with no permissions anywhere counts as writing unless the repository's default is read-only.
    const noBlock = rendered['review-relay']!.replace(/^permissions: \{\}\n/m, '');
    expect(
      analyzeWorkflow(path('review-relay'), noBlock, { full: true, defaultReadOnly: true }).map((f) => f.id),
    ).toEqual(['workflow-permissions-not-empty']);
    expect(idsOf('review-relay', noBlock)).toEqual([
      'workflow-permissions-not-empty @ .github/workflows/tollgate-review-relay.yml',
      'user-code-with-write-token @ .github/workflows/tollgate-review-relay.yml job relay',
    ]);
  });

  it('a metrics command run where the App token is (issue 16)', () => {
    // The single-job monitor of old: the monitor action, with no mode, in the job that mints the App token.
    const oneJob = rendered.monitor!.replace(/^ {10}mode: record\n/m, '');
    expect(oneJob).not.toBe(rendered.monitor);
    expect(idsOf('monitor', oneJob)).toEqual([
      'user-code-with-write-token @ .github/workflows/tollgate-monitor.yml job monitor',
    ]);
    // The observe job given the App token's job's permission to dispatch workflows.
    const writing = rendered.monitor!.replace(
      /( {4}permissions:\n {6}contents: read\n)/,
      '$1      actions: write\n',
    );
    expect(writing).not.toBe(rendered.monitor);
    expect(idsOf('monitor', writing)).toEqual([
      'user-code-with-write-token @ .github/workflows/tollgate-monitor.yml job observe',
    ]);
    // A secret handed to the metrics commands.
    const secret = rendered.monitor!.replace(
      /( {10}mode: observe\n)/,
      '$1        env:\n          PROMETHEUS_TOKEN: ${{ secrets.PROMETHEUS_TOKEN }}\n',
    );
    expect(idsOf('monitor', secret)).toContain(
      'user-code-with-write-token @ .github/workflows/tollgate-monitor.yml job observe',
    );
  });

  it('a third-party action referenced by tag or branch (attack 6)', () => {
    const text = rendered.validate!.replace(
      /actions\/checkout@[0-9a-f]{40} # v5\.0\.0/,
      'actions/checkout@v5',
    );
    expect(idsOf('validate', text)).toEqual([
      'action-not-pinned @ .github/workflows/tollgate-validate.yml job validate',
    ]);
    const short = rendered.validate!.replace(
      /(actions\/checkout@)([0-9a-f]{40})/,
      (_m, a: string, sha: string) => a + sha.slice(0, 12),
    );
    expect(idsOf('validate', short)).toEqual([
      'action-not-pinned @ .github/workflows/tollgate-validate.yml job validate',
    ]);
  });

  it("an artifact from another run, in a job that holds a write credential (the monitor's observations)", () => {
    const text = rendered.monitor!.replace(
      /( {10}name: tollgate-observations\n)( {10}path: \$\{\{ runner\.temp \}\}\/tollgate-observations\n)(?= {6}#)/,
      '$1          run-id: ${{ github.event.client_payload.run }}\n          github-token: ${{ github.token }}\n$2',
    );
    expect(text).not.toBe(rendered.monitor);
    expect(idsOf('monitor', text)).toEqual([
      'artifact-from-another-run @ .github/workflows/tollgate-monitor.yml job monitor',
    ]);
  });

  it('an expression expanded into a shell script (script injection)', () => {
    const text = rendered['review-relay']!.replace(
      'echo "review on pull request ${PR} relayed',
      'echo "review on ${{ github.event.pull_request.title }} relayed',
    );
    expect(text).not.toBe(rendered['review-relay']);
    expect(idsOf('review-relay', text)).toEqual([
      'expression-in-run @ .github/workflows/tollgate-review-relay.yml job relay',
    ]);
  });

  it('workflow-level permissions other than {} (attack 6)', () => {
    for (const replacement of ['permissions: read-all', 'permissions:\n  contents: read', ''])
      expect(idsOf('evidence', rendered.evidence!.replace(/^permissions: \{\}$/m, replacement))).toContain(
        'workflow-permissions-not-empty @ .github/workflows/tollgate-evidence.yml',
      );
  });
});
