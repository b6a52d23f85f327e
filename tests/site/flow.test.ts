// The site flow on a real git history: what each page says about stage pointers, sign-offs, schedules, incidents
// and the audit, now and as of an earlier time; and that registry content cannot inject markup.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_FILTER_SCRIPT } from '../../src/site/audit-page.ts';
import { buildSite, type SiteBuild } from '../../src/site/flow.ts';
import { gitSiteSource } from '../../src/site/git-source.ts';
import { repoLinks } from '../../src/site/html.ts';
import { removeRepo } from '../evidence/repo.ts';
import { buildSiteScenario, HOSTILE, P0, P1, type SiteScenario } from './scenario.ts';
import { textOf } from './text.ts';

let s: SiteScenario;
let now: SiteBuild;
const clock = () => new Date('2026-01-02T12:00:00Z');

const page = (build: SiteBuild, path: string) => {
  const file = build.files.find((f) => f.path === path);
  if (!file) throw new Error(`no page ${path} in ${build.files.map((f) => f.path).join(', ')}`);
  return file.content;
};

const build = (at?: string, since: string | undefined = s.bootstrap) =>
  buildSite(
    { git: gitSiteSource(s.repo.dir, 'registry/'), clock },
    {
      registryPrefix: 'registry/',
      repo: repoLinks('acme/models'),
      ...(at ? { at } : {}),
      ...(since ? { since } : {}),
    },
  );

beforeAll(async () => {
  s = await buildSiteScenario();
  now = await build();
}, 60_000);
afterAll(() => removeRepo(s.repo));

describe('the overview', () => {
  it('has one page per model besides the overview, incidents and audit log', () => {
    expect(now.files.map((f) => f.path).sort()).toEqual([
      'audit.html',
      'incidents.html',
      'index.html',
      'models/churn.html',
      'models/fraud.html',
    ]);
    expect(now.shown.sha).toBe(now.head);
  });

  it('shows each stage pointer with its weight, how it got there and who signed it off', () => {
    const text = textOf(page(now, 'index.html'));
    expect(text).toMatch(/production v3 ✕ direct push since 2026-01-01/);
    expect(text).toContain('canary v4 (10% of traffic)');
    expect(text).toMatch(
      /staging v2 ✓ signed off since 2026-01-01 · #2 · \w{8} approved by olga \(model-owner\)/,
    );
    expect(text).toMatch(
      /canary v4 \(10% of traffic\) · merged, no record since 2026-01-01 · #4 · \w{8} approved by no merge record/,
    );
    // Highest stage first, in the policy's order.
    expect(text.indexOf('production v3')).toBeLessThan(text.indexOf('staging v2'));
    expect(text.indexOf('staging v2')).toBeLessThan(text.indexOf('canary v4'));
  });

  it('says the schedule is cooling down, the failure streak, and the open incident', () => {
    const text = textOf(page(now, 'index.html'));
    expect(text).toContain(
      'cooling down until 2026-01-03 00:00 UTC after a failure; 2 failures in a row: trainer ran out of memory',
    );
    expect(text).toContain(`P0 open ${P0}`);
    expect(text).toContain('1 × P0');
  });

  it('carries the gate-integrity verdict of audit verify, with the direct push as a finding', async () => {
    expect(now.integrity).toEqual({ findings: 1, allowed: 0 });
    // Without a trusted baseline the audit reads the whole history, and the bootstrap commit is a direct push too.
    expect((await build(undefined, '')).integrity).toEqual({ findings: 2, allowed: 0 });
    const text = textOf(page(now, 'index.html'));
    expect(text).toContain('1 finding');
    expect(text).toContain('hotfix: put v3 in production fraud production: v2 -> v3');
    expect(page(now, 'index.html')).toContain(`https://github.com/acme/models/commit/${s.directPush}`);
  });

  it('renders the hostile model description as inert text, and links only to http(s)', () => {
    for (const f of now.files) {
      expect(f.content).not.toContain(HOSTILE);
      expect(f.content).not.toMatch(/<img|<[^>]*\sonerror=|href="javascript:/i);
      // The only script is the audit filter, allowed by its hash.
      expect((f.content.match(/<script>/g) ?? []).length).toBe(f.path === 'audit.html' ? 1 : 0);
    }
    expect(textOf(page(now, 'index.html'))).toContain(`Scores card payments. ${HOSTILE}`);
  });

  it('sets a Content-Security-Policy that allows nothing from outside and the audit script by its hash', () => {
    const csp = textOf(
      /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(page(now, 'audit.html'))![1]!,
    );
    expect(csp).toContain("default-src 'none'");
    const hash = createHash('sha256').update(AUDIT_FILTER_SCRIPT).digest('base64');
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
    expect(
      textOf(/content="([^"]+)"/.exec(page(now, 'index.html').split('Content-Security-Policy')[1]!)![1]!),
    ).toContain("script-src 'none'");
  });
});

