import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_DURATION_SECONDS } from '../../src/registry/limits.ts';
import type { Schedule } from '../../src/registry/types.ts';
import {
  cooldownSeconds,
  executed,
  failed,
  formatDuration,
  isDue,
  parseDuration,
  pause,
} from '../../src/scheduler/schedule.ts';
import { T0, iso, model, policy, schedule } from './fixtures.ts';

const YEAR = 365 * 86_400_000;
const instant = fc.integer({ min: T0 - YEAR, max: T0 + YEAR });
const interval = fc.integer({ min: 1, max: 30 * 86_400 });
const policyArb = fc
  .record({
    cooldown_base: fc.integer({ min: 0, max: 10_000 }),
    cooldown_factor: fc.double({ min: 0.5, max: 10, noNaN: true }),
    cooldown_cap: fc.integer({ min: 0, max: 100_000 }),
    pause_after_failures: fc.integer({ min: 0, max: 10 }),
    jitter: fc.integer({ min: 0, max: 3600 }),
  })
  .map((s) => policy(s));

const scheduleArb: fc.Arbitrary<Schedule> = fc
  .record({
    interval,
    next_run: fc.option(instant, { nil: undefined }),
    last_run: fc.option(instant, { nil: undefined }),
    failure_streak: fc.integer({ min: 0, max: 100 }),
    cooldown_until: fc.option(instant, { nil: undefined }),
    paused_until: fc.option(instant, { nil: undefined }),
    paused_reason: fc.option(fc.constantFrom('maintenance', 'system: 5 consecutive failures'), {
      nil: undefined,
    }),
    model: fc.constantFrom('fraud', 'churn', 'ranker-v2', 'a'),
  })
  .map(({ next_run, last_run, cooldown_until, paused_until, ...rest }) =>
    schedule({
      ...rest,
      ...(next_run === undefined ? {} : { next_run: iso(next_run) }),
      ...(last_run === undefined ? {} : { last_run: iso(last_run) }),
      ...(cooldown_until === undefined ? {} : { cooldown_until: iso(cooldown_until) }),
      ...(paused_until === undefined ? {} : { paused_until: iso(paused_until) }),
    }),
  );

describe('schedule properties', () => {
  it('a paused model is never due', () => {
    fc.assert(
      fc.property(
        scheduleArb,
        instant,
        fc.integer({ min: 1, max: MAX_DURATION_SECONDS }),
        (s, now, seconds) => {
          const paused = pause(s, { duration: seconds, reason: 'r', by: 'alice' }, now);
          expect(isDue(paused, model(s.model), now).due).toBe(false);
          expect(isDue(paused, model(s.model), now + seconds * 1000 - 1).due).toBe(false);
          expect(isDue(pause(s, { reason: 'r', by: 'a' }, now), model(s.model), now + YEAR).due).toBe(false);
        },
      ),
    );
  });

  it('a cooling-down model is never due', () => {
    fc.assert(
      fc.property(scheduleArb, instant, fc.integer({ min: 1, max: YEAR }), (s, now, ahead) => {
        const cooling = { ...s, cooldown_until: iso(now + ahead) };
        expect(isDue(cooling, model(s.model), now).due).toBe(false);
      }),
    );
  });

  it('after executed, next_run is after now, the streak is 0 and there is no cooldown', () => {
    fc.assert(
      fc.property(scheduleArb, instant, policyArb, (s, now, p) => {
        const after = executed(s, now, p);
        expect(Date.parse(after.next_run!)).toBeGreaterThan(now);
        expect(after.failure_streak).toBe(0);
        expect(after.cooldown_until).toBeUndefined();
        expect(after.last_run).toBe(iso(now));
      }),
    );
  });

  it('a success after any run of failures resets the streak', () => {
    fc.assert(
      fc.property(scheduleArb, instant, policyArb, fc.integer({ min: 1, max: 30 }), (s, now, p, n) => {
        let state = s;
        for (let i = 0; i < n; i++) state = failed(state, now + i, 'boom', p);
        expect(state.failure_streak).toBe(s.failure_streak + n);
        expect(executed(state, now + n, p).failure_streak).toBe(0);
      }),
    );
  });

  it('the cooldown never exceeds its cap', () => {
    fc.assert(
      fc.property(scheduleArb, instant, policyArb, (s, now, p) => {
        const after = failed(s, now, 'boom', p);
        expect(cooldownSeconds(after.failure_streak, p)).toBeLessThanOrEqual(p.schedule.cooldownCap);
        const until = after.cooldown_until === undefined ? now : Date.parse(after.cooldown_until);
        expect(until - now).toBeLessThanOrEqual(p.schedule.cooldownCap * 1000);
        expect(until - now).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('folding: after any gap, executing gives exactly one due run, then none until the next slot', () => {
    fc.assert(
      fc.property(
        interval,
        fc.integer({ min: 0, max: 10 * YEAR }),
        policyArb,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { maxLength: 20 }),
        (seconds, gap, p, ticks) => {
          const now = T0 + gap;
          const s = schedule({ interval: seconds, next_run: iso(T0) });
          expect(isDue(s, model(), now).due).toBe(true);
          const after = executed(s, now, p);
          const next = Date.parse(after.next_run!);
          // Every tick between this run and the next slot finds nothing due: the missed runs are gone.
          for (const t of [now, ...ticks.map((f) => now + Math.floor(f * (next - now)))]) {
            if (t < next) expect(isDue(after, model(), t).due).toBe(false);
          }
          expect(isDue(after, model(), next).due).toBe(true);
        },
      ),
    );
  });

  it('parseDuration reads back what formatDuration writes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_DURATION_SECONDS }), (seconds) => {
        expect(parseDuration(formatDuration(seconds))).toBe(seconds);
      }),
    );
  });
});
