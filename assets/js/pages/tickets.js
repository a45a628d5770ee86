// Owns: the ticket queue (#/tickets?view=mine&status=open&priority=P1&client_id=3&queue_id=2&assignee=7&q=printer):
// the view tabs (Mine, Unassigned, All open, All) with their counts, the filters and the search
// (kept in the address), the dense table sorted by SLA due time with live countdowns, row
// selection and the bulk bar (assign, status, priority; refusals shown per ticket), keyboard work
// (j/k move, x select, Enter/o open, a assign to me, / search, n new ticket, 1–4 views), live
// updates as tickets open and change, and the "New ticket" dialog. A client contact sees their
// company's tickets and opens new ones; no bulk changes, no assigning.
import { html, useState, useEffect, useRef, useMemo, useCallback } from '../html.js';
import { api, withQuery } from '../api.js';
import { useList, useTitle, useClientOptions, useUrlFilters, useFilterSearch } from '../hooks.js';
import { useLiveRefresh } from '../live.js';
import { usePageShortcut } from '../shortcuts.js';
import { Icon } from '../components/icons.js';
import { Dialog } from '../components/dialog.js';
import { DataTable, LoadMore } from '../components/table.js';
import { Field, Time, Empty, LoadError, PageHead, SubmitButton, Spinner, SearchBox } from '../components/ui.js';
import { notify } from '../components/toast.js';
import { ClientFilter } from '../components/client-filter.js';
import { useForm, FormError } from '../components/form.js';
import { plural } from '../format.js';
import { SlaDue } from '../components/sla.js';
import {
  PRIORITIES, STATUSES, PriorityBadge, TicketStatusBadge, ticketHref, useTechnicians, useQueues, useContacts,
  personName, forgetOptions,
} from '../components/ticket-parts.js';

const isStaff = (user) => user.role === 'admin' || user.role === 'technician';
const isTicketEvent = (e) => e.type === 'ticket_changed' || e.type === 'alert_changed';

// ---------- views and filters ----------

/** The view tabs: [key, label, what the API is asked (before the filters)]. */
const STAFF_VIEWS = [
  ['mine', 'Mine', { assignee: 'me', status: 'active' }],
  ['unassigned', 'Unassigned', { assignee: 'unassigned', status: 'active' }],
  ['open', 'All open', { status: 'active' }],
  ['all', 'All', { status: 'all' }],
];
const CLIENT_VIEWS = [
  ['open', 'Open', { status: 'active' }],
  ['all', 'All', { status: 'all' }],
];
const viewsFor = (user) => (isStaff(user) ? STAFF_VIEWS : CLIENT_VIEWS);
const FILTER_KEYS = ['view', 'status', 'priority', 'client_id', 'queue_id', 'assignee', 'q'];

function tidyFilters(f, user) {
  const views = viewsFor(user);
  if (!views.some(([v]) => v === f.view)) f.view = views[0][0];
  if (!STATUSES.some(([s]) => s === f.status)) f.status = '';
  if (!PRIORITIES.some(([pr]) => pr === f.priority)) f.priority = '';
  for (const k of ['client_id', 'queue_id']) if (!/^\d+$/.test(f[k])) f[k] = '';
  if (!/^(\d+|me|unassigned)$/.test(f.assignee)) f.assignee = '';
  return f;
}

/** What the list asks the API for: the view's own terms, then the filters (the view's assignee wins). */
function apiQuery(f, user) {
  const [, , base] = viewsFor(user).find(([v]) => v === f.view);
  return {
    status: f.status || base.status,
    assignee: base.assignee || f.assignee,
    priority: f.priority, client_id: f.client_id, queue_id: f.queue_id, q: f.q,
  };
}

/**
 * How many active tickets each of the first three staff views holds under the same filters (up to
 * 100; more reads "100+"). Re-read live.
 */
