// Owns: the Maintenance page (#/maintenance, #/maintenance?client_id=3): the maintenance windows
// with where each applies, its schedule in words ("Sundays 23:00–02:00 Europe/Berlin"), whether it
// is on now and when it runs next; for staff the client filter, the add / edit dialog (scope
// picker, one-off / weekly / cron schedule, time zone defaulting to the site's, else the
// client's, else UTC) with the server's field errors next to their fields, and delete with a
// confirmation. Client contacts see their own client's windows, read-only.
import { html, useState, useEffect, useMemo } from '../html.js';
import { api, path, withQuery } from '../api.js';
import { useList, useTitle, useClientOptions, useUrlFilters } from '../hooks.js';
import { usePageShortcut } from '../shortcuts.js';
import { Icon } from '../components/icons.js';
import { Dialog, ConfirmDialog } from '../components/dialog.js';
import { DataTable, LoadMore } from '../components/table.js';
import { Field, Time, Empty, LoadError, PageHead, SubmitButton, Spinner } from '../components/ui.js';
import { notify } from '../components/toast.js';
import { ClientFilter } from '../components/client-filter.js';
import { useForm, FormError } from '../components/form.js';
import { plural, zoneLabel, exactTime, duration } from '../format.js';
import { timeZones } from './client.js';

const isStaff = (user) => user.role === 'admin' || user.role === 'technician';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const DAY_SHORT = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };
const DAY_PLURAL = {
  mon: 'Mondays', tue: 'Tuesdays', wed: 'Wednesdays', thu: 'Thursdays', fri: 'Fridays', sat: 'Saturdays', sun: 'Sundays',
};
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const SCOPES = [
  ['global', 'All devices'], ['client', 'A client'], ['site', 'A site'], ['device', 'A device'], ['tag', 'A tag'],
];
const KINDS = [['once', 'One-off'], ['weekly', 'Weekly'], ['cron', 'Cron']];

/** "Mondays and Wednesdays", "Weekdays", "Every day". */
function daysInWords(days) {
  const set = DAYS.filter((d) => days.includes(d));
  if (set.length === 7) return 'Every day';
  if (set.join() === 'mon,tue,wed,thu,fri') return 'Weekdays';
  if (set.join() === 'sat,sun') return 'Weekends';
  const names = set.map((d) => DAY_PLURAL[d]);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : names[0] || 'No days';
}

const pad = (n) => String(n).padStart(2, '0');

/** "22:00" plus `minutes`, on the wall clock: "01:00". */
function clockPlus(start, minutes) {
  const [h, m] = start.split(':').map(Number);
  const total = (((h * 60 + m + minutes) % 1440) + 1440) % 1440;
  return `${pad(Math.floor(total / 60))}:${pad(total % 60)}`;
}

/** A local date-time "2026-12-01T22:00" as "1 Dec 2026 22:00" (no zone conversion: it is local already). */
function localInWords(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(text || '');
  if (!m) return text || '';
  return `${Number(m[3])} ${MONTHS[Number(m[2]) - 1] || m[2]} ${m[1]} ${m[4]}:${m[5]}`;
}

/** A schedule in words, e.g. "Sundays 23:00–02:00 Europe/Berlin". */
export function scheduleInWords(schedule, zone) {
  const tz = zoneLabel(zone || 'UTC');
  if (!schedule) return '';
  if (schedule.kind === 'once') {
    const from = localInWords(schedule.starts);
    const to = localInWords(schedule.ends);
    const sameDay = (schedule.starts || '').slice(0, 10) === (schedule.ends || '').slice(0, 10);
    return `Once, ${from}–${sameDay ? to.slice(-5) : to} ${tz}`;
  }
  const mins = Number(schedule.duration_minutes) || 0;
  if (schedule.kind === 'weekly') {
    const days = daysInWords(schedule.days || []);
    const start = schedule.start || '';
    if (mins > 0 && mins < 1440 && /^\d{2}:\d{2}$/.test(start)) return `${days} ${start}–${clockPlus(start, mins)} ${tz}`;
    return `${days} from ${start} for ${duration(mins * 60)} ${tz}`;
  }
  if (schedule.kind === 'cron') return `Cron “${schedule.expression}” for ${duration(mins * 60)} ${tz}`;
  return '';
}

