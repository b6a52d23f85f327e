// The evidence workflow: full history, every subject passed through, read-only token, the bundle uploaded, and the
// bundle and its artifact attested by a job that alone may sign and runs nothing else.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
type Yaml = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const yaml = (path: string) => load(readFileSync(join(ROOT, path), 'utf8')) as Yaml;

describe('templates/workflows/tollgate-evidence.yml', () => {
  const workflow = yaml('templates/workflows/tollgate-evidence.yml');
  const steps = workflow.jobs.export.steps as Yaml[];
  const evidence = steps.findIndex((s) => String(s.uses).includes('/actions/evidence@'));

  it('checks out the full history before the export, with a token that can only read', () => {
    const checkout = steps.findIndex((s) => String(s.uses).startsWith('actions/checkout@'));
    expect(checkout).toBeGreaterThanOrEqual(0);
    expect(checkout).toBeLessThan(evidence);
    expect(steps[checkout]!.with['fetch-depth']).toBe(0);
    expect(workflow.permissions).toEqual({});
    expect(Object.values(workflow.jobs.export.permissions).every((p) => p === 'read')).toBe(true);
  });

  it('passes each subject of a dispatch to an input the action declares', () => {
    const declared = Object.keys(yaml('actions/evidence/action.yml').inputs);
    const subjects = ['model', 'version', 'pr', 'incident', 'since', 'until'];
    expect(Object.keys(workflow.on.workflow_dispatch.inputs)).toEqual(subjects);
    for (const s of subjects) {
      expect(declared).toContain(s);
      expect(steps[evidence]!.with[s]).toBe(`\${{ inputs.${s} }}`);
    }
  });

  it('uploads the folder (files, manifest and bundle.tar.gz) as a workflow artifact after the export', () => {
    const id = steps[evidence]!.id as string;
    const upload = steps.findIndex((s) => String(s.uses).startsWith('actions/upload-artifact@'));
    expect(upload).toBeGreaterThan(evidence);
    expect(steps[upload]!.with.path).toBe(`\${{ steps.${id}.outputs.path }}`);
  });

  it('attests the bundle and the uploaded artifact by their digests, in a job of its own after the export', () => {
    const attest = workflow.jobs.attest as Yaml;
    expect(attest.needs).toBe('export');
    // A dispatch on another ref exports, but never attests: an attestation means "made on the default branch".
    expect(attest.if).toBe("github.ref == format('refs/heads/{0}', github.event.repository.default_branch)");
    const exportJob = workflow.jobs.export as Yaml;
    const id = steps[evidence]!.id as string;
    const upload = steps.find((s) => String(s.uses).startsWith('actions/upload-artifact@'))!;
    expect(exportJob.outputs).toEqual({
      'bundle-sha256': `\${{ steps.${id}.outputs.sha256 }}`,
      'artifact-digest': `\${{ steps.${upload.id}.outputs.artifact-digest }}`,
    });
    const attestations = (attest.steps as Yaml[]).map((s) => ({ uses: String(s.uses), with: s.with }));
    for (const a of attestations) expect(a.uses).toMatch(/^actions\/attest-build-provenance@[0-9a-f]{40}$/);
    expect(attestations.map((a) => a.with)).toEqual([
      // What `gh attestation verify bundle.tar.gz` looks up: the tarball's own sha256.
      {
        'subject-name': 'bundle.tar.gz',
        'subject-digest': 'sha256:${{ needs.export.outputs.bundle-sha256 }}',
      },
      // The zip the run page serves, whose digest the site lists.
      {
        'subject-name': `${upload.with.name}.zip`,
        'subject-digest': 'sha256:${{ needs.export.outputs.artifact-digest }}',
      },
    ]);
  });

  it('lets only the attest job sign, with nothing more than signing needs, and run no code of the repository', () => {
    expect(workflow.jobs.attest.permissions).toEqual({
      contents: 'read',
      'id-token': 'write',
      attestations: 'write',
    });
    for (const [name, job] of Object.entries(workflow.jobs as Yaml))
      if (name !== 'attest') expect(Object.values(job.permissions), name).not.toContain('write');
    const attestSteps = workflow.jobs.attest.steps as Yaml[];
    expect(attestSteps.every((s) => s.run === undefined)).toBe(true);
    expect(attestSteps.some((s) => String(s.uses).startsWith('actions/checkout@'))).toBe(false);
  });

  it('pins every action it does not ship by full commit, with the release in a comment', () => {
    for (const file of ['tollgate-evidence.yml', 'tollgate-site.yml']) {
      const text = readFileSync(join(ROOT, 'templates/workflows', file), 'utf8');
      const uses = [...text.matchAll(/^\s*(?:- )?uses: (\S+)(.*)$/gm)].filter(
        ([, action]) => !action!.startsWith('tollgate-dev/tollgate/'),
      );
      expect(uses.length, file).toBeGreaterThan(0);
      for (const [line, action, comment] of uses) {
        expect(action, line).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
        expect(comment, line).toMatch(/^ # v\d+\.\d+\.\d+$/);
      }
    }
    expect(readFileSync(join(ROOT, 'templates/workflows/tollgate-evidence.yml'), 'utf8')).toContain(
      'actions/attest-build-provenance@4d101475d8b20a2381f78447822ac1eab6504dd8 # v4.2.2',
    );
  });
});
