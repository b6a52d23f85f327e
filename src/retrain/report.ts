// The hand-off between the two jobs of a retrain (docs/retrain.md "Two jobs"): the training job, which runs the
// model's code and holds no write credential, reports what it produced; the recording job, which holds the App
// token, checks that report against its own view of the registry and against the files it downloaded before it
// records anything. Pure: parsing and comparing only; the files are read by training.ts.
import { TollgateError } from '../errors.ts';
import { REQUEST_ID } from './request.ts';
import { TRAINING_FAILURES, type TrainingFailure, type TrainingOutputs } from './training.ts';

export const TRAINING_REPORT_VERSION = 1;

/** What the training job reports through its job outputs (one JSON string). */
export interface TrainingReport {
  report: typeof TRAINING_REPORT_VERSION;
  model: string;
  /** The RetrainRequest id the training job created. */
  request: string;
  created_at: string;
  started_at: string;
  finished_at: string;
  /** The commit the training ran on; the recording job must be on the same one. */
  source_commit: string;
  /** The version id the training ran as (TOLLGATE_VERSION) and the one it replaces. */
  version: string;
  parent?: string;
  command: string[];
  outcome: 'trained' | 'failed';
  exit_code: number | null;
  duration_ms: number;
  /** sha256 of metrics.json and the artifact, as the training job read them (outcome `trained`). */
  metrics_sha256?: string;
  artifact?: { name: string; sha256: string; size: number };
  /** Why training failed (outcome `failed`). */
  error?: string;
  failure_reason?: TrainingFailure;
}

/** What the recording job knows by itself, from its own checkout and inputs, that the report must agree with. */
export interface ReportExpectations {
  model: string;
  sourceCommit: string;
  version: string;
  parent?: string;
  command: string[];
}

const SHA256 = /^[0-9a-f]{64}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const FIX =
  'start the retrain again; if it happens again, the training job did not run the workflow as written';

function refuse(field: string, message: string): TollgateError {
  return new TollgateError(`the training report's ${field} ${message}`, {
    field: `report.${field}`,
    fix: FIX,
  });
}

type Fields = Record<string, unknown>;

const text = (fields: Fields, field: string): string => {
  const value = fields[field];
  if (typeof value !== 'string' || value === '') throw refuse(field, 'is missing or not a string');
  return value;
};

const instant = (fields: Fields, field: string): number => {
  const value = text(fields, field);
  const at = Date.parse(value);
  if (!INSTANT.test(value) || Number.isNaN(at))
    throw refuse(field, `${JSON.stringify(value)} is not a UTC time`);
  return at;
};

const same = (field: string, got: unknown, want: unknown): void => {
  if (JSON.stringify(got) !== JSON.stringify(want))
    throw refuse(field, `is ${JSON.stringify(got)}, but the recording job expects ${JSON.stringify(want)}`);
};

/**
 * Parses the training job's report and checks it against what the recording job derived itself. Anything the
 * recording job can work out (model, commit, version ids, command) must be equal; the rest (request id, times,
 * hashes) must have the only shape Tollgate writes. The first problem is thrown, naming its field.
 */
