import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectEvidence, type Evidence } from '../../src/evidence/bundle.ts';
import {
  escapeHtml,
  renderReportHtml,
  renderReportMarkdown,
  timelineRows,
} from '../../src/evidence/report.ts';
import { collectFindings } from '../../src/evidence/findings.ts';
import { CHROMIUM_FLAGS, ensureChromium, launchChromium } from '../browser/chromium.ts';
import { buildScenario, pullRequestThreeReviews, removeRepo, type Scenario } from './repo.ts';

let s: Scenario;
let ev: Evidence;
// The model's export with pull request #3's reviews and gate check, as GitHub would give them.
let reviewed: Evidence;
const reviews = pullRequestThreeReviews;
const work = mkdtempSync(join(tmpdir(), 'tollgate-report-'));
beforeAll(async () => {
  s = await buildScenario();
  ev = await collectEvidence(s.repo.dir, { model: 'fraud' });
  reviewed = await collectEvidence(s.repo.dir, { model: 'fraud' }, { reviews });
});
afterAll(() => {
  removeRepo(s.repo);
  rmSync(work, { recursive: true, force: true });
});

describe('report rendering', () => {
  it('orders the timeline oldest first and names who, what and through which pull request', () => {
    const rows = timelineRows(ev);
    expect(rows[0]!.event).toBe('init');
    const promote = rows.find((r) => r.pullRequest === 3)!;
    expect(promote).toMatchObject({
      event: 'promote',
      by: 'alice',
      what: 'model fraud, version v2, stage production',
    });
  });

  it('escapes repository text in HTML and Markdown', () => {
    const html = renderReportHtml(ev);
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('Hotfix &lt;script&gt;alert(1)&lt;/script&gt; fraud v3');
    expect(html).not.toMatch(/<script|<link|src=|@import|url\(/i);
    expect(escapeHtml(`a&b"c'<`)).toBe('a&amp;b&quot;c&#39;&lt;');
    const md = renderReportMarkdown(ev);
    expect(md).toContain('Hotfix \\<script\\>alert(1)\\</script\\> fraud v3');
    expect(md).toContain('## Timeline');
  });
});

describe('workflow run links', () => {
  it('links an http(s) run address and shows anything else as text', () => {
    const html = renderReportHtml(reviewed);
    const run = 'https://github.com/org/repo/actions/runs/200';
    expect(html).toContain(`workflow run <a href="${run}">${run}</a>`);
    expect(renderReportMarkdown(reviewed)).toContain(`run <${run}>`);
    const hostile: Evidence = {
      ...reviewed,
      versions: [{ model: 'fraud', version: 'v9', run: { url: 'javascript:alert(1)' } }],
    };
    expect(renderReportHtml(hostile)).not.toContain('href="javascript');
    expect(renderReportHtml(hostile)).toContain('workflow run javascript:alert(1)');
  });
});

describe('report in a real headless Chromium', () => {
  let chromium: string | undefined;
  beforeAll(() => {
    chromium = ensureChromium('the headless Chromium report test');
  }, 650_000);

  it('renders the timeline text, with the hostile subject as text and no script element', (ctx) => {
    if (!chromium) return ctx.skip();
    const file = join(work, 'report.html');
    writeFileSync(file, renderReportHtml(ev));
    const r = spawnSync(
      chromium,
      [...CHROMIUM_FLAGS, `--user-data-dir=${join(work, 'profile')}`, '--dump-dom', pathToFileURL(file).href],
      { encoding: 'utf8', timeout: 90_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const dom = r.stdout;
    expect(dom).toContain('<ol class="timeline">');
    expect(dom).toContain('Promote fraud v2 to production (#3)');
    expect(dom).toContain('Roll back fraud production to v2');
    expect(dom).toContain('Hotfix &lt;script&gt;alert(1)&lt;/script&gt; fraud v3');
    expect(dom).not.toMatch(/<script/i);
  }, 120_000);

  it('shows reviewers with their roles, the gate verdict, run links, validation, drift, fairness, incidents and signatures', (ctx) => {
    if (!chromium) return ctx.skip();
    const file = join(work, 'reviewed.html');
    writeFileSync(file, renderReportHtml(reviewed));
    const r = spawnSync(
      chromium,
      [
        ...CHROMIUM_FLAGS,
        `--user-data-dir=${join(work, 'profile-reviewed')}`,
        '--dump-dom',
        pathToFileURL(file).href,
      ],
      { encoding: 'utf8', timeout: 90_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    // The rendered page as text, cell by cell: what a person reads.
    const text = r.stdout
      .replace(/<style>[^]*?<\/style>/, '')
      .replace(/<\/t[dh]>/g, ' | ')
      .replace(/<[^>]+>/g, '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
      .replace(/\s+/g, ' ');
    expect(text).toContain('Pull requests and approvals');
    expect(text).toContain('#3 Promote fraud v2 to production');
    expect(text).toContain(`rita | risk | APPROVED | ${'c'.repeat(12)} | 2026-01-01T04:30:00Z`);
    expect(text).toContain(`olga | model-owner | APPROVED | ${'c'.repeat(12)} | 2026-01-01T04:35:00Z`);
    expect(text).toContain(`Gate check: success on ${'c'.repeat(12)}, completed 2026-01-01T04:40:00Z`);
    expect(r.stdout).toContain(
      '<a href="https://github.com/org/repo/actions/runs/200">https://github.com/org/repo/actions/runs/200</a>',
    );
    expect(text).toContain('validation passed');
    expect(text).toContain('auc | >= | 0.8 | 0.9 | yes');
    expect(text).toContain('Drift metric | value | psi | 0.05');
    expect(text).toContain('Fairness metric | value | demographic_parity | 0.97');
    expect(text).toContain('Incidents and rollbacks');
    expect(text).toContain('INC-20260101-100000-abc | P0');
    expect(text).toContain('commit | author | committer | signature | subject');
    expect(text).toMatch(/ \| none \| Hotfix <script>alert\(1\)<\/script> fraud v3/);
    expect(r.stdout).not.toMatch(/<script/i);
  }, 120_000);

  it('shows the summary and the findings on the first screen, with no layout overflow on a laptop or a phone', async (ctx) => {
    if (!chromium) return ctx.skip();
    const withFindings = await collectEvidence(s.repo.dir, { model: 'fraud' });
    const found = await collectFindings(s.repo.dir, withFindings, { registryPrefix: 'registry/' });
    withFindings.findings = found.findings;
    withFindings.summary = found.summary;
    expect(found.findings.some((f) => f.kind === 'direct-push')).toBe(true);
    // A description with a long unbroken line and a wide table: it must wrap, not widen the page.
    const text = `## Promote\n\n${'x'.repeat(400)}\n\n| ${Array.from({ length: 30 }, (_, i) => `metric_${i}`).join(' | ')} |\n`;
    withFindings.pullRequests[0]!.body = {
      sha256: 'f'.repeat(64),
      source: 'merge record',
      record: 'r',
      text,
      file: `controls/pr-body/${'f'.repeat(64)}.md`,
    };
    const file = join(work, 'findings.html');
    writeFileSync(file, renderReportHtml(withFindings));
    const browser = await launchChromium(chromium);
    try {
      for (const viewport of [
        { width: 1280, height: 800 },
        { width: 390, height: 844 },
      ]) {
        const page = await browser.newPage({ viewport });
        await page.goto(pathToFileURL(file).href);
        // Every collapsed description opened, as an auditor would.
        await page.evaluate(`document.querySelectorAll('details').forEach((d) => { d.open = true; })`);
        expect(await page.evaluate(`document.querySelector('h2#controls') !== null`)).toBe(true);
        const layout = await page.evaluate(`(() => {
          const box = (sel) => { const el = document.querySelector(sel); if (!el) return null; const r = el.getBoundingClientRect(); return { top: r.top, bottom: r.bottom }; };
          return {
            summary: box('dl.summary'),
            findings: box('#findings'),
            firstFinding: box('ul.findings li.violation'),
            scrollWidth: document.documentElement.scrollWidth,
            clientWidth: document.documentElement.clientWidth,
            wide: [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1).map((el) => el.tagName + '.' + el.className).slice(0, 5),
          };
        })()`);
        const l = layout as {
          summary: { top: number; bottom: number } | null;
          findings: { top: number; bottom: number } | null;
          firstFinding: { top: number; bottom: number } | null;
          scrollWidth: number;
          clientWidth: number;
          wide: string[];
        };
        // The findings heading and the first violation are on the first screen, below the summary.
        expect(l.summary, `${viewport.width}px`).not.toBeNull();
        expect(l.findings!.top).toBeGreaterThan(l.summary!.top);
        expect(
          l.firstFinding!.top,
          `${viewport.width}px: first finding at ${l.firstFinding!.top}`,
        ).toBeLessThan(viewport.height);
        // Nothing wider than the window: no sideways scrolling.
        expect(l.wide, `${viewport.width}px`).toEqual([]);
        expect(l.scrollWidth).toBeLessThanOrEqual(l.clientWidth);
        await page.close();
      }
    } finally {
      await browser.close();
    }
  }, 120_000);
});