const tidyFilters = (f) => ({ client_id: /^\d+$/.test(f.client_id) ? f.client_id : '' });

export function MaintenancePage({ user, query }) {
  useTitle('Maintenance');
  const staff = isStaff(user);
  const { filters, setFilters } = useUrlFilters('#/maintenance', query, { keys: ['client_id'], tidy: tidyFilters });
  const clientId = staff ? filters.client_id : '';
  const list = useList('/api/v1/maintenance-windows', { client_id: clientId });
  const [dialog, setDialog] = useState(null); // {kind: 'add'} | {kind: 'edit', window} | {kind: 'delete', window}
  usePageShortcut('n', () => staff && setDialog({ kind: 'add' }));

  const setClient = (id) => setFilters({ client_id: id });
  const close = () => setDialog(null);
  const remove = async (w) => {
    await api.del(path`/api/v1/maintenance-windows/${w.id}`);
    notify.ok(`Maintenance window “${w.name}” deleted.`);
    list.reload();
  };

  const columns = [
    {
      key: 'name', label: 'Name', sort: (w) => w.name,
      render: (w) => html`<span class="strong">${w.name}</span>${!w.enabled && html` <span class="badge badge-off" data-status="disabled">Disabled</span>`}`,
    },
    { key: 'scope', label: 'Applies to', sort: (w) => scopeSortKey(w), render: (w) => html`<${ScopeCell} w=${w} />` },
    { key: 'schedule', label: 'Schedule', class: 'cell-clip', render: (w) => html`<span data-schedule>${scheduleInWords(w.schedule, w.timezone)}</span>` },
    {
      key: 'next', label: 'Now / next', width: '210', sort: (w) => (w.active ? '' : w.next ? w.next.starts : '~'),
      render: (w) => html`<${NextCell} w=${w} />`,
    },
  ];
  if (staff) {
    columns.push({
      key: 'actions', label: html`<span class="sr-only">Actions</span>`, width: '170', class: 'actions',
      render: (w) => html`<div class="row-actions">
        <button type="button" class="btn btn-sm btn-ghost" data-action="edit-window" aria-label=${`Edit ${w.name}`}
          onClick=${() => setDialog({ kind: 'edit', window: w })}><${Icon} name="edit" /><span class="btn-label">Edit</span></button>
        <button type="button" class="btn btn-sm btn-danger-ghost" data-action="delete-window" aria-label=${`Delete ${w.name}`}
          onClick=${() => setDialog({ kind: 'delete', window: w })}><${Icon} name="trash" /><span class="btn-label">Delete</span></button>
      </div>`,
    });
  }

  const count = list.items.length;
  const activeCount = list.items.filter((w) => w.active).length;
  const sub = list.loading && !count ? 'Loading…'
    : `${plural(count, 'window')}${list.next ? ' shown (more below)' : ''}${activeCount ? ` · ${activeCount} active now` : ''}`;
  const empty = html`<${Empty} icon="clock" title=${clientId ? 'This client has no maintenance windows.' : 'No maintenance windows yet.'}>
    ${staff ? 'While a window is on, the devices it covers raise no new alerts. Add one with “Add window” or press n.'
      : 'Your provider schedules maintenance here; while a window is on, your devices raise no new alerts.'}
  <//>`;
  return html`<section class="page">
    <${PageHead} title="Maintenance windows" sub=${sub}>
      ${staff && html`<button type="button" class="btn btn-primary" id="add-window" title="Add window (n)"
          onClick=${() => setDialog({ kind: 'add' })}><${Icon} name="plus" />Add window</button>`}
    <//>
    ${staff && html`<div class="toolbar" id="window-filters"><${ClientFilter} id="window-filter-client" value=${clientId} onChange=${setClient} /></div>`}
    ${list.error && html`<${LoadError} message=${list.error} onRetry=${list.reload} />`}
    <${DataTable} id="windows-table" label="Maintenance windows" columns=${columns} rows=${list.items} loading=${list.loading}
      empty=${empty} rowAttrs=${(w) => ({ 'data-window-id': w.id, 'data-active': w.active ? 'true' : 'false', class: w.enabled ? '' : 'row-muted' })} />
    <${LoadMore} list=${list} />
    ${dialog && (dialog.kind === 'add' || dialog.kind === 'edit') && html`<${WindowDialog}
      window=${dialog.kind === 'edit' ? dialog.window : null} defaultClientId=${clientId} onClose=${close}
      onSaved=${(w, isNew) => { close(); notify.ok(isNew ? `Maintenance window “${w.name}” added.` : `Maintenance window “${w.name}” saved.`); list.reload(); }} />`}
    ${dialog && dialog.kind === 'delete' && html`<${ConfirmDialog} title=${`Delete “${dialog.window.name}”?`}
      message="The devices it covers raise alerts again during its times. This cannot be undone."
      confirmLabel="Delete window" onClose=${close} onConfirm=${() => remove(dialog.window)} />`}
  </section>`;
}

