// `tollgate evidence export`: the evidence bundle for a model or version, a pull request, an incident or a window.
// `tollgate evidence verify`: re-hashes a bundle against its manifest.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { TollgateError } from '../../errors.ts';
import { evidenceSubjectFrom, type EvidenceSubject } from '../../evidence/bundle.ts';
import { exportEvidence, findingsSummary } from '../../evidence/export-flow.ts';
import { verifyEvidenceBundle } from '../../evidence/verify.ts';
import { parseCommandArgs, type CliContext, type Command } from '../context.ts';
import { formatOption, registryPrefix } from './registry-prefix.ts';
import { chooseReviewSource, REVIEW_SOURCE_OPTIONS } from './review-source.ts';

const USAGE =
  'tollgate evidence export (--model M [--version V] | --pr N | --incident ID | --since T --until T) [--out DIR] [--strict] [--sign-key KEY.pem] [--github] [--repo OWNER/NAME]\n' +
  '       tollgate evidence verify DIR|BUNDLE.tar.gz [--sha256 HEX] [--public-key KEY.pub] [--format text|json]';

async function verify(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('evidence verify', args, {
    sha256: { type: 'string' },
    'public-key': { type: 'string' },
    format: { type: 'string' },
  });
  const format = formatOption(values.format, 'evidence verify');
  if (positionals.length !== 1)
    throw new TollgateError('evidence verify: name one bundle folder or bundle.tar.gz', { fix: USAGE });
  const keyPath = values['public-key'] === undefined ? undefined : resolve(context.cwd, values['public-key']);
  const result = verifyEvidenceBundle(resolve(context.cwd, positionals[0]!), {
    ...(values.sha256 ? { expectedSha256: values.sha256 } : {}),
    ...(keyPath ? { publicKeyPem: readKey(keyPath, '--public-key'), publicKeyWhere: keyPath } : {}),
  });
  if (format === 'json') context.out(JSON.stringify(result, null, 2));
  else {
    const lines = [
      `Evidence bundle for ${result.title} (head ${result.head.slice(0, 12)}), manifest ${result.manifest}:`,
      `checked ${result.checked} files; bundle sha256 ${result.tarballSha256 || '(no tarball)'}`,
      result.signature.present
        ? `signature: ${result.signature.valid ? 'valid' : 'INVALID'}, Ed25519 key ${result.signature.keyId ?? '?'}${result.signature.trusted ? ' (the trusted key given)' : ' (the key it carries: compare it with the one you expect, or pass --public-key)'}, signed ${result.signature.signedAt ?? '?'}`
        : 'signature: none (export with --sign-key to sign the manifest)',
    ];
    if (result.problems.length === 0) lines.push('OK: every file matches the manifest.');
    else
      lines.push(
        `${result.problems.length} mismatch(es):`,
        ...result.problems.map((p) => `${p.kind.padEnd(16)} ${p.file}: ${p.detail}`),
      );
    context.out(lines.join('\n'));
  }
  return result.problems.length > 0 ? 1 : 0;
}

function readKey(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new TollgateError(`evidence: cannot read ${flag} ${path}`, {
      file: path,
      cause: error,
      fix: USAGE,
    });
  }
}

function slug(subject: EvidenceSubject): string {
  if ('model' in subject) return `${subject.model}${subject.version ? `-${subject.version}` : ''}`;
  if ('pr' in subject) return `pr-${subject.pr}`;
  if ('incident' in subject) return subject.incident;
  return `${subject.since}--${subject.until}`.replace(/[^0-9A-Za-z.-]+/g, '');
}

export const evidenceCommand: Command = {
  name: 'evidence',
  summary: 'export an evidence bundle (records, commits, approvals, runs, report) for an auditor; verify one',
  run: async (args, context) => {
    const [sub, ...rest] = args;
    if (sub === 'verify') return verify(rest, context);
    if (sub !== 'export')
      throw new TollgateError(
        sub === undefined ? 'evidence: which one? (export or verify)' : `evidence: unknown subcommand ${sub}`,
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
        strict: { type: 'boolean', default: false },
        'sign-key': { type: 'string' },
        ...REVIEW_SOURCE_OPTIONS,
      },
      false,
    );
    const { model, version, pr, incident, since, until } = values;
    const subject = evidenceSubjectFrom(
      { model, version, pr, incident, since, until },
      { command: 'evidence export', usage: USAGE },
    );
    const out = resolve(context.cwd, values.out ?? `evidence-${slug(subject)}`);
    const onProgress = (message: string) => context.err(`evidence: ${message}`);
    const choice = await chooseReviewSource(context, values);
    const signKeyPath =
      values['sign-key'] === undefined ? undefined : resolve(context.cwd, values['sign-key']);
    const result = await exportEvidence(
      {
        subject,
        registryPrefix: registryPrefix(context),
        out,
        ...(values.ref ? { ref: values.ref } : {}),
        ...(signKeyPath ? { signKey: { pem: readKey(signKeyPath, '--sign-key'), where: signKeyPath } } : {}),
      },
      {
        repoRoot: context.repoRoot,
        onProgress,
        now: context.now,
        ...(choice.source ? { reviews: choice.source } : {}),
      },
    );
    for (const w of result.warnings) context.err(`warning: ${w}`);
    context.out(
      [
        `Evidence for ${result.title}: ${result.files} files in ${out}`,
        `manifest: ${out}/manifest.json`,
        `tarball:  ${result.bundle} sha256 ${result.sha256}`,
        `report:   ${out}/report.html`,
        ...(result.signed ? [`signed:   ${out}/manifest.sig.json (Ed25519)`] : []),
        result.headline,
        choice.description,
        ...(choice.calls() ? [choice.calls()!] : []),
        '',
        ...findingsSummary(result.findings).map((l) => l.replace(/\*\*/g, '')),
      ]
        .join('\n')
        .trimEnd(),
    );
    // --strict: the bundle is written either way; the exit code says whether an auditor has something to chase.
    return values.strict && result.findings.some((f) => f.severity === 'violation') ? 1 : 0;
  },
};