function useViewCounts(f, staff) {
  const [counts, setCounts] = useState(null);
  const latest = useRef(0);
  const base = { priority: f.priority, client_id: f.client_id, queue_id: f.queue_id, q: f.q, status: f.status || 'active', limit: 100 };
  const key = JSON.stringify(base);
  const load = useCallback(() => {
    if (!staff) return;
    const mine = ++latest.current;
    const ask = (extra) => api.get(withQuery('/api/v1/tickets', { ...base, ...extra }))
      .then((d) => ({ n: d.items.length, more: !!d.next_cursor }));
    Promise.all([ask({ assignee: 'me' }), ask({ assignee: 'unassigned' }), ask({ assignee: f.assignee })])
      .then(([m, u, o]) => { if (mine === latest.current) setCounts({ mine: m, unassigned: u, open: o }); })
      .catch(() => {}); // the tabs keep what they showed
  }, [key, staff, f.assignee]);
  useEffect(() => { load(); }, [load]);
  return { counts, reload: load };
}

const EMPTY_TEXT = {
  mine: ['Nothing is assigned to you.', 'Pick up a ticket under Unassigned (press 2), or see every open ticket under All open (3).'],
  unassigned: ['Every open ticket has someone on it.', 'New tickets that routing does not assign land here.'],
  open: ['No open tickets.', 'Tickets from alerts, the client portal and your team show up here as they come in. Press n to open one.'],
  all: ['No tickets yet.', 'Open the first one with “New ticket” or press n.'],
};
const CLIENT_EMPTY = {
  open: ['Your company has no open tickets.', 'Need help? Press “New ticket” and tell us what is wrong.'],
  all: ['Your company has no tickets yet.', 'Press “New ticket” to ask for help.'],
};

// ---------- the queue ----------

