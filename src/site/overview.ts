// The overview page: every model with its stage pointers, who signed each off, versions held and schedule state;
// open incidents by severity, promotions waiting for sign-off, the gate-integrity verdict and the evidence bundles.
// Also the page of a history view (`--at`), with its banner. Pure.
import { effectivePolicy } from '../policy/effective.ts';
import { badge, commitLink, html, link, page, pullLink, safeUrl, time, type Html } from './html.ts';
import { approvers, asOfBanner, frame, gateBadge, modelLink, provenance, weightText } from './frame.ts';
import {
  currentStages,
  incidentsBySeverity,
  integrityByCommit,
  scheduleState,
  stageTimeline,
  type EvidenceArtifact,
  type OpenPromotion,
  type SiteData,
} from './view.ts';

function integrityCard(data: SiteData): Html {
  const i = data.integrity;
  if ('error' in i)
    return html`<div class="card">
      <h3>Gate integrity</h3>
      <p>${badge('warn', 'not checked')}</p>
      <p class="small muted">${i.error}</p>
    </div>`;
  const verdict =
    i.findings.length === 0
      ? badge('ok', 'no findings')
      : badge('bad', `${i.findings.length} finding${i.findings.length === 1 ? '' : 's'}`);
  return html`<div class="card">
    <h3>Gate integrity</h3>
    <p class="big">${verdict}</p>
    <p class="small muted">
      ${i.guardedCommits} pointer or policy change${i.guardedCommits === 1 ? '' : 's'}
      audited${i.allowed.length ? `, ${i.allowed.length} emergency push${i.allowed.length === 1 ? '' : 'es'} allowed by policy` : ''}
      (<code>tollgate audit verify</code>).
    </p>
    ${i.findings.length ? html`<p class="small"><a href="#integrity">See the findings</a></p>` : ''}
  </div>`;
}

function incidentsCard(data: SiteData): Html {
  const open = incidentsBySeverity(data.registry.incidents.values()).filter((s) => s.open > 0);
  return html`<div class="card">
    <h3>Open incidents</h3>
    <p class="big">
      ${open.length === 0 ? badge('ok', 'none open') : open.map((s) => html`${badge(s.severity === 'P0' || s.severity === 'P1' ? 'bad' : 'warn', `${s.open} × ${s.severity}`)} `)}
    </p>
    <p class="small"><a href="incidents.html">Incidents and response times</a></p>
  </div>`;
}

function promotionsCard(data: SiteData): Html {
  const gh = data.github;
  const body = !gh
    ? html`<p class="small muted">Needs GitHub data: build with a token (<code>--github</code>).</p>`
    : 'error' in gh
      ? html`<p class="small muted">GitHub could not be read: ${gh.error}</p>`
      : html`<p class="big">
            ${gh.openPromotions.length === 0 ? badge('ok', 'none waiting') : badge('info', `${gh.openPromotions.length} open`)}
          </p>
          ${gh.openPromotions.length ? html`<p class="small"><a href="#promotions">Waiting for sign-off</a></p>` : ''}`;
  return html`<div class="card">
    <h3>Promotions</h3>
    ${body}
  </div>`;
}

function schedulesCard(data: SiteData): Html {
  const counts = new Map<string, { tone: Parameters<typeof badge>[0]; n: number }>();
  for (const entry of data.registry.models.values()) {
    const s = scheduleState(entry.schedule, entry.model, data.now);
    counts.set(s.label, { tone: s.tone, n: (counts.get(s.label)?.n ?? 0) + 1 });
  }
  return html`<div class="card">
    <h3>Retrain schedules</h3>
    <p>${[...counts].map(([label, { tone, n }]) => html`${badge(tone, `${n} ${label}`)} `)}</p>
  </div>`;
}