function scopeSortKey(w) {
  return `${w.scope}:${w.client || ''}:${w.site || w.device || w.tag || ''}`;
}

function ScopeCell({ w }) {
  const clientLink = w.client_id != null
    ? html`<a href=${`#/clients/${encodeURIComponent(w.client_id)}`}>${w.client || `Client ${w.client_id}`}</a>` : null;
  switch (w.scope) {
    case 'global': return html`<span data-scope="global">All devices</span>`;
    case 'client': return html`<span data-scope="client">Client ${clientLink}</span>`;
    case 'site': return html`<span data-scope="site">Site ${w.site || `#${w.site_id}`}${clientLink && html` <span class="muted">(${clientLink})</span>`}</span>`;
    case 'device': return html`<span data-scope="device">Device <a href=${`#/devices/${encodeURIComponent(w.device_id)}`}>${w.device || `#${w.device_id}`}</a>${
      clientLink && html` <span class="muted">(${clientLink})</span>`}</span>`;
    case 'tag': return html`<span data-scope="tag">Devices tagged <span class="chip">${w.tag}</span></span>`;
    default: return html`<span>${w.scope}</span>`;
  }
}

function NextCell({ w }) {
  if (!w.enabled) return html`<span class="muted">Off</span>`;
  if (w.active) {
    return html`<span class="badge badge-on" data-status="active">Active now</span>${w.next && html` <span class="muted">ends <${Time} value=${w.next.ends} /></span>`}`;
  }
  if (!w.next) return html`<span class="muted">Nothing to come</span>`;
  return html`<span title=${`${exactTime(w.next.starts)} – ${exactTime(w.next.ends)}`}>Next <${Time} value=${w.next.starts} /></span>`;
}

/** One client with its sites and time zone, and its devices, for the scope picker. */
function useClientParts(clientId) {
  const [state, setState] = useState({ loading: false, client: null, devices: [] });
  useEffect(() => {
    if (!clientId) { setState({ loading: false, client: null, devices: [] }); return undefined; }
    let alive = true;
    setState((s) => ({ ...s, loading: true }));
    Promise.all([
      api.get(path`/api/v1/clients/${clientId}`),
      api.get(withQuery('/api/v1/devices', { client_id: clientId, limit: 500 })).then((d) => d.items).catch(() => []),
    ]).then(([client, devices]) => alive && setState({ loading: false, client, devices }))
      .catch(() => alive && setState({ loading: false, client: null, devices: [] }));
    return () => { alive = false; };
  }, [clientId]);
  return state;
}

/** The tags in use, for suggestions. */
function useTags() {
  const [tags, setTags] = useState([]);
  useEffect(() => {
    let alive = true;
    api.get('/api/v1/tags').then((d) => alive && setTags(d.items || [])).catch(() => {});
    return () => { alive = false; };
  }, []);
  return tags;
}

/** "YYYY-MM-DDTHH:MM" of the browser's clock, `hours` from now, on the hour. */
function localInput(hours) {
  const d = new Date(Date.now() + hours * 3600e3);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:00`;
}

