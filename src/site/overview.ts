// The overview page: every model with its stage pointers, who signed each off, versions held and schedule state;
// open incidents by severity, promotions waiting for sign-off, the gate-integrity verdict and the evidence bundles.
// Also the page of a history view (`--at`), with its banner. Pure.
import { effectivePolicy } from '../policy/effective.ts';
import type { Severity } from '../registry/types.ts';
import { approvers, asOfBanner, frame, gateBadge, modelLink, provenance, weightText } from './frame.ts';
import {
  badge,
  commitLink,
  link,
  markup,
  page,
  pullLink,
  safeUrl,
  time,
  type Html,
  type Tone,
} from './html.ts';
import {
  currentStages,
  incidentsBySeverity,
  scheduleState,
  modelTimeline,
  type EvidenceArtifact,
  type OpenPromotion,
  type SiteData,
} from './view.ts';

export const severityTone = (severity: Severity): Tone =>
  severity === 'P0' || severity === 'P1' ? 'bad' : 'warn';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function integrityCard(data: SiteData): Html {
  const i = data.integrity;
  if ('error' in i)
    return markup`<div class="card"><h2 class="card-title">Gate integrity</h2><p>${badge('warn', 'not checked')}</p><p class="small muted">${i.error}</p></div>`;
  const verdict =
    i.findings.length === 0 ? badge('ok', 'no findings') : badge('bad', plural(i.findings.length, 'finding'));
  const allowed = i.allowed.length
    ? `, ${plural(i.allowed.length, 'emergency push', 'emergency pushes')} allowed by policy`
    : '';
  const more = i.findings.length
    ? markup`<p class="small"><a href="#integrity">See the findings</a></p>`
    : '';
  return markup`<div class="card"><h2 class="card-title">Gate integrity</h2><p class="big">${verdict}</p>
<p class="small muted">${plural(i.guardedCommits, 'pointer or policy change')} audited${allowed} (<code>tollgate audit verify</code>).</p>${more}</div>`;
}

function incidentsCard(data: SiteData): Html {
  const open = incidentsBySeverity(data.registry.incidents.values()).filter((s) => s.open > 0);
  const shown =
    open.length === 0
      ? badge('ok', 'none open')
      : open.map((s) => markup`${badge(severityTone(s.severity), `${s.open} × ${s.severity}`)} `);
  return markup`<div class="card"><h2 class="card-title">Open incidents</h2><p class="big">${shown}</p>
<p class="small"><a href="incidents.html">Incidents and response times</a></p></div>`;
}

function promotionsCard(data: SiteData): Html {
  const gh = data.github;
  let body: Html;
  if (!gh)
    body = markup`<p class="small muted">Needs GitHub data: build with a token (<code>--github</code>).</p>`;
  else if ('error' in gh) body = markup`<p class="small muted">GitHub could not be read: ${gh.error}</p>`;
  else {
    const n = gh.openPromotions.length;
    body = markup`<p class="big">${n === 0 ? badge('ok', 'none waiting') : badge('info', `${n} open`)}</p>${
      n ? markup`<p class="small"><a href="#promotions">Waiting for sign-off</a></p>` : ''
    }`;
  }
  return markup`<div class="card"><h2 class="card-title">Promotions</h2>${body}</div>`;
}

function schedulesCard(data: SiteData): Html {
  const counts = new Map<string, { tone: Tone; n: number }>();
  for (const entry of data.registry.models.values()) {
    const s = scheduleState(entry.schedule, entry.model, data.now);
    counts.set(s.label, { tone: s.tone, n: (counts.get(s.label)?.n ?? 0) + 1 });
  }
  return markup`<div class="card"><h2 class="card-title">Retrain schedules</h2>
<p>${[...counts].map(([label, { tone, n }]) => markup`${badge(tone, `${n} ${label}`)} `)}</p></div>`;
}

