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
        '### ⚠️ Check before approving',
        '',
        '- No training data is recorded for the candidate: its lineage cannot be checked.',
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
        '| Metric | v12 (production) | v13 (candidate) | Δ | vs v12 |',
        '| --- | ---: | ---: | ---: | --- |',
        '| **recall** | 0.7 | 0.7 | 0 | = same |',
        '| **auc** | 0.91 | 0.93 | +0.02 | changed (policy gives no direction) |',
        '| latency_ms | 40 | 38.5 | −1.5 | changed (policy gives no direction) |',
        '| precision | — | 0.8 |  | not reported by v12 |',
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
        '  x-axis ["v11", "v12 ● current", "v13 ◆ candidate"]',
        '  y-axis "auc" 0.84 --> 0.98',
        '  line [0.9, 0.91, 0.93]',
        '```',
      ].join('\n'),
    );
    expect(body).toContain('  x-axis ["v12 ● current", "v13 ◆ candidate"]\n  y-axis "recall" 0.65 --> 0.75');
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

describe('renderPromotionBody: regression against the version it replaces', () => {
  const production = version(
    'v03',
    { auc: 0.924, false_positive_rate: 0.041 },
    { data: { uri: 's3://data/fraud/2026-10', sha256: 'a'.repeat(64) } },
  );
  const candidate = version(
    'v05',
    { auc: 0.875, false_positive_rate: 0.069 },
    { data: { uri: 's3://data/fraud/snapshots/latest' } },
  );
  const input = {
    model: 'fraud',
    stage: 'production',
    candidate,
    current: production,
    recent: [production, version('v01', { auc: 0.91, false_positive_rate: 0.05 })],
    requirements: [],
    keyMetrics: ['auc', 'false_positive_rate'],
    metricDirections: { auc: 'higher', false_positive_rate: 'lower' } as const,
    gates: [
      { metric: 'auc', op: '>=', threshold: 0.85 },
      { metric: 'false_positive_rate', op: '<=', threshold: 0.08 },
    ] as const,
  };

  it('marks each key metric worse by the policy direction, warns before the tables, and never says all is well', () => {
    const text = renderPromotionBody({ ...input, gates: [...input.gates] });
    const warning = text.indexOf('### ⚠️ Check before approving');
    expect(warning).toBeGreaterThan(0);
    expect(warning).toBeLessThan(text.indexOf('### Metrics'));
    expect(text).toContain(
      '- The candidate is **worse than v03** on key metrics auc (0.924 → 0.875, higher is better), false_positive_rate (0.041 → 0.069, lower is better).',
    );
    expect(text).toContain('| **auc** | 0.924 | 0.875 | −0.049 | ▼ **worse** |');
    expect(text).toContain('| **false_positive_rate** | 0.041 | 0.069 | +0.028 | ▼ **worse** |');
    expect(text).not.toContain('All gates pass.');
    expect(text).toContain('Training data is not pinned: the data URI names a moving snapshot (`latest`)');
    expect(text).toContain('- Data: `s3://data/fraud/snapshots/latest` ⚠️ not pinned');
  });

  it('shows a no_regression rule failing and one holding', () => {
    const text = renderPromotionBody({
      ...input,
      gates: [...input.gates],
      noRegression: [
        { metric: 'auc', tolerance: 0.01, stage: 'production' },
        { metric: 'false_positive_rate', tolerance: 0.05 },
        { metric: 'auc', tolerance: 1, stage: 'staging' },
      ],
    });
    expect(text).toContain('▼ **worse** — ❌ fails no_regression, tolerance 0.01 |');
    expect(text).toContain('▼ **worse** — ✅ within no_regression, tolerance 0.05 |');
    expect(text).toContain(
      "The policy's no_regression rule fails on auc: the gate will block this promotion.",
    );
  });

  it('warns when a key metric is missing on the candidate and says the chart leaves it out', () => {
    const lacking = version('v05', { auc: 0.93 }, { data: { uri: 's3://d/x', sha256: 'b'.repeat(64) } });
    const text = renderPromotionBody({ ...input, gates: [...input.gates], candidate: lacking });
    expect(text).toContain(
      '- The candidate does not report the key metric false_positive_rate: the comparison may not be like for like.',
    );
    expect(text).toContain('| **false_positive_rate** | 0.041 | — |  | ⚠️ **missing on the candidate** |');
    expect(text).toContain(
      '**⚠️ The candidate v05 does not report false_positive_rate: it is not on this chart.**',
    );
    expect(text).toContain(
      'All validation gates pass, **but the candidate is worse than v03 on false_positive_rate**.',
    );
  });

  it('warns when the versions were evaluated on different data', () => {
    const text = renderPromotionBody({
      ...input,
      gates: [...input.gates],
      current: { ...production, evaluation: { uri: 's3://eval/2026-10', sha256: 'c'.repeat(64) } },
      candidate: { ...candidate, evaluation: { uri: 's3://eval/2026-11', sha256: 'd'.repeat(64) } },
    });
    expect(text).toContain(
      '- The versions were evaluated on different data (v03: `s3://eval/2026-10`, candidate: `s3://eval/2026-11`)',
    );
  });

  it('draws the gate thresholds, marks production and candidate, on an axis that does not exaggerate', () => {
    const text = renderPromotionBody({ ...input, gates: [...input.gates] });
    expect(text).toContain(
      [
        '  title "false_positive_rate"',
        '  x-axis ["v01", "v03 ● current", "v05 ◆ candidate"]',
        '  y-axis "false_positive_rate" 0 --> 0.09',
        '  line [0.05, 0.041, 0.069]',
        '  line [0.08, 0.08, 0.08]',
      ].join('\n'),
    );
    expect(text).toContain('line 1: false_positive_rate; line 2: gate, at most 0.08.');
    expect(text).toContain('  y-axis "auc" 0.82 --> 0.96');
  });
});
