import { describe, expect, it } from 'vitest';
import { renderPromotionBody } from '../../src/promotion/body.ts';
import { version } from './fixture.ts';

describe('renderPromotionBody', () => {
  it('renders a first promotion in full', () => {
    const v1 = version('v01', { auc: 0.92 });
    expect(
      renderPromotionBody({
        model: 'fraud',
        stage: 'staging',
        candidate: v1,
        recent: [],
        requirements: [{ rule: 'stage change', role: 'model-owner (fraud)', candidates: ['@olga'] }],
      }),
    ).toBe(
      [
        '## Promote fraud v01 to staging',
        '',
        '`staging` has no version yet: this is its first.',
        '',
        '### Metrics',
        '',
        '| Metric | v01 (candidate) |',
        '| --- | ---: |',
        '| auc | 0.92 |',
        '',
        '### Validation gates',
        '',
        '| Gate | Value | Result |',
        '| --- | ---: | --- |',
        '| auc >= 0.9 | 0.92 | ✅ pass |',
        '',
        'All gates pass.',
        '',
        '### Lineage',
        '',
        '- Trained from `111111111111`, 2026-11-01T00:00:00Z',
        `- Artifact: \`s3://models/fraud/v01.onnx\` (sha256 \`${'f'.repeat(64)}\`, 1024 bytes)`,
        '',
        '### Required sign-offs',
        '',
        '| Role | Needed by | Who can sign off |',
        '| --- | --- | --- |',
        '| model-owner (fraud) | stage change | @olga |',
        '',
        'Approve this pull request to sign off; the `tollgate/signoff` check shows what is still missing.',
        '',
      ].join('\n'),
    );
  });

  const v11 = version('v11', { auc: 0.9 });
  const v12 = version('v12', { auc: 0.91, latency_ms: 40, recall: 0.7 });
  const v13 = version(
    'v13',
    { auc: 0.93, latency_ms: 38.5, precision: 0.8, recall: 0.7 },
    {
      source: {
        commit: '1'.repeat(40),
        run_url: 'https://github.com/acme/models/actions/runs/5',
        actor: 'eve',
      },
      data: { uri: 's3://data/fraud/2026-11', sha256: 'dddddddd' },
      parent: 'v12',
      request: 'r-20261113-abc',
    },
  );
  const body = renderPromotionBody({
    model: 'fraud',
    stage: 'production',
    candidate: v13,
    current: v12,
    recent: [v12, v11],
    keyMetrics: ['recall', 'auc'],
    requirements: [{ rule: 'production promotion', role: 'risk', candidates: ['@acme/risk'] }],
    runUrl: 'https://github.com/acme/models/actions/runs/9',
    repoUrl: 'https://github.com/acme/models',
  });

  it('compares against the current version with deltas, key metrics first', () => {
    expect(body).toContain(
      [
        '| Metric | v12 (production) | v13 (candidate) | Δ |',
        '| --- | ---: | ---: | ---: |',
        '| **recall** | 0.7 | 0.7 | 0 |',
        '| **auc** | 0.91 | 0.93 | +0.02 |',
        '| latency_ms | 40 | 38.5 | −1.5 |',
        '| precision | — | 0.8 |  |',
      ].join('\n'),
    );
    expect(body).toContain('Replaces **v12** in `production`.');
  });

  it('charts each key metric over recent versions in time order, skipping versions without it', () => {
    expect(body).toContain(
      [
        '```mermaid',
        'xychart-beta',
        '  title "auc"',
        '  x-axis ["v11", "v12", "v13"]',
        '  y-axis "auc"',
        '  line [0.9, 0.91, 0.93]',
        '```',
      ].join('\n'),
    );
    expect(body).toContain('  x-axis ["v12", "v13"]\n  y-axis "recall"');
  });

  it('links lineage to the commit, the run, the data and the artifact', () => {
    expect(body).toContain(
      '- Trained from [`111111111111`](https://github.com/acme/models/commit/' +
        '1'.repeat(40) +
        ') in [run](https://github.com/acme/models/actions/runs/5) by @eve, 2026-11-13T00:00:00Z',
    );
    expect(body).toContain('- Data: `s3://data/fraud/2026-11` (sha256 `dddddddd`)');
    expect(body).toContain('- Parent version: v12\n- Retrain request: r-20261113-abc');
    expect(body).toContain('Opened by [this workflow run](https://github.com/acme/models/actions/runs/9).');
  });

  it('shows a failing candidate and never turns a non-http URL from the registry into a link', () => {
    const bad = version(
      'v15',
      { auc: 0.8 },
      { source: { commit: '1'.repeat(40), run_url: 'javascript:alert(1)' } },
    );
    const text = renderPromotionBody({
      model: 'fraud',
      stage: 'staging',
      candidate: bad,
      recent: [],
      requirements: [],
    });
    expect(text).toContain('| auc >= 0.9 | 0.8 | ❌ fail |');
    expect(text).toContain('**The candidate fails its gates.**');
    expect(text).toContain('in run (`javascript:alert(1)`)');
    expect(text).not.toContain('](javascript:');
    expect(text).toContain('None: the policy needs no sign-off for this change.');
  });
});
