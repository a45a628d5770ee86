// Owns: the Alerts page (#/alerts?state=open&severity=critical&client_id=3&q=disk) and one alert's
// page (#/alerts/{id}, where notices link): the state tabs with their counts, the filters (kept in
// the URL), the dense table with row selection, "Acknowledge selected", per-row acknowledge and
// take-back, "Load more", keyboard work (j/k move, x select, a acknowledge, o open, / search), and
// live updates as alerts open, change and resolve. Also the small pieces other pages show alerts
// with: the severity and state badges, the live open counts, and the nav's unacknowledged badge.
import { html, useState, useEffect, useRef, useMemo, useCallback } from '../html.js';
import { api, path, withQuery } from '../api.js';
import { useList, useTitle, useSetCrumb, useUrlFilters, useFilterSearch, filtersHref } from '../hooks.js';
import { useLiveRefresh } from '../live.js';
import { usePageShortcut } from '../shortcuts.js';
import { Icon } from '../components/icons.js';
import { DataTable, LoadMore } from '../components/table.js';
import { Time, Empty, Loading, LoadError, PageHead, Spinner, SearchBox } from '../components/ui.js';
import { notify } from '../components/toast.js';
import { ClientFilter } from '../components/client-filter.js';
import { plural, exactTime } from '../format.js';

const isStaff = (user) => user.role === 'admin' || user.role === 'technician';
const isAlertEvent = (e) => e.type === 'alert_changed';

export const alertHref = (id) => `#/alerts/${encodeURIComponent(id)}`;
const deviceHref = (id) => `#/devices/${encodeURIComponent(id)}`;

// ---------- shared pieces ----------

const SEVERITY_LABELS = { critical: 'Critical', warning: 'Warning' };
const STATE_LABELS = { open: 'Open', acknowledged: 'Acknowledged', resolved: 'Resolved' };

export const SeverityBadge = ({ severity }) =>
  html`<span class=${`badge sev sev-${severity}`} data-severity=${severity}>${SEVERITY_LABELS[severity] || severity}</span>`;

/** Open (nobody on it yet), Acknowledged, Resolved; "flapping" beside it when it came back soon after resolving. */
export const StateBadge = ({ alert: a }) => html`<span class="alert-state">
  <span class=${`badge astate astate-${a.state}`} data-state=${a.state}>${STATE_LABELS[a.state] || a.state}</span>
  ${a.flapping && html`<span class="tag" title="It resolved and came back soon after: the condition is on the edge.">flapping</span>`}
</span>`;

/** What the alert is about, in one line: "disk / used at 96.2 % (threshold 95.0 %)". */
export const alertWhat = (a) => a.summary || a.rule_name;

/**
 * Open alerts by severity ({critical, warning, unacknowledged}), re-read live. `clientId` limits
 * them to one client (staff; a client contact always gets their own).
 */
export function useAlertCounts(clientId = '') {
  const [counts, setCounts] = useState(null);
  const latest = useRef(0);
  const load = useCallback(() => {
    const mine = ++latest.current;
    api.get(withQuery('/api/v1/alerts/counts', { client_id: clientId }))
      .then((c) => { if (mine === latest.current) setCounts(c); })
      .catch(() => {}); // a count that could not be read keeps what it showed
  }, [clientId]);
  useEffect(() => { load(); }, [load]);
  useLiveRefresh(isAlertEvent, load);
  return counts;
}

/** The nav's badge: how many open alerts nobody acknowledged yet, live. */
export function AlertNavBadge() {
  const counts = useAlertCounts();
  const n = counts ? counts.unacknowledged : 0;
  if (!n) return null;
  const urgent = counts.critical > 0;
  return html`<span class=${urgent ? 'nav-badge nav-badge-crit' : 'nav-badge'} id="nav-alert-count" data-count=${n}
    title=${`${plural(n, 'open alert')} nobody acknowledged yet`}>${n > 99 ? '99+' : n}</span>`;
}

// ---------- the list ----------

