import { describe, expect, it } from 'vitest';
import { assertSafeName, isSafeName, unsafeNameReason } from '../../src/registry/names.ts';
import { TollgateError } from '../../src/errors.ts';

describe('safe names', () => {
  it.each(['fraud', 'fraud-detector', 'v13', 'v2026.11.24', 'a', '0'])('accepts %s', (name) => {
    expect(isSafeName(name)).toBe(true);
  });

  it.each([
    ['', 'is empty'],
    ['..', 'contains ".."'],
    ['a..b', 'contains ".."'],
    ['a/b', 'lowercase'],
    ['Fraud', 'lowercase'],
    ['has space', 'lowercase'],
    ['x;rm -rf', 'lowercase'],
    ['$(id)', 'lowercase'],
    ['-flag', 'start and end'],
    ['trailing.', 'start and end'],
    ['a'.repeat(65), 'at most 64'],
  ])('rejects %j (%s)', (name, reason) => {
    expect(unsafeNameReason(name)).toContain(reason);
  });

  it('throws a TollgateError that names the kind and suggests a fix', () => {
    expect(() => assertSafeName('model', '../etc')).toThrow(TollgateError);
    try {
      assertSafeName('model', '../etc');
    } catch (error) {
      expect((error as TollgateError).message).toContain('unsafe model name "../etc"');
      expect((error as TollgateError).fix).toContain('fraud-detector');
    }
  });
});
