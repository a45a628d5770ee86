// Owns: the Audit log page (#/audit?action=login&actor=admin&from=2026-12-01&to=2026-12-03&q=10.0,
// admins only): who did what, when and from which address, newest first. The filters live in the
// URL (so a filtered view can be shared and survives a reload); the same filters download as CSV.
// No live updates: the log is read when something is looked into, not watched.
import { html, useState, useEffect, useRef, useMemo } from '../html.js';
import { api, withQuery } from '../api.js';
import { useList, useTitle, useUrlFilters, useFilterSearch } from '../hooks.js';
import { usePageShortcut } from '../shortcuts.js';
import { Icon } from '../components/icons.js';
import { DataTable, LoadMore } from '../components/table.js';
import { Empty, LoadError, PageHead, SearchBox } from '../components/ui.js';
import { plural, exactTime } from '../format.js';

const FILTER_KEYS = ['q', 'action', 'actor', 'from', 'to'];
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function tidyFilters(f) {
  for (const k of ['from', 'to']) if (!DATE_RE.test(f[k])) f[k] = '';
  return f;
}

/** A local calendar day as the instant it starts, in RFC 3339 (the API counts in UTC). */
function dayStart(day, plusDays = 0) {
  const d = new Date(`${day}T00:00:00`);
  d.setDate(d.getDate() + plusDays);
  return d.toISOString();
}

/** The URL filters as the API takes them: "to" includes the whole day it names. */
function apiFilters(f) {
  return {
    q: f.q, action: f.action, actor: f.actor,
    from: f.from ? dayStart(f.from) : '', to: f.to ? dayStart(f.to, 1) : '',
  };
}

// Refusals and failures are what an admin scans the log for, so they stand out in red; removals
// and resets in amber; sign-in and credential events in blue; the rest stays neutral.
function actionTone(action) {
  if (/(^|[._])(failed|refused|mfa_failed)$/.test(action)) return 'bad';
  if (/\.(deleted|revoked|disabled|reset|ended)$/.test(action) || action === 'sessions.ended') return 'warn';
  if (/^(login|logout|session|sessions|mfa|password|api_key)(\.|$)/.test(action)) return 'auth';
  return 'plain';
}

export const ActionBadge = ({ action }) =>
  html`<span class=${`badge audit-action audit-${actionTone(action)}`} data-action-name=${action}>${action}</span>`;

const whenFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' });
const when = (iso) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : whenFormat.format(d);
};

// components/icons.js has no download arrow; drawn the same way (as reports.js does).
const DownloadGlyph = () => html`<svg class="icon" width="14" height="14" viewBox="0 0 24 24" aria-hidden="true"
  focusable="false" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">
  <path d="M12 4v11M7 10.5l5 5 5-5M5 20h14" /></svg>`;

/** The actions recorded so far, for the select (loaded once per visit). */
function useActions() {
  const [state, setState] = useState({ loading: true, items: [] });
  useEffect(() => {
    let alive = true;
    api.get('/api/v1/audit/actions')
      .then((d) => alive && setState({ loading: false, items: d.items || [] }))
      .catch(() => alive && setState({ loading: false, items: [] })); // the select still offers what the URL names
    return () => { alive = false; };
  }, []);
  return state;
}

