import { describe, expect, it } from 'vitest';
import { honestAxis } from '../../src/promotion/axis.ts';

describe('honestAxis', () => {
  it.each([
    // values, min, max, why
    [[0.924, 0.875, 0.91], 0.84, 0.96, 'a 5-point AUC drop fills about half the height, not all of it'],
    [[0.9, 0.901], 0.84, 0.96, 'a 0.001 change stays flat: the axis spans at least 10 % of the values'],
    [[0.041, 0.069, 0.08], 0, 0.09, 'rates near zero start at zero'],
    [[0.97, 0.99, 0.995], 0.92, 1, 'a metric within 0..1 never gets an axis above 1'],
    [[120, 180, 150], 110, 190, 'latency in ms is not clamped to 0..1'],
    [[-3, -1], -3.25, -0.75, 'negative values get a padded axis'],
    [[0, 0], 0, 0.06, 'all zero still has a height'],
    [[], 0, 1, 'nothing to chart'],
  ])('%j → %f..%f (%s)', (values, min, max) => {
    const axis = honestAxis(values);
    expect([axis.min, axis.max]).toEqual([min, max]);
    for (const v of values) {
      expect(v).toBeGreaterThanOrEqual(axis.min);
      expect(v).toBeLessThanOrEqual(axis.max);
    }
  });

  it('says why it is wider than the data', () => {
    expect(honestAxis([0.9, 0.901]).note).toMatch(/10 %/);
    expect(honestAxis([0.5, 0.9]).note).toBeUndefined();
  });
});