const STATES = [
  ['open', 'Open'], ['unacknowledged', 'Unacknowledged'], ['acknowledged', 'Acknowledged'], ['resolved', 'Resolved'], ['all', 'All'],
];
const FILTER_KEYS = ['state', 'severity', 'client_id', 'device_id', 'rule_id', 'q'];

const FILTER_DEFAULTS = { state: 'open' };

function tidyFilters(f) {
  if (!STATES.some(([s]) => s === f.state)) f.state = 'open';
  if (f.severity !== 'critical' && f.severity !== 'warning') f.severity = '';
  for (const k of ['client_id', 'device_id', 'rule_id']) if (!/^\d+$/.test(f[k])) f[k] = '';
  return f;
}

/** The alert list's address with these filters (other pages link to it). */
export const alertsHash = (f) => filtersHref('#/alerts', FILTER_KEYS, f, FILTER_DEFAULTS);

const EMPTY_TEXT = {
  open: ['No open alerts.', 'Everything the rules watch is fine.'],
  unacknowledged: ['No unacknowledged alerts.', 'Every open alert has someone on it.'],
  acknowledged: ['No acknowledged alerts.', 'Alerts someone has taken on show here until they resolve.'],
  resolved: ['No resolved alerts yet.', 'Alerts show here once their condition has cleared.'],
  all: ['No alerts yet.', 'The rules have found nothing so far.'],
};

/** The tab counts: open ones from /alerts/counts; resolved and all are not counted by the server. */
function stateCount(state, counts) {
  if (!counts) return null;
  const open = counts.critical + counts.warning;
  if (state === 'open') return open;
  if (state === 'unacknowledged') return counts.unacknowledged;
  if (state === 'acknowledged') return open - counts.unacknowledged;
  return null;
}

