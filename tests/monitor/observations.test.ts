// The observe job's captures as the record job reads them: untrusted input, checked before anything is judged,
// and answered as of when they were observed; a question without a capture is an error, never a command run.
import { describe, expect, it } from 'vitest';
import {
  MAX_FAILURE_TEXT,
  OBSERVATIONS_SCHEMA,
  parseObservations,
  replaySource,
  type Observations,
} from '../../src/monitor/observations.ts';

const AT = new Date('2026-12-06T10:00:00Z');
const scope = { model: 'fraud', stage: 'production', version: 'v4' };
const output = JSON.stringify({
  metrics: { error_rate: 0.02 },
  samples: {
    drift_score: [15, 10, 5, 0].map((m) => [new Date(AT.getTime() - m * 60_000).toISOString(), 0.9]),
  },
});
const observations = (extra: Partial<Observations> = {}): Observations => ({
  schema: OBSERVATIONS_SCHEMA,
  observed_at: AT.toISOString(),
  models: [
    {
      model: 'fraud',
      captures: [
        { scope, window: 900, output },
        { scope, window: 0, output },
      ],
    },
  ],
  failures: [],
  ...extra,
});
const parse = (value: unknown, now = AT) => parseObservations(JSON.stringify(value), now);

describe('parseObservations', () => {
  it('reads what the observe job wrote', () => {
    expect(parse(observations())).toEqual(observations());
  });

  it.each([
    [
      'another schema',
      { ...observations(), schema: 'x' },
      /not a tollgate\/monitor-observations\/v1 document/,
    ],
    [
      'a capture without output',
      observations({ models: [{ model: 'fraud', captures: [{ scope, window: 0 } as never] }] }),
      /captures\[0\]\.output is not a string/,
    ],
    [
      'a negative window',
      observations({ models: [{ model: 'fraud', captures: [{ scope, window: -1, output }] }] }),
      /window is not a whole number/,
    ],
    [
      'a scope without a stage',
      observations({
        models: [{ model: 'fraud', captures: [{ scope: { model: 'fraud' } as never, window: 0, output }] }],
      }),
      /scope\.stage is not a string/,
    ],
  ])('refuses %s', (_what, value, message) => {
    expect(() => parse(value)).toThrow(message);
  });

  it('refuses what is not JSON, too old, or from the future', () => {
    expect(() => parseObservations('{', AT)).toThrow(/not JSON/);
    expect(() => parse(observations(), new Date(AT.getTime() + 31 * 60_000))).toThrow(/too old to judge/);
    expect(() => parse(observations(), new Date(AT.getTime() - 2 * 60_000))).toThrow(/in the future/);
  });

  it('bounds a failure message, which the command could have written', () => {
    const long = parse(observations({ failures: [{ model: 'fraud', error: 'x'.repeat(10_000) }] }));
    expect(long.failures[0]!.error).toHaveLength(MAX_FAILURE_TEXT);
  });
});

describe('replaySource', () => {
  const source = replaySource('command ./metrics.sh', observations().models[0]!.captures, AT);

  it('answers from the captures as of when they were observed, whatever time it is asked at', async () => {
    const later = new Date(AT.getTime() + 10 * 60_000);
    expect(await source.instant(['error_rate'], scope, later)).toEqual({ error_rate: 0.02 });
    expect(await source.overWindow('drift_score', 'min', scope, later, 900)).toEqual({
      value: 0.9,
      samples: 4,
      covered: 900,
    });
    expect(source.label).toBe('command ./metrics.sh (run in the observe job at 2026-12-06T10:00:00.000Z)');
  });

  it('has no answer for a question the observe job did not ask', async () => {
    await expect(source.overWindow('drift_score', 'min', scope, AT, 600)).rejects.toThrow(
      /captured no output of command \.\/metrics\.sh for fraud production v4 over 600s/,
    );
    await expect(source.instant(['error_rate'], { ...scope, version: 'v5' }, AT)).rejects.toThrow(
      /v5 over 0s/,
    );
  });

  it('parses a capture as the command output it claims to be', async () => {
    const forged = replaySource(
      'command x',
      [{ scope, window: 0, output: '{"metrics": {"error_rate": "low"}}' }],
      AT,
    );
    await expect(forged.instant(['error_rate'], scope, AT)).rejects.toThrow(/not a finite number/);
  });
});
