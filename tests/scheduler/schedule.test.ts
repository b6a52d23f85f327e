import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/errors.ts';
import {
  cooldownSeconds,
  effectiveLastRun,
  executed,
  failed,
  formatDuration,
  initialSchedule,
  intervalFor,
  isDue,
  jitterFor,
  parseDuration,
  pause,
  resume,
  setInterval,
} from '../../src/scheduler/schedule.ts';
import { HOUR, T0, iso, model, policy, schedule } from './fixtures.ts';

describe('isDue', () => {
  it('is due when next_run is reached, exactly at next_run too', () => {
    expect(isDue(schedule({ next_run: iso(T0) }), model(), T0)).toEqual({
      due: true,
      reason: 'due since 2026-11-25T22:00:00Z',
    });
    expect(isDue(schedule({ next_run: iso(T0 + 1000) }), model(), T0)).toEqual({
      due: false,
      reason: 'next run at 2026-11-25T22:00:01Z',
    });
  });

  it('is due on the first run when there is no next_run', () => {
    expect(isDue(schedule(), undefined, T0).due).toBe(true);
  });

  it('says when missed runs fold into one', () => {
    const verdict = isDue(schedule({ next_run: iso(T0 - 3 * 24 * HOUR) }), model(), T0);
    expect(verdict.due).toBe(true);
    expect(verdict.reason).toMatch(/overdue.*fold into one/);
  });

  it('is not due when model.yaml disables the schedule', () => {
    const verdict = isDue(
      schedule({ next_run: iso(T0 - HOUR) }),
      model('fraud', { schedule: { enabled: false } }),
      T0,
    );
    expect(verdict).toEqual({
      due: false,
      reason: 'schedule disabled in model.yaml (schedule.enabled: false)',
    });
  });

  it('is not due while paused, and due again exactly when the pause ends', () => {
    const paused = schedule({
      next_run: iso(T0 - HOUR),
      paused_until: iso(T0),
      paused_reason: 'data migration',
      paused_by: 'alice',
    });
    expect(isDue(paused, model(), T0 - 1)).toEqual({
      due: false,
      reason: 'paused until 2026-11-25T22:00:00Z by alice: data migration',
    });
    expect(isDue(paused, model(), T0).due).toBe(true);
  });

  it('is not due while paused without an end', () => {
    const paused = schedule({ next_run: iso(T0 - HOUR), paused_reason: 'system: 5 consecutive failures' });
    expect(isDue(paused, model(), T0 + 365 * 24 * HOUR)).toEqual({
      due: false,
      reason: 'paused until resumed: system: 5 consecutive failures',
    });
  });

  it('is not due while cooling down, and due exactly at cooldown_until', () => {
    const cooling = schedule({ next_run: iso(T0 - HOUR), cooldown_until: iso(T0), failure_streak: 2 });
    expect(isDue(cooling, model(), T0 - 1)).toEqual({
      due: false,
      reason: 'cooling down until 2026-11-25T22:00:00Z after 2 consecutive failure(s)',
    });
    expect(isDue(cooling, model(), T0).due).toBe(true);
  });

  it('names the file and field of a malformed time', () => {
    try {
      isDue(schedule({ next_run: 'tomorrow' }), model(), T0);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TollgateError);
      expect(error).toMatchObject({ file: 'models/fraud/schedule.yaml', field: 'next_run' });
    }
  });
});

describe('executed', () => {
  it('resets the streak, clears the cooldown and schedules one interval ahead', () => {
    const before = schedule({
      next_run: iso(T0 - HOUR),
      failure_streak: 3,
      cooldown_until: iso(T0 - 1000),
      last_failure: iso(T0 - 2 * HOUR),
      last_failure_reason: 'exit 1',
    });
    expect(executed(before, T0, policy())).toEqual({
      ...schedule(),
      failure_streak: 0,
      last_run: iso(T0),
      next_run: iso(T0 + 24 * HOUR),
      updated_at: iso(T0),
      last_failure: iso(T0 - 2 * HOUR),
      last_failure_reason: 'exit 1',
    });
  });

  it('counts the next run from now after a long outage (no storm of catch-ups)', () => {
    const after = executed(schedule({ next_run: iso(T0 - 30 * 24 * HOUR) }), T0, policy());
    expect(after.next_run).toBe(iso(T0 + 24 * HOUR));
  });

  it('adds the model jitter, bounded by the policy', () => {
    const jitter = jitterFor('fraud', 600);
    const after = executed(schedule(), T0, policy({ jitter: 600 }));
    expect(after.next_run).toBe(iso(T0 + (86_400 + jitter) * 1000));
  });

  it('lifts the automatic pause after failures, but not a pause a person set', () => {
    const auto = schedule({
      failure_streak: 5,
      paused_reason: 'system: 5 consecutive failures',
      paused_by: 'tollgate',
    });
    expect(executed(auto, T0, policy())).not.toHaveProperty('paused_reason');
    const human = schedule({ paused_reason: 'system: looks automatic', paused_by: 'alice' });
    expect(executed(human, T0, policy())).toMatchObject({
      paused_reason: 'system: looks automatic',
      paused_by: 'alice',
    });
  });

  it('drops a pause that has ended and keeps one that has not', () => {
    const ended = executed(
      schedule({ paused_until: iso(T0), paused_reason: 'x', paused_by: 'a' }),
      T0,
      policy(),
    );
    expect(ended).not.toHaveProperty('paused_until');
    expect(ended).not.toHaveProperty('paused_reason');
    const ongoing = executed(schedule({ paused_until: iso(T0 + 1000), paused_reason: 'x' }), T0, policy());
    expect(ongoing.paused_until).toBe(iso(T0 + 1000));
  });
});

