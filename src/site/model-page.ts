// A model's page: its stage pointers, trend charts of its key metrics across versions with the pointers marked,
// the versions table (metrics, gate results, lineage, held), the timeline of stage changes with who approved each,
// and its retrain requests. Pure.
import { effectivePolicy } from '../policy/effective.ts';
import type { ModelVersion } from '../registry/types.ts';
import { formatNumber, trendChart } from './chart.ts';
import { approvers, asOfBanner, frame, gateBadge, provenance, weightText } from './frame.ts';
import { badge, commitLink, link, markup, page, pullLink, safeUrl, time, type Html } from './html.ts';
import {
  currentStages,
  keyMetrics,
  scheduleState,
  modelTimeline,
  versionsInOrder,
  type SiteData,
  type StageEntry,
} from './view.ts';

const ROOT = '../';

function short(hex: string | undefined, n = 12): Html {
  if (!hex) return markup`<span class="muted">—</span>`;
  return markup`<code title="${hex}">${hex.slice(0, n)}</code>`;
}

function gatesCell(v: ModelVersion): Html {
  const gates = Array.isArray(v.validation?.gates) ? v.validation.gates : [];
  const failed = gates.filter((g) => !g.pass);
  const verdict = v.validation?.passed ? badge('ok', 'passed') : badge('bad', 'failed');
  const detail = gates.map(
    (g) =>
      markup`<div class="small${g.pass ? ' muted' : ''}">${g.pass ? 'pass' : 'FAIL'}: ${g.metric} ${g.value === null ? 'missing' : formatNumber(g.value)} ${g.op} ${formatNumber(g.threshold)}</div>`,
  );
  return markup`${verdict}${failed.length || gates.length <= 3 ? detail : markup`<div class="small muted">${gates.length} gates</div>`}`;
}

function lineageCell(data: SiteData, v: ModelVersion): Html {
  const run = safeUrl(v.source?.run_url);
  const source = markup`commit ${commitLink(data.repo, v.source?.commit)}${run ? markup` · ${link(run, 'run')}` : ''}${v.request ? markup` · request ${v.request}` : ''}${v.parent ? markup` · from ${v.parent}` : ''}`;
  const dataRef = v.data
    ? markup`<span class="mono">${v.data.uri}</span> ${short(v.data.sha256)}`
    : markup`<span class="muted">not recorded</span>`;
  return markup`<div class="small">${source}</div><div class="small">data ${dataRef}</div><div class="small">artifact ${short(v.artifact?.sha256)}</div>`;
}

function versionsTable(
  data: SiteData,
  versions: ModelVersion[],
  metrics: string[],
  holding: Map<string, string[]>,
): Html {
  const newestFirst = [...versions].reverse();
  const row = (v: ModelVersion) => {
    const stages = holding.get(v.id) ?? [];
    const held = v.held
      ? markup`${badge('warn', 'held')}<div class="small muted">${v.held.reason} (${v.held.by}, ${time(v.held.at, false)}${v.held.incident ? `, ${v.held.incident}` : ''})</div>`
      : '';
    const cells = metrics.map(
      (m) =>
        markup`<td class="num">${typeof v.metrics?.[m] === 'number' ? formatNumber(v.metrics[m]) : markup`<span class="muted">—</span>`}</td>`,
    );
    return markup`<tr id="v-${v.id}"><th scope="row">${v.id}</th><td>${time(v.created_at, false)}</td>${cells}
<td>${gatesCell(v)}</td><td>${lineageCell(data, v)}</td><td>${stages.map((s) => markup`${badge('info', s)} `)}${held}</td></tr>`;
  };
  return markup`<div class="table-wrap"><table>
<caption>${versions.length} version${versions.length === 1 ? '' : 's'}, newest first</caption>
<thead><tr><th scope="col">version</th><th scope="col">created</th>${metrics.map((m) => markup`<th scope="col">${m}</th>`)}<th scope="col">gates</th><th scope="col">lineage</th><th scope="col">status</th></tr></thead>
<tbody>${newestFirst.map(row)}</tbody></table></div>`;
}

function timelineItem(data: SiteData, e: StageEntry): Html {
  const t = e.tenure;
  const was = e.previous ? markup` <span class="muted">(was ${e.previous.version})</span>` : '';
  const pr = t.pullRequest !== undefined ? markup` · pull request ${pullLink(data.repo, t.pullRequest)}` : '';
  const incident = t.incident
    ? markup` · incident <a href="${ROOT}incidents.html#${t.incident}">${t.incident}</a>`
    : '';
  const requested = t.requestedBy ? markup`requested by ${t.requestedBy} · ` : '';
  const record = e.signoff?.record ? markup` <span class="muted">(record ${e.signoff.record})</span>` : '';
  return markup`<li><strong>${t.stage} → ${t.version}</strong>${weightText(t.weight)}${was} ${gateBadge(e.gate)}
<div class="small">${time(t.since)}${pr} · commit ${commitLink(data.repo, t.sha)}${t.event ? markup` · ${t.event}` : ''}${incident}</div>
<div class="small">${t.subject}</div>
<div class="small">${requested}approved by ${approvers(e)}${record}</div>
${e.gate.detail ? markup`<div class="small muted">${e.gate.detail}</div>` : ''}
${t.until ? markup`<div class="small muted">served until ${time(t.until)}</div>` : ''}</li>`;
}

