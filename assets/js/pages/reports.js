// Owns: the Reports page for staff (#/reports/sla?month=2026-11&client_id=3 and
// #/reports/time?from=2026-11-01&to=2026-11-30&client_id=3): the "SLA compliance" and "Time" tabs,
// their filters (month picker with previous/next, client, and for time a custom day range; all
// kept in the URL), the SLA table per client with colour-coded % met, compact met/breached bars
// and each client's breaches folding out under its row, the time tables per technician, per
// client and per technician and client with billable and non-billable hours, and the "Download
// CSV" links that ask the server for the same figures as a spreadsheet file.
// Months and days are calendar months and days in UTC, as the server counts them.
import { html, useState, useEffect, useRef, useMemo, useCallback } from '../html.js';
import { api, withQuery } from '../api.js';
import { useTitle, useUrlFilters, filtersHref } from '../hooks.js';
import { DataTable } from '../components/table.js';
import { Empty, LoadError, PageHead, Spinner } from '../components/ui.js';
import { Tile } from '../components/fleet.js';
import { ClientFilter } from '../components/client-filter.js';
import { plural, exactTime } from '../format.js';

export const REPORT_TABS = ['sla', 'time'];
const TAB_LABELS = { sla: 'SLA compliance', time: 'Time' };

// ---------- months and days (UTC) ----------

const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;
const DATE_RE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

const thisMonth = () => new Date().toISOString().slice(0, 7);
const splitMonth = (m) => m.split('-').map(Number);

