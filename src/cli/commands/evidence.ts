// `tollgate evidence export`: the evidence bundle for a model or version, a pull request, an incident or a window.
import { resolve } from 'node:path';
import { TollgateError } from '../../errors.ts';
import { collectEvidence, writeEvidenceBundle, type EvidenceSubject } from '../../evidence/bundle.ts';
import { parseCommandArgs, type Command } from '../context.ts';
import { registryPrefix } from './registry-prefix.ts';

const USAGE =
  'tollgate evidence export (--model M [--version V] | --pr N | --incident ID | --since T --until T) [--out DIR]';

function subjectOf(values: Record<string, string | undefined>): EvidenceSubject {
  const chosen = [values.model, values.pr, values.incident, values.since ?? values.until].filter(
    (v) => v !== undefined,
  );
  if (chosen.length !== 1 || (values.version !== undefined && values.model === undefined))
    throw new TollgateError('evidence export: name exactly one subject', { fix: USAGE });
  if (values.model !== undefined)
    return values.version === undefined
      ? { model: values.model }
      : { model: values.model, version: values.version };
  if (values.pr !== undefined) {
    if (!/^\d+$/.test(values.pr))
      throw new TollgateError(`evidence export: --pr ${values.pr} is not a number`, { fix: USAGE });
    return { pr: Number(values.pr) };
  }
  if (values.incident !== undefined) return { incident: values.incident };
  if (values.since === undefined || values.until === undefined)
    throw new TollgateError('evidence export: a time window needs both --since and --until', { fix: USAGE });
  return { since: values.since, until: values.until };
}

function slug(subject: EvidenceSubject): string {
  if ('model' in subject) return `${subject.model}${subject.version ? `-${subject.version}` : ''}`;
  if ('pr' in subject) return `pr-${subject.pr}`;
  if ('incident' in subject) return subject.incident;
  return `${subject.since}--${subject.until}`.replace(/[^0-9A-Za-z.-]+/g, '');
}

export const evidenceCommand: Command = {
  name: 'evidence',
  summary: 'Export the evidence bundle (records, commits, approvals, runs, report) for an auditor',
  run: async (args, context) => {
    const [sub, ...rest] = args;
    if (sub !== 'export')
      throw new TollgateError(
        sub === undefined ? 'evidence: which one? (export)' : `evidence: unknown subcommand ${sub}`,
        {
          fix: USAGE,
        },
      );
    const { values } = parseCommandArgs(
      'evidence export',
      rest,
      {
        model: { type: 'string' },
        version: { type: 'string' },
        pr: { type: 'string' },
        incident: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        ref: { type: 'string' },
        out: { type: 'string' },
      },
      false,
    );
    const subject = subjectOf(values);
    const out = resolve(context.cwd, values.out ?? `evidence-${slug(subject)}`);
    const onProgress = (message: string) => context.err(`evidence: ${message}`);
    const evidence = await collectEvidence(context.repoRoot, subject, {
      ref: values.ref,
      registryPrefix: registryPrefix(context),
      onProgress,
    });
    const manifest = await writeEvidenceBundle(evidence, out, { onProgress });
    for (const w of evidence.warnings) context.err(`warning: ${w}`);
    context.out(
      [
        `Evidence for ${evidence.title}: ${manifest.files.length} files in ${out}`,
        `manifest: ${out}/manifest.json`,
        `tarball:  ${out}/${manifest.tarball.path} sha256 ${manifest.tarball.sha256}`,
        `report:   ${out}/report.html`,
      ].join('\n'),
    );
    return 0;
  },
};