export function parseTrainingReport(json: string, expected: ReportExpectations): TrainingReport {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new TollgateError(`the training report is not JSON: ${(error as Error).message}`, {
      field: 'report',
      fix: "pass the training job's `report` output unchanged: report: ${{ needs.train.outputs.report }}",
    });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw refuse('', 'is not a JSON object');
  const fields = raw as Fields;
  same('report', fields.report, TRAINING_REPORT_VERSION);
  same('model', fields.model, expected.model);
  same('source_commit', fields.source_commit, expected.sourceCommit);
  same('version', fields.version, expected.version);
  same('parent', fields.parent, expected.parent);
  same('command', fields.command, expected.command);
  const request = text(fields, 'request');
  if (!REQUEST_ID.test(request))
    throw refuse('request', `${JSON.stringify(request)} is not a retrain request id`);
  const created = instant(fields, 'created_at');
  const started = instant(fields, 'started_at');
  const finished = instant(fields, 'finished_at');
  if (!(created <= started && started <= finished))
    throw refuse('finished_at', 'is out of order: created_at <= started_at <= finished_at');
  const exit = fields.exit_code;
  if (exit !== null && !Number.isInteger(exit)) throw refuse('exit_code', 'is neither an integer nor null');
  const duration = fields.duration_ms;
  if (typeof duration !== 'number' || !Number.isFinite(duration) || duration < 0)
    throw refuse('duration_ms', 'is not a number of milliseconds');
  const report: TrainingReport = {
    report: TRAINING_REPORT_VERSION,
    model: expected.model,
    request,
    created_at: text(fields, 'created_at'),
    started_at: text(fields, 'started_at'),
    finished_at: text(fields, 'finished_at'),
    source_commit: expected.sourceCommit,
    version: expected.version,
    ...(expected.parent ? { parent: expected.parent } : {}),
    command: expected.command,
    outcome: 'trained',
    exit_code: exit as number | null,
    duration_ms: duration,
  };
  if (fields.outcome === 'failed') {
    const reason = fields.failure_reason;
    if (!TRAINING_FAILURES.includes(reason as TrainingFailure))
      throw refuse(
        'failure_reason',
        `${JSON.stringify(reason)} is not one of ${TRAINING_FAILURES.join(', ')}`,
      );
    return {
      ...report,
      outcome: 'failed',
      error: text(fields, 'error'),
      failure_reason: reason as TrainingFailure,
    };
  }
  if (fields.outcome !== 'trained')
    throw refuse('outcome', `${JSON.stringify(fields.outcome)} is not trained or failed`);
  if (exit !== 0) throw refuse('exit_code', `is ${JSON.stringify(exit)} for a run reported as trained`);
  const metricsSha = text(fields, 'metrics_sha256');
  if (!SHA256.test(metricsSha)) throw refuse('metrics_sha256', 'is not a sha256 hex digest');
  const artifact = fields.artifact as Fields | undefined;
  if (typeof artifact !== 'object' || artifact === null) throw refuse('artifact', 'is missing');
  const name = text(artifact, 'name');
  // A relative path inside the output folder, each part a plain name: the same rule as artifact.json's path.
  if (name.split('/').some((part) => part === '' || part === '.' || part === '..'))
    throw refuse('artifact.name', `${JSON.stringify(name)} is not a path inside the output folder`);
  const sha256 = text(artifact, 'sha256');
  if (!SHA256.test(sha256)) throw refuse('artifact.sha256', 'is not a sha256 hex digest');
  const size = artifact.size;
  if (!Number.isSafeInteger(size) || (size as number) <= 0)
    throw refuse('artifact.size', 'is not a positive integer');
  return { ...report, metrics_sha256: metricsSha, artifact: { name, sha256, size: size as number } };
}

/** The files the recording job downloaded must be byte for byte what the training job hashed. */
export function outputsMismatch(report: TrainingReport, outputs: TrainingOutputs): string | undefined {
  const problems: string[] = [];
  if (outputs.metricsSha256 !== report.metrics_sha256)
    problems.push(
      `metrics.json has sha256 ${outputs.metricsSha256}, the training job reported ${report.metrics_sha256}`,
    );
  const want = report.artifact;
  const got = outputs.artifact;
  if (!want || got.name !== want.name)
    problems.push(`the artifact is ${got.name}, the training job reported ${want?.name}`);
  else if (got.sha256 !== want.sha256 || got.size !== want.size)
    problems.push(
      `${got.name} has sha256 ${got.sha256} (${got.size} bytes), the training job reported ${want.sha256} (${want.size} bytes)`,
    );
  return problems.length > 0 ? problems.join('; ') : undefined;
}
