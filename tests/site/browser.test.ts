// The site as a person meets it: every page opened from file:// in a real headless Chromium, with its strict
// Content-Security-Policy in force. No console error, every internal link resolves, the audit filter works (and the
// page reads without it), axe-core finds no serious or critical violation, nothing overflows a 360 px phone, dark
// mode and print styles apply, and the hostile model description stays text. A screenshot of the overview goes to
// .artifacts/ for CI to keep.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, type SiteBuild } from '../../src/site/flow.ts';
import { gitSiteSource } from '../../src/site/git-source.ts';
import { repoLinks } from '../../src/site/html.ts';
import { writeSite } from '../../src/site/write.ts';
import { ensureChromium, launchChromium } from '../browser/chromium.ts';
import { removeRepo } from '../evidence/repo.ts';
import { buildSiteScenario, HOSTILE, type SiteScenario } from './scenario.ts';

const ARTIFACTS = resolve('.artifacts');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let s: SiteScenario;
let site: SiteBuild;
let browser: Browser | undefined;
const out = mkdtempSync(join(tmpdir(), 'tollgate-site-browser-'));
const url = (path: string) => pathToFileURL(join(out, path)).href;

beforeAll(async () => {
  const chromium = ensureChromium('the site browser tests');
  s = await buildSiteScenario();
  site = await buildSite(
    { git: gitSiteSource(s.repo.dir, 'registry/'), clock: () => new Date('2026-01-02T12:00:00Z') },
    { registryPrefix: 'registry/', repo: repoLinks('acme/models'), since: s.bootstrap },
  );
  writeSite(out, site.files);
  if (chromium) browser = await launchChromium(chromium);
}, 650_000);

afterAll(async () => {
  await browser?.close();
  if (s) removeRepo(s.repo);
  rmSync(out, { recursive: true, force: true });
});

