// HTML building blocks for the site: a tagged template that escapes every interpolated value, safe links, and the
// page layout with its stylesheet, navigation and Content-Security-Policy. Pure: strings in, strings out.
import { createHash } from 'node:crypto';

/** Markup that is already safe to insert: only `markup` and `raw` make it. */
export class Html {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

export type Inner = Html | string | number | boolean | null | undefined | readonly Inner[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

const SPECIAL = /[&<>"']/;

/** Text made safe for element content and quoted attribute values. */
export function escapeText(text: string): string {
  // Most text (versions, times, metric values) has nothing to escape: a test is cheaper than a replace.
  return SPECIAL.test(text) ? text.replace(/[&<>"']/g, (c) => ESCAPES[c]!) : text;
}

function insert(value: Inner): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(insert).join('');
  return escapeText(String(value));
}

/**
 * The only way markup is written: registry content is attacker-controlled, so every interpolated value is escaped
 * unless it is itself Html made by this template. (Not named `html`: formatters rewrite the whitespace of
 * templates tagged so, which would change what the page shows.)
 */
export function markup(strings: TemplateStringsArray, ...values: Inner[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += insert(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** Markup built by this module itself (the stylesheet, the script); never registry content. */
export function raw(trusted: string): Html {
  return new Html(trusted);
}

/** An http(s) address, or undefined: `javascript:`, `data:` and relative addresses from the registry never link. */
export function safeUrl(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/** A link when the address is safe, the text alone otherwise. */
export function link(href: string | undefined, text: Inner, attrs: Html = raw('')): Html {
  return href === undefined ? markup`${text}` : markup`<a href="${href}"${attrs}>${text}</a>`;
}

/** Where a repository's commits and pull requests live on GitHub. */
export interface RepoLinks {
  /** e.g. https://github.com */
  server: string;
  owner: string;
  name: string;
}

const REPO_PART = /^[A-Za-z0-9_.-]{1,100}$/;

/** owner/name as given (by --repo or a remote), checked, or undefined. */
export function repoLinks(slug: string | undefined, server = 'https://github.com'): RepoLinks | undefined {
  if (!slug) return undefined;
  const [owner, name, ...rest] = slug.split('/');
  if (rest.length > 0 || !owner || !name || !REPO_PART.test(owner) || !REPO_PART.test(name)) return undefined;
  const base = safeUrl(server);
  return base ? { server: base.replace(/\/+$/, ''), owner, name } : undefined;
}

export function commitUrl(repo: RepoLinks | undefined, sha: string | undefined): string | undefined {
  return repo && sha && /^[0-9a-f]{7,64}$/.test(sha)
    ? `${repo.server}/${repo.owner}/${repo.name}/commit/${sha}`
    : undefined;
}

export function pullUrl(repo: RepoLinks | undefined, number: number | undefined): string | undefined {
  return repo && Number.isSafeInteger(number) && number! > 0
    ? `${repo.server}/${repo.owner}/${repo.name}/pull/${number}`
    : undefined;
}

/** A commit as a short sha in <code>, linked to GitHub when the repository is known. */
export function commitLink(repo: RepoLinks | undefined, sha: string | undefined): Html {
  if (!sha) return markup`<span class="muted">—</span>`;
  return link(
    commitUrl(repo, sha),
    markup`<code>${sha.slice(0, 8)}</code>`,
    raw(` title="commit ${escapeText(sha)}"`),
  );
}

export function pullLink(repo: RepoLinks | undefined, number: number | undefined): Html {
  if (number === undefined) return markup``;
  return link(pullUrl(repo, number), `#${number}`);
}

/** Status kinds share one palette; every badge also says its status in words, never by colour alone. */
export type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'neutral';

export function badge(tone: Tone, text: Inner, title?: string): Html {
  const icon = { ok: '✓', warn: '!', bad: '✕', info: 'i', neutral: '·' }[tone];
  const hint = title ? markup` title="${title}"` : '';
  return markup`<span class="badge ${tone}"${hint}><span class="icon" aria-hidden="true">${icon}</span>${text}</span>`;
}

/** 2026-11-05T00:00:00Z -> 2026-11-05 00:00 UTC, in a <time> element; anything unparsable as text. */
export function time(iso: string | undefined, withTime = true): Html {
  if (!iso) return markup`<span class="muted">—</span>`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return markup`${iso}`;
  const utc = new Date(ms).toISOString();
  const shown = withTime ? `${utc.slice(0, 10)} ${utc.slice(11, 16)} UTC` : utc.slice(0, 10);
  return markup`<time datetime="${utc.replace(/\.000Z$/, 'Z')}">${shown}</time>`;
}

export function durationText(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function sha256Base64(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}

const STYLE = `
:root{color-scheme:light dark;--bg:#fbfbfc;--panel:#fff;--text:#1b1f24;--muted:#5b6470;--line:#dde1e6;--accent:#1f5fbf;
--ok:#116329;--ok-bg:#e6f4ea;--warn:#8a5a00;--warn-bg:#fff4d6;--bad:#b42318;--bad-bg:#fde8e6;--info:#1f5fbf;--info-bg:#e7effb;
--neutral-bg:#eef0f3;--chart-1:#1f5fbf;--chart-grid:#e3e6ea;--focus:#1f5fbf}
@media (prefers-color-scheme:dark){:root{--bg:#0f1216;--panel:#171b21;--text:#e6e9ee;--muted:#9aa4b1;--line:#2b323b;--accent:#7fb0ff;
--ok:#6fdc8c;--ok-bg:#13301d;--warn:#f2c94c;--warn-bg:#3a2e0c;--bad:#ff8a80;--bad-bg:#3d1513;--info:#7fb0ff;--info-bg:#14263f;
--neutral-bg:#232a33;--chart-1:#7fb0ff;--chart-grid:#2b323b;--focus:#7fb0ff}}
*{box-sizing:border-box}
[hidden]{display:none!important}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;overflow-wrap:anywhere}
a{color:var(--accent);text-underline-offset:2px}
a:focus-visible,button:focus-visible,select:focus-visible,input:focus-visible{outline:2px solid var(--focus);outline-offset:2px}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:var(--panel);padding:.5rem;z-index:2}
header.site{background:var(--panel);border-bottom:1px solid var(--line)}
.wrap{max-width:1180px;margin:0 auto;padding:0 1rem}
header.site .wrap{display:flex;flex-wrap:wrap;align-items:center;gap:.25rem 1.5rem;padding-top:.75rem;padding-bottom:.75rem}
.brand{font-weight:700;font-size:1.05rem;color:var(--text);text-decoration:none;letter-spacing:.01em}
.brand span{color:var(--muted);font-weight:500}
nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem .9rem}
nav a{text-decoration:none;color:var(--muted);padding:.2rem 0;border-bottom:2px solid transparent}
nav a[aria-current=page]{color:var(--text);border-bottom-color:var(--accent)}
main{padding:1.25rem 0 3rem}
h1{font-size:1.6rem;line-height:1.25;margin:.25rem 0 .25rem}
h2{font-size:1.2rem;margin:2rem 0 .6rem;padding-bottom:.3rem;border-bottom:1px solid var(--line)}
h3{font-size:1rem;margin:1.25rem 0 .4rem}
p{margin:.4rem 0}
.lede{color:var(--muted);margin:0 0 1rem}
.muted{color:var(--muted)}
.small{font-size:.85rem}
.banner{border:1px solid var(--line);border-left:4px solid var(--info);background:var(--info-bg);padding:.6rem .9rem;border-radius:6px;margin:.5rem 0 1rem}
.banner.bad{border-left-color:var(--bad);background:var(--bad-bg)}.banner.ok{border-left-color:var(--ok);background:var(--ok-bg)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,15rem),1fr));gap:.75rem;margin:1rem 0}
.card{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:.75rem .9rem;min-width:0}
.card .card-title{margin:0 0 .3rem;padding:0;border:0;font-size:.8rem;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.card h3{margin:0 0 .3rem;font-size:1rem}
code{white-space:nowrap}
.card .big{font-size:1.5rem;font-weight:650;line-height:1.2}
.badge{display:inline-flex;align-items:center;gap:.3em;border-radius:999px;padding:.05rem .55rem;font-size:.8rem;font-weight:600;white-space:nowrap;border:1px solid transparent}
.badge .icon{font-size:.75em}
.badge.ok{color:var(--ok);background:var(--ok-bg)}.badge.warn{color:var(--warn);background:var(--warn-bg)}
.badge.bad{color:var(--bad);background:var(--bad-bg)}.badge.info{color:var(--info);background:var(--info-bg)}
.badge.neutral{color:var(--muted);background:var(--neutral-bg)}
.table-wrap{overflow-x:auto;border:1px solid var(--line);border-radius:8px;background:var(--panel);margin:.5rem 0 1rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;vertical-align:top;padding:.45rem .6rem;border-bottom:1px solid var(--line);overflow-wrap:normal}
td .mono{overflow-wrap:anywhere}
th{font-size:.78rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600;background:var(--panel);white-space:nowrap}
tbody tr:last-child td{border-bottom:0}
tbody th{text-transform:none;letter-spacing:0;font-size:.9rem;color:var(--text);white-space:normal}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
caption{text-align:left;padding:.5rem .6rem;color:var(--muted);font-size:.85rem}
ul.plain{list-style:none;padding:0;margin:0}
ul.plain li{margin:.15rem 0}
.models{display:grid;gap:.75rem;grid-template-columns:repeat(auto-fill,minmax(min(100%,22rem),1fr))}
.model{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:.8rem .95rem;min-width:0}
.model h3{margin:0;font-size:1.05rem}
.model p{color:var(--muted);font-size:.88rem}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .8rem;margin:.5rem 0 0;font-size:.9rem}
dl.kv dt{color:var(--muted)}dl.kv dd{margin:0;min-width:0}
.timeline{list-style:none;margin:.5rem 0;padding:0 0 0 1rem;border-left:2px solid var(--line)}
.timeline li{position:relative;margin:0 0 .8rem;padding-left:.6rem}
.timeline li::before{content:"";position:absolute;left:-1.42rem;top:.45rem;width:.7rem;height:.7rem;border-radius:50%;background:var(--panel);border:2px solid var(--accent)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,26rem),1fr));gap:.75rem}
figure.chart{margin:0;background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:.6rem}
figure.chart figcaption{font-weight:600;margin:0 0 .3rem}
svg.trend{width:100%;height:auto;display:block}
svg .grid{stroke:var(--chart-grid);stroke-width:1}
svg .axis{fill:var(--muted);font-size:11px}
svg .line{fill:none;stroke:var(--chart-1);stroke-width:2}
svg .pt{fill:var(--panel);stroke:var(--chart-1);stroke-width:1.5}
svg .threshold{stroke:var(--bad);stroke-width:1.5;stroke-dasharray:5 4}
svg .threshold-label{fill:var(--bad);font-size:11px}
svg .stage{fill:var(--text);stroke:var(--panel);stroke-width:2}
svg .stage-label{fill:var(--text);font-size:11px;font-weight:600}
form.filters{display:flex;flex-wrap:wrap;gap:.6rem 1rem;align-items:flex-end;background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:.7rem .9rem;margin:.5rem 0}
form.filters label{display:flex;flex-direction:column;font-size:.8rem;color:var(--muted);gap:.2rem}
form.filters select,form.filters input{font:inherit;font-size:.9rem;color:var(--text);background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:.3rem .4rem;max-width:100%}
form.filters button{font:inherit;font-size:.9rem;border:1px solid var(--line);background:var(--neutral-bg);color:var(--text);border-radius:6px;padding:.3rem .8rem;cursor:pointer}
footer.site{border-top:1px solid var(--line);color:var(--muted);font-size:.82rem;padding:1rem 0 2rem}
@media (max-width:640px){body{font-size:14px}h1{font-size:1.35rem}th,td{padding:.4rem .45rem}dl.kv{grid-template-columns:1fr}dl.kv dt{margin-top:.3rem}}
@media print{:root{--bg:#fff;--panel:#fff;--text:#000;--muted:#333;--line:#999;--chart-1:#000;--chart-grid:#ccc;--accent:#000}
header.site nav,form.filters,.skip{display:none}body{font-size:11pt}a{color:#000;text-decoration:none}
.table-wrap{overflow:visible;border:0}table{font-size:9pt}tr,figure.chart,.model,.card{break-inside:avoid}
.badge{border-color:#000;background:#fff!important;color:#000!important}h2{break-after:avoid}}
`;

export interface PageOptions {
  title: string;
  /** '' for pages at the site root, '../' for pages one folder down. */
  root: string;
  /** Which navigation entry is this page. */
  current: 'overview' | 'models' | 'incidents' | 'audit' | 'none';
  body: Html;
  /** Scripts this page runs (inline, allowed by their hash); none by default. */
  scripts?: string[];
  /** Shown in the header under the brand: the repository and ref the site was built from. */
  source: string;
  footer: Html;
}

/** The Content-Security-Policy for a page: nothing loads from anywhere; the stylesheet and scripts by hash. */
export function contentSecurityPolicy(scripts: string[] = []): string {
  const scriptSrc = scripts.length ? scripts.map((s) => `'sha256-${sha256Base64(s)}'`).join(' ') : "'none'";
  return [
    "default-src 'none'",
    `style-src 'sha256-${sha256Base64(STYLE)}'`,
    `script-src ${scriptSrc}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function page(options: PageOptions): string {
  const nav = (key: PageOptions['current'], href: string, label: string) =>
    markup`<li><a href="${options.root}${href}"${key === options.current ? raw(' aria-current="page"') : ''}>${label}</a></li>`;
  const scripts = options.scripts ?? [];
  // Built by concatenation, so nothing can change a byte between the element and the hash the policy allows.
  const style = raw('<style>' + STYLE + '</style>');
  const scriptElements = raw(scripts.map((s) => '<script>' + s + '</script>').join('\n'));
  return markup`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(scripts)}">
<meta name="referrer" content="no-referrer">
<title>${options.title} · Tollgate</title>
${style}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site"><div class="wrap">
<a class="brand" href="${options.root}index.html">Tollgate <span>registry</span></a>
<nav aria-label="Site"><ul>
${nav('overview', 'index.html', 'Overview')}${nav('incidents', 'incidents.html', 'Incidents')}${nav('audit', 'audit.html', 'Audit log')}
</ul></nav>
<span class="muted small">${options.source}</span>
</div></header>
<main id="main" class="wrap">
${options.body}
</main>
<footer class="site"><div class="wrap">${options.footer}</div></footer>
${scriptElements}
</body>
</html>
`.value;
}
