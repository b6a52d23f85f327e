// The App Tollgate runs as: one permission table that the manifest, `tollgate app manifest` and docs/github.md all
// come from, checked against GitHub's own description of App permissions.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appCommand } from '../../src/cli/commands/app.ts';
import type { CliContext } from '../../src/cli/context.ts';
import {
  APP_EVENTS,
  APP_PERMISSIONS,
  appCreationUrl,
  appManifest,
  appManifestPage,
  appPermissionsTable,
} from '../../src/github/app.ts';
import { cleanupRepos, makeRepo } from '../git/repo-fixture.ts';

afterAll(cleanupRepos);
const root = resolve(import.meta.dirname, '../..');

const spec = JSON.parse(
  readFileSync(join(root, 'node_modules/@octokit/openapi/generated/api.github.com.json'), 'utf8'),
) as { components: { schemas: Record<string, { properties: Record<string, { enum?: string[] }> }> } };

describe('the permission table', () => {
  it('names only permissions GitHub knows, at levels GitHub offers, each once', () => {
    const known = spec.components.schemas['app-permissions']!.properties;
    for (const p of APP_PERMISSIONS) {
      expect(known[p.key], p.key).toBeDefined();
      expect(known[p.key]!.enum, p.key).toContain(p.access);
      expect(p.neededBy.length, p.key).toBeGreaterThan(20);
    }
    expect(new Set(APP_PERMISSIONS.map((p) => p.key)).size).toBe(APP_PERMISSIONS.length);
  });

  it('grants nothing that only the administrator or the workflow token needs', () => {
    const keys = APP_PERMISSIONS.map((p) => p.key);
    for (const never of ['administration', 'actions', 'workflows', 'secrets', 'environments', 'issues'])
      expect(keys).not.toContain(never);
  });

  it('docs/github.md carries the table as `npm run docs` renders it', () => {
    const doc = readFileSync(join(root, 'docs/github.md'), 'utf8');
    expect(doc).toContain(appPermissionsTable());
  });
});

describe('appManifest', () => {
  const manifest = appManifest({ name: 'Tollgate acme', url: 'https://github.com/acme/models' });

  it('is private, receives no events, and asks for exactly the table', () => {
    expect(manifest.public).toBe(false);
    expect(manifest.default_events).toEqual([...APP_EVENTS]);
    expect(manifest.default_events).toEqual([]);
    expect(manifest.hook_attributes).toEqual({ url: 'https://github.com/acme/models', active: false });
    expect(manifest.default_permissions).toEqual({
      contents: 'write',
      pull_requests: 'write',
      checks: 'write',
      metadata: 'read',
      members: 'read',
    });
    expect(manifest.url).toBe('https://github.com/acme/models');
  });

  it('the page posts the manifest, escaped, to the account or organization that will own the App', () => {
    const hostile = appManifest({ name: 'T"><script>x</script>', url: 'https://example.com/?a=1&b=2' });
    const page = appManifestPage(hostile, appCreationUrl('https://github.com', 'acme & co'));
    expect(page).toContain(
      '<form action="https://github.com/organizations/acme%20%26%20co/settings/apps/new" method="post">',
    );
    expect(page).not.toContain('<script>');
    const value = /name="manifest" value="([^"]*)"/.exec(page)![1]!;
    const decoded = value
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
    expect(JSON.parse(decoded)).toEqual(hostile);
    expect(appCreationUrl('https://ghe.example.com/', undefined)).toBe(
      'https://ghe.example.com/settings/apps/new',
    );
  });
});

describe('tollgate app manifest', () => {
  function context(repoRoot: string, env: NodeJS.ProcessEnv = {}) {
    const out: string[] = [];
    const ctx: CliContext = {
      cwd: repoRoot,
      repoRoot,
      registryDir: join(repoRoot, 'registry'),
      env,
      now: () => new Date('2026-12-01T00:00:00Z'),
      out: (t) => out.push(t),
      err: (t) => out.push(t),
    };
    return { ctx, out };
  }

  it("prints the manifest for the origin repository's owner by default", async () => {
    const repo = await makeRepo({});
    await repo.git(['remote', 'add', 'origin', 'git@github.com:acme/models.git']);
    const { ctx, out } = context(repo.dir);
    expect(await appCommand.run(['manifest'], ctx)).toBe(0);
    expect(JSON.parse(out.join('\n'))).toEqual(
      appManifest({ name: 'Tollgate acme', url: 'https://github.com/acme/models' }),
    );
  });

  it('takes --name, --url and --org, and writes the page with --format html', async () => {
    const repo = await makeRepo({});
    const { ctx, out } = context(repo.dir, { GITHUB_SERVER_URL: 'https://ghe.example.com' });
    const args = [
      'manifest',
      '--org',
      'acme',
      '--name',
      'Acme gate',
      '--url',
      'https://ml.acme.test',
      '--format',
      'html',
    ];
    expect(await appCommand.run(args, ctx)).toBe(0);
    const page = out.join('\n');
    expect(page).toContain('action="https://ghe.example.com/organizations/acme/settings/apps/new"');
    expect(page).toContain('Acme gate');
    expect(page).toContain('https://ml.acme.test');
  });

  it('without a GitHub remote, names Tollgate and its homepage from package.json', async () => {
    const repo = await makeRepo({});
    const { ctx, out } = context(repo.dir);
    expect(await appCommand.run(['manifest'], ctx)).toBe(0);
    const manifest = JSON.parse(out.join('\n'));
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(manifest.name).toBe('Tollgate');
    expect(pkg.homepage.startsWith(manifest.url)).toBe(true);
  });

  it.each([
    [['manifests'], /expected `manifest`/],
    [[], /expected `manifest`/],
    [['manifest', '--format', 'yaml'], /--format must be json or html, not yaml/],
    [['manifest', '--url', 'javascript:alert(1)'], /not an http\(s\) URL/],
    [['manifest', '--repo', 'not-a-repo'], /not OWNER\/NAME/],
  ])('refuses %j', async (args, message) => {
    const repo = await makeRepo({});
    await expect(appCommand.run(args, context(repo.dir).ctx)).rejects.toThrow(message);
  });
});
