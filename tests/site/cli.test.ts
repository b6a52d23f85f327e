// `tollgate site` as a user runs it: it says where to open the site, a second build rewrites nothing that did not
// change, a page the registry no longer has is removed, and a folder it did not build is never written into.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteCommand } from '../../src/cli/commands/site.ts';
import type { CliContext } from '../../src/cli/context.ts';
import { commit, removeRepo } from '../evidence/repo.ts';
import { buildSiteScenario, type SiteScenario } from './scenario.ts';

let s: SiteScenario;
const work = mkdtempSync(join(tmpdir(), 'tollgate-site-cli-'));
beforeAll(async () => {
  s = await buildSiteScenario();
}, 60_000);
afterAll(() => {
  removeRepo(s.repo);
  rmSync(work, { recursive: true, force: true });
});

function context() {
  const lines: string[] = [];
  const ctx: CliContext = {
    cwd: s.repo.dir,
    repoRoot: s.repo.dir,
    registryDir: join(s.repo.dir, 'registry'),
    env: {},
    now: () => new Date('2026-01-02T12:00:00Z'),
    out: (t) => lines.push(t),
    err: (t) => lines.push(t),
  };
  return { ctx, lines };
}

const run = async (...args: string[]) => {
  const { ctx, lines } = context();
  return { code: await siteCommand.run(args, ctx), text: lines.join('\n') };
};

describe('tollgate site', () => {
  it('builds the site, says what it checked and where to open it, and rewrites only what changed', async () => {
    const out = join(work, 'site');
    const first = await run('--out', out, '--since', s.bootstrap);
    expect(first.code).toBe(0);
    expect(first.text).toContain('5 pages, 2 models, 4 versions');
    expect(first.text).toContain('5 written, 0 unchanged, 0 removed');
    expect(first.text).toContain('gate integrity: 1 finding(s), 0 allowed emergency push(es)');
    expect(first.text).toContain(`open ${pathToFileURL(join(out, 'index.html')).href}`);
    const before = statSync(join(out, 'models/fraud.html')).mtimeMs;

    const again = JSON.parse((await run('--out', out, '--since', s.bootstrap, '--format', 'json')).text) as {
      written: string[];
      unchanged: number;
      pages: string[];
    };
    expect(again.written).toEqual([]);
    expect(again.unchanged).toBe(5);
    expect(statSync(join(out, 'models/fraud.html')).mtimeMs).toBe(before);

    // The model is removed from the registry: its page goes, the others stay.
    await commit(s.repo, { 'registry/models/churn/model.yaml': null }, 'Remove churn');
    const third = await run('--out', out, '--since', s.bootstrap);
    // Only pages whose content changed are written: the overview and the audit log, not fraud's page.
    expect(third.text).toContain('2 written, 2 unchanged, 1 removed');
    expect(statSync(join(out, 'models/fraud.html')).mtimeMs).toBe(before);
    expect(existsSync(join(out, 'models/churn.html'))).toBe(false);
    expect(existsSync(join(out, 'models/fraud.html'))).toBe(true);
  }, 60_000);

  it('refuses a folder it did not build, and leaves it as it was', async () => {
    const out = join(work, 'someone-elses');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'keep me');
    await expect(run('--out', out)).rejects.toThrow(/not empty and was not built by tollgate site/);
    expect(readdirSync(out)).toEqual(['notes.txt']);
  }, 60_000);

  it('needs --out, and names a bad --at', async () => {
    await expect(run()).rejects.toThrow(/--out DIR is required/);
    await expect(run('--out', join(work, 'bad-at'), '--at', '2026-02-30T25:00:00Z')).rejects.toThrow(
      /neither a date/,
    );
    expect(existsSync(join(work, 'bad-at'))).toBe(false);
  }, 60_000);
});
