// What every page shares around its content: where the data came from, the "as of" banner of a history view, the
// footer, and the fragments that show a stage pointer and its sign-off the same way on every page. Pure.
import { isSafeName } from '../registry/names.ts';
import { badge, commitLink, link, markup, pullLink, time, type Html, type PageOptions } from './html.ts';
import type { GateStatus, SiteData, StageEntry } from './view.ts';

export type Frame = Pick<PageOptions, 'source' | 'footer'>;

const branchName = (ref: string) => ref.replace(/^refs\/(heads|remotes)\//, '');

/**
 * The header line and footer of every page. Neither names the head commit (the overview does): a page whose content
 * did not change stays byte for byte the same from one build to the next, so a rebuild rewrites only what changed.
 */
export function frame(data: SiteData, root: string): Frame {
  const repo = data.repo ? `${data.repo.owner}/${data.repo.name}` : 'local repository';
  const asOf = data.at
    ? markup` as of ${time(data.at.time)}, commit ${commitLink(data.repo, data.at.commit)}`
    : '';
  return {
    source: `${repo} · ${branchName(data.ref)}${data.at ? ` · as of ${data.at.time.slice(0, 10)}` : ''}`,
    footer: markup`Built by <code>tollgate site</code> from ${data.registryPrefix.replace(/\/$/, '') || 'the repository root'}${asOf}.
No server, no external requests: every page is a file. <a href="${root}index.html">Overview</a> ·
<a href="${root}incidents.html">Incidents</a> · <a href="${root}audit.html">Audit log</a>`,
  };
}

/** The banner that says a page shows the past, on every page of a history view. */
export function asOfBanner(data: SiteData): Html {
  if (!data.at) return markup``;
  const asked =
    data.at.asked === data.at.time ? 'the time asked for' : markup`<code>--at ${data.at.asked}</code>`;
  return markup`<p class="banner" role="note"><strong>History view.</strong> The registry as it stood at ${time(data.at.time)}
(${asked}): commit ${commitLink(data.repo, data.at.commit)}, committed ${time(data.at.commitDate)}, the last change on ${branchName(data.ref)} by then.
Sign-offs come from the gate's merge records as they stand today.</p>`;
}

/** The page of a model, relative to the site root; undefined for a name that cannot be a file name. */
export function modelHref(model: string): string | undefined {
  return isSafeName(model) ? `models/${model}.html` : undefined;
}

export function modelLink(root: string, model: string | undefined): Html {
  if (!model) return markup``;
  const href = modelHref(model);
  return link(href === undefined ? undefined : `${root}${href}`, model);
}

export function gateBadge(gate: GateStatus): Html {
  return badge(gate.tone, gate.label, gate.detail);
}

/** Who signed off a pointer move, as the gate recorded it: "rita (risk), carl (compliance)". */
export function approvers(entry: StageEntry | undefined): Html {
  const list = entry?.signoff?.approvers ?? [];
  if (!entry?.signoff) return markup`<span class="muted">no merge record</span>`;
  if (list.length === 0) return markup`<span class="muted">nobody recorded</span>`;
  return markup`${list.map((a, i) => markup`${i ? ', ' : ''}<strong>${a.login}</strong> <span class="muted">(${a.role})</span>`)}`;
}

/** "since 2026-11-01 · #41 · abcd1234 · requested by erin" for a pointer's tenure. */
export function provenance(data: SiteData, entry: StageEntry | undefined): Html {
  if (!entry) return markup`<span class="muted">history not found</span>`;
  const t = entry.tenure;
  const pr = t.pullRequest !== undefined ? markup` · ${pullLink(data.repo, t.pullRequest)}` : '';
  const by = t.requestedBy ? markup` · requested by ${t.requestedBy}` : '';
  return markup`since ${time(t.since, false)}${pr} · ${commitLink(data.repo, t.sha)}${by}`;
}

export function weightText(weight: number | undefined): string {
  return weight === undefined ? '' : ` (${Math.round(weight * 1000) / 10}% of traffic)`;
}
