// Owns: the alert rules page (#/rules, staff; admins edit, technicians read): the rules sorted by
// kind with where each applies, its levels in words ("warning > 90 %, critical > 95 %, clear
// < 88 %, for 10m"), the enabled switch and its open alerts; the editor, whose form follows the
// condition's kind (metric from the catalog, levels, severity, days, process or service name),
// with the scope picker, the hold / clear hold / re-notify times, the server's field errors next
// to their fields, and a live preview of which devices the draft would apply to and which would
// alert now; and delete with a confirmation.
import { html, useState, useEffect, useRef, useMemo } from '../html.js';
import { api, path, withQuery } from '../api.js';
import { useList, useDebounced, useTitle, useClientOptions } from '../hooks.js';
import { useLiveRefresh } from '../live.js';
import { usePageShortcut } from '../shortcuts.js';
import { Icon } from '../components/icons.js';
import { Dialog, ConfirmDialog } from '../components/dialog.js';
import { DataTable, LoadMore } from '../components/table.js';
import { Field, Empty, LoadError, PageHead, SubmitButton, Spinner, SearchBox } from '../components/ui.js';
import { notify } from '../components/toast.js';
import { useForm, FormError } from '../components/form.js';
import { plural, num } from '../format.js';
import { SeverityBadge } from './alerts.js';

// ---------- rules in words ----------

const KINDS = [
  ['threshold', 'Threshold'],
  ['offline', 'Device offline'],
  ['disk_forecast', 'Disk full forecast'],
  ['smart', 'Disk health (SMART)'],
  ['security_updates', 'Security updates pending'],
  ['process', 'Process not running'],
  ['service', 'Service not active'],
  ['spool_dropped', 'Agent lost reports'],
];
const KIND_LABELS = Object.fromEntries(KINDS);
const KIND_ORDER = Object.fromEntries(KINDS.map(([k], i) => [k, i]));
const WITH_SEVERITY = ['offline', 'process', 'service', 'spool_dropped'];
/** Kinds the preview can judge from the latest report; the others are judged as devices report. */
const READS_METRICS = ['threshold', 'process', 'service'];

const METRIC_LABELS = {
  cpu_pct: 'CPU', mem_used_pct: 'Memory used', swap_used_pct: 'Swap used', load1: 'Load (1 min)', load5: 'Load (5 min)',
  load15: 'Load (15 min)', load_per_core: 'Load per core', disk_used_pct: 'Disk used', disk_used_bytes: 'Disk used (bytes)',
  disk_free_bytes: 'Disk free', net_rx_bps: 'Network received', net_tx_bps: 'Network sent', temp_c: 'Temperature',
};
const metricLabel = (m) => METRIC_LABELS[m] || m;
const capitalized = (t) => (t ? t[0].toUpperCase() + t.slice(1) : '');
const isBytes = (m) => m === 'disk_used_bytes' || m === 'disk_free_bytes';
const isRate = (m) => m === 'net_rx_bps' || m === 'net_tx_bps';

/** A unit for the level fields of a metric. */
function metricUnit(m) {
  if (!m) return '';
  if (m.endsWith('_pct')) return '%';
  if (isBytes(m)) return 'bytes';
  if (isRate(m)) return 'bytes/s';
  if (m === 'temp_c') return '°C';
  return '';
}

/** Bytes in decimal units, as the server's alert sentences write them: "12.3 GB". */
function decimalBytes(v, suffix = '') {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let x = v;
  let i = 0;
  while (Math.abs(x) >= 1000 && i < units.length - 1) { x /= 1000; i += 1; }
  return `${num(x, i === 0 ? 0 : 1)} ${units[i]}${suffix}`;
}

/** A level with its unit: "90 %", "10 GB", "1.5 MB/s", "80 °C", "2.5". */
export function levelText(metric, v) {
  if (metric.endsWith('_pct')) return `${num(v, 2)} %`;
  if (isBytes(metric)) return decimalBytes(v);
  if (isRate(metric)) return decimalBytes(v, '/s');
  if (metric === 'temp_c') return `${num(v, 1)} °C`;
  return num(v, 2);
}

const isSet = (v) => v !== undefined && v !== null && v !== '';
const sev = (s) => (s === 'critical' ? 'Critical' : 'Warning');
const none = (d) => !d || d === '0s';

/** The kind, for people: "Threshold · Disk used", "Service not active". */
export function kindText(condition) {
  if (condition.kind === 'threshold') return `Threshold · ${metricLabel(condition.metric)}`;
  return KIND_LABELS[condition.kind] || condition.kind;
}

