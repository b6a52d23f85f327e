// drift-report events: built with the scores, the report's link and sha256 and the CI run; the evidence sections
// read them back per kind, and say "None recorded." without any.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { driftRecords, driftReportEvent, renderDriftSections } from '../../src/monitor/drift-report.ts';
import { cleanupRepos } from '../git/repo-fixture.ts';
import { cli, registryRepo, trailersOf } from '../cli/registry-repo.ts';

afterEach(cleanupRepos);
const now = new Date('2026-12-06T10:00:00Z');

describe('drift reports on record', () => {
  it('splits drift and fairness reports of a model, and renders both sections', () => {
    const drift = driftReportEvent({
      model: 'fraud',
      version: 'v4',
      kind: 'drift',
      scores: { psi_amount: 0.31 },
      report: { uri: 'https://ci.example/artifacts/drift.html', sha256: 'a'.repeat(64) },
      runUrl: 'https://github.com/acme/models/actions/runs/7',
      actor: 'tollgate-monitor[bot]',
      now,
      source: 'monitoring rule drift',
    });
    const other = driftReportEvent({
      model: 'churn',
      kind: 'fairness',
      scores: { dp_gap: 0.02 },
      actor: 'a',
      now,
      source: 's',
    });
    const records = driftRecords([drift, other], 'fraud');
    expect(records.fairness).toEqual([]);
    expect(records.drift).toEqual([
      expect.objectContaining({
        model: 'fraud',
        version: 'v4',
        scores: { psi_amount: 0.31 },
        runUrl: 'https://github.com/acme/models/actions/runs/7',
      }),
    ]);
    const text = renderDriftSections(records);
    expect(text).toContain(
      '| 2026-12-06T10:00:00Z | fraud | v4 | psi_amount = 0.31 | [report](https://ci.example/artifacts/drift.html) (sha256 `aaaaaaaaaaaa…`) | [run](https://github.com/acme/models/actions/runs/7) |',
    );
    expect(text).toMatch(/## Fairness reports\n\nNone recorded\./);
    expect(renderDriftSections({ drift: [], fairness: [] })).toMatch(/## Drift reports\n\nNone recorded\./);
  });

  it('tollgate drift-report records the scores and the artifact sha256 in one commit', async () => {
    const repo = await registryRepo();
    writeFileSync(join(repo.dir, 'fairness.html'), '<p>report</p>\n');
    const run = await cli([
      '-C',
      repo.dir,
      'drift-report',
      'fraud-detector',
      '--kind',
      'fairness',
      '--version',
      'v4',
      '--score',
      'dp_gap=0.04',
      '--report',
      'https://ci.example/fairness.html',
      '--report-file',
      join(repo.dir, 'fairness.html'),
      '--run-url',
      'https://github.com/acme/models/actions/runs/9',
    ]);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(await trailersOf(repo, 'HEAD')).toMatchObject({
      'Tollgate-Event': ['drift-report'],
      Version: ['v4'],
    });
    const file = (await repo.git(['show', '--name-only', '--format=', 'HEAD'])).trim();
    expect(load(readFileSync(join(repo.dir, file), 'utf8'))).toMatchObject({
      event: 'drift-report',
      details: {
        kind: 'fairness',
        scores: { dp_gap: 0.04 },
        report: {
          uri: 'https://ci.example/fairness.html',
          sha256: createHash('sha256').update('<p>report</p>\n').digest('hex'),
        },
        run_url: 'https://github.com/acme/models/actions/runs/9',
      },
    });
  });
});