export function TicketsPage({ user, query }) {
  useTitle('Tickets');
  const staff = isStaff(user);
  const views = viewsFor(user);
  // The first view is the one the list opens on, so it stays out of the address.
  const { filters, setFilters: setFilter, clearFilters, hrefOf } = useUrlFilters('#/tickets', query,
    { keys: FILTER_KEYS, tidy: (f) => tidyFilters(f, user), defaults: { view: views[0][0] } });
  const [q, setQ] = useFilterSearch(filters.q, (v) => setFilter({ q: v }, { replace: true }));
  const search = useRef(null);

  const list = useList('/api/v1/tickets', apiQuery(filters, user));
  const { counts, reload: reloadCounts } = useViewCounts(filters, staff);
  useLiveRefresh(isTicketEvent, () => { list.refresh(); reloadCounts(); });

  const technicians = useTechnicians(staff);
  const queues = useQueues(staff);

  const [selected, setSelected] = useState(() => new Set());
  const [cursor, setCursor] = useState(null);
  const [busy, setBusy] = useState(false);
  const [refusals, setRefusals] = useState([]);
  const [adding, setAdding] = useState(false);

  // A selection only holds rows that are shown.
  const shownIds = useMemo(() => new Set(list.items.map((t) => t.id)), [list.items]);
  useEffect(() => {
    setSelected((s) => {
      const kept = [...s].filter((id) => shownIds.has(id));
      return kept.length === s.size ? s : new Set(kept);
    });
  }, [shownIds]);
  useEffect(() => { setSelected(new Set()); setCursor(null); setRefusals([]); }, [query]);

  const toggle = (id) => setSelected((s) => {
    const next = new Set(s);
    if (next.has(id)) next.delete(id); else next.add(id);
    return next;
  });
  const allSelected = shownIds.size > 0 && [...shownIds].every((id) => selected.has(id));
  const selectAll = (on) => setSelected(on ? new Set(shownIds) : new Set());

  /** One change to several tickets; the stale ones are refused and listed, never overwritten. */
  const bulk = async (ids, changes, what) => {
    if (!ids.length || busy) return;
    const byId = new Map(list.items.map((t) => [t.id, t]));
    const tickets = ids.filter((id) => byId.has(id)).map((id) => ({ id, version: byId.get(id).version }));
    setBusy(true);
    setRefusals([]);
    try {
      const r = await api.post('/api/v1/tickets/bulk', { tickets, changes });
      for (const t of r.updated || []) list.replace(t);
      const refused = r.refused || [];
      for (const x of refused) if (x.ticket) list.replace(x.ticket);
      const n = (r.updated || []).length;
      if (n) notify.ok(`${plural(n, 'ticket')} ${what}.`);
      setRefusals(refused.map((x) => ({
        ...x,
        subject: (x.ticket || byId.get(x.id) || {}).subject || '',
        // A stale one gets the page's own words: the row already shows it as it is now.
        message: x.ticket ? 'someone else changed it meanwhile; the row now shows it as it is.' : x.message,
      })));
      // The refused stay selected, to try again on what they are now.
      setSelected(new Set(refused.map((x) => x.id).filter((id) => shownIds.has(id))));
      list.refresh();
      reloadCounts();
    } catch (e) {
      notify.error(e.message);
    } finally {
      setBusy(false);
    }
  };
  const targets = () => (selected.size ? [...selected] : cursor != null ? [cursor] : []);
  const assign = (value, ids = targets()) => {
    if (value === '') return;
    const assigneeId = value === 'me' ? user.id : value === 'none' ? null : Number(value);
    const who = value === 'me' ? 'you' : value === 'none' ? null
      : personName((technicians.items || []).find((t) => t.id === assigneeId)) || `user ${assigneeId}`;
    bulk(ids, { assignee_id: assigneeId }, who ? `assigned to ${who}` : 'unassigned');
  };

  // Keyboard: rows in the order the table shows them (it may be sorted by a column).
  const rowIds = () => [...document.querySelectorAll('#tickets-table tbody tr[data-ticket-id]')].map((tr) => Number(tr.dataset.ticketId));
  const move = (step) => {
    const ids = rowIds();
    if (!ids.length) return;
    const at = ids.indexOf(cursor);
    const next = ids[at < 0 ? (step > 0 ? 0 : ids.length - 1) : Math.max(0, Math.min(ids.length - 1, at + step))];
    setCursor(next);
    const row = document.querySelector(`#tickets-table tr[data-ticket-id="${next}"]`);
    if (row) row.scrollIntoView({ block: 'nearest' });
  };
  const openCursor = () => { if (cursor != null) location.hash = ticketHref(cursor); };
  usePageShortcut('j', () => move(1));
  usePageShortcut('k', () => move(-1));
  usePageShortcut('x', () => { if (staff && cursor != null) toggle(cursor); });
  usePageShortcut('o', openCursor);
  usePageShortcut('Enter', () => {
    // Enter on a focused link or button keeps its usual meaning.
    const el = document.activeElement;
    if (el && el !== document.body && el.matches('a, button, summary')) el.click();
    else openCursor();
  });
  usePageShortcut('a', () => { if (staff) assign('me'); });
  usePageShortcut('/', () => search.current && search.current.focus());
  usePageShortcut('n', () => setAdding(true));
  usePageShortcut('1', () => views[0] && setFilter({ view: views[0][0] }));
  usePageShortcut('2', () => views[1] && setFilter({ view: views[1][0] }));
  usePageShortcut('3', () => views[2] && setFilter({ view: views[2][0] }));
  usePageShortcut('4', () => views[3] && setFilter({ view: views[3][0] }));

  const columns = [];
  if (staff) {
    columns.push({
      key: 'select', width: '34', class: 'col-check',
      label: html`<input type="checkbox" id="tickets-select-all" aria-label="Select every ticket shown"
        title="Select every ticket shown" checked=${allSelected} disabled=${!shownIds.size}
        onChange=${(e) => selectAll(e.target.checked)} />`,
      render: (t) => html`<input type="checkbox" class="row-check" data-action="select-ticket" checked=${selected.has(t.id)}
        aria-label=${`Select ticket ${t.id}`} onChange=${() => { toggle(t.id); setCursor(t.id); }} />`,
    });
  }
  columns.push(
    {
      key: 'id', label: '#', width: '64', align: 'num', sort: (t) => t.id,
      render: (t) => html`<a class="cell-link tabular" href=${ticketHref(t.id)}>${t.id}</a>`,
    },
    { key: 'priority', label: 'Priority', width: '70', sort: (t) => t.priority, render: (t) => html`<${PriorityBadge} priority=${t.priority} />` },
    {
      key: 'subject', label: 'Subject', class: 'cell-clip',
      render: (t) => html`<a class="ticket-subject" href=${ticketHref(t.id)} title=${t.subject}>${t.subject}</a>
        ${t.source === 'alert' && html`<span class="tag" title="Opened by an alert">alert</span>`}`,
    },
  );
  if (staff) {
    columns.push({ key: 'client', label: 'Client', class: 'cell-clip-md', sort: (t) => t.client, render: (t) => html`<span title=${t.client}>${t.client}</span>` });
  }
  columns.push(
    {
      key: 'assignee', label: 'Assignee', minor: true, class: 'cell-clip-md', sort: (t) => t.assignee,
      render: (t) => (t.assignee ? html`<span title=${t.queue ? `Queue: ${t.queue}` : undefined}>${t.assignee_id === user.id ? 'You' : t.assignee}</span>`
        : html`<span class="muted">${t.queue || 'Unassigned'}</span>`),
    },
    { key: 'status', label: 'Status', width: '96', sort: (t) => STATUSES.findIndex(([s]) => s === t.status), render: (t) => html`<${TicketStatusBadge} status=${t.status} />` },
    { key: 'sla', label: 'SLA due', width: '130', render: (t) => html`<${SlaDue} ticket=${t} />` },
    { key: 'updated', label: 'Updated', width: '110', minor: true, class: 'nowrap', sort: (t) => t.updated_at, render: (t) => html`<${Time} value=${t.updated_at} />` },
  );

  const narrowed = filters.status || filters.priority || filters.client_id || filters.queue_id || filters.q
    || (filters.assignee && (filters.view === 'open' || filters.view === 'all'));
  const [emptyTitle, emptyText] = (staff ? EMPTY_TEXT : CLIENT_EMPTY)[filters.view];
  const empty = narrowed
    ? html`<${Empty} title="No tickets match these filters.">
        <button type="button" class="btn-link" id="tickets-clear-filters" onClick=${() => { setQ(''); clearFilters({ view: filters.view }); }}>Clear the filters</button>
        ${' '}to see the whole view.
      <//>`
    : html`<${Empty} icon=${filters.view === 'all' ? 'list' : 'check'} title=${emptyTitle}>${emptyText}<//>`;

  const count = list.items.length;
  const sub = list.loading && !count ? 'Loading…'
    : `${plural(count, 'ticket')}${list.next ? ' shown (more below)' : ''}${narrowed ? ' matching the filters' : ''}, soonest SLA due first`;
  const showAssigneeFilter = staff && (filters.view === 'open' || filters.view === 'all');

  return html`<section class="page" id="tickets-page" data-view=${filters.view}>
    <${PageHead} title="Tickets" sub=${sub}>
      <button type="button" class="btn btn-primary" id="new-ticket" onClick=${() => setAdding(true)} title="New ticket (n)">
        <${Icon} name="plus" />New ticket
      </button>
    <//>
    <nav class="tabs tabs-tight" aria-label="Ticket views" id="ticket-views">
      ${views.map(([v, label], i) => {
        const c = counts && counts[v];
        const active = filters.view === v;
        return html`<a key=${v} id=${`ticket-view-${v}`} data-view=${v} href=${hrefOf({ ...filters, view: v })}
            class=${active ? 'tab active' : 'tab'} aria-current=${active ? 'page' : undefined} title=${`${label} (${i + 1})`}>
          ${label}${c && html`<span class="tab-count" data-count=${c.n}>${c.n}${c.more ? '+' : ''}</span>`}
        </a>`;
      })}
    </nav>
    <div class="toolbar toolbar-wrap" id="ticket-filters">
      <${SearchBox} id="ticket-search" inputRef=${search} value=${q} onChange=${setQ} busy=${list.loading && count > 0}
        placeholder="Search subject, description, comments" label="Search tickets" />
      <select id="ticket-filter-status" class="input input-auto" aria-label="Status" title="Active: new, open or pending" value=${filters.status}
          onChange=${(e) => setFilter({ status: e.target.value })}>
        <option value="">${filters.view === 'all' ? 'Any status' : 'Active'}</option>
        ${STATUSES.map(([s, label]) => html`<option key=${s} value=${s}>${label}</option>`)}
      </select>
      <select id="ticket-filter-priority" class="input input-auto" aria-label="Priority" value=${filters.priority}
          onChange=${(e) => setFilter({ priority: e.target.value })}>
        <option value="">Any priority</option>
        ${PRIORITIES.map(([p, label]) => html`<option key=${p} value=${p}>${label}</option>`)}
      </select>
      ${staff && html`<${ClientFilter} id="ticket-filter-client" value=${filters.client_id} onChange=${(v) => setFilter({ client_id: v })} />`}
      ${staff && queues.items.length > 0 && html`<select id="ticket-filter-queue" class="input input-auto" aria-label="Queue"
          value=${filters.queue_id} onChange=${(e) => setFilter({ queue_id: e.target.value })}>
        <option value="">All queues</option>
        ${queues.items.map((x) => html`<option key=${x.id} value=${String(x.id)}>${x.name}</option>`)}
      </select>`}
      ${showAssigneeFilter && html`<select id="ticket-filter-assignee" class="input input-auto" aria-label="Assignee"
          value=${filters.assignee} onChange=${(e) => setFilter({ assignee: e.target.value })}>
        <option value="">Anyone</option>
        <option value="me">Me</option>
        <option value="unassigned">Unassigned</option>
        ${technicians.items.filter((t) => t.id !== user.id).map((t) => html`<option key=${t.id} value=${String(t.id)}>${personName(t)}</option>`)}
      </select>`}
    </div>
    ${staff && html`<${BulkBar} selected=${selected} busy=${busy} technicians=${technicians.items} user=${user}
      onAssign=${(v) => assign(v, [...selected])}
      onStatus=${(s) => bulk([...selected], { status: s }, `set to ${s}`)}
      onPriority=${(p) => bulk([...selected], { priority: p }, `set to ${p}`)}
      onClear=${() => setSelected(new Set())} />`}
    ${refusals.length > 0 && html`<div class="warning bulk-refusals" id="bulk-refusals" role="alert">
      <${Icon} name="alert" />
      <div>
        <p class="strong">${plural(refusals.length, 'ticket was', 'tickets were')} not changed:</p>
        <ul>${refusals.map((x) => html`<li key=${x.id} data-ticket-id=${x.id}>
          <a href=${ticketHref(x.id)}>#${x.id}</a>${x.subject && ` ${x.subject}`}: ${x.message}
        </li>`)}</ul>
        <p class="muted">They are still selected and now show what they are; try again if the change still makes sense.</p>
      </div>
      <button type="button" class="icon-btn icon-btn-sm" aria-label="Dismiss" onClick=${() => setRefusals([])}><${Icon} name="x" size=${14} /></button>
    </div>`}
    ${list.error && html`<${LoadError} message=${list.error} onRetry=${list.reload} />`}
    <${DataTable} id="tickets-table" label="Tickets" wide columns=${columns} rows=${list.items} loading=${list.loading}
      empty=${empty} rowAttrs=${(t) => ({
        'data-ticket-id': t.id, 'data-status': t.status, 'data-priority': t.priority,
        'data-current': t.id === cursor ? 'true' : undefined,
        class: `row-link${t.id === cursor ? ' row-current' : ''}${selected.has(t.id) ? ' row-selected' : ''}${t.status === 'resolved' || t.status === 'closed' ? ' row-muted' : ''}`,
        onClick: (e) => { if (!e.target.closest('a, button, input, select') && !window.getSelection().toString()) location.hash = ticketHref(t.id); },
      })} />
    <${LoadMore} list=${list} />
    <p class="shortcut-line" id="ticket-shortcuts">
      <kbd>j</kbd> <kbd>k</kbd> move
      ${staff && html` · <kbd>x</kbd> select · <kbd>a</kbd> assign to me`}
      ${' · '}<kbd>Enter</kbd> open · <kbd>/</kbd> search · <kbd>n</kbd> new ticket · <kbd>1</kbd>–<kbd>${views.length}</kbd> views
    </p>
    ${adding && html`<${NewTicketDialog} user=${user} clientId=${filters.client_id} onClose=${() => setAdding(false)}
      onCreated=${(t) => {
        setAdding(false);
        notify.ok(`Ticket #${t.id} opened.`);
        location.hash = ticketHref(t.id);
      }} />`}
  </section>`;
}

