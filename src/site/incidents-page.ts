// The incidents page: a section per severity with the protocol's targets, each incident with its timeline, and
// response, rollback and recovery times measured against those targets. Pure.
import { INCIDENT_ID } from '../registry/names.ts';
import { asOfBanner, frame, modelLink } from './frame.ts';
import { badge, commitLink, durationText, link, markup, page, pullLink, time, type Html } from './html.ts';
import { incidentsBySeverity, ROLLBACK_TARGET_SECONDS, type IncidentView, type SiteData } from './view.ts';

function against(
  seconds: number | null,
  met: boolean | null,
  target: number | undefined,
  what: string,
): Html {
  if (seconds === null) return markup`<span class="muted">not yet</span>`;
  const shown = durationText(seconds);
  if (met === null || target === undefined) return markup`${shown}`;
  const verdict = met
    ? badge('ok', `within ${durationText(target)}`)
    : badge('bad', `over ${durationText(target)}`, `${what} target ${durationText(target)}`);
  return markup`${shown} ${verdict}`;
}

function incidentArticle(
  data: SiteData,
  v: IncidentView,
  responseTarget: number,
  mttrTarget: number | undefined,
): Html {
  const i = v.incident;
  const postmortem =
    data.repo && INCIDENT_ID.test(i.id)
      ? `${data.repo.server}/${data.repo.owner}/${data.repo.name}/blob/${data.at?.commit ?? data.head}/${data.registryPrefix}incidents/${i.id}.postmortem.md`
      : undefined;
  const models = (Array.isArray(i.models) ? i.models : []).map(
    (m, n) => markup`${n ? ', ' : ''}${modelLink('', m)}`,
  );
  const rollback = i.rollback
    ? markup`${i.rollback.model} ${i.rollback.stage}: ${i.rollback.from} → ${i.rollback.to} ${commitLink(data.repo, i.rollback.commit)} ${pullLink(data.repo, i.rollback.pull_request)}<br>`
    : '';
  const metrics = Object.entries(i.metrics ?? {}).map(
    ([k, n], idx) => markup`${idx ? ', ' : ''}${k} ${String(n)}`,
  );
  const timeline = (Array.isArray(i.timeline) ? i.timeline : []).map(
    (e) =>
      markup`<li>${time(e.at)} <strong>${e.event}</strong>${e.duration !== undefined ? markup` <span class="muted">(${durationText(e.duration)} after detection)</span>` : ''}${e.detail ? markup`<div class="small">${e.detail}</div>` : ''}</li>`,
  );
  return markup`<article class="card" id="${i.id}" aria-labelledby="${i.id}-h">
<h3 id="${i.id}-h">${i.id}</h3>
<p><strong>${i.title}</strong> ${i.status === 'open' ? badge('bad', 'open') : badge('ok', 'resolved')}</p>
<dl class="kv">
<dt>models</dt><dd>${models}</dd>
<dt>detected</dt><dd>${time(i.detected_at)}${i.alert ? markup` <span class="muted small">alert ${i.alert}</span>` : ''}</dd>
<dt>classified</dt><dd>${against(v.toClassify, v.responseMet, responseTarget, 'response')}</dd>
<dt>rollback</dt><dd>${rollback}${against(v.toRollback, v.rollbackMet, ROLLBACK_TARGET_SECONDS, 'rollback')}</dd>
<dt>recovered</dt><dd>${against(v.toResolve, v.mttrMet, mttrTarget, 'MTTR')}</dd>
<dt>metrics</dt><dd class="small">${metrics}</dd>
${postmortem ? markup`<dt>postmortem</dt><dd>${link(postmortem, 'draft in the registry')}</dd>` : ''}
</dl>
<h4 class="small muted">Timeline</h4>
<ol class="timeline">${timeline}</ol>
</article>`;
}

export function renderIncidentsPage(data: SiteData): string {
  const groups = incidentsBySeverity(data.registry.incidents.values());
  const total = groups.reduce((n, g) => n + g.incidents.length, 0);
  const open = groups.reduce((n, g) => n + g.open, 0);
  const none = markup`<span class="muted">—</span>`;
  const summary = groups.map(
    (
      g,
    ) => markup`<tr><th scope="row"><a href="#${g.severity}">${g.severity}</a> <span class="small muted">${g.target.label}</span></th>
<td>${durationText(g.target.response)}</td><td>${g.target.mttr === undefined ? markup`<span class="muted">none set</span>` : durationText(g.target.mttr)}</td>
<td class="num">${g.incidents.length}</td><td class="num">${g.open ? badge('bad', String(g.open)) : '0'}</td>
<td class="num">${g.meanMttr === null ? none : durationText(g.meanMttr)}</td>
<td class="num">${g.target.mttr === undefined ? none : g.breaches ? badge('bad', String(g.breaches)) : badge('ok', '0')}</td></tr>`,
  );
  const sections = groups.map((g) => {
    const list =
      g.incidents.length === 0
        ? markup`<p class="muted">No ${g.severity} incident.</p>`
        : markup`<div class="cards">${g.incidents.map((v) => incidentArticle(data, v, g.target.response, g.target.mttr))}</div>`;
    return markup`<section aria-labelledby="${g.severity}"><h2 id="${g.severity}">${g.severity} · ${g.target.label}</h2>
${list}
</section>`;
  });
  const body = markup`${asOfBanner(data)}
<h1>Incidents</h1>
<p class="lede">${total} incident${total === 1 ? '' : 's'}, ${open} open. Targets from the incident response protocol: response (detection to classification) by severity, rollback within ${durationText(ROLLBACK_TARGET_SECONDS)}, recovery (MTTR) within 30 minutes for P0 and 2 hours for P1.</p>
<div class="table-wrap"><table><caption>Response by severity</caption>
<thead><tr><th scope="col">severity</th><th scope="col">response target</th><th scope="col">MTTR target</th><th scope="col">incidents</th><th scope="col">open</th><th scope="col">mean MTTR</th><th scope="col">over MTTR target</th></tr></thead>
<tbody>${summary}</tbody></table></div>
${sections}`;
  return page({ title: 'Incidents', root: '', current: 'incidents', body, ...frame(data, '') });
}
