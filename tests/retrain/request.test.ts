import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/errors.ts';
import { isSafeName } from '../../src/registry/names.ts';
import type { RetrainRequest } from '../../src/registry/types.ts';
import {
  activeRetrain,
  assertNoActiveRetrain,
  complete,
  fail,
  newRetrainRequest,
  retrainRequestId,
  start,
} from '../../src/retrain/request.ts';

const T0 = Date.parse('2026-11-25T22:13:00Z');
const trigger = { kind: 'manual', actor: 'alice' } as const;

function queued(id = 'rt-20261125-221300-ab12', model = 'fraud', now = T0): RetrainRequest {
  return newRetrainRequest({ model, reason: 'weekly refresh', trigger, now, id });
}

describe('retrainRequestId', () => {
  it('builds a safe, time-ordered id', () => {
    expect(retrainRequestId(T0, 'fraud', 'ab12')).toBe('rt-20261125-221300-ab12');
    expect(retrainRequestId(new Date(T0 + 456), 'fraud', 'zz')).toBe('rt-20261125-221300-zz');
    expect(isSafeName(retrainRequestId(T0, 'fraud', 'ab12'))).toBe(true);
  });

  it('derives a suffix from model and time when none is given', () => {
    const a = retrainRequestId(T0, 'fraud');
    expect(a).toMatch(/^rt-20261125-221300-[0-9a-f]{4}$/);
    expect(retrainRequestId(T0, 'fraud')).toBe(a);
    expect(retrainRequestId(T0, 'churn')).not.toBe(a);
  });

  it('refuses unsafe suffixes and models', () => {
    expect(() => retrainRequestId(T0, 'fraud', 'AB')).toThrow(TollgateError);
    expect(() => retrainRequestId(T0, 'fraud', '../x')).toThrow(TollgateError);
    expect(() => retrainRequestId(T0, 'Fraud/x', 'ab')).toThrow(/unsafe model name/);
  });
});

describe('retrain lifecycle', () => {
  it('walks queued -> running -> completed', () => {
    const q = queued();
    expect(q).toEqual({
      apiVersion: 'tollgate/v1',
      kind: 'RetrainRequest',
      id: 'rt-20261125-221300-ab12',
      model: 'fraud',
      status: 'queued',
      reason: 'weekly refresh',
      trigger,
      created_at: '2026-11-25T22:13:00Z',
    });
    const r = start(q, { now: T0 + 5000, run: { url: 'https://github.com/acme/m/actions/runs/1' } });
    expect(r).toMatchObject({ status: 'running', started_at: '2026-11-25T22:13:05Z' });
    const c = complete(r, { version: 'v14', run: { duration: 12.5, exit_code: 0 }, now: T0 + 20_000 });
    expect(c).toMatchObject({
      status: 'completed',
      completed_at: '2026-11-25T22:13:20Z',
      version: 'v14',
      run: { url: 'https://github.com/acme/m/actions/runs/1', duration: 12.5, exit_code: 0 },
    });
  });

  it('fails from queued or running, keeping the run details', () => {
    const f = fail(start(queued(), { now: T0 }), {
      error: 'training command exited with code 1',
      run: { exit_code: 1 },
      now: T0 + 1000,
    });
    expect(f).toMatchObject({
      status: 'failed',
      error: 'training command exited with code 1',
      run: { exit_code: 1 },
    });
    expect(fail(queued(), { error: '', now: T0 })).toMatchObject({
      status: 'failed',
      error: 'unknown error',
    });
  });

  it.each([
    ['start a running request', () => start(start(queued(), { now: T0 }), { now: T0 })],
    ['complete a queued request', () => complete(queued(), { version: 'v1', now: T0 })],
    [
      'complete a failed request',
      () => complete(fail(queued(), { error: 'x', now: T0 }), { version: 'v1', now: T0 }),
    ],
    [
      'fail a completed request',
      () => fail(complete(start(queued(), { now: T0 }), { version: 'v1', now: T0 }), { error: 'x', now: T0 }),
    ],
    ['start a failed request', () => start(fail(queued(), { error: 'x', now: T0 }), { now: T0 })],
  ])('refuses to %s', (_name, transition) => {
    try {
      transition();
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TollgateError);
      expect(error).toMatchObject({
        file: 'models/fraud/retrains/rt-20261125-221300-ab12.yaml',
        field: 'status',
      });
      expect((error as TollgateError).fix).toBeTruthy();
    }
  });

  it('refuses a request without a reason or with an unsafe version', () => {
    expect(() => newRetrainRequest({ model: 'fraud', reason: ' ', trigger, now: T0, id: 'rt-1' })).toThrow(
      /reason/,
    );
    expect(() => complete(start(queued(), { now: T0 }), { version: '../v1', now: T0 })).toThrow(
      /unsafe version/,
    );
  });
});

describe('activeRetrain (duplicate guard)', () => {
  const done = complete(start(queued('rt-20261125-100000-aa'), { now: T0 }), { version: 'v1', now: T0 });
  const running = start(queued('rt-20261125-221300-bb', 'fraud', T0 + 1000), {
    now: T0 + 2000,
    run: { url: 'https://github.com/acme/m/actions/runs/9' },
  });
  const laterQueued = queued('rt-20261125-221400-cc', 'fraud', T0 + 60_000);
  const other = queued('rt-20261125-221300-dd', 'churn');

  it('finds the oldest active request of the model, with its run link', () => {
    const found = activeRetrain([laterQueued, done, running, other], 'fraud');
    expect(found?.request.id).toBe('rt-20261125-221300-bb');
    expect(found?.link).toBe('https://github.com/acme/m/actions/runs/9');
    expect(found?.message).toBe(
      'model fraud already has an active retrain: rt-20261125-221300-bb (running since 2026-11-25T22:13:02Z): https://github.com/acme/m/actions/runs/9',
    );
  });

  it('links the request file when there is no run yet, and ignores finished requests', () => {
    expect(activeRetrain([other], 'churn')?.link).toBe('models/churn/retrains/rt-20261125-221300-dd.yaml');
    expect(activeRetrain([done], 'fraud')).toBeUndefined();
    expect(activeRetrain([other], 'fraud')).toBeUndefined();
    expect(activeRetrain(new Map([['x', other]]).values())?.request.model).toBe('churn');
  });

  it('throws the guard as a TollgateError', () => {
    expect(() => assertNoActiveRetrain([running], 'fraud')).toThrow(/already has an active retrain/);
    expect(() => assertNoActiveRetrain([done, other], 'fraud')).not.toThrow();
  });
});