/** The staff's bulk changes for the selected rows; each select applies its choice at once. */
function BulkBar({ selected, busy, technicians, user, onAssign, onStatus, onPriority, onClear }) {
  const n = selected.size;
  const pick = (fn) => (e) => { const v = e.target.value; e.target.value = ''; if (v) fn(v); };
  return html`<div class=${n ? 'bulk-bar bulk-bar-on' : 'bulk-bar'} id="bulk-bar" data-selected=${n}>
    <span class="bulk-count" id="bulk-count">${n ? `${n} selected` : 'Select tickets (x) to change several at once'}</span>
    <button type="button" class="btn btn-sm" id="bulk-assign-me" disabled=${!n || busy} onClick=${() => onAssign('me')}
        title="Assign the selected tickets to you (a)">
      ${busy ? html`<${Spinner} />` : html`<${Icon} name="account" />`}Assign to me
    </button>
    <select id="bulk-assign" class="input input-sm input-auto" aria-label="Assign the selected tickets to" disabled=${!n || busy}
        value="" onChange=${pick(onAssign)}>
      <option value="">Assign to…</option>
      <option value="none">Nobody (unassign)</option>
      ${technicians.filter((t) => t.id !== user.id).map((t) => html`<option key=${t.id} value=${String(t.id)}>${personName(t)}</option>`)}
    </select>
    <select id="bulk-status" class="input input-sm input-auto" aria-label="Set the status of the selected tickets" disabled=${!n || busy}
        value="" onChange=${pick(onStatus)}>
      <option value="">Set status…</option>
      ${STATUSES.filter(([s]) => s !== 'new').map(([s, label]) => html`<option key=${s} value=${s}>${label}</option>`)}
    </select>
    <select id="bulk-priority" class="input input-sm input-auto" aria-label="Set the priority of the selected tickets" disabled=${!n || busy}
        value="" onChange=${pick(onPriority)}>
      <option value="">Set priority…</option>
      ${PRIORITIES.map(([p, label]) => html`<option key=${p} value=${p}>${label}</option>`)}
    </select>
    ${n > 0 && html`<button type="button" class="btn btn-sm btn-ghost" id="bulk-clear" onClick=${onClear}>Clear selection</button>`}
  </div>`;
}

