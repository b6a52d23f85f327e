// Schema ranges match the runtime: any Schedule, Model and Policy that validates, up to every maximum, can be
// run through the scheduler's transitions and the tick's planning without a throw (no "Invalid time value").
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/errors.ts';
import { effectivePolicy } from '../../src/policy/effective.ts';
import {
  MAX_COOLDOWN_FACTOR,
  MAX_DURATION_SECONDS,
  MAX_FAILURE_COUNT,
  MAX_TRAINING_TIMEOUT_SECONDS,
} from '../../src/registry/limits.ts';
import { parseRegistryFile } from '../../src/registry/parse.ts';
import type { Model, Policy, Schedule } from '../../src/registry/types.ts';
import { validateDocumentSchema } from '../../src/registry/validate-schema.ts';
import { runTraining, TrainingError } from '../../src/retrain/training.ts';
import { planScheduledRetrains } from '../../src/scheduler/plan.ts';
import {
  executed,
  failed,
  isDue,
  parseDuration,
  pause,
  resume,
  setScheduleInterval,
} from '../../src/scheduler/schedule.ts';

const LAST = Date.parse('9999-12-31T23:59:59Z');
const iso = (t: number): string => new Date(t).toISOString().replace('.000Z', 'Z');
const time = fc.integer({ min: 0, max: LAST }).map(iso);
const duration = (min: number) => fc.integer({ min, max: MAX_DURATION_SECONDS });

const policyArb: fc.Arbitrary<Policy> = fc
  .record(
    {
      default_interval: duration(1),
      cooldown_base: duration(0),
      cooldown_factor: fc.double({ min: 1, max: MAX_COOLDOWN_FACTOR, noNaN: true }),
      cooldown_cap: duration(0),
      pause_after_failures: fc.integer({ min: 0, max: MAX_FAILURE_COUNT }),
      jitter: duration(0),
    },
    { requiredKeys: [] },
  )
  .map((schedule) => ({ apiVersion: 'tollgate/v1', kind: 'Policy', roles: {}, schedule }) as Policy);

const modelArb: fc.Arbitrary<Model> = fc
  .record({ enabled: fc.boolean(), interval: duration(1) }, { requiredKeys: [] })
  .map(
    (schedule) =>
      ({
        apiVersion: 'tollgate/v1',
        kind: 'Model',
        name: 'fraud',
        owners: { users: ['alice'] },
        schedule,
      }) as Model,
  );

const scheduleArb: fc.Arbitrary<Schedule> = fc
  .record(
    {
      interval: duration(1),
      failure_streak: fc.integer({ min: 0, max: MAX_FAILURE_COUNT }),
      last_run: time,
      next_run: time,
      updated_at: time,
      last_failure: time,
      cooldown_until: time,
      paused_until: time,
      paused_reason: fc.constant('maintenance'),
    },
    { requiredKeys: ['interval', 'failure_streak'] },
  )
  .map(
    (fields) =>
      ({
        apiVersion: 'tollgate/v1',
        kind: 'Schedule',
        schema_version: 1,
        model: 'fraud',
        ...fields,
      }) as Schedule,
  );

describe('schema ranges the runtime can handle', () => {
  it('runs every valid schedule, model and policy through the scheduler without throwing', () => {
    fc.assert(
      fc.property(
        scheduleArb,
        modelArb,
        policyArb,
        time,
        duration(1),
        (schedule, model, policyDoc, nowIso, seconds) => {
          // The generated documents are valid instances, up to every maximum.
          for (const [path, doc] of [
            ['models/fraud/schedule.yaml', schedule],
            ['models/fraud/model.yaml', model],
            ['policy.yaml', policyDoc],
          ] as const) {
            expect(validateDocumentSchema(path, doc).filter((p) => p.severity === 'error')).toEqual([]);
          }
          const now = Date.parse(nowIso);
          const policy = effectivePolicy(policyDoc);
          // A refusal a user can act on (resuming a schedule that is not paused) is an answer; anything else,
          // such as a RangeError from an out-of-range date, is the bug this guards against.
          const answers = (f: () => unknown) => {
            try {
              f();
            } catch (error) {
              if (!(error instanceof TollgateError)) throw error;
            }
          };
          isDue(schedule, model, now);
          executed(schedule, now, policy);
          failed(schedule, now, 'trainer exited 1', policy);
          answers(() => pause(schedule, { duration: seconds, reason: 'maintenance', by: 'alice' }, now));
          answers(() => resume(schedule, now, 'alice'));
          setScheduleInterval(schedule, seconds, now);
          planScheduledRetrains({ schedules: [schedule], models: [model], activeRetrains: [], now });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses an interval the runtime cannot turn into a date, in validation and on the command line', () => {
    const text =
      'apiVersion: tollgate/v1\nkind: Schedule\nschema_version: 1\nmodel: fraud\ninterval: 10000000000000\nfailure_streak: 0\n';
    expect(parseRegistryFile('models/fraud/schedule.yaml', text).problems).toMatchObject([
      {
        line: 5,
        field: 'interval',
        severity: 'error',
        message: expect.stringMatching(/must be <= 315360000/),
      },
    ]);
    expect(() => parseDuration('20000w')).toThrow(/longer than ten years/);
    expect(() => parseDuration(String(MAX_DURATION_SECONDS))).not.toThrow();
  });

  it('refuses a training timeout longer than a timer can wait, before starting anything', async () => {
    const error = await runTraining({
      command: ['true'],
      cwd: process.cwd(),
      timeoutSeconds: MAX_TRAINING_TIMEOUT_SECONDS + 1,
      outputDir: '/nonexistent-never-created',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingError);
    expect((error as TrainingError).reason).toBe('invalid-command');
  });
});
