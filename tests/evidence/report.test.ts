import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectEvidence, type Evidence } from '../../src/evidence/bundle.ts';
import {
  escapeHtml,
  renderReportHtml,
  renderReportMarkdown,
  timelineRows,
} from '../../src/evidence/report.ts';
import { buildScenario, removeRepo, type Scenario } from './repo.ts';

let s: Scenario;
let ev: Evidence;
const work = mkdtempSync(join(tmpdir(), 'tollgate-report-'));
beforeAll(async () => {
  s = await buildScenario();
  ev = await collectEvidence(s.repo.dir, { model: 'fraud' });
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

describe('report in a real headless Chromium', () => {
  let chromium: string | undefined;
  beforeAll(() => {
    if (!existsSync('/usr/bin/chromium')) {
      const r = spawnSync('sh', [resolve('scripts/ensure-chromium.sh')], {
        encoding: 'utf8',
        timeout: 600_000,
      });
      if (r.status !== 0) {
        console.warn(
          `\n!!!!! SKIPPING the headless Chromium report test: Chromium could not be installed !!!!!\n${r.stderr}\n`,
        );
        return;
      }
    }
    chromium = '/usr/bin/chromium';
  }, 650_000);

  it('renders the timeline text, with the hostile subject as text and no script element', (ctx) => {
    if (!chromium) return ctx.skip();
    const file = join(work, 'report.html');
    writeFileSync(file, renderReportHtml(ev));
    const r = spawnSync(
      chromium,
      [
        '--headless',
        '--disable-gpu',
        '--no-sandbox',
        `--user-data-dir=${join(work, 'profile')}`,
        '--dump-dom',
        pathToFileURL(file).href,
      ],
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
});