export function AlertsPage({ user, query }) {
  useTitle('Alerts');
  const staff = isStaff(user);
  const { filters, setFilters: setFilter, clearFilters } = useUrlFilters('#/alerts', query,
    { keys: FILTER_KEYS, tidy: tidyFilters, defaults: FILTER_DEFAULTS });
  const [q, setQ] = useFilterSearch(filters.q, (v) => setFilter({ q: v }, { replace: true }));
  const search = useRef(null);

  const list = useList('/api/v1/alerts', {
    state: filters.state, severity: filters.severity, client_id: filters.client_id,
    device_id: filters.device_id, rule_id: filters.rule_id, q: filters.q,
  });
  const counts = useAlertCounts(filters.client_id);
  useLiveRefresh(isAlertEvent, () => list.refresh());

  const [selected, setSelected] = useState(() => new Set());
  const [cursor, setCursor] = useState(null); // the id of the row j/k point at
  const [busy, setBusy] = useState(false);

  // A selection only ever holds rows that are shown and can still be acknowledged.
  const ackable = useMemo(() => new Set(list.items.filter((a) => a.state === 'open').map((a) => a.id)), [list.items]);
  useEffect(() => {
    setSelected((s) => {
      const kept = [...s].filter((id) => ackable.has(id));
      return kept.length === s.size ? s : new Set(kept);
    });
  }, [ackable]);
  useEffect(() => { setSelected(new Set()); setCursor(null); }, [query]);

  const toggle = (id) => setSelected((s) => {
    const next = new Set(s);
    if (next.has(id)) next.delete(id); else next.add(id);
    return next;
  });
  const allSelected = ackable.size > 0 && [...ackable].every((id) => selected.has(id));
  const selectAll = (on) => setSelected(on ? new Set(ackable) : new Set());

  const acknowledgeIds = async (ids) => {
    if (!ids.length || busy) return;
    setBusy(true);
    try {
      const r = await api.post('/api/v1/alerts/acknowledge', { ids });
      const n = (r.changed || []).length;
      notify.ok(n ? `${plural(n, 'alert')} acknowledged.` : 'Nothing to acknowledge: those alerts were no longer open.');
      setSelected(new Set());
      list.refresh();
    } catch (e) {
      notify.error(e.message);
    } finally {
      setBusy(false);
    }
  };
  const change = async (a, verb) => {
    try {
      const saved = await api.post(path`/api/v1/alerts/${a.id}/${verb}`);
      list.replace(saved);
      notify.ok(verb === 'acknowledge' ? 'Alert acknowledged.' : 'Acknowledgement taken back: the alert is open again.');
      list.refresh();
    } catch (e) {
      notify.error(e.message);
      list.refresh();
    }
  };

  // Keyboard: rows in the order the table shows them (it may be sorted by a column).
  const rowIds = () => [...document.querySelectorAll('#alerts-table tbody tr[data-alert-id]')].map((tr) => Number(tr.dataset.alertId));
  const move = (step) => {
    const ids = rowIds();
    if (!ids.length) return;
    const at = ids.indexOf(cursor);
    const next = ids[at < 0 ? (step > 0 ? 0 : ids.length - 1) : Math.max(0, Math.min(ids.length - 1, at + step))];
    setCursor(next);
    const row = document.querySelector(`#alerts-table tr[data-alert-id="${next}"]`);
    if (row) row.scrollIntoView({ block: 'nearest' });
  };
  usePageShortcut('j', () => move(1));
  usePageShortcut('k', () => move(-1));
  usePageShortcut('x', () => { if (staff && cursor != null && ackable.has(cursor)) toggle(cursor); });
  usePageShortcut('a', () => {
    if (!staff) return;
    if (selected.size) acknowledgeIds([...selected]);
    else if (cursor != null && ackable.has(cursor)) acknowledgeIds([cursor]);
  });
  usePageShortcut('o', () => { if (cursor != null) location.hash = alertHref(cursor); });
  usePageShortcut('/', () => search.current && search.current.focus());

  const columns = [];
  if (staff) {
    columns.push({
      key: 'select', width: '34', class: 'col-check',
      label: html`<input type="checkbox" id="alerts-select-all" aria-label="Select every open alert shown"
        title="Select every open alert shown" checked=${allSelected} disabled=${!ackable.size}
        onChange=${(e) => selectAll(e.target.checked)} />`,
      render: (a) => (a.state === 'open'
        ? html`<input type="checkbox" class="row-check" data-action="select-alert" checked=${selected.has(a.id)}
            aria-label=${`Select ${a.rule_name} on ${a.hostname}`}
            onChange=${() => { toggle(a.id); setCursor(a.id); }} />`
        : null),
    });
  }
  columns.push(
    {
      key: 'severity', label: 'Severity', width: '88', sort: (a) => (a.severity === 'critical' ? 0 : 1),
      render: (a) => html`<${SeverityBadge} severity=${a.severity} />`,
    },
    { key: 'state', label: 'State', width: '120', sort: (a) => a.state, render: (a) => html`<${StateBadge} alert=${a} />` },
    {
      key: 'device', label: 'Device', sort: (a) => a.hostname,
      render: (a) => html`<a class="cell-link nowrap" href=${deviceHref(a.device_id)}>${a.hostname}</a>`,
    },
  );
  if (staff) {
    columns.push({ key: 'client', label: 'Client', minor: true, class: 'cell-clip-md', sort: (a) => a.client, render: (a) => html`<span title=${a.client}>${a.client}</span>` });
  }
  columns.push(
    { key: 'rule', label: 'Rule', minor: true, class: 'cell-clip-md', sort: (a) => a.rule_name, render: (a) => html`<span title=${a.rule_name}>${a.rule_name}</span>` },
    { key: 'subject', label: 'Subject', minor: true, sort: (a) => a.subject, render: (a) => (a.subject ? html`<span class="mono-ish">${a.subject}</span>` : html`<span class="muted">—</span>`) },
    {
      key: 'summary', label: 'Summary', class: 'cell-clip',
      render: (a) => html`<a class="alert-summary" href=${alertHref(a.id)} title=${alertWhat(a)}>${alertWhat(a)}</a>`,
    },
    { key: 'opened', label: 'Opened', width: '100', sort: (a) => a.opened_at, render: (a) => html`<${Time} value=${a.opened_at} />` },
    {
      key: 'acked', label: 'Acknowledged by', minor: true, width: '140', sort: (a) => a.acknowledged_by,
      render: (a) => (a.acknowledged_by
        ? html`<span title=${exactTime(a.acknowledged_at)}>${a.acknowledged_by}</span>`
        : html`<span class="muted">—</span>`),
    },
  );
  if (staff) {
    columns.push({
      key: 'actions', label: html`<span class="sr-only">Actions</span>`, width: '130', class: 'actions',
      render: (a) => (a.state === 'open'
        ? html`<button type="button" class="btn btn-sm" data-action="acknowledge" onClick=${() => change(a, 'acknowledge')}
            aria-label=${`Acknowledge ${a.rule_name} on ${a.hostname}`}><${Icon} name="check" /><span class="btn-label">Acknowledge</span></button>`
        : a.state === 'acknowledged'
          ? html`<button type="button" class="btn btn-sm btn-ghost" data-action="unacknowledge" onClick=${() => change(a, 'unacknowledge')}
              aria-label=${`Take back the acknowledgement of ${a.rule_name} on ${a.hostname}`}>Take back</button>`
          : null),
    });
  }

  const narrowed = filters.severity || filters.client_id || filters.device_id || filters.rule_id || filters.q;
  const [emptyTitle, emptyText] = EMPTY_TEXT[filters.state];
  const empty = narrowed
    ? html`<${Empty} title="No alerts match these filters.">
        <button type="button" class="btn-link" onClick=${() => { setQ(''); clearFilters({ state: filters.state }); }}>Clear the filters</button>
        ${' '}to see every ${filters.state === 'all' ? '' : `${STATES.find(([s]) => s === filters.state)[1].toLowerCase()} `}alert.
      <//>`
    : html`<${Empty} icon=${filters.state === 'open' || filters.state === 'unacknowledged' ? 'check' : 'alert'} title=${emptyTitle}>${emptyText}<//>`;

  const count = list.items.length;
  const sub = list.loading && !count ? 'Loading…'
    : `${plural(count, 'alert')}${list.next ? ' shown (more below)' : ''}${narrowed ? ' matching the filters' : ''}`;
  const ruleName = filters.rule_id && (list.items[0] ? list.items[0].rule_name : `rule ${filters.rule_id}`);
  const hostname = filters.device_id && (list.items[0] ? list.items[0].hostname : `device ${filters.device_id}`);

  return html`<section class="page" id="alerts-page">
    <${PageHead} title="Alerts" sub=${sub}>
      ${staff && html`<a class="btn" href="#/rules"><${Icon} name="activity" />Rules</a>`}
    <//>
    <nav class="tabs tabs-tight" aria-label="Alert states" id="alert-states">
      ${STATES.map(([s, label]) => {
        const n = stateCount(s, counts);
        const active = filters.state === s;
        return html`<a key=${s} id=${`alert-tab-${s}`} data-state=${s} href=${alertsHash({ ...filters, state: s })}
            class=${active ? 'tab active' : 'tab'} aria-current=${active ? 'page' : undefined}>
          ${label}${n != null && html`<span class=${n && s !== 'acknowledged' ? 'tab-count tab-count-bad' : 'tab-count'}
            data-count=${n}>${n}</span>`}
        </a>`;
      })}
    </nav>
    <div class="toolbar toolbar-wrap" id="alert-filters">
      <${SearchBox} id="alert-search" inputRef=${search} value=${q} onChange=${setQ} busy=${list.loading && count > 0}
        placeholder="Search device, client, rule, summary" label="Search alerts by device, client, rule or summary" />
      <select id="alert-filter-severity" class="input input-auto" aria-label="Severity" value=${filters.severity}
          onChange=${(e) => setFilter({ severity: e.target.value })}>
        <option value="">Any severity</option>
        <option value="critical">Critical</option>
        <option value="warning">Warning</option>
      </select>
      ${staff && html`<${ClientFilter} id="alert-filter-client" value=${filters.client_id} onChange=${(v) => setFilter({ client_id: v })} />`}
      ${filters.rule_id && html`<span class="chip chip-filter" id="alert-filter-rule">Rule: ${ruleName}
        <button type="button" class="chip-x" aria-label="Show every rule's alerts" onClick=${() => setFilter({ rule_id: '' })}><${Icon} name="x" size=${11} /></button></span>`}
      ${filters.device_id && html`<span class="chip chip-filter" id="alert-filter-device">Device: ${hostname}
        <button type="button" class="chip-x" aria-label="Show every device's alerts" onClick=${() => setFilter({ device_id: '' })}><${Icon} name="x" size=${11} /></button></span>`}
      ${staff && html`<div class="toolbar-end">
        <button type="button" class="btn" id="ack-selected" disabled=${!selected.size || busy}
            onClick=${() => acknowledgeIds([...selected])} title="Acknowledge the selected alerts (a)">
          ${busy ? html`<${Spinner} />` : html`<${Icon} name="check" />`}Acknowledge selected${selected.size ? ` (${selected.size})` : ''}
        </button>
      </div>`}
    </div>
    ${list.error && html`<${LoadError} message=${list.error} onRetry=${list.reload} />`}
    <${DataTable} id="alerts-table" label="Alerts" wide columns=${columns} rows=${list.items} loading=${list.loading}
      empty=${empty} rowAttrs=${(a) => ({
        'data-alert-id': a.id, 'data-state': a.state, 'data-severity': a.severity,
        'data-current': a.id === cursor ? 'true' : undefined,
        class: `row-link${a.id === cursor ? ' row-current' : ''}${selected.has(a.id) ? ' row-selected' : ''}${a.state === 'resolved' ? ' row-muted' : ''}`,
        onClick: (e) => { if (!e.target.closest('a, button, input') && !window.getSelection().toString()) location.hash = alertHref(a.id); },
      })} />
    <${LoadMore} list=${list} />
    <p class="shortcut-line" id="alert-shortcuts">
      <kbd>j</kbd> <kbd>k</kbd> move
      ${staff && html` · <kbd>x</kbd> select · <kbd>a</kbd> acknowledge`}
      ${' · '}<kbd>o</kbd> open · <kbd>/</kbd> search
    </p>
  </section>`;
}