/** Opens a page and collects what would show in the console: errors, CSP violations, uncaught exceptions. */
async function open(path: string, options: { width?: number; javaScript?: boolean } = {}) {
  const context = await browser!.newContext({
    viewport: { width: options.width ?? 1280, height: 900 },
    javaScriptEnabled: options.javaScript ?? true,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(path.startsWith('file:') ? path : url(path));
  return { page, problems, close: () => context.close() };
}

const pages = () => site.files.map((f) => f.path);

interface Visit {
  problems: string[];
  heading: string | null;
  /** Internal links as the browser resolved them. */
  links: string[];
  ids: string[];
  /** axe-core's serious and critical violations. */
  serious: { id: string; impact: string; nodes: string[] }[];
  /** The document's width once the viewport is a 360 px phone's. */
  phoneWidth: number;
}

/** Every page opened once, with the CSP in force, and everything the tests below look at read off it. */
let visits: Promise<Map<string, Visit>> | undefined;
function visitAll(): Promise<Map<string, Visit>> {
  return (visits ??= (async () => {
    const out = new Map<string, Visit>();
    for (const path of pages()) {
      const { page, problems, close } = await open(path);
      const heading = await page.locator('h1').first().textContent();
      const links = (
        await page.$$eval('a[href]', (as) => as.map((a) => (a as unknown as { href: string }).href))
      ).filter((h) => h.startsWith('file:'));
      const ids = await page.$$eval('[id]', (els) => els.map((e) => e.id));
      // Evaluated through the DevTools protocol, which the page's CSP does not govern; the page itself stays strict.
      await page.evaluate(axeSource);
      const violations = await page.evaluate<{ id: string; impact: string; nodes: string[] }[]>(`
        axe.run({ resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({
          id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
        })))`);
      await page.setViewportSize({ width: 360, height: 800 });
      const phoneWidth = await page.evaluate<number>('document.documentElement.scrollWidth');
      out.set(path, {
        problems: [...problems],
        heading,
        links,
        ids,
        serious: violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'),
        phoneWidth,
      });
      await close();
    }
    return out;
  })());
}

describe('the site in a real headless Chromium', () => {
  it('renders every page with no console error, no CSP violation and no dialog', async (ctx) => {
    if (!browser) return ctx.skip();
    for (const [path, visit] of await visitAll()) {
      expect(visit.heading, path).toBeTruthy();
      expect(visit.problems, path).toEqual([]);
    }
  }, 180_000);

  it('resolves every internal link to a page of the site and, for a fragment, to an element on it', async (ctx) => {
    if (!browser) return ctx.skip();
    const all = await visitAll();
    const ids = new Map([...all].map(([path, v]) => [url(path), v.ids]));
    let fragments = 0;
    for (const [from, visit] of all)
      for (const href of visit.links) {
        const [file, fragment] = href.split('#') as [string, string | undefined];
        expect(existsSync(fileURLToPath(file)), `${from} links to ${href}`).toBe(true);
        expect(ids.has(file), `${from} links to ${href}, which is not a page of the site`).toBe(true);
        // A fragment of the audit log is a filter (model=...), which the filter test covers.
        if (!fragment || fragment.includes('=')) continue;
        fragments++;
        expect(ids.get(file), `${from} -> ${href}`).toContain(decodeURIComponent(fragment));
      }
    expect(fragments).toBeGreaterThan(3);
  }, 180_000);

  it('filters the audit log by model, kind and date, and opens filtered from a link', async (ctx) => {
    if (!browser) return ctx.skip();
    const { page, problems, close } = await open('audit.html');
    const visible = () =>
      page.$$eval('#events tbody tr', (rows) =>
        rows
          .filter((r) => !(r as unknown as { hidden: boolean }).hidden)
          .map((r) => ({
            model: r.getAttribute('data-model'),
            kind: r.getAttribute('data-kind'),
            at: r.getAttribute('data-at'),
          })),
      );
    const all = await visible();
    expect(all.length).toBeGreaterThan(8);
    await expect(page.locator('#filters').isVisible()).resolves.toBe(true);
    await page.selectOption('select[name=model]', 'fraud');
    const fraud = await visible();
    expect(fraud.length).toBeGreaterThan(0);
    expect(fraud.length).toBeLessThan(all.length);
    expect(fraud.every((r) => r.model === 'fraud')).toBe(true);
    expect(await page.textContent('#count')).toBe(`${fraud.length} of ${all.length} events shown`);
    await page.selectOption('select[name=kind]', 'promotion-merged');
    expect((await visible()).map((r) => r.kind)).toEqual(['promotion-merged', 'promotion-merged']);
    await page.selectOption('select[name=kind]', '');
    await page.selectOption('select[name=model]', '');
    await page.fill('input[name=from]', '2026-01-02');
    expect(await visible()).toEqual([]);
    await page.click('button[type=reset]');
    // Polled from here: a string predicate is evaluated in the page, which the site's CSP (no 'unsafe-eval') refuses.
    await expect.poll(() => page.textContent('#count')).toBe(`${all.length} of ${all.length} events shown`);
    expect(problems).toEqual([]);
    await close();

    const linked = await open(`${url('audit.html')}#model=fraud&kind=promotion-merged`);
    const linkedRows = await linked.page.$$eval('#events tbody tr:not([hidden])', (rows) =>
      rows.map((r) => r.getAttribute('data-model')),
    );
    expect(new Set(linkedRows)).toEqual(new Set(['fraud']));
    expect(linkedRows).toHaveLength(2);
    expect(await linked.page.inputValue('select[name=kind]')).toBe('promotion-merged');
    expect(await linked.page.inputValue('select[name=model]')).toBe('fraud');
    await linked.close();
  }, 60_000);

  it('reads without a script: the filter stays hidden and every event is listed', async (ctx) => {
    if (!browser) return ctx.skip();
    const { page, close } = await open('audit.html', { javaScript: false });
    expect(await page.locator('#filters').isVisible()).toBe(false);
    const rows = await page.locator('#events tbody tr').count();
    expect(await page.locator('#events tbody tr:visible').count()).toBe(rows);
    await close();
  }, 60_000);

  it('has no serious or critical accessibility violation on any page (axe-core)', async (ctx) => {
    if (!browser) return ctx.skip();
    for (const [path, visit] of await visitAll()) expect(JSON.stringify(visit.serious), path).toBe('[]');
  }, 180_000);

  it('fits a 360 px phone screen without horizontal scrolling, on every page', async (ctx) => {
    if (!browser) return ctx.skip();
    for (const [path, visit] of await visitAll()) expect(visit.phoneWidth, path).toBeLessThanOrEqual(360);
  }, 180_000);

  it('follows dark mode, prints without navigation, and shows the hostile description as text', async (ctx) => {
    if (!browser) return ctx.skip();
    const { page, problems, close } = await open('index.html');
    const background = () => page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    const light = await background();
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await background()).not.toBe(light);
    await page.emulateMedia({ colorScheme: 'light', media: 'print' });
    expect(await page.locator('header.site nav').isVisible()).toBe(false);
    await page.emulateMedia({ media: 'screen' });
    expect(await page.locator('.model p').first().textContent()).toBe(`Scores card payments. ${HOSTILE}`);
    expect(await page.locator('img').count()).toBe(0);
    expect(problems).toEqual([]);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: join(ARTIFACTS, 'site-overview.png'), fullPage: true });
    expect(readFileSync(join(ARTIFACTS, 'site-overview.png')).subarray(1, 4).toString()).toBe('PNG');
    await close();
  }, 60_000);
});