describe('failed', () => {
  const p = policy({ cooldown_base: 300, cooldown_factor: 2, cooldown_cap: 1000, pause_after_failures: 3 });

  it('grows the streak and the cooldown exponentially up to the cap', () => {
    const first = failed(schedule({ next_run: iso(T0) }), T0, 'exit 1', p);
    expect(first).toMatchObject({
      failure_streak: 1,
      last_failure: iso(T0),
      last_failure_reason: 'exit 1',
      cooldown_until: iso(T0 + 300_000),
      next_run: iso(T0),
      updated_at: iso(T0),
    });
    const second = failed(first, T0 + 300_000, 'exit 1', p);
    expect(second.cooldown_until).toBe(iso(T0 + 300_000 + 600_000));
    expect([1, 2, 3, 4, 50, 5000].map((n) => cooldownSeconds(n, p))).toEqual([
      300, 600, 1000, 1000, 1000, 1000,
    ]);
  });

  it('pauses itself after the configured number of consecutive failures', () => {
    let s = schedule({ next_run: iso(T0) });
    for (let i = 0; i < 2; i++) s = failed(s, T0 + i, 'boom', p);
    expect(s.paused_reason).toBeUndefined();
    s = failed(s, T0 + 2, 'boom', p);
    expect(s).toMatchObject({
      failure_streak: 3,
      paused_reason: 'system: 3 consecutive failures',
      paused_by: 'tollgate',
    });
    expect(s.paused_until).toBeUndefined();
    expect(isDue(s, model(), T0 + 1e12).due).toBe(false);
  });

  it('never pauses when pause_after_failures is 0, and keeps a pause a person set', () => {
    let s = schedule();
    for (let i = 0; i < 20; i++) s = failed(s, T0, 'boom', policy({ pause_after_failures: 0 }));
    expect(s.paused_reason).toBeUndefined();
    const human = failed(
      schedule({ failure_streak: 2, paused_reason: 'audit', paused_by: 'bob' }),
      T0,
      'boom',
      p,
    );
    expect(human).toMatchObject({ paused_reason: 'audit', paused_by: 'bob' });
  });

  it('keeps the failure reason to one bounded line', () => {
    const s = failed(schedule(), T0, `line one\nline two ${'x'.repeat(1000)}`, p);
    expect(s.last_failure_reason).toMatch(/^line one line two x+…$/);
    expect(s.last_failure_reason!.length).toBe(500);
  });
});