const FIELDS = ['name', 'scope', 'client_id', 'site_id', 'device_id', 'tag', 'schedule', 'schedule.starts', 'schedule.ends',
  'schedule.days', 'schedule.start', 'schedule.duration_minutes', 'schedule.expression', 'timezone', 'enabled'];

function WindowDialog({ window: w, defaultClientId, onClose, onSaved }) {
  const zones = useMemo(timeZones, []);
  const clients = useClientOptions();
  const tags = useTags();
  const s = (w && w.schedule) || {};
  const [name, setName] = useState(w ? w.name : '');
  const [scope, setScope] = useState(w ? w.scope : defaultClientId ? 'client' : 'global');
  const [clientId, setClientId] = useState(w && w.client_id != null ? String(w.client_id) : defaultClientId || '');
  const [siteId, setSiteId] = useState(w && w.site_id != null ? String(w.site_id) : '');
  const [deviceId, setDeviceId] = useState(w && w.device_id != null ? String(w.device_id) : '');
  const [tag, setTag] = useState(w && w.tag ? w.tag : '');
  const [kind, setKind] = useState(s.kind || 'weekly');
  const [starts, setStarts] = useState(s.starts || localInput(1));
  const [ends, setEnds] = useState(s.ends || localInput(3));
  const [days, setDays] = useState(s.days || ['sun']);
  const [start, setStart] = useState(s.start || '22:00');
  const [expression, setExpression] = useState(s.expression || '0 22 * * 1-5');
  const initialMinutes = s.duration_minutes || 180;
  const [hours, setHours] = useState(String(Math.floor(initialMinutes / 60)));
  const [minutes, setMinutes] = useState(String(initialMinutes % 60));
  const [zone, setZone] = useState(w ? w.timezone : '');
  const [zoneTouched, setZoneTouched] = useState(!!w);
  const [enabled, setEnabled] = useState(w ? w.enabled : true);
  const save = useForm({ fields: FIELDS });
  const { errors, setErrors } = save;

  const needsClient = scope === 'client' || scope === 'site' || scope === 'device';
  const parts = useClientParts(needsClient ? clientId : '');
  const sites = (parts.client && parts.client.sites) || [];

  // Until the person picks a zone, a new window follows its scope: the site's zone (a device's
  // own site), else the client's, else UTC; the server applies the same rule when none is sent.
  const defaultZone = (() => {
    const site = (id) => sites.find((x) => String(x.id) === String(id));
    const clientZone = (parts.client && parts.client.timezone) || 'UTC';
    if (scope === 'site') return (site(siteId) || {}).timezone || clientZone;
    if (scope === 'device') {
      const dev = parts.devices.find((d) => String(d.id) === deviceId);
      return (dev && dev.site_id != null && (site(dev.site_id) || {}).timezone) || clientZone;
    }
    if (scope === 'client') return clientZone;
    return 'UTC';
  })();
  const shownZone = zoneTouched ? zone : defaultZone;
  const durationMinutes = (Number(hours) || 0) * 60 + (Number(minutes) || 0);

  const schedule = kind === 'once' ? { kind, starts, ends }
    : kind === 'weekly' ? { kind, days: DAYS.filter((d) => days.includes(d)), start, duration_minutes: durationMinutes }
      : { kind, expression: expression.trim(), duration_minutes: durationMinutes };

  const toggleDay = (d) => setDays((ds) => (ds.includes(d) ? ds.filter((x) => x !== d) : [...ds, d]));

  const submit = save.onSubmit({
    check: () => {
      const errs = {};
      if (!name.trim()) errs.name = 'Enter a name, e.g. “Patch night”.';
      if (needsClient && !clientId) errs.client_id = 'Choose the client.';
      else if (scope === 'site' && !siteId) errs.site_id = 'Choose the site.';
      else if (scope === 'device' && !deviceId) errs.device_id = 'Choose the device.';
      if (scope === 'tag' && !tag.trim()) errs.tag = 'Enter the tag, e.g. “server”.';
      return errs;
    },
    send: async () => {
      const body = { name: name.trim(), scope, schedule, enabled };
      if (scope === 'client') body.client_id = Number(clientId);
      if (scope === 'site') body.site_id = Number(siteId);
      if (scope === 'device') body.device_id = Number(deviceId);
      if (scope === 'tag') body.tag = tag.trim();
      if (zoneTouched && (!w || zone !== w.timezone)) body.timezone = zone;
      const saved = w ? await api.patch(path`/api/v1/maintenance-windows/${w.id}`, body)
        : await api.post('/api/v1/maintenance-windows', body);
      onSaved(saved, !w);
    },
  });

  const select = (id, value, onChange, options, placeholder, error, loading) => (loading
    ? html`<div class="input input-loading"><${Spinner} /> Loading…</div>`
    : html`<select id=${id} class="input" value=${value} aria-invalid=${error ? 'true' : 'false'} onChange=${(e) => onChange(e.target.value)}>
        <option value="">${placeholder}</option>
        ${options.map(([v, label]) => html`<option key=${v} value=${String(v)}>${label}</option>`)}
      </select>`);

  return html`<${Dialog} id="window-dialog" title=${w ? 'Edit maintenance window' : 'Add maintenance window'} onClose=${onClose} wide>
    <form class="dialog-form" onSubmit=${submit} novalidate>
      <div class="dialog-body">
        <${Field} label="Name" id="mw-name" error=${errors.name}>
          <input id="mw-name" class="input" autofocus maxlength="200" value=${name} placeholder="Patch night"
            aria-invalid=${errors.name ? 'true' : 'false'} onInput=${(e) => setName(e.target.value)} />
        <//>
        <${Field} label="Applies to" id="mw-scope" error=${errors.scope}>
          <select id="mw-scope" class="input" value=${scope} onChange=${(e) => { setScope(e.target.value); setErrors({}); }}>
            ${SCOPES.map(([v, label]) => html`<option key=${v} value=${v}>${label}</option>`)}
          </select>
        <//>
        ${needsClient && html`
          <${Field} label="Client" id="mw-client" error=${errors.client_id || clients.error}>
            ${select('mw-client', clientId, (v) => { setClientId(v); setSiteId(''); setDeviceId(''); },
              clients.items.map((c) => [c.id, c.name]), 'Choose a client…', errors.client_id, clients.loading)}
          <//>
          ${scope === 'site' && html`<${Field} label="Site" id="mw-site" error=${errors.site_id}>
            ${select('mw-site', siteId, setSiteId, sites.map((x) => [x.id, x.name]),
              clientId && !parts.loading && !sites.length ? 'This client has no sites' : 'Choose a site…', errors.site_id, parts.loading)}
          <//>`}
          ${scope === 'device' && html`<${Field} label="Device" id="mw-device" error=${errors.device_id}>
            ${select('mw-device', deviceId, setDeviceId, parts.devices.map((d) => [d.id, d.hostname]),
              clientId && !parts.loading && !parts.devices.length ? 'This client has no devices' : 'Choose a device…', errors.device_id, parts.loading)}
          <//>`}`}
        ${scope === 'tag' && html`<${Field} label="Tag" id="mw-tag" error=${errors.tag} hint="Every device with this tag, at any client.">
          <input id="mw-tag" class="input" list="mw-tag-list" maxlength="40" value=${tag} placeholder="server"
            aria-invalid=${errors.tag ? 'true' : 'false'} onInput=${(e) => setTag(e.target.value)} />
          <datalist id="mw-tag-list">${tags.map((t) => html`<option key=${t.tag} value=${t.tag} />`)}</datalist>
        <//>`}

        <${Field} label="Schedule" id="mw-kind" error=${errors.schedule}>
          <div class="segmented" role="group" aria-label="Schedule kind" id="mw-kind">
            ${KINDS.map(([v, label]) => html`<button key=${v} type="button" id=${`mw-kind-${v}`} class=${kind === v ? 'seg active' : 'seg'}
                aria-pressed=${kind === v ? 'true' : 'false'} onClick=${() => setKind(v)}>${label}</button>`)}
          </div>
        <//>
        ${kind === 'once' && html`
          <${Field} label="Starts" id="mw-starts" error=${errors['schedule.starts']}>
            <input id="mw-starts" type="datetime-local" class="input" value=${starts} onInput=${(e) => setStarts(e.target.value)} />
          <//>
          <${Field} label="Ends" id="mw-ends" error=${errors['schedule.ends']}>
            <input id="mw-ends" type="datetime-local" class="input" value=${ends} onInput=${(e) => setEnds(e.target.value)} />
          <//>`}
        ${kind === 'weekly' && html`<${Field} label="Days" id="mw-days" error=${errors['schedule.days']}>
          <div class="segmented" role="group" aria-label="Days" id="mw-days">
            ${DAYS.map((d) => html`<button key=${d} type="button" data-day=${d} class=${days.includes(d) ? 'seg active' : 'seg'}
                aria-pressed=${days.includes(d) ? 'true' : 'false'} onClick=${() => toggleDay(d)}>${DAY_SHORT[d]}</button>`)}
          </div>
        <//>`}
        ${kind === 'cron' && html`<${Field} label="Cron expression" id="mw-expression" error=${errors['schedule.expression']}
            hint="Five fields: minute hour day-of-month month day-of-week. “0 22 * * 1-5” is 22:00 on weekdays.">
          <input id="mw-expression" class="input mono-ish" value=${expression} autocomplete="off" spellcheck="false"
            aria-invalid=${errors['schedule.expression'] ? 'true' : 'false'} onInput=${(e) => setExpression(e.target.value)} />
        <//>`}
        ${kind === 'weekly' && html`<${Field} label="Starts at" id="mw-start" error=${errors['schedule.start']}>
          <input id="mw-start" type="time" class="input input-auto" value=${start} onInput=${(e) => setStart(e.target.value)} />
        <//>`}
        ${kind !== 'once' && html`
          <${Field} label="Lasts" id="mw-duration" error=${errors['schedule.duration_minutes']} hint="Up to 7 days; it may run past midnight.">
            <div class="input-group">
              <input id="mw-duration" type="number" class="input input-auto" min="0" max="168" value=${hours} aria-label="Hours"
                onInput=${(e) => setHours(e.target.value)} /><span class="muted">h</span>
              <input id="mw-duration-minutes" type="number" class="input input-auto" min="0" max="59" step="5" value=${minutes} aria-label="Minutes"
                onInput=${(e) => setMinutes(e.target.value)} /><span class="muted">min</span>
            </div>
          <//>`}
        <${Field} label="Time zone" id="mw-timezone" error=${errors.timezone}
            hint=${zoneTouched ? 'The schedule’s times are read on this zone’s clocks.' : 'Follows the site’s time zone, else the client’s, else UTC, until you pick one.'}>
          <select id="mw-timezone" class="input" value=${shownZone}
              onChange=${(e) => { setZone(e.target.value); setZoneTouched(true); }}>
            ${!zones.includes(shownZone) && html`<option value=${shownZone}>${zoneLabel(shownZone)}</option>`}
            ${zones.map((z) => html`<option key=${z} value=${z}>${zoneLabel(z)}</option>`)}
          </select>
        <//>
        <label class="check"><input type="checkbox" id="mw-enabled" checked=${enabled}
          onChange=${(e) => setEnabled(e.target.checked)} /> Enabled</label>
        <p class="field-hint" id="mw-preview" aria-live="polite">${scheduleInWords(schedule, shownZone)}</p>
        <${FormError} id="window-error" message=${errors.form} />
      </div>
      <div class="dialog-foot">
        <button type="button" class="btn" onClick=${onClose}>Cancel</button>
        <${SubmitButton} id="window-submit" busy=${save.busy} label=${w ? 'Save window' : 'Add window'} busyLabel="Saving…" />
      </div>
    </form>
  <//>`;
}