function modelCard(data: SiteData, name: string): Html {
  const entry = data.registry.models.get(name)!;
  const order = effectivePolicy(data.registry.policy).stages.order;
  const timeline = modelTimeline(data, name);
  const stages = currentStages(entry.stages?.stages ?? {}, timeline, order);
  const versions = [...entry.versions.values()];
  const held = versions.filter((v) => v.held).length;
  const schedule = scheduleState(entry.schedule, entry.model, data.now);
  const incidents = [...data.registry.incidents.values()].filter(
    (i) => i.status === 'open' && Array.isArray(i.models) && i.models.includes(name),
  );
  const pointers =
    stages.length === 0
      ? markup`<dt>stages</dt><dd class="muted">no version serves yet</dd>`
      : stages.map(
          (
            s,
          ) => markup`<dt>${s.stage}</dt><dd><strong>${s.version}</strong>${weightText(s.weight)} ${s.entry ? gateBadge(s.entry.gate) : ''}
<div class="small muted">${provenance(data, s.entry)}</div>
<div class="small">approved by ${approvers(s.entry)}</div></dd>`,
        );
  const open = incidents.length
    ? markup`<dt>incidents</dt><dd>${incidents.map((i) => markup`${badge(severityTone(i.severity), `${i.severity} open`, i.title)} <a href="incidents.html#${i.id}">${i.id}</a> `)}</dd>`
    : '';
  return markup`<article class="model" aria-labelledby="m-${name}">
<h3 id="m-${name}">${modelLink('', name)}</h3>
${entry.model.description ? markup`<p>${entry.model.description}</p>` : ''}
<dl class="kv">
${pointers}
<dt>versions</dt><dd>${versions.length} ${held ? badge('warn', `${held} held`) : ''}</dd>
<dt>schedule</dt><dd>${badge(schedule.tone, schedule.label)} <span class="small muted">${schedule.detail}</span></dd>
${open}
</dl>
</article>`;
}