function modelCard(data: SiteData, name: string): Html {
  const entry = data.registry.models.get(name)!;
  const order = effectivePolicy(data.registry.policy).stages.order;
  const timeline = stageTimeline(
    name,
    data.snapshots.get(name) ?? [],
    data.records,
    integrityByCommit(data.integrity),
  );
  const stages = currentStages(entry.stages?.stages ?? {}, timeline, order);
  const versions = [...entry.versions.values()];
  const held = versions.filter((v) => v.held).length;
  const schedule = scheduleState(entry.schedule, entry.model, data.now);
  const incidents = [...data.registry.incidents.values()].filter(
    (i) => i.status === 'open' && Array.isArray(i.models) && i.models.includes(name),
  );
  return html`<article class="model" aria-labelledby="m-${name}">
    <h3 id="m-${name}">${modelLink('', name)}</h3>
    ${entry.model.description ? html`<p>${entry.model.description}</p>` : ''}
    <dl class="kv">
      ${
        stages.length === 0
          ? html`<dt>stages</dt>
              <dd class="muted">no version serves yet</dd>`
          : stages.map(
              (s) =>
                html`<dt>${s.stage}</dt>
                  <dd>
                    <strong>${s.version}</strong>${weightText(s.weight)}
                    ${s.entry ? gateBadge(s.entry.gate) : ''}
                    <div class="small muted">${provenance(data, s.entry)}</div>
                    <div class="small">approved by ${approvers(s.entry)}</div>
                  </dd>`,
            )
      }
      <dt>versions</dt>
      <dd>${versions.length} ${held ? badge('warn', `${held} held`) : ''}</dd>
      <dt>schedule</dt>
      <dd>${badge(schedule.tone, schedule.label)} <span class="small muted">${schedule.detail}</span></dd>
      ${
        incidents.length
          ? html`<dt>incidents</dt>
              <dd>
                ${incidents.map((i) => html`${badge(i.severity === 'P0' || i.severity === 'P1' ? 'bad' : 'warn', `${i.severity} open`, i.title)} <a href="incidents.html#${i.id}">${i.id}</a> `)}
              </dd>`
          : ''
      }
    </dl>
  </article>`;
}