// ---------- one alert ----------

const EVENT_LABELS = {
  opened: 'Opened', reopened: 'Opened again (flapping)', severity: 'Severity changed', resolved: 'Resolved',
  acknowledged: 'Acknowledged', unacknowledged: 'Acknowledgement taken back', notified: 'Reminder sent',
};

export function AlertPage({ id, user }) {
  const staff = isStaff(user);
  const [state, setState] = useState({ loading: true, alert: null, error: null });
  const [busy, setBusy] = useState(false);
  const latest = useRef(0);
  const load = useCallback((quiet = false) => {
    const mine = ++latest.current;
    if (!quiet) setState((s) => ({ ...s, loading: true, error: null }));
    api.get(path`/api/v1/alerts/${id}`)
      .then((alert) => { if (mine === latest.current) setState({ loading: false, alert, error: null }); })
      .catch((error) => {
        if (mine !== latest.current) return;
        setState((s) => (quiet && s.alert && error.status !== 404 ? s : { loading: false, alert: null, error }));
      });
  }, [id]);
  useEffect(() => { load(); }, [load]);
  useLiveRefresh((e) => isAlertEvent(e) && String(e.alert_id) === String(id), () => load(true));

  const a = state.alert;
  useTitle(a && `${a.rule_name} on ${a.hostname}`, 'Alerts');
  useSetCrumb(a ? `${a.rule_name} on ${a.hostname}` : state.error ? (state.error.status === 404 ? 'Not found' : 'Alert') : '');

  if (state.loading && !a) return html`<section class="page"><${Loading} /></section>`;
  if (state.error) {
    return html`<section class="page">${state.error.status === 404
      ? html`<${Empty} icon="alert" title="This alert does not exist.">
          It may belong to another client. <a href="#/alerts">Back to the alerts</a>
        <//>`
      : html`<${LoadError} message=${state.error.message} onRetry=${() => load()} />`}</section>`;
  }

  const change = async (verb) => {
    setBusy(true);
    try {
      await api.post(path`/api/v1/alerts/${a.id}/${verb}`);
      notify.ok(verb === 'acknowledge' ? 'Alert acknowledged.' : 'Acknowledgement taken back: the alert is open again.');
      load(true);
    } catch (e) {
      notify.error(e.message);
      load(true);
    } finally {
      setBusy(false);
    }
  };

  const events = [...(a.events || [])].reverse(); // newest first
  return html`<section class="page" id="alert-page" data-alert-id=${a.id} data-state=${a.state}>
    <div class="page-head">
      <div class="page-head-text">
        <div class="title-row">
          <h1 id="page-title">${a.rule_name}</h1>
          <${SeverityBadge} severity=${a.severity} />
          <span id="alert-state"><${StateBadge} alert=${a} /></span>
        </div>
        <div class="page-sub" id="alert-summary">${alertWhat(a)}</div>
      </div>
      <div class="page-actions">
        <a class="btn btn-ghost" href="#/alerts"><${Icon} name="list" />All alerts</a>
        ${staff && a.state === 'open' && html`<button type="button" class="btn btn-primary" id="alert-acknowledge" disabled=${busy}
            onClick=${() => change('acknowledge')}>${busy ? html`<${Spinner} />` : html`<${Icon} name="check" />`}Acknowledge</button>`}
        ${staff && a.state === 'acknowledged' && html`<button type="button" class="btn" id="alert-unacknowledge" disabled=${busy}
            onClick=${() => change('unacknowledge')}>${busy && html`<${Spinner} />`}Take back acknowledgement</button>`}
      </div>
    </div>
    <div class="grid-2">
      <section class="card panel" id="alert-facts">
        <div class="card-head"><h2>Details</h2></div>
        <dl class="props">
          <dt>Device</dt><dd><a href=${deviceHref(a.device_id)} id="alert-device">${a.hostname}</a></dd>
          <dt>Client</dt><dd>${staff ? html`<a href=${`#/clients/${encodeURIComponent(a.client_id)}`}>${a.client}</a>` : a.client}</dd>
          <dt>Rule</dt><dd>${staff && a.rule_id != null ? html`<a href="#/rules">${a.rule_name}</a>` : a.rule_name}</dd>
          ${a.subject && html`<dt>Subject</dt><dd class="mono-ish">${a.subject}</dd>`}
          <dt>Opened</dt><dd><${Time} value=${a.opened_at} /> <span class="muted">(${exactTime(a.opened_at)})</span></dd>
          <dt>Acknowledged</dt><dd id="alert-acknowledged">${a.acknowledged_at
            ? html`<${Time} value=${a.acknowledged_at} />${a.acknowledged_by && html` by <span class="strong">${a.acknowledged_by}</span>`}`
            : html`<span class="muted">Not yet</span>`}</dd>
          <dt>Resolved</dt><dd id="alert-resolved">${a.resolved_at
            ? html`<${Time} value=${a.resolved_at} />${a.resolution && html` <span class="muted">· ${a.resolution}</span>`}`
            : html`<span class="muted">Still open</span>`}</dd>
          ${a.ticket_id != null && html`<dt>Ticket</dt><dd>#${a.ticket_id}</dd>`}
        </dl>
      </section>
      <section class="card panel" id="alert-history">
        <div class="card-head"><h2>History</h2><span class="panel-sub">Newest first</span></div>
        ${events.length === 0 ? html`<p class="muted">Nothing recorded yet.</p>`
          : html`<ol class="timeline">${events.map((e, i) => html`<li key=${i} class=${`timeline-item tl-${e.kind}`} data-kind=${e.kind}>
              <span class="timeline-dot" aria-hidden="true"></span>
              <div class="timeline-body">
                <div><span class="strong">${EVENT_LABELS[e.kind] || e.kind}</span>${e.user && html` by ${e.user}`}
                  <span class="muted"> · <${Time} value=${e.at} /></span></div>
                ${e.detail && html`<div class="muted timeline-detail">${e.detail}</div>`}
              </div>
            </li>`)}</ol>`}
      </section>
    </div>
  </section>`;
}