/** Groups actions by family ("login" → login, login.failed, login.mfa_failed). */
function families(actions) {
  const groups = new Map();
  for (const a of actions) {
    const family = a.split('.')[0];
    if (!groups.has(family)) groups.set(family, []);
    groups.get(family).push(a);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}

function ActionSelect({ value, onChange }) {
  const actions = useActions();
  const groups = useMemo(() => families(actions.items), [actions.items]);
  const known = actions.items.includes(value) || groups.some(([f]) => f === value);
  return html`<select id="audit-filter-action" class="input input-auto" aria-label="Action" value=${value}
      disabled=${actions.loading} onChange=${(e) => onChange(e.target.value)}>
    <option value="">Any action</option>
    ${value && !known && html`<option value=${value}>${value}</option>`}
    ${groups.map(([family, members]) => (members.length === 1 && members[0] === family
      ? html`<option key=${family} value=${family}>${family}</option>`
      : html`<optgroup key=${family} label=${family}>
          <option value=${family}>${family}: all</option>
          ${members.filter((a) => a !== family).map((a) => html`<option key=${a} value=${a}>${a}</option>`)}
        </optgroup>`))}
  </select>`;
}

export function AuditPage({ query }) {
  useTitle('Audit log');
  const { filters, setFilters: setFilter, clearFilters } = useUrlFilters('#/audit', query, { keys: FILTER_KEYS, tidy: tidyFilters });

  // The typed fields reach the URL once typing pauses.
  const [q, setQ] = useFilterSearch(filters.q, (v) => setFilter({ q: v }, { replace: true }));
  const [actor, setActor] = useFilterSearch(filters.actor, (v) => setFilter({ actor: v }, { replace: true }), 400);
  const search = useRef(null);
  usePageShortcut('/', () => search.current && search.current.focus());

  const params = apiFilters(filters);
  const list = useList('/api/v1/audit', params);
  const csv = withQuery('/api/v1/audit.csv', params);

  const narrowed = FILTER_KEYS.some((k) => filters[k]);
  const clear = () => { setQ(''); setActor(''); clearFilters(); };
  const count = list.items.length;
  const sub = list.loading && !count ? 'Loading…'
    : `${plural(count, 'entry', 'entries')}${list.next ? ' shown (more below)' : ''}${narrowed ? ' matching the filters' : ''}`;

  const columns = [
    {
      key: 'at', label: 'Time', width: '150', sort: (e) => e.id,
      render: (e) => html`<time class="nowrap" datetime=${e.at} title=${exactTime(e.at)}>${when(e.at)}</time>`,
    },
    {
      key: 'actor', label: 'Actor', class: 'cell-clip-md', sort: (e) => e.actor,
      render: (e) => (e.actor
        ? html`<button type="button" class="btn-link audit-actor" title=${`Only entries by ${e.actor}`}
            onClick=${() => { setActor(e.actor); setFilter({ actor: e.actor }); }}>${e.actor}</button>`
        : html`<span class="muted">—</span>`),
    },
    { key: 'action', label: 'Action', width: '160', sort: (e) => e.action, render: (e) => html`<${ActionBadge} action=${e.action} />` },
    {
      key: 'subject', label: 'Subject', class: 'cell-clip-md', sort: (e) => e.subject,
      render: (e) => (e.subject ? html`<span class="mono-ish" title=${e.subject}>${e.subject}</span>` : html`<span class="muted">—</span>`),
    },
    {
      key: 'detail', label: 'Detail', class: 'cell-clip',
      render: (e) => (e.detail ? html`<span title=${e.detail}>${e.detail}</span>` : html`<span class="muted">—</span>`),
    },
    {
      key: 'source', label: 'Address', width: '140', minor: true, sort: (e) => e.source,
      render: (e) => (e.source ? html`<span class="mono-ish">${e.source}</span>` : html`<span class="muted">—</span>`),
    },
  ];

  const empty = narrowed
    ? html`<${Empty} title="No entries match these filters.">
        <button type="button" class="btn-link" onClick=${clear}>Clear the filters</button> to see the whole log.
      <//>`
    : html`<${Empty} icon="shield" title="Nothing recorded yet.">Logins, changes to users, keys, rules and settings show here.<//>`;

  return html`<section class="page" id="audit-page">
    <${PageHead} title="Audit log" sub=${sub}>
      <a class="btn" id="audit-csv" href=${csv} download title="The entries matching the filters, as a spreadsheet (CSV)">
        <${DownloadGlyph} />Download CSV</a>
    <//>
    <div class="toolbar toolbar-wrap" id="audit-filters">
      <${SearchBox} id="audit-search" inputRef=${search} value=${q} onChange=${setQ} busy=${list.loading && count > 0}
        placeholder="Search subject, detail, address" label="Search the audit log by subject, detail or address" />
      <${ActionSelect} value=${filters.action} onChange=${(action) => setFilter({ action })} />
      <input id="audit-filter-actor" class="input input-auto" type="search" placeholder="Actor (login)" aria-label="Actor: a login, agent, system or cli"
        autocomplete="off" autocapitalize="none" spellcheck="false" value=${actor} onInput=${(e) => setActor(e.target.value)} />
      <span class="audit-range" role="group" aria-label="Days">
        <input type="date" class="input input-auto" id="audit-from" aria-label="From (first day)" value=${filters.from}
          max=${filters.to || undefined} onChange=${(e) => setFilter({ from: e.target.value })} />
        <span class="muted">to</span>
        <input type="date" class="input input-auto" id="audit-to" aria-label="To (last day)" value=${filters.to}
          min=${filters.from || undefined} onChange=${(e) => setFilter({ to: e.target.value })} />
      </span>
      ${narrowed && html`<button type="button" class="btn btn-ghost" id="audit-clear" onClick=${clear}>
        <${Icon} name="x" />Clear</button>`}
    </div>
    ${list.error && html`<${LoadError} message=${list.error} onRetry=${list.reload} />`}
    <${DataTable} id="audit-table" label="Audit log" wide columns=${columns} rows=${list.items} loading=${list.loading}
      empty=${empty} rowAttrs=${(e) => ({ 'data-audit-id': e.id, 'data-action': e.action })} />
    <${LoadMore} list=${list} />
  </section>`;
}