// ---------- a new ticket ----------

const NEW_FIELDS = ['client_id', 'contact_id', 'subject', 'priority', 'category', 'description', 'queue_id', 'assignee_id', 'device_ids'];

/**
 * Opens a ticket. Staff pick the client (and optionally its contact, a queue and an assignee;
 * left empty, routing decides); a client contact opens one for their own company. Devices of the
 * client can be linked. `onCreated(ticket)` gets the new ticket.
 */
export function NewTicketDialog({ user, clientId = '', onClose, onCreated }) {
  const staff = isStaff(user);
  const clients = useClientOptions();
  const [form, setForm] = useState({
    client_id: staff ? String(clientId || '') : '', contact_id: '', subject: '', priority: 'P3', category: '',
    description: '', queue_id: '', assignee_id: '', device_ids: [],
  });
  const save = useForm({ fields: NEW_FIELDS });
  const { errors, setErrors, invalid: inv } = save;
  const set = (k) => (e) => {
    const v = e.target.value;
    setForm((f) => ({ ...f, [k]: v }));
    setErrors((x) => (x[k] ? { ...x, [k]: '' } : x));
  };
  const technicians = useTechnicians(staff);
  const queues = useQueues(staff);
  const contacts = useContacts(staff ? form.client_id : '');
  const devicesPath = staff ? (form.client_id ? withQuery('/api/v1/devices', { client_id: form.client_id, limit: 500 }) : null)
    : withQuery('/api/v1/devices', { limit: 500 });
  const [devices, setDevices] = useState({ items: [], loading: false });
  useEffect(() => {
    if (!devicesPath) { setDevices({ items: [], loading: false }); return undefined; }
    let alive = true;
    setDevices({ items: [], loading: true });
    api.get(devicesPath)
      .then((d) => alive && setDevices({ items: d.items, loading: false }))
      .catch(() => alive && setDevices({ items: [], loading: false }));
    return () => { alive = false; };
  }, [devicesPath]);
  // A new client: its contacts and devices are others.
  useEffect(() => { setForm((f) => ({ ...f, contact_id: '', device_ids: [] })); }, [form.client_id]);

  const toggleDevice = (id) => setForm((f) => ({
    ...f, device_ids: f.device_ids.includes(id) ? f.device_ids.filter((d) => d !== id) : [...f.device_ids, id],
  }));

  const submit = save.onSubmit({
    check: () => {
      const found = {};
      if (staff && !form.client_id) found.client_id = 'Pick the client the ticket is for.';
      if (!form.subject.trim()) found.subject = 'Say in a line what is wrong.';
      return found;
    },
    send: async () => {
      const body = { subject: form.subject.trim(), priority: form.priority };
      if (staff) body.client_id = Number(form.client_id);
      if (form.description.trim()) body.description = form.description;
      if (form.category.trim()) body.category = form.category.trim();
      if (form.device_ids.length) body.device_ids = form.device_ids;
      if (staff && form.contact_id) body.contact_id = Number(form.contact_id);
      if (staff && form.queue_id) body.queue_id = Number(form.queue_id);
      if (staff && form.assignee_id) body.assignee_id = form.assignee_id === 'me' ? user.id : Number(form.assignee_id);
      const t = await api.post('/api/v1/tickets', body);
      forgetOptions();
      onCreated(t);
    },
  });
  return html`<${Dialog} id="ticket-dialog" title="New ticket" onClose=${onClose} wide>
    <form class="dialog-form" onSubmit=${submit} novalidate>
      <div class="dialog-body">
        ${staff && html`<div class="form-grid">
          <${Field} label="Client" id="nt-client" error=${errors.client_id}>
            <select id="nt-client" class="input" value=${form.client_id} aria-invalid=${inv('client_id')}
                disabled=${clients.loading} onChange=${set('client_id')} autofocus=${!form.client_id}>
              <option value="">${clients.loading ? 'Loading…' : 'Pick a client'}</option>
              ${clients.items.map((c) => html`<option key=${c.id} value=${String(c.id)}>${c.name}</option>`)}
            </select>
          <//>
          <${Field} label="Contact" id="nt-contact" optional error=${errors.contact_id}
              hint=${contacts.error ? 'Contacts could not be read; you can set one later.' : 'The person who asked, if anyone.'}>
            <select id="nt-contact" class="input" value=${form.contact_id} disabled=${!form.client_id || contacts.loading || !!contacts.error}
                onChange=${set('contact_id')}>
              <option value="">${form.client_id ? (contacts.items.length ? 'Nobody in particular' : 'No contacts for this client') : 'Pick a client first'}</option>
              ${contacts.items.map((c) => html`<option key=${c.id} value=${String(c.id)}>${c.name}${c.email ? ` (${c.email})` : ''}</option>`)}
            </select>
          <//>
        </div>`}
        <${Field} label="Subject" id="nt-subject" error=${errors.subject}>
          <input id="nt-subject" class="input" maxlength="300" value=${form.subject} aria-invalid=${inv('subject')}
            autofocus=${!staff || !!form.client_id} placeholder="e.g. Outlook asks for the password again and again" onInput=${set('subject')} />
        <//>
        <div class="form-grid">
          <${Field} label="Priority" id="nt-priority" error=${errors.priority}
              hint="P1 is for a whole business that cannot work.">
            <select id="nt-priority" class="input" value=${form.priority} onChange=${set('priority')}>
              ${PRIORITIES.map(([p, label]) => html`<option key=${p} value=${p}>${label}</option>`)}
            </select>
          <//>
          <${Field} label="Category" id="nt-category" optional error=${errors.category}>
            <input id="nt-category" class="input" maxlength="100" value=${form.category} list="nt-categories"
              placeholder="e.g. E-mail, Hardware, Network" onInput=${set('category')} />
            <datalist id="nt-categories">
              ${['Hardware', 'Software', 'Network', 'E-mail', 'Printing', 'Accounts', 'Security', 'Backup'].map((c) => html`<option key=${c} value=${c} />`)}
            </datalist>
          <//>
        </div>
        <${Field} label="Description" id="nt-description" optional error=${errors.description}>
          <textarea id="nt-description" class="input" rows="4" value=${form.description} onInput=${set('description')}
            placeholder="What happens, since when, who is affected, what was tried"></textarea>
        <//>
        ${staff && html`<div class="form-grid">
          <${Field} label="Queue" id="nt-queue" optional error=${errors.queue_id}>
            <select id="nt-queue" class="input" value=${form.queue_id} onChange=${set('queue_id')} disabled=${!queues.items.length}>
              <option value="">${queues.items.length ? 'Let routing decide' : 'No queues set up'}</option>
              ${queues.items.map((x) => html`<option key=${x.id} value=${String(x.id)}>${x.name}</option>`)}
            </select>
          <//>
          <${Field} label="Assignee" id="nt-assignee" optional error=${errors.assignee_id}>
            <select id="nt-assignee" class="input" value=${form.assignee_id} onChange=${set('assignee_id')}>
              <option value="">Let routing decide</option>
              <option value="me">Me</option>
              ${technicians.items.filter((t) => t.id !== user.id).map((t) => html`<option key=${t.id} value=${String(t.id)}>${personName(t)}</option>`)}
            </select>
          <//>
        </div>`}
        ${(staff || devices.loading || devices.items.length > 0) && html`<div class=${errors.device_ids ? 'field field-invalid' : 'field'}>
          <span class="field-label" id="nt-devices-label">Devices <span class="optional">optional</span></span>
          ${!devicesPath ? html`<p class="field-hint">Pick a client to link its devices.</p>`
            : devices.loading ? html`<p class="field-hint"><${Spinner} /> Loading devices…</p>`
            : devices.items.length === 0 ? html`<p class="field-hint">No devices enrolled for this client.</p>`
            : html`<div class="device-picker" id="nt-devices" role="group" aria-labelledby="nt-devices-label">
                ${devices.items.map((d) => html`<label key=${d.id} class="check">
                  <input type="checkbox" data-device-id=${d.id} checked=${form.device_ids.includes(d.id)} onChange=${() => toggleDevice(d.id)} />
                  <span>${d.hostname}</span>${d.online === false && html`<span class="muted"> · offline</span>`}
                </label>`)}
              </div>`}
          ${errors.device_ids && html`<p class="field-error" role="alert">${errors.device_ids}</p>`}
        </div>`}
        <${FormError} id="ticket-error" message=${errors.form} />
      </div>
      <div class="dialog-foot">
        <button type="button" class="btn" onClick=${onClose}>Cancel</button>
        <${SubmitButton} id="ticket-submit" busy=${save.busy} label="Open ticket" busyLabel="Opening…" />
      </div>
    </form>
  <//>`;
}