function promotionsSection(data: SiteData): Html {
  const gh = data.github;
  if (!gh || 'error' in gh) return html``;
  const row = (p: OpenPromotion) => {
    const gate = p.gate;
    const verdict = !gate
      ? badge('neutral', 'no gate check yet')
      : gate.status !== 'completed'
        ? badge('info', `gate ${gate.status}`)
        : gate.conclusion === 'success'
          ? badge('ok', 'signed off')
          : badge('warn', `waiting: gate ${gate.conclusion ?? 'pending'}`);
    return html`<tr>
      <td>${link(safeUrl(p.url), `#${p.number}`)}</td>
      <td>${p.title}${p.draft ? html` ${badge('neutral', 'draft')}` : ''}</td>
      <td>${modelLink('', p.model)}${p.stage ? ` → ${p.stage}` : ''}</td>
      <td>${p.author ?? ''}</td>
      <td>${gate?.url ? link(safeUrl(gate.url), verdict) : verdict}</td>
    </tr>`;
  };
  return html`<h2 id="promotions">Waiting for sign-off</h2>
    ${
      gh.openPromotions.length === 0
        ? html`<p class="muted">No promotion pull request is open.</p>`
        : html`<div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">pull request</th>
                  <th scope="col">title</th>
                  <th scope="col">model → stage</th>
                  <th scope="col">requested by</th>
                  <th scope="col">sign-off gate</th>
                </tr>
              </thead>
              <tbody>
                ${gh.openPromotions.map(row)}
              </tbody>
            </table>
          </div>`
    }`;
}

function integritySection(data: SiteData): Html {
  const i = data.integrity;
  if ('error' in i || (i.findings.length === 0 && i.allowed.length === 0)) return html``;
  const rows = [
    ...i.findings.map((f) => ({ f, tone: 'bad' as const })),
    ...i.allowed.map((f) => ({ f, tone: 'warn' as const })),
  ];
  return html`<h2 id="integrity">Gate integrity</h2>
    <p class="muted">
      Every change to a stage pointer or the policy must come through a pull request the sign-off gate passed,
      or be an emergency rollback the policy allows.
    </p>
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">verdict</th>
            <th scope="col">commit</th>
            <th scope="col">change</th>
            <th scope="col">what was missing</th>
          </tr>
        </thead>
        <tbody>
          ${rows.map(
            ({ f, tone }) =>
              html`<tr>
                <td>${badge(tone, f.kind.replace(/-/g, ' '))}</td>
                <td>
                  ${commitLink(data.repo, f.sha)}${f.pullRequest !== undefined ? html` ${pullLink(data.repo, f.pullRequest)}` : ''}
                </td>
                <td>
                  ${f.subject}${f.changes?.length ? html`<div class="small muted">${f.changes.join('; ')}</div>` : ''}
                </td>
                <td>${f.missing}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
}

function evidenceSection(data: SiteData): Html {
  const gh = data.github;
  const intro = html`<p class="muted">
    Bundles exported by the evidence workflow, with the digest GitHub recorded for each; docs/site.md says how
    an auditor checks one.
  </p>`;
  if (!gh || 'error' in gh)
    return html`<h2 id="evidence">Evidence bundles</h2>
      <p class="muted">Listed when the site is built with GitHub data (a token that can read Actions).</p>`;
  const row = (a: EvidenceArtifact) =>
    html`<tr>
      <td>${link(safeUrl(a.runUrl), a.name)}${a.expired ? html` ${badge('neutral', 'expired')}` : ''}</td>
      <td>${time(a.createdAt)}</td>
      <td>${commitLink(data.repo, a.headSha)}</td>
      <td class="mono small">${a.digest ?? html`<span class="muted">not recorded</span>`}</td>
      <td class="num">${Math.round(a.sizeBytes / 1024)} KiB</td>
    </tr>`;
  return html`<h2 id="evidence">Evidence bundles</h2>
    ${intro}
    ${
      gh.evidence.length === 0
        ? html`<p class="muted">No evidence bundle has been exported yet.</p>`
        : html`<div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">bundle</th>
                  <th scope="col">exported</th>
                  <th scope="col">at commit</th>
                  <th scope="col">digest (sha256)</th>
                  <th scope="col">size</th>
                </tr>
              </thead>
              <tbody>
                ${gh.evidence.map(row)}
              </tbody>
            </table>
          </div>`
    }`;
}

function openIncidents(data: SiteData): Html {
  const open = incidentsBySeverity(data.registry.incidents.values()).flatMap((s) =>
    s.incidents.filter((v) => v.incident.status === 'open'),
  );
  return html`<h2 id="open-incidents">Open incidents</h2>
    ${
      open.length === 0
        ? html`<p class="muted">No incident is open.</p>`
        : html`<ul class="plain">
            ${open.map(
              ({ incident: i }) =>
                html`<li>
                  ${badge(i.severity === 'P0' || i.severity === 'P1' ? 'bad' : 'warn', i.severity)}
                  <a href="incidents.html#${i.id}">${i.id}</a> ${i.title}
                  <span class="muted small"
                    >detected ${time(i.detected_at)}; ${(i.models ?? []).join(', ')}</span
                  >
                </li>`,
            )}
          </ul>`
    }`;
}

export function renderOverview(data: SiteData): string {
  const models = [...data.registry.models.keys()].sort();
  const versions = [...data.registry.models.values()].reduce((n, e) => n + e.versions.size, 0);
  const title = data.at
    ? `The registry as of ${data.at.time.slice(0, 10)}`
    : 'What serves where, and who signed it off';
  const body = html`${asOfBanner(data)}
    <h1>${title}</h1>
    <p class="lede">
      ${models.length} model${models.length === 1 ? '' : 's'}, ${versions}
      version${versions === 1 ? '' : 's'}${
        data.at ? html`, as of ${time(data.at.time)}` : html`; state judged at ${time(data.now)}`
      }${data.problems ? html` · ${badge('warn', `${data.problems} registry file${data.problems === 1 ? '' : 's'} did not load`, 'run tollgate validate')}` : ''}
    </p>
    <section class="cards" aria-label="Status">
      ${integrityCard(data)}${incidentsCard(data)}${promotionsCard(data)}${schedulesCard(data)}
    </section>
    <h2 id="models">Models</h2>
    ${models.length === 0 ? html`<p class="muted">The registry holds no model yet.</p>` : html`<div class="models">${models.map((m) => modelCard(data, m))}</div>`}
    ${openIncidents(data)} ${promotionsSection(data)} ${integritySection(data)} ${evidenceSection(data)}`;
  return page({
    title: data.at ? `As of ${data.at.time.slice(0, 10)}` : 'Overview',
    root: '',
    current: 'overview',
    body,
    ...frame(data, ''),
  });
}
