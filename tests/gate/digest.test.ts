// The daily digest: due only when something waited longer than the policy's threshold, and what it says.
import { describe, expect, it } from 'vitest';
import { signoffDigest } from '../../src/gate/digest.ts';
import { formatAge, type InboxRow } from '../../src/gate/inbox.ts';
import { effectivePolicy } from '../../src/policy/effective.ts';

const row = (number: number, ageSeconds: number, extra: Partial<InboxRow> = {}): InboxRow => ({
  number,
  title: `Promote #${number}`,
  url: `https://github.com/acme/models/pull/${number}`,
  model: 'fraud-detector',
  stage: 'production',
  draft: false,
  openedAt: '2026-11-20T00:00:00Z',
  ageSeconds,
  age: formatAge(ageSeconds),
  owed: [{ role: 'risk', rule: 'production promotion', candidates: ['@rita-risk', '@acme/model-risk'] }],
  blocking: [],
  ...extra,
});

const DAY = 86_400;

describe('signoffDigest', () => {
  it.each<[string, InboxRow[], number, boolean, number[]]>([
    ['nothing open', [], DAY, false, []],
    ['everything younger than the threshold', [row(1, DAY - 1), row(2, 600)], DAY, false, []],
    ['exactly the threshold is not over it', [row(1, DAY)], DAY, false, []],
    ['one over', [row(1, DAY + 1), row(2, 600)], DAY, true, [1]],
    ['all over a short threshold', [row(3, 7200), row(2, 3601)], 3600, true, [3, 2]],
  ])('%s', (_, rows, threshold, due, overdue) => {
    const digest = signoffDigest(rows, threshold, 'acme/models');
    expect(digest.due).toBe(due);
    expect(digest.overdue.map((r) => r.number)).toEqual(overdue);
    expect(digest.text === '').toBe(!due);
  });

  it('names each pull request, its wait, the roles owed and who can sign', () => {
    const digest = signoffDigest(
      [
        row(2, 2 * DAY + 6 * 3600),
        row(5, DAY + 3600, {
          model: undefined,
          stage: undefined,
          title: 'Hand-made promotion',
          owed: [
            { role: 'compliance', rule: 'production promotion', candidates: ['@acme/compliance'] },
            { role: 'model-owner (x)', rule: 'production promotion', candidates: [] },
          ],
        }),
      ],
      DAY,
      'acme/models',
    );
    expect(digest.text).toBe(
      [
        '2 promotion pull requests in acme/models have waited longer than 1d for a sign-off:',
        '- <https://github.com/acme/models/pull/2|#2> fraud-detector → production, waiting 2d 6h: risk (@rita-risk, @acme/model-risk)',
        '- <https://github.com/acme/models/pull/5|#5> Hand-made promotion, waiting 1d 1h: compliance (@acme/compliance); model-owner (x) (nobody can sign)',
      ].join('\n'),
    );
  });

  it('says when a pull request could not be judged', () => {
    const digest = signoffDigest(
      [row(4, 2 * DAY, { owed: [], problem: 'cannot fetch commit abc' })],
      DAY,
      'acme/models',
    );
    expect(digest.text).toContain('1 promotion pull request in acme/models has waited longer than 1d');
    expect(digest.text).toContain(
      '#4> fraud-detector → production, waiting 2d: could not be judged: cannot fetch commit abc',
    );
  });
});

describe('signoff.digest_after', () => {
  it('defaults to a day and follows the policy', () => {
    expect(effectivePolicy(undefined).signoff.digestAfter).toBe(DAY);
    expect(
      effectivePolicy({
        apiVersion: 'tollgate/v1',
        kind: 'Policy',
        roles: {},
        signoff: { digest_after: 3600 },
      }).signoff.digestAfter,
    ).toBe(3600);
  });
});