function promotionsSection(data: SiteData): Html {
  const gh = data.github;
  if (!gh || 'error' in gh) return markup``;
  const row = (p: OpenPromotion) => {
    const gate = p.gate;
    const verdict = !gate
      ? badge('neutral', 'no gate check yet')
      : gate.status !== 'completed'
        ? badge('info', `gate ${gate.status}`)
        : gate.conclusion === 'success'
          ? badge('ok', 'signed off')
          : badge('warn', `waiting: gate ${gate.conclusion ?? 'pending'}`);
    return markup`<tr><td>${link(safeUrl(p.url), `#${p.number}`)}</td><td>${p.title}${p.draft ? markup` ${badge('neutral', 'draft')}` : ''}</td>
<td>${modelLink('', p.model)}${p.stage ? ` → ${p.stage}` : ''}</td><td>${p.author ?? ''}</td><td>${gate?.url ? link(safeUrl(gate.url), verdict) : verdict}</td></tr>`;
  };
  const table =
    gh.openPromotions.length === 0
      ? markup`<p class="muted">No promotion pull request is open.</p>`
      : markup`<div class="table-wrap"><table><thead><tr><th scope="col">pull request</th><th scope="col">title</th><th scope="col">model → stage</th><th scope="col">requested by</th><th scope="col">sign-off gate</th></tr></thead>
<tbody>${gh.openPromotions.map(row)}</tbody></table></div>`;
  return markup`<h2 id="promotions">Waiting for sign-off</h2>${table}`;
}

function integritySection(data: SiteData): Html {
  const i = data.integrity;
  if ('error' in i || (i.findings.length === 0 && i.allowed.length === 0)) return markup``;
  const rows = [
    ...i.findings.map((f) => ({ f, tone: 'bad' as const })),
    ...i.allowed.map((f) => ({ f, tone: 'warn' as const })),
  ];
  return markup`<h2 id="integrity">Gate integrity</h2>
<p class="muted">Every change to a stage pointer or the policy must come through a pull request the sign-off gate passed, or be an emergency rollback the policy allows.</p>
<div class="table-wrap"><table><thead><tr><th scope="col">verdict</th><th scope="col">commit</th><th scope="col">change</th><th scope="col">what was missing</th></tr></thead><tbody>
${rows.map(
  ({
    f,
    tone,
  }) => markup`<tr><td>${badge(tone, f.kind.replace(/-/g, ' '))}</td><td>${commitLink(data.repo, f.sha)}${f.pullRequest !== undefined ? markup` ${pullLink(data.repo, f.pullRequest)}` : ''}</td>
<td>${f.subject}${f.changes?.length ? markup`<div class="small muted">${f.changes.join('; ')}</div>` : ''}</td><td>${f.missing}</td></tr>`,
)}
</tbody></table></div>`;
}

function evidenceSection(data: SiteData): Html {
  const gh = data.github;
  if (!gh || 'error' in gh)
    return markup`<h2 id="evidence">Evidence bundles</h2><p class="muted">Listed when the site is built with GitHub data (a token that can read Actions).</p>`;
  const row = (
    a: EvidenceArtifact,
  ) => markup`<tr><td>${link(safeUrl(a.runUrl), a.name)}${a.expired ? markup` ${badge('neutral', 'expired')}` : ''}</td>
<td>${time(a.createdAt)}</td><td>${commitLink(data.repo, a.headSha)}</td><td class="mono small">${a.digest ?? markup`<span class="muted">not recorded</span>`}</td><td class="num">${Math.max(1, Math.round(a.sizeBytes / 1024))} KiB</td></tr>`;
  const table =
    gh.evidence.length === 0
      ? markup`<p class="muted">No evidence bundle has been exported yet.</p>`
      : markup`<div class="table-wrap"><table><thead><tr><th scope="col">bundle (workflow run)</th><th scope="col">exported</th><th scope="col">at commit</th><th scope="col">digest</th><th scope="col">size</th></tr></thead>
<tbody>${gh.evidence.map(row)}</tbody></table></div>`;
  const slug = data.repo ? `${data.repo.owner}/${data.repo.name}` : 'OWNER/NAME';
  const branch = gh.evidence[0]?.headBranch ?? 'DEFAULT_BRANCH';
  return markup`<h2 id="evidence">Evidence bundles</h2>
<p class="muted">Bundles the evidence workflow exported from the default branch, each with the digest GitHub recorded when it was uploaded. The workflow attests each bundle by that digest: download it from its run and <code>gh attestation verify tollgate-evidence.zip --repo ${slug} --signer-workflow ${slug}/.github/workflows/tollgate-evidence.yml --source-ref refs/heads/${branch}</code> checks it is the one listed here, made by the evidence workflow on the default branch (with <code>--repo</code> alone, a bundle a writer made and attested with a workflow of their own on another branch also verifies; bundles exported before the workflow had its attest job carry no attestation). docs/site.md shows how, and docs/audit.md how to verify the bundle inside.</p>
${table}`;
}

function openIncidents(data: SiteData): Html {
  const open = incidentsBySeverity(data.registry.incidents.values()).flatMap((s) =>
    s.incidents.filter((v) => v.incident.status === 'open'),
  );
  const list =
    open.length === 0
      ? markup`<p class="muted">No incident is open.</p>`
      : markup`<ul class="plain">${open.map(
          ({ incident: i }) =>
            markup`<li>${badge(severityTone(i.severity), i.severity)} <a href="incidents.html#${i.id}">${i.id}</a> ${i.title} <span class="muted small">detected ${time(i.detected_at)}; ${(i.models ?? []).join(', ')}</span></li>`,
        )}</ul>`;
  return markup`<h2 id="open-incidents">Open incidents</h2>${list}`;
}

export function renderOverview(data: SiteData): string {
  const models = [...data.registry.models.keys()].sort();
  const versions = [...data.registry.models.values()].reduce((n, e) => n + e.versions.size, 0);
  const title = data.at
    ? `The registry as of ${data.at.time.slice(0, 10)}`
    : 'What serves where, and who signed it off';
  const when = data.at
    ? markup`, as of ${time(data.at.time)}`
    : markup` at ${commitLink(data.repo, data.head)} (committed ${time(data.headDate)}); state judged at ${time(data.now)}`;
  const problems = data.problems
    ? markup` · ${badge('warn', `${plural(data.problems, 'registry file')} did not load`, 'run tollgate validate')}`
    : '';
  const cards = markup`${integrityCard(data)}${incidentsCard(data)}${promotionsCard(data)}${schedulesCard(data)}`;
  const grid =
    models.length === 0
      ? markup`<p class="muted">The registry holds no model yet.</p>`
      : markup`<div class="models">${models.map((m) => modelCard(data, m))}</div>`;
  const body = markup`${asOfBanner(data)}
<h1>${title}</h1>
<p class="lede">${plural(models.length, 'model')}, ${plural(versions, 'version')}${when}${problems}</p>
<section class="cards" aria-label="Status">${cards}</section>
<h2 id="models">Models</h2>
${grid}
${openIncidents(data)}
${promotionsSection(data)}
${integritySection(data)}
${evidenceSection(data)}`;
  const pageTitle = data.at ? `As of ${data.at.time.slice(0, 10)}` : 'Overview';
  return page({ title: pageTitle, root: '', current: 'overview', body, ...frame(data, '') });
}
