// The lifecycle of one retrain: queued -> running -> completed | failed. Pure; each step returns a new request.
import { TollgateError } from '../errors.ts';
import { assertSafeName } from '../registry/names.ts';
import { retrainPath } from '../registry/paths.ts';
import { API_VERSION } from '../registry/types.ts';
import type { RetrainRequest, RetrainStatus } from '../registry/types.ts';
import { fnv1a, isoTime } from '../scheduler/schedule.ts';
import type { Instant } from '../scheduler/schedule.ts';

type Run = NonNullable<RetrainRequest['run']>;

/** Statuses that block another retrain of the same model. */
export const ACTIVE_STATUSES: ReadonlySet<RetrainStatus> = new Set(['queued', 'running']);

/** The shape of every request id `retrainRequestId` makes. */
export const REQUEST_ID = /^rt-\d{8}-\d{6}-[a-z0-9]{2,12}$/;

/**
 * `rt-YYYYMMDD-HHMMSS-<suffix>`, e.g. rt-20261125-221300-ab12. The suffix is the caller's (random) one, or, when
 * absent, four hex digits of a hash of model and time, so two models retrained in the same second differ.
 */
export function retrainRequestId(now: Instant, model: string, suffix?: string): string {
  assertSafeName('model', model);
  const stamp = isoTime(now).replace(/\.\d+Z$/, 'Z');
  const compact = `${stamp.slice(0, 4)}${stamp.slice(5, 7)}${stamp.slice(8, 10)}-${stamp.slice(11, 13)}${stamp.slice(14, 16)}${stamp.slice(17, 19)}`;
  const tail = suffix ?? fnv1a(`${model}@${stamp}`).toString(16).padStart(8, '0').slice(0, 4);
  const id = `rt-${compact}-${tail}`;
  if (!REQUEST_ID.test(id)) {
    throw new TollgateError(
      `retrain request suffix ${JSON.stringify(suffix)} is not 2-12 lowercase letters or digits`,
      {
        fix: 'use a suffix like "ab12"',
      },
    );
  }
  return id;
}

export interface NewRetrainRequest {
  model: string;
  reason: string;
  trigger: RetrainRequest['trigger'];
  now: Instant;
  id: string;
}

export function newRetrainRequest(input: NewRetrainRequest): RetrainRequest {
  const reason = input.reason.trim();
  if (!reason)
    throw new TollgateError('a retrain needs a reason', { fix: 'say why, e.g. --reason "weekly refresh"' });
  if (!input.trigger.actor?.trim()) {
    throw new TollgateError('a retrain trigger needs an actor', {
      fix: 'pass the user or "tollgate" for the scheduler',
    });
  }
  return {
    apiVersion: API_VERSION,
    kind: 'RetrainRequest',
    id: assertSafeName('request', input.id),
    model: assertSafeName('model', input.model),
    status: 'queued',
    reason,
    trigger: input.trigger,
    created_at: isoTime(input.now),
  };
}

function illegal(request: RetrainRequest, action: string, allowed: RetrainStatus[]): TollgateError {
  return new TollgateError(
    `cannot ${action} retrain request ${request.id} of ${request.model}: it is ${request.status}, not ${allowed.join(' or ')}`,
    {
      file: safeRetrainPath(request),
      field: 'status',
      fix:
        request.status === 'completed' || request.status === 'failed'
          ? 'a finished request is final; start a new retrain instead'
          : `a ${request.status} request must be started before it can finish`,
    },
  );
}

function safeRetrainPath(request: RetrainRequest): string | undefined {
  try {
    return retrainPath(request.model, request.id);
  } catch {
    return undefined;
  }
}

/** queued -> running. */
export function start(request: RetrainRequest, options: { now: Instant; run?: Run }): RetrainRequest {
  if (request.status !== 'queued') throw illegal(request, 'start', ['queued']);
  return {
    ...request,
    status: 'running',
    started_at: isoTime(options.now),
    ...(options.run ? { run: { ...request.run, ...options.run } } : {}),
  };
}

/** running -> completed, naming the version it produced. */
export function complete(
  request: RetrainRequest,
  options: { version: string; run?: Run; now: Instant },
): RetrainRequest {
  if (request.status !== 'running') throw illegal(request, 'complete', ['running']);
  const { error: _e, ...rest } = request;
  return {
    ...rest,
    status: 'completed',
    completed_at: isoTime(options.now),
    version: assertSafeName('version', options.version),
    ...(options.run || request.run ? { run: { ...request.run, ...options.run } } : {}),
  };
}

/** queued or running -> failed; a request can fail before it starts (e.g. the runner could not check out). */
export function fail(
  request: RetrainRequest,
  options: { error: string; run?: Run; now: Instant },
): RetrainRequest {
  if (request.status !== 'queued' && request.status !== 'running')
    throw illegal(request, 'fail', ['queued', 'running']);
  const error = options.error.trim() || 'unknown error';
  return {
    ...request,
    status: 'failed',
    completed_at: isoTime(options.now),
    error: error.length > 2000 ? `${error.slice(0, 1999)}…` : error,
    ...(options.run || request.run ? { run: { ...request.run, ...options.run } } : {}),
  };
}

export interface ActiveRetrainFound {
  request: RetrainRequest;
  /** The run URL when the request has one, else the request's registry path. */
  link: string;
  message: string;
  fix: string;
}

/**
 * The duplicate guard: the active (queued or running) request among `requests`, or undefined. With `model`, only
 * that model's requests count. The oldest active one is returned, since it is the one that blocks the others.
 */
export function activeRetrain(
  requests: Iterable<RetrainRequest>,
  model?: string,
): ActiveRetrainFound | undefined {
  const active = [...requests]
    .filter((r) => ACTIVE_STATUSES.has(r.status) && (model === undefined || r.model === model))
    .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  const request = active[0];
  if (!request) return undefined;
  const link = request.run?.url ?? safeRetrainPath(request) ?? request.id;
  const since =
    request.status === 'running' ? (request.started_at ?? request.created_at) : request.created_at;
  return {
    request,
    link,
    message: `model ${request.model} already has an active retrain: ${request.id} (${request.status} since ${since}): ${link}`,
    fix: `wait for ${request.id} to finish; if its run is gone, record it as failed (status: failed) in ${safeRetrainPath(request) ?? 'its request file'}`,
  };
}

/** Throws the duplicate guard's answer as a TollgateError when `model` has an active retrain. */
export function assertNoActiveRetrain(requests: Iterable<RetrainRequest>, model: string): void {
  const found = activeRetrain(requests, model);
  if (found) throw new TollgateError(found.message, { fix: found.fix, file: safeRetrainPath(found.request) });
}
