// The audit log page: every registry event (Tollgate's commits and the audit-event files), newest first, in one
// table that reads without a script. A small inline script (allowed by its hash) filters the rows by model, kind
// and date, and keeps the filter in the address's #fragment so a link can open it filtered. Pure.
import type { RegistryEvent } from '../evidence/history.ts';
import { asOfBanner, frame, modelLink } from './frame.ts';
import { commitLink, markup, page, pullLink, time } from './html.ts';
import { auditRows, type SiteData } from './view.ts';

/** Written as ES5 with no dependency, so it runs from file:// in any browser; it only hides and shows rows. */
export const AUDIT_FILTER_SCRIPT = `(function () {
  var form = document.getElementById('filters');
  var table = document.getElementById('events');
  if (!form || !table) return;
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var count = document.getElementById('count');
  form.hidden = false;
  function has(select, value) {
    for (var i = 0; i < select.options.length; i++) if (select.options[i].value === value) return true;
    return false;
  }
  function apply() {
    var m = form.elements.model.value, k = form.elements.kind.value;
    var from = form.elements.from.value, to = form.elements.to.value, shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i], day = r.getAttribute('data-at').slice(0, 10);
      var ok = (!m || r.getAttribute('data-model') === m) && (!k || r.getAttribute('data-kind') === k) &&
        (!from || day >= from) && (!to || day <= to);
      r.hidden = !ok;
      if (ok) shown++;
    }
    count.textContent = shown + ' of ' + rows.length + ' events shown';
    var parts = [];
    if (m) parts.push('model=' + encodeURIComponent(m));
    if (k) parts.push('kind=' + encodeURIComponent(k));
    if (from) parts.push('from=' + from);
    if (to) parts.push('to=' + to);
    try { history.replaceState(null, '', parts.length ? '#' + parts.join('&') : location.pathname); } catch (e) { /* file:// in some browsers */ }
  }
  var wanted = {};
  location.hash.replace(/^#/, '').split('&').forEach(function (pair) {
    var at = pair.indexOf('=');
    if (at > 0) wanted[pair.slice(0, at)] = decodeURIComponent(pair.slice(at + 1));
  });
  if (wanted.model && has(form.elements.model, wanted.model)) form.elements.model.value = wanted.model;
  if (wanted.kind && has(form.elements.kind, wanted.kind)) form.elements.kind.value = wanted.kind;
  if (/^\\d{4}-\\d{2}-\\d{2}$/.test(wanted.from || '')) form.elements.from.value = wanted.from;
  if (/^\\d{4}-\\d{2}-\\d{2}$/.test(wanted.to || '')) form.elements.to.value = wanted.to;
  form.addEventListener('input', apply);
  form.addEventListener('change', apply);
  form.addEventListener('submit', function (e) { e.preventDefault(); apply(); });
  form.addEventListener('reset', function () { setTimeout(apply, 0); });
  apply();
})();`;

const utc = (at: string) => {
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
};

function row(data: SiteData, e: RegistryEvent) {
  const what = [e.version, e.stage, e.incident, e.request].filter(Boolean).join(' · ');
  const commit =
    e.source === 'commit'
      ? commitLink(data.repo, e.sha)
      : markup`<span class="small muted">audit file</span>`;
  const requested = e.requestedBy ? markup`<div class="muted">requested by ${e.requestedBy}</div>` : '';
  return markup`<tr data-model="${e.model ?? ''}" data-kind="${e.event}" data-at="${utc(e.at)}"><td>${time(e.at)}</td><td><code>${e.event}</code></td>
<td>${modelLink('', e.model)}</td><td>${what}</td><td>${pullLink(data.repo, e.pullRequest)}</td><td>${commit}</td><td class="small">${e.summary ?? ''}${requested}</td></tr>`;
}

export function renderAuditPage(data: SiteData): string {
  const events = auditRows(data.commits, data.registry.audit.values(), data.registryPrefix);
  const models = [...new Set(events.map((e) => e.model).filter((m): m is string => !!m))].sort();
  const kinds = [...new Set(events.map((e) => e.event))].sort();
  const body = markup`${asOfBanner(data)}
<h1>Audit log</h1>
<p class="lede">Every registry event in git: Tollgate's commits (with their trailers) and the audit-event files, newest first.</p>
<form class="filters" id="filters" hidden aria-label="Filter events">
<label>Model<select name="model"><option value="">all models</option>${models.map((m) => markup`<option>${m}</option>`)}</select></label>
<label>Kind<select name="kind"><option value="">all kinds</option>${kinds.map((k) => markup`<option>${k}</option>`)}</select></label>
<label>From<input type="date" name="from"></label>
<label>To<input type="date" name="to"></label>
<button type="reset">Clear</button>
</form>
<p id="count" class="small muted" aria-live="polite">${events.length} events</p>
<noscript><p class="small muted">Filtering needs JavaScript; every event is listed below.</p></noscript>
<div class="table-wrap"><table id="events">
<thead><tr><th scope="col">time</th><th scope="col">event</th><th scope="col">model</th><th scope="col">what</th><th scope="col">PR</th><th scope="col">commit</th><th scope="col">summary</th></tr></thead>
<tbody>${events.map((e) => row(data, e))}</tbody>
</table></div>`;
  return page({
    title: 'Audit log',
    root: '',
    current: 'audit',
    body,
    scripts: [AUDIT_FILTER_SCRIPT],
    ...frame(data, ''),
  });
}