/** When the rule fires, in words: "warning > 90 %, critical > 95 %, clear < 88 %, for 10m". */
export function levelsText(rule) {
  const c = rule.condition;
  const parts = [];
  switch (c.kind) {
    case 'threshold': {
      const [worse, better] = c.op === 'below' ? ['<', '>'] : ['>', '<'];
      if (isSet(c.warning)) parts.push(`warning ${worse} ${levelText(c.metric, c.warning)}`);
      if (isSet(c.critical)) parts.push(`critical ${worse} ${levelText(c.metric, c.critical)}`);
      if (isSet(c.clear)) parts.push(`clear ${better} ${levelText(c.metric, c.clear)}`);
      if (c.subject) parts[0] = `${c.subject}: ${parts[0]}`;
      break;
    }
    case 'offline': parts.push(`${sev(c.severity)} when a device stops checking in`); break;
    case 'disk_forecast':
      if (isSet(c.warning_days)) parts.push(`warning when full in < ${num(c.warning_days, 1)} days`);
      if (isSet(c.critical_days)) parts.push(`critical < ${num(c.critical_days, 1)} days`);
      parts.push(`trend over ${c.window_hours || 72} h`);
      break;
    case 'security_updates':
      if (isSet(c.warning_days)) parts.push(`warning after ${num(c.warning_days, 1)} days pending`);
      if (isSet(c.critical_days)) parts.push(`critical after ${num(c.critical_days, 1)} days`);
      break;
    case 'process': parts.push(`${sev(c.severity)} when process ${c.name} is not running`); break;
    case 'service': parts.push(`${sev(c.severity)} when service ${c.name} is not active`); break;
    case 'spool_dropped': parts.push(`${sev(c.severity)} when the agent’s spool drops reports`); break;
    case 'smart': parts.push('warning or critical from the disk’s SMART counters and verdict'); break;
    default: parts.push(c.kind);
  }
  if (!none(rule.hold)) parts.push(`for ${rule.hold}`);
  return parts.join(', ');
}

function timingText(rule) {
  const parts = [];
  if (!none(rule.clear_hold)) parts.push(`clears after ${rule.clear_hold}`);
  if (!none(rule.renotify)) parts.push(`reminds every ${rule.renotify}`);
  return parts.join(' · ');
}

// ---------- the list ----------

const isAdminUser = (user) => user.role === 'admin';