describe('history at a date', () => {
  it('answers what served production then and who signed it off', async () => {
    const then = await build(s.afterProduction);
    expect(then.at?.time).toBe(s.afterProduction);
    expect(then.shown.sha).not.toBe(then.head);
    const text = textOf(page(then, 'index.html'));
    expect(text).toContain('History view.');
    expect(text).toMatch(
      /production v2 ✓ signed off since 2026-01-01 · #3 · \w{8} approved by rita \(risk\) , carl \(compliance\) , olga \(model-owner\)/,
    );
    expect(text).not.toContain('canary');
    expect(then.integrity).toEqual({ findings: 0, allowed: 0 });
  });

  it('shows the version before a promotion for a time before it, and takes a ref too', async () => {
    expect(textOf(page(await build(s.beforeProduction), 'index.html'))).toContain('production v1');
    const byRef = await build(s.productionMerge);
    expect(byRef.shown.sha).toBe(s.productionMerge);
    expect(textOf(page(byRef, 'index.html'))).toContain('production v2');
  });

  it('refuses a date before the history starts, and a ref that names nothing', async () => {
    await expect(build('2025-12-31')).rejects.toThrow(
      /nothing on refs\/heads\/main was committed by 2025-12-31T23:59:59Z/,
    );
    await expect(build('no-such-tag')).rejects.toThrow(/--at no-such-tag: no such ref or commit/);
    await expect(build('2026-13-45')).rejects.toThrow(/neither a date/);
  });
});

describe('the model page', () => {
  it('lists versions newest first with metrics, gate results, lineage and the stages they hold', () => {
    const html = page(now, 'models/fraud.html');
    const text = textOf(html);
    expect(text.indexOf('v4 2026-01-01')).toBeLessThan(text.indexOf('v1 2026-01-01'));
    expect(text).toContain('FAIL: auc 0.78 >= 0.8');
    expect(text).toMatch(/v4 2026-01-01 0\.92 36 ✓ passed/);
    expect(html).toContain('href="https://github.com/acme/models/actions/runs/400"');
    expect(text).toContain(`data s3://data/fraud/2026-01-01.parquet ${'d'.repeat(12)}`);
  });

  it('draws a trend chart per key metric with the pointers marked and the gate threshold', () => {
    const html = page(now, 'models/fraud.html');
    expect((html.match(/<svg class="trend"/g) ?? []).length).toBe(2);
    const auc = html.slice(html.indexOf('<figcaption id="chart-0-title">auc'), html.indexOf('</figure>'));
    expect(auc).toContain('gate &gt;= 0.8');
    expect(auc).toMatch(/<text class="stage-label"[^>]*>production<\/text>/);
    expect(auc).toMatch(/<text class="stage-label"[^>]*>canary<\/text>/);
    expect(auc).toContain('auc across 4 versions: 0.85 at v1, 0.92 at v4.');
  });

  it('tells the stage changes newest first, each with its pull request, commit, requester and approvers', () => {
    const text = textOf(page(now, 'models/fraud.html'));
    const timeline = text.slice(text.indexOf('Stage changes'));
    expect(timeline.indexOf('production → v3')).toBeLessThan(timeline.indexOf('production → v2'));
    expect(timeline).toMatch(
      /production → v2 \(was v1\) ✓ signed off .* pull request #3 .* approved by rita \(risk\) , carl \(compliance\) , olga \(model-owner\)/,
    );
    expect(timeline).toMatch(
      /production → v3 \(was v2\) ✕ direct push .* hotfix: put v3 in production approved by no merge record missing: a merged pull request/,
    );
    expect(page(now, 'models/fraud.html')).toContain('href="https://github.com/acme/models/pull/3"');
  });
});

describe('incidents and the audit log', () => {
  it('measures each incident against the protocol: a P1 recovered in 3 h is over its 2 h target', () => {
    const text = textOf(page(now, 'incidents.html'));
    expect(text).toContain('classified 3m 00s ✓ within 15m 00s');
    expect(text).toContain('recovered 3h 00m ✕ over 2h 00m');
    expect(text).toContain('P1 High: severe degradation affecting users 15m 00s 2h 00m 1 0 3h 00m ✕ 1');
    expect(text).toContain(`${P1} fraud p99 latency doubled ✓ resolved`);
    expect(text).toContain(`${P0} fraud errors on every request ✕ open`);
  });

  it('lists every registry event with the attributes the filter reads', () => {
    const html = page(now, 'audit.html');
    expect(html).toMatch(
      /<tr data-model="fraud" data-kind="stage-changed" data-at="2026-01-01T\d\d:00:00Z">/,
    );
    expect(html).toMatch(/<tr data-model="" data-kind="init" data-at="2026-01-01T00:00:00Z">/);
    expect(html).toMatch(/data-kind="promotion-merged"/);
    expect(html).toContain('<option>incident-opened</option>');
  });
});