/** The month `n` months after `m` ("2026-11", -1 → "2026-10"). */
function shiftMonth(m, n) {
  const [y, mo] = splitMonth(m);
  return new Date(Date.UTC(y, mo - 1 + n, 1)).toISOString().slice(0, 7);
}
const firstDay = (m) => `${m}-01`;
function lastDay(m) {
  const [y, mo] = splitMonth(m);
  return new Date(Date.UTC(y, mo, 0)).toISOString().slice(0, 10);
}
function monthName(m) {
  const [y, mo] = splitMonth(m);
  return new Date(Date.UTC(y, mo - 1, 1)).toLocaleDateString(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' });
}
function dayName(d) {
  const [y, mo, day] = d.split('-').map(Number);
  return new Date(Date.UTC(y, mo - 1, day)).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
}
/** The whole month `from`..`to` spans exactly, or null for any other range. */
const wholeMonth = (from, to) => (from.slice(0, 7) === to.slice(0, 7) && from === firstDay(from.slice(0, 7))
  && to === lastDay(from.slice(0, 7)) ? from.slice(0, 7) : null);

// ---------- figures ----------

/** Minutes as hours and minutes: 95 → "1:35". */
export const hm = (m) => `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}`;

/** How good a % met is: green at 95 % or more, amber from 80 %, red below. */
const level = (p) => (p == null ? 'none' : p >= 95 ? 'ok' : p >= 80 ? 'warn' : 'bad');
const pctText = (p) => (p == null ? '—' : `${p.toFixed(1)}\u00a0%`);

function Pct({ value, cls }) {
  return html`<td class=${`num ${cls}`} data-level=${level(value)} data-value=${value == null ? '' : value}
    title=${value == null ? 'Nothing decided yet: every clock is still running' : undefined}>
    <span class="rpt-pct">${pctText(value)}</span></td>`;
}

const CLOCK_LABELS = { first_response: 'First response', resolution: 'Resolution' };

// ---------- filters in the URL ----------

const FILTER_KEYS = { sla: ['month', 'client_id'], time: ['from', 'to', 'client_id'] };

/** A tab's filters as read from the address; the time tab also takes a `month` (a link from elsewhere). */
function tidyFilters(tab, f, params) {
  if (!/^\d+$/.test(f.client_id)) f.client_id = '';
  const month = (params.get('month') || '').trim();
  if (tab === 'sla') {
    if (!MONTH_RE.test(f.month)) f.month = thisMonth();
    return f;
  }
  if (!DATE_RE.test(f.from) || !DATE_RE.test(f.to)) {
    const m = MONTH_RE.test(month) ? month : thisMonth();
    f.from = firstDay(m);
    f.to = lastDay(m);
  }
  return f;
}

export const reportsHash = (tab, f) => filtersHref(`#/reports/${tab}`, FILTER_KEYS[tab], f);

/** Filters of one tab carried over to the other: the client, and the month (the first one of a range). */
function carry(tab, f, to) {
  if (tab === to) return f;
  if (to === 'sla') return { month: f.from.slice(0, 7), client_id: f.client_id };
  return { from: firstDay(f.month), to: lastDay(f.month), client_id: f.client_id };
}

/** Reads `url` (re-reading when it changes); the last answer stays shown while a new one loads. */
function useReport(url) {
  const [state, setState] = useState({ loading: true, data: null, error: '' });
  const latest = useRef(0);
  const load = useCallback(() => {
    const mine = ++latest.current;
    setState((s) => ({ ...s, loading: true, error: '' }));
    api.get(url)
      .then((data) => { if (mine === latest.current) setState({ loading: false, data, error: '' }); })
      .catch((e) => { if (mine === latest.current) setState({ loading: false, data: null, error: e.message }); });
  }, [url]);
  useEffect(() => { load(); }, [load]);
  return { ...state, reload: load };
}

// ---------- the page ----------

export function ReportsPage({ user, tab, query }) {
  const current = REPORT_TABS.includes(tab) ? tab : REPORT_TABS[0];
  useTitle(TAB_LABELS[current], 'Reports');
  const { filters, setFilters } = useUrlFilters(`#/reports/${current}`, query,
    { keys: FILTER_KEYS[current], tidy: (f, params) => tidyFilters(current, f, params) });
  if (user.role !== 'admin' && user.role !== 'technician') {
    return html`<section class="page"><${Empty} icon="shield" title="Reports are for the MSP's staff." /></section>`;
  }
  return html`<section class="page" id="reports-page" data-tab=${current}>
    <${PageHead} title="Reports" sub="SLA compliance and time worked. Months and days are calendar months and days in UTC." />
    <nav class="tabs tabs-tight" aria-label="Reports" id="report-tabs">
      ${REPORT_TABS.map((t) => html`<a key=${t} id=${`report-tab-${t}`} data-tab=${t}
          href=${reportsHash(t, carry(current, filters, t))}
          class=${t === current ? 'tab active' : 'tab'} aria-current=${t === current ? 'page' : undefined}>${TAB_LABELS[t]}</a>`)}
    </nav>
    ${current === 'sla'
      ? html`<${SlaTab} filters=${filters} setFilters=${setFilters} />`
      : html`<${TimeTab} filters=${filters} setFilters=${setFilters} />`}
  </section>`;
}

/** Previous / next month buttons around an <input type=month>; "next" stops at the current month. */
function MonthPicker({ month, onChange }) {
  const now = thisMonth();
  return html`<div class="rpt-month" role="group" aria-label="Month">
    <button type="button" class="btn btn-sm rpt-step" id="report-month-prev" title="Previous month"
        aria-label="Previous month" disabled=${!month} onClick=${() => onChange(shiftMonth(month, -1))}>
      <${Glyph} name="prev" /></button>
    <input type="month" class="input input-sm rpt-month-input" id="report-month" aria-label="Month (UTC)"
      value=${month || ''} max=${now}
      onChange=${(e) => { if (MONTH_RE.test(e.target.value)) onChange(e.target.value); }} />
    <button type="button" class="btn btn-sm rpt-step" id="report-month-next" title="Next month"
        aria-label="Next month" disabled=${!month || month >= now} onClick=${() => onChange(shiftMonth(month, 1))}>
      <${Glyph} name="next" /></button>
  </div>`;
}

// Small glyphs drawn like components/icons.js, for what it has no icon for.
const GLYPHS = { download: 'M12 4v11M7 10.5l5 5 5-5M5 20h14', prev: 'M15 6l-6 6 6 6', next: 'M9 6l6 6-6 6' };
const Glyph = ({ name, size = 14 }) => html`<svg class="icon" width=${size} height=${size} viewBox="0 0 24 24"
  aria-hidden="true" focusable="false" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"
  stroke-linejoin="round"><path d=${GLYPHS[name]} /></svg>`;

function CsvLink({ id, href, label = 'Download CSV', title }) {
  return html`<a class="btn btn-sm" id=${id} href=${href} download title=${title}><${Glyph} name="download" />${label}</a>`;
}

/** A thin bar split into parts [{value, cls, label}], `scale` (0..1) of the full width. */
function StackBar({ parts, scale = 1, label }) {
  const total = parts.reduce((n, p) => n + p.value, 0);
  return html`<span class="stack rpt-stack" role="img" aria-label=${label} title=${label}>
    <span class="stack-track" style=${{ width: `${Math.max(0, Math.min(1, scale)) * 100}%` }}>
      ${total === 0 ? html`<span class="rpt-seg-empty"></span>`
        : parts.filter((p) => p.value > 0).map((p) => html`<span key=${p.cls} class=${p.cls} style=${{ flexGrow: p.value }}></span>`)}
    </span>
  </span>`;
}

/** Coloured swatches naming what a bar's colours stand for: [[class, label]]. */
const Legend = ({ items, id }) => html`<span class="rpt-legend" id=${id}>${items.map(([cls, label]) =>
  html`<span key=${cls} class="rpt-legend-item"><span class=${`rpt-swatch ${cls}`} aria-hidden="true"></span>${label}</span>`)}</span>`;

// ---------- SLA compliance ----------

const SLA_LEGEND = [['stack-on', 'Met'], ['stack-off', 'Breached'], ['rpt-seg-run', 'Running']];

function clockBar(c, name) {
  return html`<${StackBar} label=${`${name}: ${c.met} met, ${c.breached} breached, ${c.running} running`}
    parts=${[{ value: c.met, cls: 'stack-on' }, { value: c.breached, cls: 'stack-off' }, { value: c.running, cls: 'rpt-seg-run' }]} />`;
}

function ClockCells({ c, prefix }) {
  return html`
    <td class=${`num ${prefix}-met`} data-value=${c.met}>${c.met}</td>
    <td class=${`num ${prefix}-breached${c.breached ? ' rpt-bad' : ''}`} data-value=${c.breached}>${c.breached}</td>
    <td class=${`num ${prefix}-running`} data-value=${c.running}>${c.running}</td>
    <${Pct} value=${c.percent_met} cls=${`${prefix}-pct`} />`;
}

function SlaTab({ filters, setFilters }) {
  const params = { month: filters.month, client_id: filters.client_id };
  const report = useReport(withQuery('/api/v1/reports/sla', params));
  const [open, setOpen] = useState(() => new Set());
  useEffect(() => setOpen(new Set()), [filters.month, filters.client_id]);
  const toggle = (id) => setOpen((s) => {
    const next = new Set(s);
    if (next.has(id)) next.delete(id); else next.add(id);
    return next;
  });
  const d = report.data;
  const clients = d ? d.clients : [];
  const t = d && d.totals;
  const colspan = 12;

  return html`<div id="sla-report">
    <div class="toolbar toolbar-wrap rpt-toolbar" id="sla-filters">
      <${MonthPicker} month=${filters.month} onChange=${(month) => setFilters({ month })} />
      <${ClientFilter} id="report-client" small value=${filters.client_id} onChange=${(client_id) => setFilters({ client_id })} />
      ${report.loading && d && html`<${Spinner} />`}
      <div class="toolbar-end rpt-downloads">
        <${CsvLink} id="sla-csv" href=${withQuery('/api/v1/reports/sla.csv', params)}
          title="One row per client: tickets, met, breached, running and % met of each clock" />
        <${CsvLink} id="sla-csv-breaches" label="Breaches CSV" href=${withQuery('/api/v1/reports/sla.csv', { ...params, detail: 'breaches' })}
          title="One row per breached clock" />
      </div>
    </div>
    ${report.error && html`<${LoadError} message=${report.error} onRetry=${report.reload} />`}
    ${t && html`<div class="tiles rpt-tiles" id="sla-tiles">
      <${Tile} id="sla-total-tickets" label="Tickets opened" value=${t.tickets} sub=${monthName(filters.month)} />
      <${Tile} id="sla-total-fr" label="First response met" value=${pctText(t.first_response.percent_met)}
        tone=${{ ok: 'ok', warn: 'warn', bad: 'bad' }[level(t.first_response.percent_met)]}
        sub=${`${t.first_response.met} met · ${t.first_response.breached} breached`} />
      <${Tile} id="sla-total-res" label="Resolution met" value=${pctText(t.resolution.percent_met)}
        tone=${{ ok: 'ok', warn: 'warn', bad: 'bad' }[level(t.resolution.percent_met)]}
        sub=${`${t.resolution.met} met · ${t.resolution.breached} breached`} />
      <${Tile} id="sla-total-breaches" label="Breaches" value=${t.breaches} tone=${t.breaches ? 'bad' : undefined}
        sub=${t.breaches ? 'clocks that ran out' : 'none this month'} />
    </div>`}
    ${!d && report.loading ? html`<div class="rpt-loading"><${Spinner} /> Loading…</div>`
      : d && !clients.length ? html`<div class="table-card"><${Empty} icon="chart" title=${`No tickets were opened in ${monthName(filters.month)}.`}>
          ${filters.client_id ? 'Not for this client, at least. Pick "All clients" to see the others.' : 'The SLA report counts the tickets opened in the month.'}
        <//></div>`
      : d && html`<div class=${`table-card table-card-wide${report.loading ? ' is-refreshing' : ''}`}>
        <table class="table rpt-table" id="sla-table" aria-label="SLA compliance per client">
          <thead>
            <tr>
              <th scope="col" rowspan="2">Client</th>
              <th scope="col" rowspan="2" class="num">Tickets</th>
              <th scope="colgroup" colspan="4" class="rpt-group">First response</th>
              <th scope="colgroup" colspan="4" class="rpt-group">Resolution</th>
              <th scope="col" rowspan="2" class="rpt-bars-col col-minor"><${Legend} items=${SLA_LEGEND} /></th>
              <th scope="col" rowspan="2" class="num">Breaches</th>
            </tr>
            <tr class="rpt-subhead">
              <th scope="col" class="num">Met</th><th scope="col" class="num">Breached</th>
              <th scope="col" class="num">Running</th><th scope="col" class="num">% met</th>
              <th scope="col" class="num">Met</th><th scope="col" class="num">Breached</th>
              <th scope="col" class="num">Running</th><th scope="col" class="num">% met</th>
            </tr>
          </thead>
          <tbody>
            ${clients.map((c) => {
              const expanded = open.has(c.client_id);
              const rows = [html`<tr key=${`c${c.client_id}`} data-client-id=${c.client_id} class=${expanded ? 'rpt-row-open' : undefined}>
                <td><a class="cell-link" href=${`#/clients/${encodeURIComponent(c.client_id)}`}>${c.client}</a></td>
                <td class="num tickets" data-value=${c.tickets}>${c.tickets}</td>
                <${ClockCells} c=${c.first_response} prefix="fr" />
                <${ClockCells} c=${c.resolution} prefix="res" />
                <td class="rpt-bars-col col-minor"><span class="rpt-bars">
                  <span class="rpt-bar-label">FR</span>${clockBar(c.first_response, 'First response')}
                  <span class="rpt-bar-label">Res</span>${clockBar(c.resolution, 'Resolution')}
                </span></td>
                <td class="num breaches" data-value=${c.breaches.length}>
                  ${c.breaches.length
                    ? html`<button type="button" class="btn-link rpt-breach-toggle" data-action="toggle-breaches"
                        aria-expanded=${expanded ? 'true' : 'false'} aria-controls=${`sla-breaches-${c.client_id}`}
                        onClick=${() => toggle(c.client_id)}>
                        ${plural(c.breaches.length, 'breach', 'breaches')}<span class=${expanded ? 'rpt-caret rpt-caret-open' : 'rpt-caret'} aria-hidden="true">▸</span>
                      </button>`
                    : html`<span class="muted">—</span>`}
                </td>
              </tr>`];
              if (expanded) {
                rows.push(html`<tr key=${`b${c.client_id}`} class="rpt-breach-row" id=${`sla-breaches-${c.client_id}`}
                    data-breaches-for=${c.client_id}>
                  <td colspan=${colspan}><${BreachList} breaches=${c.breaches} /></td>
                </tr>`);
              }
              return rows;
            })}
          </tbody>
          ${t && clients.length > 1 && html`<tfoot>
            <tr id="sla-totals">
              <th scope="row">All clients</th>
              <td class="num tickets" data-value=${t.tickets}>${t.tickets}</td>
              <${ClockCells} c=${t.first_response} prefix="fr" />
              <${ClockCells} c=${t.resolution} prefix="res" />
              <td class="rpt-bars-col col-minor"></td>
              <td class="num breaches" data-value=${t.breaches}>${t.breaches}</td>
            </tr>
          </tfoot>`}
        </table>
      </div>
      <p class="rpt-note">Each ticket counts in the month it was opened. % met is met out of met and breached; running
        clocks (including paused while pending) are not decided yet. Green at 95 % or more, amber from 80 %, red below.</p>`}
  </div>`;
}

function BreachList({ breaches }) {
  return html`<table class="mini-table rpt-breaches" aria-label="Breaches">
    <thead><tr>
      <th scope="col">Ticket</th><th scope="col">Subject</th><th scope="col">Priority</th><th scope="col">Clock</th>
      <th scope="col">Due</th><th scope="col">Breach recorded</th><th scope="col">Assignee</th>
    </tr></thead>
    <tbody>
      ${breaches.map((b) => html`<tr key=${`${b.ticket_id}-${b.clock}`} data-ticket-id=${b.ticket_id} data-clock=${b.clock}>
        <td class="nowrap"><a class="cell-link rpt-ticket-link" href=${`#/tickets/${encodeURIComponent(b.ticket_id)}`}>#${b.ticket_id}</a></td>
        <td class="rpt-subject"><span title=${b.subject}>${b.subject}</span></td>
        <td><span class=${`badge prio prio-${String(b.priority).toLowerCase()}`}>${b.priority}</span></td>
        <td class="nowrap">${CLOCK_LABELS[b.clock] || b.clock}</td>
        <td class="nowrap tabular">${b.due ? exactTime(b.due) : html`<span class="muted">—</span>`}</td>
        <td class="nowrap tabular">${b.breached_at ? exactTime(b.breached_at) : html`<span class="muted">—</span>`}</td>
        <td>${b.assignee || html`<span class="muted">Unassigned</span>`}</td>
      </tr>`)}
    </tbody>
  </table>`;
}

// ---------- time ----------

const total = (r) => r.billable_minutes + r.non_billable_minutes;

function minuteColumns(most) {
  const cell = (key, label, value, cls) => ({
    key, label, align: 'num', class: cls, sort: value,
    render: (r) => html`<span class="tabular" data-minutes=${value(r)}>${hm(value(r))}</span>`,
  });
  return [
    cell('billable', 'Billable', (r) => r.billable_minutes, 'billable'),
    cell('non_billable', 'Non-billable', (r) => r.non_billable_minutes, 'non-billable'),
    cell('total', 'Total', total, 'total'),
    {
      key: 'bar', label: html`<span class="sr-only">Billable and non-billable</span>`, class: 'rpt-bar-cell col-minor',
      render: (r) => html`<${StackBar} scale=${most ? total(r) / most : 0}
        label=${`${hm(r.billable_minutes)} billable, ${hm(r.non_billable_minutes)} non-billable`}
        parts=${[{ value: r.billable_minutes, cls: 'rpt-seg-bill' }, { value: r.non_billable_minutes, cls: 'rpt-seg-nonbill' }]} />`,
    },
  ];
}

function TimeTab({ filters, setFilters }) {
  const params = { from: filters.from, to: filters.to, client_id: filters.client_id };
  const report = useReport(withQuery('/api/v1/reports/time', params));
  const d = report.data;
  const month = wholeMonth(filters.from, filters.to);
  const [from, setFrom] = useState(filters.from);
  const [to, setTo] = useState(filters.to);
  useEffect(() => { setFrom(filters.from); setTo(filters.to); }, [filters.from, filters.to]);
  const applyRange = (e) => {
    e.preventDefault();
    if (DATE_RE.test(from) && DATE_RE.test(to)) setFilters({ from, to });
  };
  const pickMonth = (m) => setFilters({ from: firstDay(m), to: lastDay(m) });
  const range = month ? monthName(month) : `${dayName(filters.from)} – ${dayName(filters.to)}`;
  const csv = (by) => withQuery('/api/v1/reports/time.csv', { ...params, by });

  const most = (rows) => rows.reduce((m, r) => Math.max(m, total(r)), 0);
  const techColumns = useMemo(() => d && [
    { key: 'technician', label: 'Technician', sort: (r) => r.technician, render: (r) => html`<span class="strong">${r.technician}</span>` },
    ...minuteColumns(most(d.technicians)),
  ], [d]);
  const clientColumns = useMemo(() => d && [
    {
      key: 'client', label: 'Client', sort: (r) => r.client,
      render: (r) => html`<a class="cell-link" href=${`#/clients/${encodeURIComponent(r.client_id)}`}>${r.client}</a>`,
    },
    ...minuteColumns(most(d.clients)),
  ], [d]);
  const matrixColumns = useMemo(() => d && [
    { key: 'technician', label: 'Technician', sort: (r) => r.technician, render: (r) => r.technician },
    { key: 'client', label: 'Client', sort: (r) => r.client, render: (r) => r.client },
    ...minuteColumns(most(d.matrix)),
  ], [d]);

  const t = d && d.totals;
  const share = t && total(t) ? Math.round((t.billable_minutes / total(t)) * 1000) / 10 : null;
  const shareText = share == null ? '—' : `${share.toFixed(1)}\u00a0%`;
  const nothing = d && !d.technicians.length;

  return html`<div id="time-report">
    <div class="toolbar toolbar-wrap rpt-toolbar" id="time-filters">
      <${MonthPicker} month=${month || filters.from.slice(0, 7)} onChange=${pickMonth} />
      <form class="rpt-range" onSubmit=${applyRange} aria-label="Days">
        <input type="date" class="input input-sm" id="report-from" aria-label="From (UTC)" value=${from}
          onChange=${(e) => setFrom(e.target.value)} />
        <span class="muted">to</span>
        <input type="date" class="input input-sm" id="report-to" aria-label="To (UTC)" value=${to} min=${from}
          onChange=${(e) => setTo(e.target.value)} />
        <button type="submit" class="btn btn-sm" id="report-range-apply"
          disabled=${(from === filters.from && to === filters.to) || !DATE_RE.test(from) || !DATE_RE.test(to)}>Show</button>
      </form>
      <${ClientFilter} id="report-client" small value=${filters.client_id} onChange=${(client_id) => setFilters({ client_id })} />
      ${report.loading && d && html`<${Spinner} />`}
      <div class="toolbar-end rpt-downloads" role="group" aria-label="Download CSV">
        <${CsvLink} id="time-csv-technician" label="CSV by technician" href=${csv('technician')} title="One row per technician" />
        <${CsvLink} id="time-csv-client" label="CSV by client" href=${csv('client')} title="One row per client" />
        <${CsvLink} id="time-csv-entries" label="Entries CSV" href=${csv('entries')} title="Every time entry: date, technician, client, ticket, minutes, billable, note" />
      </div>
    </div>
    ${report.error && html`<${LoadError} message=${report.error} onRetry=${report.reload} />`}
    ${t && html`<div class="tiles rpt-tiles" id="time-tiles">
      <${Tile} id="time-total-billable" label="Billable" value=${hm(t.billable_minutes)} sub=${range} />
      <${Tile} id="time-total-non-billable" label="Non-billable" value=${hm(t.non_billable_minutes)} sub="hours:minutes" />
      <${Tile} id="time-total" label="Total" value=${hm(total(t))} sub=${plural(d.technicians.length, 'technician')} />
      <${Tile} id="time-billable-share" label="Billable share" value=${shareText}
        sub=${plural(d.clients.length, 'client')} />
    </div>`}
    ${!d && report.loading ? html`<div class="rpt-loading"><${Spinner} /> Loading…</div>`
      : nothing ? html`<div class="table-card"><${Empty} icon="clock" title=${`No time was logged for ${range}.`}>
          Time counts on the day the work was done, as logged on the ticket.
        <//></div>`
      : d && html`<div class=${`rpt-time${report.loading ? ' is-refreshing' : ''}`}>
        <p class="rpt-legend-line"><${Legend} id="time-legend" items=${[['rpt-seg-bill', 'Billable'], ['rpt-seg-nonbill', 'Non-billable']]} /></p>
        <div class="grid-2 rpt-grid">
          <section aria-labelledby="time-tech-head">
            <h2 class="rpt-h2" id="time-tech-head">By technician</h2>
            <${DataTable} id="time-by-technician" label="Time by technician" columns=${techColumns} rows=${d.technicians}
              rowKey=${(r) => `u${r.user_id}-${r.technician}`} rowAttrs=${(r) => ({ 'data-user-id': r.user_id == null ? 'deleted' : r.user_id })} />
          </section>
          <section aria-labelledby="time-client-head">
            <h2 class="rpt-h2" id="time-client-head">By client</h2>
            <${DataTable} id="time-by-client" label="Time by client" columns=${clientColumns} rows=${d.clients}
              rowKey=${(r) => r.client_id} rowAttrs=${(r) => ({ 'data-client-id': r.client_id })} />
          </section>
        </div>
        <h2 class="rpt-h2 rpt-h2-gap" id="time-matrix-head">By technician and client</h2>
        <${DataTable} id="time-matrix" label="Time by technician and client" columns=${matrixColumns} rows=${d.matrix}
          rowKey=${(r) => `u${r.user_id}-${r.technician}-c${r.client_id}`}
          rowAttrs=${(r) => ({ 'data-user-id': r.user_id == null ? 'deleted' : r.user_id, 'data-client-id': r.client_id })} />
        <p class="rpt-note">Time counts on the day the work was done. Hours are shown as hours:minutes; the CSV files have
          minutes and decimal hours.</p>
      </div>`}
  </div>`;
}