export function RulesPage({ user }) {
  useTitle('Rules');
  const admin = isAdminUser(user);
  const list = useList('/api/v1/rules', { limit: 500 });
  const catalog = useMetricCatalog();
  const [q, setQ] = useState('');
  const [kind, setKind] = useState('');
  const search = useRef(null);
  const [dialog, setDialog] = useState(null); // {kind: 'add'} | {kind: 'edit', rule} | {kind: 'delete', rule}
  const [toggling, setToggling] = useState(null);
  // Open-alert counts change as alerts open and resolve.
  useLiveRefresh((e) => e.type === 'alert_changed', () => list.refresh(), 3000);
  usePageShortcut('n', () => admin && setDialog({ kind: 'add' }));
  usePageShortcut('/', () => search.current && search.current.focus());

  const rows = useMemo(() => {
    const needle = q.trim().toLowerCase();
    return list.items
      .filter((r) => !kind || r.condition.kind === kind)
      .filter((r) => !needle || [r.name, r.scope_label, kindText(r.condition), levelsText(r)].some((t) => t.toLowerCase().includes(needle)))
      .sort((a, b) => (KIND_ORDER[a.condition.kind] ?? 99) - (KIND_ORDER[b.condition.kind] ?? 99)
        || kindText(a.condition).localeCompare(kindText(b.condition)) || a.name.localeCompare(b.name));
  }, [list.items, q, kind]);

  const toggle = async (r, enabled) => {
    setToggling(r.id);
    try {
      const saved = await api.patch(path`/api/v1/rules/${r.id}`, { enabled });
      list.replace(saved);
      notify.ok(`“${r.name}” ${enabled ? 'enabled' : 'disabled: its open alerts resolve'}.`);
    } catch (e) {
      notify.error(e.message);
    } finally {
      setToggling(null);
    }
  };
  const remove = async (r) => {
    await api.del(path`/api/v1/rules/${r.id}`);
    notify.ok(`Rule “${r.name}” deleted.`);
    list.reload();
  };
  const close = () => setDialog(null);

  const columns = [
    {
      key: 'enabled', label: html`<span class="sr-only">Enabled</span>`, width: '56', sort: (r) => (r.enabled ? 0 : 1),
      render: (r) => html`<input type="checkbox" class="switch" data-action="toggle-rule" checked=${r.enabled}
        disabled=${!admin || toggling === r.id} aria-label=${`${r.name}: ${r.enabled ? 'enabled' : 'disabled'}`}
        title=${admin ? (r.enabled ? 'Enabled: click to disable' : 'Disabled: click to enable') : (r.enabled ? 'Enabled' : 'Disabled')}
        onChange=${(e) => toggle(r, e.target.checked)} />`,
    },
    {
      key: 'name', label: 'Name', sort: (r) => r.name,
      render: (r) => html`<span class="strong">${r.name}</span>${r.builtin && html`<span class="tag" title="Shipped with Steward; edit it like any other rule">built-in</span>`}`,
    },
    { key: 'kind', label: 'Kind', sort: (r) => `${KIND_ORDER[r.condition.kind] ?? 99}:${kindText(r.condition)}`, render: (r) => kindText(r.condition) },
    { key: 'scope', label: 'Applies to', sort: (r) => r.scope_label, class: 'cell-clip-md', render: (r) => html`<span title=${r.scope_label}>${r.scope_label}</span>` },
    { key: 'levels', label: 'Fires when', render: (r) => html`<span class="levels">${levelsText(r)}</span>` },
    { key: 'timing', label: 'Timing', minor: true, render: (r) => timingText(r) || html`<span class="muted">—</span>` },
    {
      key: 'open', label: 'Open alerts', align: 'num', width: '100', sort: (r) => r.open_alerts,
      render: (r) => (r.open_alerts
        ? html`<a class="badge sev sev-critical" href=${`#/alerts?rule_id=${encodeURIComponent(r.id)}`}
            title="Show this rule's open alerts">${r.open_alerts}</a>`
        : html`<span class="muted tabular">0</span>`),
    },
    {
      key: 'actions', label: html`<span class="sr-only">Actions</span>`, width: admin ? '170' : '90', class: 'actions',
      render: (r) => html`<div class="row-actions">
        <button type="button" class="btn btn-sm btn-ghost" data-action=${admin ? 'edit-rule' : 'view-rule'} aria-label=${`${admin ? 'Edit' : 'View'} ${r.name}`}
          onClick=${() => setDialog({ kind: 'edit', rule: r })}><${Icon} name=${admin ? 'edit' : 'eye'} /><span class="btn-label">${admin ? 'Edit' : 'View'}</span></button>
        ${admin && html`<button type="button" class="btn btn-sm btn-danger-ghost" data-action="delete-rule" aria-label=${`Delete ${r.name}`}
          onClick=${() => setDialog({ kind: 'delete', rule: r })}><${Icon} name="trash" /><span class="btn-label">Delete</span></button>`}
      </div>`,
    },
  ];

  const count = list.items.length;
  const open = list.items.reduce((n, r) => n + (r.open_alerts || 0), 0);
  const sub = list.loading && !count ? 'Loading…'
    : `${plural(count, 'rule')}${open ? ` · ${plural(open, 'open alert')}` : ''}${admin ? '' : ' · only admins change rules'}`;
  const filtered = q.trim() || kind;
  const empty = filtered
    ? html`<${Empty} title="No rules match.">
        <button type="button" class="btn-link" onClick=${() => { setQ(''); setKind(''); }}>Clear the filters</button> to see every rule.
      <//>`
    : html`<${Empty} icon="activity" title="No rules.">Nothing is watched: no alerts will open. ${admin ? 'Add a rule with “Add rule” or press n.' : ''}<//>`;

  return html`<section class="page" id="rules-page">
    <${PageHead} title="Alert rules" sub=${sub}>
      <a class="btn btn-ghost" href="#/alerts"><${Icon} name="alert" />Alerts</a>
      ${admin && html`<button type="button" class="btn btn-primary" id="add-rule" title="Add rule (n)"
          onClick=${() => setDialog({ kind: 'add' })}><${Icon} name="plus" />Add rule</button>`}
    <//>
    <div class="toolbar toolbar-wrap" id="rule-filters">
      <${SearchBox} id="rule-search" inputRef=${search} value=${q} onChange=${setQ}
        placeholder="Search name, scope, levels" label="Search rules" />
      <select id="rule-filter-kind" class="input input-auto" aria-label="Kind" value=${kind} onChange=${(e) => setKind(e.target.value)}>
        <option value="">Every kind</option>
        ${KINDS.map(([k, label]) => html`<option key=${k} value=${k}>${label}</option>`)}
      </select>
    </div>
    ${list.error && html`<${LoadError} message=${list.error} onRetry=${list.reload} />`}
    <${DataTable} id="rules-table" label="Alert rules" wide columns=${columns} rows=${rows} loading=${list.loading} empty=${empty}
      rowAttrs=${(r) => ({ 'data-rule-id': r.id, 'data-kind': r.condition.kind, 'data-enabled': r.enabled ? 'true' : 'false', class: r.enabled ? '' : 'row-muted' })} />
    <${LoadMore} list=${list} />
    <p class="field-hint rules-note">The most specific rule of a kind wins on a device: device, then tag, then site, then client, then all devices;
      at the same level, the older rule.</p>
    ${dialog && dialog.kind !== 'delete' && html`<${RuleDialog} rule=${dialog.kind === 'edit' ? dialog.rule : null}
      readOnly=${!admin} catalog=${catalog} onClose=${close}
      onSaved=${(r, isNew) => { close(); notify.ok(isNew ? `Rule “${r.name}” added.` : `Rule “${r.name}” saved.`); list.reload(); }} />`}
    ${dialog && dialog.kind === 'delete' && html`<${ConfirmDialog} title=${`Delete “${dialog.rule.name}”?`}
      message=${`${dialog.rule.open_alerts
        ? `Its ${plural(dialog.rule.open_alerts, 'open alert')} will resolve at once.`
        : 'It has no open alerts; none will open from it again.'} Its devices fall back to a broader rule of the same kind, if there is one. This cannot be undone.`}
      confirmLabel="Delete rule" onClose=${close} onConfirm=${() => remove(dialog.rule)} />`}
  </section>`;
}

/** The metric catalog (GET /api/v1/metrics): [{metric, description}]. */
function useMetricCatalog() {
  const [items, setItems] = useState([]);
  useEffect(() => {
    let alive = true;
    api.get('/api/v1/metrics').then((d) => alive && setItems(d.items || [])).catch(() => {});
    return () => { alive = false; };
  }, []);
  return items;
}

// ---------- the editor ----------

const SCOPES = [['global', 'All devices'], ['client', 'A client'], ['site', 'A site'], ['device', 'A device'], ['tag', 'Devices with a tag']];
const str = (v) => (v === undefined || v === null ? '' : String(v));

function formFrom(rule) {
  if (!rule) {
    return {
      name: '', enabled: true, kind: 'threshold', metric: 'disk_used_pct', op: 'above', warning: '', critical: '', clear: '', subject: '',
      severity: 'warning', target: '', window_hours: '72', warning_days: '', critical_days: '',
      scope: 'global', client_id: '', site_id: '', device_id: '', tag: '', hold: '5m', clear_hold: '5m', renotify: '1d',
      tickets: 'default',
    };
  }
  const c = rule.condition;
  const s = rule.scope || { scope: 'global' };
  return {
    name: rule.name, enabled: rule.enabled, kind: c.kind, metric: c.metric || 'disk_used_pct', op: c.op || 'above',
    warning: str(c.warning), critical: str(c.critical), clear: str(c.clear), subject: c.subject || '',
    severity: c.severity || (c.kind === 'process' || c.kind === 'service' ? 'critical' : 'warning'), target: c.name || '',
    window_hours: str(c.window_hours || 72), warning_days: str(c.warning_days), critical_days: str(c.critical_days),
    scope: s.scope, client_id: str(s.client_id), site_id: str(s.site_id), device_id: str(s.device_id), tag: s.tag || '',
    hold: rule.hold || '0s', clear_hold: rule.clear_hold || '0s', renotify: rule.renotify || '0s',
    tickets: rule.tickets || 'default',
  };
}

/**
 * The API body for the form, and what is missing before it can be sent (field → sentence).
 * Levels the server judges (sensible, in order) are left to it; here only "is it a number".
 */
function bodyFrom(f) {
  const missing = {};
  const number = (field, text) => {
    if (text.trim() === '') return undefined;
    const n = Number(text);
    if (!Number.isFinite(n)) { missing[field] = 'Enter a number.'; return undefined; }
    return n;
  };
  let condition;
  switch (f.kind) {
    case 'threshold':
      condition = { kind: 'threshold', metric: f.metric, op: f.op };
      for (const k of ['warning', 'critical', 'clear']) {
        const v = number(`condition.${k}`, f[k]);
        if (v !== undefined) condition[k] = v;
      }
      if (f.subject.trim()) condition.subject = f.subject.trim();
      if (condition.warning === undefined && condition.critical === undefined && !missing['condition.warning']) {
        missing['condition.warning'] = 'Set a warning level, a critical level, or both.';
      }
      break;
    case 'disk_forecast':
    case 'security_updates':
      condition = { kind: f.kind };
      if (f.kind === 'disk_forecast') condition.window_hours = number('condition.window_hours', f.window_hours) ?? 72;
      for (const k of ['warning_days', 'critical_days']) {
        const v = number(`condition.${k}`, f[k]);
        if (v !== undefined) condition[k] = v;
      }
      if (condition.warning_days === undefined && condition.critical_days === undefined && !missing['condition.warning_days']) {
        missing['condition.warning_days'] = 'Set the warning days, the critical days, or both.';
      }
      break;
    case 'process':
    case 'service':
      condition = { kind: f.kind, name: f.target.trim(), severity: f.severity };
      if (!condition.name) missing['condition.name'] = `Enter the ${f.kind} name, e.g. ${f.kind === 'process' ? 'nginx' : 'nginx.service'}.`;
      break;
    case 'offline':
    case 'spool_dropped':
      condition = { kind: f.kind, severity: f.severity };
      break;
    default:
      condition = { kind: f.kind };
  }
  const scope = { scope: f.scope };
  if (f.scope === 'client') {
    if (f.client_id) scope.client_id = Number(f.client_id);
    else missing['scope.client_id'] = 'Choose the client.';
  }
  if (f.scope === 'site') {
    // The site alone says where; the client only narrows the list of sites to choose from.
    if (f.site_id) scope.site_id = Number(f.site_id);
    else missing[f.client_id ? 'scope.site_id' : 'scope.client_id'] = f.client_id ? 'Choose the site.' : 'Choose the client, then its site.';
  }
  if (f.scope === 'device') {
    if (f.device_id) scope.device_id = Number(f.device_id);
    else missing['scope.device_id'] = 'Choose the device.';
  }
  if (f.scope === 'tag') {
    if (f.tag.trim()) scope.tag = f.tag.trim();
    else missing['scope.tag'] = 'Enter the tag, e.g. server.';
  }
  const body = {
    name: f.name.trim(), enabled: f.enabled, scope, condition,
    hold: f.hold.trim() || '0s', clear_hold: f.clear_hold.trim() || '0s', renotify: f.renotify.trim() || '0s',
    tickets: f.tickets,
  };
  return { body, missing };
}

// The fields the server may name in detail.field, each shown next to its own input.
const FIELDS = ['name', 'condition', 'condition.metric', 'condition.warning', 'condition.critical', 'condition.clear',
  'condition.subject', 'condition.window_hours', 'condition.warning_days', 'condition.critical_days', 'condition.name',
  'scope', 'scope.client_id', 'scope.site_id', 'scope.device_id', 'scope.tag', 'hold', 'clear_hold', 'renotify', 'tickets'];

function RuleDialog({ rule, readOnly, catalog, onClose, onSaved }) {
  const [f, setF] = useState(() => formFrom(rule));
  const save = useForm({ fields: FIELDS }); // errors: from the last save (or the checks before it)
  const { errors, setErrors, busy } = save;
  const edits = useRef(0); // a save's answer about a form changed since is no longer true
  const set = (k) => (v) => { edits.current += 1; setF((x) => ({ ...x, [k]: v })); setErrors({}); };
  const onInput = (k) => (e) => set(k)(e.target.type === 'checkbox' ? e.target.checked : e.target.value);

  const setKind = (kind) => {
    edits.current += 1;
    // Days start at what the shipped rules use, so the preview has something to show.
    const days = { disk_forecast: ['7', '2'], security_updates: ['14', '30'] }[kind];
    setF((x) => ({
      ...x, kind, severity: kind === 'process' || kind === 'service' ? 'critical' : 'warning',
      ...(days && !x.warning_days && !x.critical_days ? { warning_days: days[0], critical_days: days[1] } : {}),
    }));
    setErrors({});
  };
  const setMetric = (metric) => {
    edits.current += 1;
    // Free space is a problem when it drops; everything else when it rises.
    setF((x) => ({ ...x, metric, op: metric === 'disk_free_bytes' ? 'below' : 'above' }));
    setErrors({});
  };

  const { body, missing } = bodyFrom(f);
  const preview = usePreview(body, missing, rule && rule.id);
  const previewError = preview.error && preview.error.field && FIELDS.includes(preview.error.field) ? preview.error : null;
  const err = (field) => errors[field] || (previewError && previewError.field === field ? previewError.message : '');

  const send = save.onSubmit({
    check: () => {
      const errs = { ...missing };
      if (!body.name) errs.name = 'Enter a name, e.g. “Disk almost full”.';
      return errs;
    },
    send: async () => {
      const version = edits.current;
      try {
        const saved = rule ? await api.patch(path`/api/v1/rules/${rule.id}`, body) : await api.post('/api/v1/rules', body);
        onSaved(saved, !rule);
      } catch (er) {
        if (version === edits.current) throw er; // else it is about a form changed since: not shown
      }
    },
  });
  const submit = (e) => (readOnly ? e.preventDefault() : send(e));

  const unit = metricUnit(f.metric);
  const levelField = (k, label, hint) => {
    const id = `rule-${k}`;
    const v = f[k].trim() === '' ? null : Number(f[k]);
    const words = v != null && Number.isFinite(v) && (isBytes(f.metric) || isRate(f.metric)) ? `= ${levelText(f.metric, v)}` : '';
    return html`<${Field} label=${label} id=${id} error=${err(`condition.${k}`)} hint=${words || hint} optional=${k === 'clear'}>
      <div class="input-unit">
        <input id=${id} class="input" type="number" step="any" inputmode="decimal" value=${f[k]}
          aria-invalid=${err(`condition.${k}`) ? 'true' : 'false'} onInput=${onInput(k)} />
        ${unit && html`<span class="muted">${unit}</span>`}
      </div>
    <//>`;
  };
  const daysField = (k, label) => html`<${Field} label=${label} id=${`rule-${k.replace('_', '-')}`} error=${err(`condition.${k}`)}>
    <div class="input-unit">
      <input id=${`rule-${k.replace('_', '-')}`} class="input" type="number" min="0" step="any" value=${f[k]}
        aria-invalid=${err(`condition.${k}`) ? 'true' : 'false'} onInput=${onInput(k)} />
      <span class="muted">days</span>
    </div>
  <//>`;
  const durationField = (k, label, hint) => html`<${Field} label=${label} id=${`rule-${k.replace('_', '-')}`} error=${err(k)} hint=${hint}>
    <input id=${`rule-${k.replace('_', '-')}`} class="input" value=${f[k]} placeholder="0s" autocomplete="off" spellcheck="false"
      aria-invalid=${err(k) ? 'true' : 'false'} onInput=${onInput(k)} />
  <//>`;
  const [worse, better] = f.op === 'below' ? ['below', 'above'] : ['above', 'below'];

  const title = readOnly ? 'Alert rule' : rule ? 'Edit alert rule' : 'Add alert rule';
  return html`<${Dialog} id="rule-dialog" title=${title} onClose=${onClose} wide>
    <form class="dialog-form" onSubmit=${submit} novalidate>
      <div class="dialog-body rule-editor">
        <fieldset class="rule-form" disabled=${readOnly}>
          ${readOnly && html`<p class="notice"><${Icon} name="eye" /><span>Only admins change rules; this is how it reads.</span></p>`}
          <${Field} label="Name" id="rule-name" error=${err('name')}>
            <input id="rule-name" class="input" autofocus maxlength="200" value=${f.name} placeholder="Disk almost full"
              aria-invalid=${err('name') ? 'true' : 'false'} onInput=${onInput('name')} />
          <//>
          <${Field} label="Checks" id="rule-kind" error=${err('condition')}>
            <select id="rule-kind" class="input" value=${f.kind} onChange=${(e) => setKind(e.target.value)}>
              ${KINDS.map(([k, label]) => html`<option key=${k} value=${k}>${label}</option>`)}
            </select>
          <//>

          ${f.kind === 'threshold' && html`
            <div class="form-grid">
              <${Field} label="Metric" id="rule-metric" error=${err('condition.metric')}>
                <select id="rule-metric" class="input" value=${f.metric} onChange=${(e) => setMetric(e.target.value)}>
                  ${!catalog.some((m) => m.metric === f.metric) && html`<option value=${f.metric}>${metricLabel(f.metric)}</option>`}
                  ${catalog.map((m) => html`<option key=${m.metric} value=${m.metric}>${capitalized(m.description) || metricLabel(m.metric)}</option>`)}
                </select>
              <//>
              <${Field} label="A problem when the value is" id="rule-op">
                <select id="rule-op" class="input" value=${f.op} onChange=${onInput('op')}>
                  <option value="above">Above the levels</option>
                  <option value="below">Below the levels</option>
                </select>
              <//>
            </div>
            <div class="form-grid form-grid-3">
              ${levelField('warning', `Warning ${worse}`)}
              ${levelField('critical', `Critical ${worse}`)}
              ${levelField('clear', `Clears ${better}`, 'Resolve only past this level, so a value on the edge does not flap.')}
            </div>
            <${Field} label="Only" id="rule-subject" error=${err('condition.subject')} optional
                hint="A mount point, interface or sensor, e.g. / or eth0. Empty: every one of them.">
              <input id="rule-subject" class="input mono-ish" maxlength="200" value=${f.subject} placeholder="every one"
                autocomplete="off" spellcheck="false" onInput=${onInput('subject')} />
            <//>`}

          ${(f.kind === 'process' || f.kind === 'service') && html`<${Field} label=${f.kind === 'process' ? 'Process name' : 'Service name'}
              id="rule-target" error=${err('condition.name')}
              hint=${f.kind === 'process' ? 'As the process list shows it, e.g. nginx.' : 'The systemd unit, e.g. nginx or nginx.service.'}>
            <input id="rule-target" class="input mono-ish" maxlength="100" value=${f.target} autocomplete="off" spellcheck="false"
              aria-invalid=${err('condition.name') ? 'true' : 'false'} onInput=${onInput('target')} />
          <//>`}

          ${WITH_SEVERITY.includes(f.kind) && html`<${Field} label="Severity" id="rule-severity">
            <select id="rule-severity" class="input" value=${f.severity} onChange=${onInput('severity')}>
              <option value="warning">Warning</option>
              <option value="critical">Critical</option>
            </select>
          <//>`}

          ${f.kind === 'disk_forecast' && html`<div class="form-grid form-grid-3">
            ${daysField('warning_days', 'Warning when full within')}
            ${daysField('critical_days', 'Critical when full within')}
            <${Field} label="Trend over" id="rule-window" error=${err('condition.window_hours')}>
              <div class="input-unit">
                <input id="rule-window" class="input" type="number" min="6" max="2160" step="1" value=${f.window_hours}
                  aria-invalid=${err('condition.window_hours') ? 'true' : 'false'} onInput=${onInput('window_hours')} />
                <span class="muted">hours</span>
              </div>
            <//>
          </div>`}
          ${f.kind === 'security_updates' && html`<div class="form-grid">
            ${daysField('warning_days', 'Warning when pending for')}
            ${daysField('critical_days', 'Critical when pending for')}
          </div>`}
          ${f.kind === 'smart' && html`<p class="field-hint rule-kind-note">Bad-sector counters (5, 187, 188, 197, 198) non-zero or rising,
            NVMe media errors, spare or wear, and smartctl’s own failing verdict. Nothing to set.</p>`}
          ${f.kind === 'offline' && html`<p class="field-hint rule-kind-note">A device is offline after the server’s offline time without
            a check-in; a hold below waits longer still.</p>`}

          <${ScopePicker} f=${f} set=${set} err=${err} label=${rule && rule.scope_label} />

          <div class="form-grid form-grid-3">
            ${durationField('hold', 'For at least', 'How long the condition must last.')}
            ${durationField('clear_hold', 'Clears after', 'How long it must be gone.')}
            ${durationField('renotify', 'Remind every', 'Until acknowledged; 0s: never.')}
          </div>
          <${Field} label="Tickets" id="rule-tickets" error=${err('tickets')}
            hint="Whether each alert of this rule opens a ticket in the queue.">
            <select id="rule-tickets" class="input" value=${f.tickets} onChange=${onInput('tickets')}>
              <option value="default">As the installation says (open a ticket)</option>
              <option value="always">Always open a ticket</option>
              <option value="never">Never: notify only</option>
            </select>
          <//>
          <label class="check"><input type="checkbox" id="rule-enabled" checked=${f.enabled} onChange=${onInput('enabled')} /> Enabled</label>
          <${FormError} id="rule-error" message=${errors.form} />
        </fieldset>
        <${Preview} preview=${preview} kind=${f.kind} />
      </div>
      <div class="dialog-foot">
        <button type="button" class="btn" onClick=${onClose}>${readOnly ? 'Close' : 'Cancel'}</button>
        ${!readOnly && html`<${SubmitButton} id="rule-submit" busy=${busy} label=${rule ? 'Save rule' : 'Add rule'} busyLabel="Saving…" />`}
      </div>
    </form>
  <//>`;
}

/** Where the rule applies: all devices, a client, a site of a client, one device, or a tag. */
function ScopePicker({ f, set, err, label }) {
  const clients = useClientOptions();
  const needsClient = f.scope === 'client' || f.scope === 'site';
  const sites = useSites(f.scope === 'site' ? f.client_id : '');
  const tags = useTags(f.scope === 'tag');
  // A stored site scope names only the site; its label ("Site Acme / Berlin") tells the client.
  useEffect(() => {
    if (f.scope !== 'site' || !f.site_id || f.client_id || !label) return;
    const owner = clients.items.filter((c) => label.startsWith(`Site ${c.name} / `)).sort((a, b) => b.name.length - a.name.length)[0];
    if (owner) set('client_id')(String(owner.id));
  }, [clients.items]);
  return html`<div class="scope-picker">
    <${Field} label="Applies to" id="rule-scope" error=${err('scope')}
        hint="The most specific rule of a kind wins on a device: device, tag, site, client, then all devices.">
      <select id="rule-scope" class="input" value=${f.scope} onChange=${(e) => set('scope')(e.target.value)}>
        ${SCOPES.map(([v, label]) => html`<option key=${v} value=${v}>${label}</option>`)}
      </select>
    <//>
    ${needsClient && html`<div class="form-grid">
      <${Field} label="Client" id="rule-client" error=${err('scope.client_id') || clients.error}>
        ${clients.loading ? html`<div class="input input-loading"><${Spinner} /> Loading clients…</div>`
          : html`<select id="rule-client" class="input" value=${f.client_id} aria-invalid=${err('scope.client_id') ? 'true' : 'false'}
              onChange=${(e) => { set('client_id')(e.target.value); if (f.scope === 'site') set('site_id')(''); }}>
            <option value="">Choose a client…</option>
            ${clients.items.map((c) => html`<option key=${c.id} value=${String(c.id)}>${c.name}</option>`)}
          </select>`}
      <//>
      ${f.scope === 'site' && html`<${Field} label="Site" id="rule-site" error=${err('scope.site_id')}>
        ${sites.loading ? html`<div class="input input-loading"><${Spinner} /> Loading sites…</div>`
          : html`<select id="rule-site" class="input" value=${f.site_id} disabled=${!f.client_id}
              aria-invalid=${err('scope.site_id') ? 'true' : 'false'} onChange=${(e) => set('site_id')(e.target.value)}>
            <option value="">${!f.client_id ? 'Choose a client first' : sites.items.length ? 'Choose a site…' : 'This client has no sites'}</option>
            ${f.site_id && !sites.items.some((s) => String(s.id) === f.site_id) && html`<option value=${f.site_id}>Site ${f.site_id}</option>`}
            ${sites.items.map((s) => html`<option key=${s.id} value=${String(s.id)}>${s.name}</option>`)}
          </select>`}
      <//>`}
    </div>`}
    ${f.scope === 'device' && html`<${DevicePicker} value=${f.device_id} onChange=${set('device_id')} error=${err('scope.device_id')} />`}
    ${f.scope === 'tag' && html`<${Field} label="Tag" id="rule-tag" error=${err('scope.tag')} hint="Every device with this tag, at any client.">
      <input id="rule-tag" class="input" list="rule-tag-list" maxlength="40" value=${f.tag} placeholder="server" autocomplete="off"
        aria-invalid=${err('scope.tag') ? 'true' : 'false'} onInput=${(e) => set('tag')(e.target.value)} />
      <datalist id="rule-tag-list">${tags.map((t) => html`<option key=${t.tag} value=${t.tag}>${plural(t.devices, 'device')}</option>`)}</datalist>
    <//>`}
  </div>`;
}

/** A device by search: type part of a host name or client, pick it from the matches. */
function DevicePicker({ value, onChange, error }) {
  const [q, setQ] = useState('');
  const query = useDebounced(q.trim(), 250);
  const [state, setState] = useState({ loading: true, items: [] });
  const [current, setCurrent] = useState(null);
  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    api.get(withQuery('/api/v1/devices', { q: query, limit: 50 }), { signal: ctl.signal })
      .then((d) => setState({ loading: false, items: d.items }))
      .catch((e) => e.name !== 'AbortError' && setState({ loading: false, items: [] }));
    return () => ctl.abort();
  }, [query]);
  // The chosen device stays choosable while a search shows others.
  useEffect(() => {
    if (!value || (current && String(current.id) === value)) return undefined;
    const found = state.items.find((d) => String(d.id) === value);
    if (found) { setCurrent(found); return undefined; }
    let alive = true;
    api.get(path`/api/v1/devices/${value}`).then((d) => alive && setCurrent(d)).catch(() => {});
    return () => { alive = false; };
  }, [value, state.items]);
  const options = current && !state.items.some((d) => d.id === current.id) ? [current, ...state.items] : state.items;
  return html`<div class="form-grid">
    <${Field} label="Find a device" id="rule-device-search">
      <input id="rule-device-search" type="search" class="input" placeholder="Host name or client" autocomplete="off" value=${q}
        onInput=${(e) => setQ(e.target.value)} />
    <//>
    <${Field} label="Device" id="rule-device" error=${error}>
      <select id="rule-device" class="input" value=${value} aria-invalid=${error ? 'true' : 'false'}
          onChange=${(e) => onChange(e.target.value)}>
        <option value="">${state.loading ? 'Searching…' : options.length ? `Choose one of ${plural(options.length, 'device')}…` : 'No device matches'}</option>
        ${options.map((d) => html`<option key=${d.id} value=${String(d.id)}>${d.hostname} · ${d.client}</option>`)}
      </select>
    <//>
  </div>`;
}

function useSites(clientId) {
  const [sites, setSites] = useState({ loading: false, items: [] });
  useEffect(() => {
    if (!clientId) { setSites({ loading: false, items: [] }); return undefined; }
    let alive = true;
    setSites({ loading: true, items: [] });
    api.get(path`/api/v1/clients/${clientId}`)
      .then((c) => alive && setSites({ loading: false, items: c.sites || [] }))
      .catch(() => alive && setSites({ loading: false, items: [] }));
    return () => { alive = false; };
  }, [clientId]);
  return sites;
}

function useTags(wanted) {
  const [tags, setTags] = useState([]);
  useEffect(() => {
    if (!wanted) return undefined;
    let alive = true;
    api.get('/api/v1/tags').then((d) => alive && setTags(d.items || [])).catch(() => {});
    return () => { alive = false; };
  }, [wanted]);
  return tags;
}

// ---------- the preview ----------

/**
 * Asks the server, a moment after the form stops changing, which devices the draft would apply
 * to and which would alert now. Only the answer to the latest question counts.
 */
function usePreview(body, missing, ruleId) {
  const ready = Object.keys(missing).length === 0;
  const key = ready ? JSON.stringify({ ...body, name: body.name || 'Preview', ...(ruleId ? { id: ruleId } : {}) }) : '';
  const debounced = useDebounced(key, 400);
  const [state, setState] = useState({ loading: false, data: null, error: null });
  const latest = useRef(0);
  useEffect(() => {
    if (!debounced) { setState({ loading: false, data: null, error: null }); return; }
    const mine = ++latest.current;
    setState((s) => ({ ...s, loading: true }));
    api.post('/api/v1/rules/preview', JSON.parse(debounced))
      .then((data) => { if (mine === latest.current) setState({ loading: false, data, error: null }); })
      .catch((e) => {
        if (mine !== latest.current) return;
        setState({ loading: false, data: null, error: { message: e.message, field: e.detail && e.detail.field } });
      });
  }, [debounced]);
  const waiting = !ready ? Object.values(missing)[0] : '';
  return { ...state, stale: key !== debounced, waiting };
}

const PREVIEW_ROWS = 50;

function Preview({ preview: p, kind }) {
  const judged = READS_METRICS.includes(kind);
  let body;
  if (p.waiting) {
    body = html`<p class="muted" id="rule-preview-summary" data-state="waiting">${p.waiting} Then the preview shows which devices it applies to.</p>`;
  } else if (p.error) {
    body = html`<p class="field-error" id="rule-preview-summary" data-state="error">No preview until this is fixed: ${p.error.message}</p>`;
  } else if (!p.data) {
    body = html`<p class="loading" id="rule-preview-summary" data-state="loading"><${Spinner} /> Checking the devices…</p>`;
  } else {
    const d = p.data;
    const items = [...d.items].sort((a, b) => rank(a) - rank(b) || a.hostname.localeCompare(b.hostname));
    body = html`
      <p class="preview-summary" id="rule-preview-summary" data-state="ready" data-devices=${d.devices}
          data-alerting=${d.alerting} data-shadowed=${d.shadowed}>
        Applies to <strong>${plural(d.devices, 'device')}</strong>${judged
          ? html`, <strong class=${d.alerting ? 'preview-alerting' : ''}>${d.alerting}</strong> would alert now`
          : ''}, <strong>${d.shadowed}</strong> ${d.shadowed === 1 ? 'uses' : 'use'} a more specific (or older) rule of this kind.
      </p>
      ${!judged && html`<p class="field-hint">Whether this kind alerts is judged as devices report, not from their last report.</p>`}
      ${items.length > 0 && html`<table class="mini-table preview-table" id="rule-preview-table">
        <tbody>${items.slice(0, PREVIEW_ROWS).map((it) => html`<tr key=${it.device_id} data-device-id=${it.device_id}
            data-applies=${it.applies ? 'true' : 'false'}>
          <td class="cell-clip-sm"><span class="strong">${it.hostname}</span><span class="cell-sub">${it.client}</span></td>
          <td><${PreviewVerdict} item=${it} judged=${judged} /></td>
        </tr>`)}</tbody>
      </table>`}
      ${items.length > PREVIEW_ROWS && html`<p class="field-hint">And ${plural(items.length - PREVIEW_ROWS, 'more device')}.</p>`}
      ${items.length === 0 && html`<p class="muted">No device is in this scope yet.</p>`}`;
  }
  return html`<aside class="rule-preview" id="rule-preview" aria-live="polite" aria-busy=${p.loading || p.stale ? 'true' : 'false'}>
    <h3>Preview ${(p.loading || (p.stale && !p.waiting)) && html`<${Spinner} />`}</h3>
    ${body}
  </aside>`;
}

const crossed = (it) => (it.now || []).filter((n) => n.level);
const rank = (it) => (!it.applies ? 2 : crossed(it).length ? 0 : 1);

function PreviewVerdict({ item: it, judged }) {
  if (!it.applies) return html`<span class="muted">Uses “${it.shadowed_by}”</span>`;
  const hits = crossed(it);
  if (hits.length) {
    return html`<ul class="preview-hits">${hits.map((n, i) => html`<li key=${i}><${SeverityBadge} severity=${n.level} /> ${n.summary}</li>`)}</ul>`;
  }
  if (!judged) return html`<span class="muted">Applies</span>`;
  if (!(it.now || []).length) return html`<span class="muted">No reading yet</span>`;
  return html`<span class="ok-note"><${Icon} name="check" />Fine now</span>`;
}