describe('pause and resume', () => {
  it('pauses for a duration, until a time, or until resumed', () => {
    expect(pause(schedule(), { duration: 7200, reason: 'migration', by: 'alice' }, T0)).toMatchObject({
      paused_until: iso(T0 + 2 * HOUR),
      paused_reason: 'migration',
      paused_by: 'alice',
      updated_at: iso(T0),
    });
    expect(pause(schedule(), { until: new Date(T0 + 1000), reason: 'r', by: 'a' }, T0).paused_until).toBe(
      iso(T0 + 1000),
    );
    const open = pause(schedule({ paused_until: iso(T0 + 1000) }), { reason: 'r', by: 'a' }, T0);
    expect(open.paused_until).toBeUndefined();
    expect(isDue(open, model(), T0 + 1e12).due).toBe(false);
  });

  it('refuses a pause that ends now or earlier, has no reason, or names both end and duration', () => {
    expect(() => pause(schedule(), { until: new Date(T0), reason: 'r', by: 'a' }, T0)).toThrow(
      /not after now/,
    );
    expect(() => pause(schedule(), { reason: '  ', by: 'a' }, T0)).toThrow(/needs a reason/);
    expect(() => pause(schedule(), { duration: 0, reason: 'r', by: 'a' }, T0)).toThrow(TollgateError);
    expect(() =>
      pause(schedule(), { duration: 5, until: new Date(T0 + 9e6), reason: 'r', by: 'a' }, T0),
    ).toThrow(/not both/);
  });

  it('resumes as a fresh start: pause, streak and cooldown clear; a missed run is due at once', () => {
    const paused = schedule({
      next_run: iso(T0 - HOUR),
      failure_streak: 5,
      cooldown_until: iso(T0 + HOUR),
      paused_reason: 'system: 5 consecutive failures',
      paused_by: 'tollgate',
    });
    const resumed = resume(paused, T0, 'alice');
    expect(resumed).toEqual({ ...schedule({ next_run: iso(T0 - HOUR) }), updated_at: iso(T0) });
    expect(isDue(resumed, model(), T0).due).toBe(true);
  });

  it('refuses to resume a schedule that is not paused (a pause that ended at now included)', () => {
    expect(() => resume(schedule(), T0, 'alice')).toThrow(/not paused/);
    expect(() => resume(schedule({ paused_until: iso(T0), paused_reason: 'x' }), T0, 'alice')).toThrow(
      /not paused/,
    );
  });
});

describe('intervals and last run', () => {
  it('derives last_run as next_run − interval when it is absent', () => {
    expect(effectiveLastRun(schedule({ next_run: iso(T0), interval: 3600 }))).toEqual(new Date(T0 - HOUR));
    expect(effectiveLastRun(schedule({ last_run: iso(T0 - 5000), next_run: iso(T0) }))).toEqual(
      new Date(T0 - 5000),
    );
    expect(effectiveLastRun(schedule())).toBeUndefined();
  });

  it('moves next_run to the last run plus the new interval', () => {
    const s = setInterval(schedule({ last_run: iso(T0 - HOUR), next_run: iso(T0 + 23 * HOUR) }), 7200, T0);
    expect(s).toMatchObject({ interval: 7200, next_run: iso(T0 + HOUR), updated_at: iso(T0) });
    expect(isDue(setInterval(s, 1800, T0), model(), T0).due).toBe(true);
    expect(() => setInterval(s, 0, T0)).toThrow(TollgateError);
    expect(() => setInterval(s, 1.5, T0)).toThrow(TollgateError);
  });

  it('starts a schedule one interval ahead, from model.yaml or the policy default', () => {
    expect(initialSchedule(model(), 3600, T0)).toEqual({
      ...schedule({ interval: 3600 }),
      next_run: iso(T0 + HOUR),
      updated_at: iso(T0),
    });
    expect(intervalFor(model('fraud', { schedule: { interval: 60 } }), policy())).toBe(60);
    expect(intervalFor(model(), policy({ default_interval: 120 }))).toBe(120);
    expect(() => initialSchedule('Bad/Name', 60, T0)).toThrow(/unsafe model name/);
  });
});

describe('jitterFor', () => {
  it('is fixed for a name, within bounds, and differs between names', () => {
    expect(jitterFor('fraud', 600)).toBe(jitterFor('fraud', 600));
    expect(jitterFor('fraud', 0)).toBe(0);
    const values = new Set(['a', 'b', 'c', 'd', 'e', 'f'].map((n) => jitterFor(n, 3600)));
    expect(values.size).toBeGreaterThan(1);
    for (const v of values) expect(v).toBeGreaterThanOrEqual(0);
    for (const v of values) expect(v).toBeLessThanOrEqual(3600);
  });
});

describe('parseDuration and formatDuration', () => {
  it.each([
    ['2h', 7200],
    ['45m', 2700],
    ['1d', 86_400],
    ['90s', 90],
    ['3600', 3600],
    ['1w', 604_800],
    ['1h30m', 5400],
    [' 5m ', 300],
  ])('parses %j as %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', '0', '0s', '2 h', '1.5h', '-5m', '2H', 'h', '1y', '99999999999999999999d'])(
    'refuses %j with a fix',
    (text) => {
      try {
        parseDuration(text);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(TollgateError);
        expect((error as TollgateError).message).toContain('invalid duration');
        expect((error as TollgateError).fix).toMatch(/1h30m/);
      }
    },
  );

  it('formats with the largest units', () => {
    expect([90, 3600, 5400, 86_400, 93_784, 0].map(formatDuration)).toEqual([
      '1m30s',
      '1h',
      '1h30m',
      '1d',
      '1d2h3m4s',
      '0s',
    ]);
  });
});