export function renderModelPage(data: SiteData, name: string): string {
  const entry = data.registry.models.get(name)!;
  const policy = effectivePolicy(data.registry.policy);
  const timeline = modelTimeline(data, name);
  const stages = currentStages(entry.stages?.stages ?? {}, timeline, policy.stages.order);
  const versions = versionsInOrder(entry.versions.values());
  const metrics = keyMetrics(entry.model, versions);
  const holding = new Map<string, string[]>();
  for (const s of stages) holding.set(s.version, [...(holding.get(s.version) ?? []), s.stage]);
  const index = new Map(versions.map((v, i) => [v.id, i]));
  const markers = new Map<number, string[]>();
  for (const [version, names] of holding) {
    const i = index.get(version);
    if (i !== undefined) markers.set(i, names);
  }
  const gates = [...policy.gates, ...(entry.model.gates ?? [])];
  const thresholdOf = (metric: string) => {
    const gate = gates.find((g) => g.metric === metric);
    return gate ? { threshold: { op: gate.op, value: gate.threshold } } : {};
  };
  const schedule = scheduleState(entry.schedule, entry.model, data.now);
  const owners = [...(entry.model.owners?.teams ?? []), ...(entry.model.owners?.users ?? [])];
  const retrains = [...entry.retrains.values()]
    .sort((a, b) => b.created_at.localeCompare(a.created_at))
    .slice(0, 10);

  const stagesTable =
    stages.length === 0
      ? markup`<p class="muted">No version serves yet.</p>`
      : markup`<div class="table-wrap"><table><thead><tr><th scope="col">stage</th><th scope="col">version</th><th scope="col">since</th><th scope="col">approved by</th><th scope="col">gate</th></tr></thead><tbody>
${stages.map((s) => markup`<tr><th scope="row">${s.stage}</th><td><a href="#v-${s.version}">${s.version}</a>${weightText(s.weight)}</td><td>${provenance(data, s.entry)}</td><td>${approvers(s.entry)}</td><td>${s.entry ? gateBadge(s.entry.gate) : ''}</td></tr>`)}
</tbody></table></div>`;
  const charts =
    metrics.length === 0
      ? markup`<p class="muted">No metrics recorded.</p>`
      : markup`<div class="charts">${metrics.map((metric, i) =>
          trendChart({
            id: `chart-${i}`,
            metric,
            points: versions.map((v) => ({
              label: v.id,
              value: typeof v.metrics?.[metric] === 'number' ? v.metrics[metric] : null,
            })),
            markers,
            ...thresholdOf(metric),
          }),
        )}</div>`;
  const changes =
    timeline.length === 0
      ? markup`<p class="muted">No stage change in the history read.</p>`
      : markup`<ol class="timeline">${timeline.map((e) => timelineItem(data, e))}</ol>`;
  const retrainTable =
    retrains.length === 0
      ? markup`<p class="muted">None.</p>`
      : markup`<div class="table-wrap"><table><thead><tr><th scope="col">request</th><th scope="col">status</th><th scope="col">trigger</th><th scope="col">created</th><th scope="col">version</th></tr></thead><tbody>
${retrains.map((r) => markup`<tr><td>${r.id}</td><td>${badge(r.status === 'completed' ? 'ok' : r.status === 'failed' ? 'bad' : 'info', r.status)}${r.error ? markup`<div class="small muted">${r.error}</div>` : ''}</td><td>${r.trigger?.kind} by ${r.trigger?.actor}<div class="small muted">${r.reason}</div></td><td>${time(r.created_at)}</td><td>${r.version ? markup`<a href="#v-${r.version}">${r.version}</a>` : ''}</td></tr>`)}
</tbody></table></div>`;

  const body = markup`${asOfBanner(data)}
<p class="small"><a href="${ROOT}index.html">Overview</a> › model</p>
<h1>${name}</h1>
${entry.model.description ? markup`<p class="lede">${entry.model.description}</p>` : ''}
<dl class="kv">
<dt>owners</dt><dd>${owners.join(', ') || markup`<span class="muted">none listed</span>`}</dd>
<dt>schedule</dt><dd>${badge(schedule.tone, schedule.label)} <span class="small muted">${schedule.detail}</span></dd>
<dt>audit</dt><dd><a href="${ROOT}audit.html#model=${name}">Every event of ${name} in the audit log</a></dd>
</dl>
<h2 id="stages">Stages</h2>
${stagesTable}
<h2 id="trends">Trends</h2>
${charts}
<h2 id="versions">Versions</h2>
${versions.length === 0 ? markup`<p class="muted">No version recorded yet.</p>` : versionsTable(data, versions, metrics, holding)}
<h2 id="timeline">Stage changes</h2>
${changes}
<h2 id="retrains">Retrain requests</h2>
${retrainTable}`;
  return page({ title: name, root: ROOT, current: 'models', body, ...frame(data, ROOT) });
}
