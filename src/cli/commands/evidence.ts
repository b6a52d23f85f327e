// `tollgate evidence export`: the evidence bundle for a model or version, a pull request, an incident or a window.
// `tollgate evidence verify`: re-hashes a bundle against its manifest.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { TollgateError } from '../../errors.ts';
import { evidenceSubjectFrom, type EvidenceSubject } from '../../evidence/bundle.ts';
import { exportEvidence, findingsSummary } from '../../evidence/export-flow.ts';
import { verifyEvidenceBundle } from '../../evidence/verify.ts';
import { parseCommandArgs, type CliContext, type Command } from '../context.ts';
import { formatOption, registryPrefix } from './registry-prefix.ts';
import { chooseReviewSource, REVIEW_SOURCE_OPTIONS } from './review-source.ts';
import { commandSpec, FORMAT_OPTION } from '../spec.ts';

const USAGE =
  'tollgate evidence export (--model M [--version V] | --pr N | --incident ID | --since T --until T) [--out DIR] [--strict] [--sign-key KEY.pem] [--github] [--repo OWNER/NAME]\n' +
  '       tollgate evidence verify DIR|BUNDLE.tar.gz [--sha256 HEX] [--public-key KEY.pub] [--format text|json]';

const EXPORT = commandSpec({
  name: 'evidence export',
  summary:
    'write the evidence bundle for one subject: a model (and version), a pull request, an incident or a period',
  positionals: [0, 0],
  options: {
    model: { type: 'string', value: 'MODEL', description: 'every record of this model' },
    version: { type: 'string', value: 'VERSION', description: 'only this version of --model' },
    pr: { type: 'string', value: 'N', description: 'one pull request' },
    incident: { type: 'string', value: 'ID', description: 'one incident' },
    since: { type: 'string', value: 'TIME', description: 'a period: its start (with --until)' },
    until: { type: 'string', value: 'TIME', description: 'a period: its end (with --since)' },
    ref: { type: 'string', value: 'REF', description: 'the branch to read (default: the default branch)' },
    out: { type: 'string', value: 'DIR', description: 'where to write it (default: evidence-SUBJECT)' },
    strict: { type: 'boolean', default: false, description: 'exit 1 when the bundle has findings' },
    'sign-key': {
      type: 'string',
      value: 'KEY.pem',
      description: 'sign the manifest with this Ed25519 private key (detached signature)',
    },
    ...REVIEW_SOURCE_OPTIONS,
  },
  examples: [
    ['tollgate evidence export --model fraud-detector --version v5', 'everything about one version'],
    ['tollgate evidence export --since 2026-07-01 --until 2026-10-01 --out q3', 'one quarter, into q3/'],
    ['tollgate evidence export --incident INC-20261124-033000-ab12', 'one incident'],
    [
      'tollgate evidence export --model fraud-detector --strict --sign-key key.pem',
      'signed; exit 1 on findings',
    ],
  ],
});

const VERIFY = commandSpec({
  name: 'evidence verify',
  summary: 're-hash a bundle against its manifest; exit 1 when a file differs',
  args: 'DIR|BUNDLE.tar.gz',
  positionals: [1, 1],
  needsRegistry: false,
  options: {
    sha256: { type: 'string', value: 'HEX', description: 'the sha256 the bundle.tar.gz must have' },
    'public-key': {
      type: 'string',
      value: 'KEY.pub',
      description: "check the manifest's signature with this Ed25519 public key",
    },
    ...FORMAT_OPTION,
  },
  examples: [
    ['tollgate evidence verify evidence-fraud-detector-v5', 'check an exported folder'],
    ['tollgate evidence verify bundle.tar.gz --sha256 3f…', 'check a received tarball and its hash'],
  ],
});

const EVIDENCE = commandSpec({
  name: 'evidence',
  summary: 'export an evidence bundle (records, commits, approvals, runs, report) for an auditor; verify one',
  options: {},
  subcommands: [EXPORT, VERIFY],
  examples: [...EXPORT.examples.slice(0, 1), ...VERIFY.examples.slice(0, 1)],
});

async function verify(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(VERIFY, args);
  const format = formatOption(values.format, 'evidence verify');
  if (positionals.length !== 1)
    throw new TollgateError('evidence verify: name one bundle folder or bundle.tar.gz', {
      kind: 'usage',
      fix: USAGE,
    });
  if (!existsSync(resolve(context.cwd, positionals[0]!)))
    throw new TollgateError(`evidence verify: ${positionals[0]}: no such folder or file`, {
      kind: 'usage',
      fix: 'name the exported bundle folder or its bundle.tar.gz',
    });
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
  ...EVIDENCE,
  run: async (args, context) => {
    const [sub, ...rest] = args;
    if (sub === 'verify') return verify(rest, context);
    if (sub !== 'export')
      throw new TollgateError(
        sub === undefined ? 'evidence: which one? (export or verify)' : `evidence: unknown subcommand ${sub}`,
        {
          kind: 'usage',
          fix: USAGE,
        },
      );
    const { values } = parseCommandArgs(EXPORT, rest);
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
