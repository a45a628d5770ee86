// Owns: one device's page (#/devices/{id}[/{tab}]): the header (hostname, online badge, client,
// site, OS, agent, last seen, tags with the staff's tag editor) and the tabs: Overview, Alerts,
// Charts, Inventory, Software, Patches, Disk health, Events. The detail is re-read live, at most once a
// second, when the device checks in or changes; the Charts tab appends the new points itself.
import { html, useState, useEffect, useCallback, useRef } from '../html.js';
import { api, path } from '../api.js';
import { useTitle, useSetCrumb } from '../hooks.js';
import { useLiveRefresh } from '../live.js';
import { Icon } from '../components/icons.js';
import { Time, Empty, Loading, LoadError, Spinner } from '../components/ui.js';
import { OnlineBadge } from '../components/fleet.js';
import { attributeCount, scsiUncorrected } from '../format.js';
import { DeviceTrust } from '../components/device-trust.js';
import { OverviewTab, InventoryTab, SoftwareTab, PatchesTab, SmartTab, EventsTab, AlertsTab, useDeviceAlerts } from './device-tabs.js';
import { ChartsTab } from './device-charts.js';

export const DEVICE_TABS = ['overview', 'alerts', 'charts', 'inventory', 'software', 'patches', 'disks', 'events'];
const TAB_LABELS = {
  overview: 'Overview', alerts: 'Alerts', charts: 'Charts', inventory: 'Inventory', software: 'Software',
  patches: 'Patches', disks: 'Disk health', events: 'Events',
};

const isStaff = (user) => user.role === 'admin' || user.role === 'technician';

export function DevicePage({ id, tab, user }) {
  const [state, setState] = useState({ loading: true, device: null, error: null });
  const inflight = useRef(false);
  const again = useRef(false);
  const latest = useRef(0); // only the answer to the latest request (or a newer edit) counts
  const [eventsVersion, setEventsVersion] = useState(0);
  const alerts = useDeviceAlerts(id);

  // A live refresh while one is on its way runs once more after it, so no change is missed.
  const load = useCallback((quiet = false) => {
    if (quiet && inflight.current) { again.current = true; return; }
    inflight.current = true;
    const mine = ++latest.current;
    if (!quiet) setState((s) => ({ ...s, loading: true, error: null }));
    api.get(path`/api/v1/devices/${id}`)
      .then((device) => { if (mine === latest.current) setState({ loading: false, device, error: null }); })
      .catch((error) => {
        if (mine !== latest.current) return;
        setState((s) => (quiet && s.device && error.status !== 404 ? s : { loading: false, device: null, error }));
      })
      .finally(() => {
        inflight.current = false;
        if (again.current) { again.current = false; load(true); }
      });
  }, [id]);
  useEffect(() => { load(); }, [load]);
  useLiveRefresh((e) => String(e.device_id) === String(id), () => {
    load(true);
    setEventsVersion((n) => n + 1);
  });

  const device = state.device;
  useTitle(device && device.hostname, 'Devices');
  useSetCrumb(device ? device.hostname : state.error ? (state.error.status === 404 ? 'Not found' : 'Device') : '');

  if (state.loading && !device) return html`<section class="page"><${Loading} /></section>`;
  if (state.error) {
    return html`<section class="page">${state.error.status === 404
      ? html`<${Empty} icon="device" title="This device does not exist.">
          It may have been removed, or it belongs to another client. <a href="#/devices">Back to all devices</a>
        <//>`
      : html`<${LoadError} message=${state.error.message} onRetry=${() => load()} />`}</section>`;
  }

  // An edit's answer is newer than any read still on its way.
  const replace = (summary) => {
    latest.current += 1;
    setState((s) => ({ ...s, device: { ...s.device, ...summary } }));
  };
  const props = { device, user, eventsVersion, alerts };
  return html`<section class="page" id="device-page" data-device-id=${device.id}>
    <${DeviceHead} device=${device} user=${user} onSaved=${replace} />
    <nav class="tabs" role="tablist" aria-label="Device views" id="device-tabs">
      ${DEVICE_TABS.map((t) => html`<a key=${t} role="tab" id=${`tab-${t}`} data-tab=${t}
          href=${`#/devices/${encodeURIComponent(device.id)}${t === 'overview' ? '' : `/${t}`}`}
          class=${t === tab ? 'tab active' : 'tab'} aria-selected=${t === tab ? 'true' : 'false'}>
        ${TAB_LABELS[t]}${tabCount(t, device, alerts)}
      </a>`)}
    </nav>
    <div class="tab-panel" role="tabpanel" aria-labelledby=${`tab-${tab}`} id="tab-panel" data-tab=${tab}>
      ${tab === 'overview' && html`<${OverviewTab} ...${props} />`}
      ${tab === 'alerts' && html`<${AlertsTab} ...${props} />`}
      ${tab === 'charts' && html`<${ChartsTab} ...${props} />`}
      ${tab === 'inventory' && html`<${InventoryTab} ...${props} />`}
      ${tab === 'software' && html`<${SoftwareTab} ...${props} />`}
      ${tab === 'patches' && html`<${PatchesTab} ...${props} />`}
      ${tab === 'disks' && html`<${SmartTab} ...${props} />`}
      ${tab === 'events' && html`<${EventsTab} ...${props} />`}
    </div>
  </section>`;
}

/** A small count or warning beside a tab's name, when it tells something at a glance. */
function tabCount(tab, d, alerts) {
  if (tab === 'alerts' && alerts.open.length) {
    const critical = alerts.open.some((a) => a.severity === 'critical');
    return html`<span class=${critical ? 'tab-count tab-count-bad' : 'tab-count tab-count-warn'} id="device-alert-count">${alerts.open.length}</span>`;
  }
  if (tab === 'software' && d.software_count) return html`<span class="tab-count">${d.software_count}</span>`;
  if (tab === 'patches' && d.patches && d.patches.known && d.patches.security > 0) {
    return html`<span class="tab-count tab-count-warn">${d.patches.security}</span>`;
  }
  if (tab === 'disks' && d.smart && smartTrouble(d.smart)) return html`<span class="tab-count tab-count-bad">!</span>`;
  return null;
}

const BAD_SECTOR_IDS = [5, 187, 188, 197, 198];
export function smartTrouble(smart) {
  return (smart.disks || []).some((k) => k.passed === false
    || (k.attributes || []).some((a) => a.failing_now || (BAD_SECTOR_IDS.includes(a.id) && attributeCount(a.id, a.raw) > 0))
    || (k.nvme && (k.nvme.critical_warning > 0 || k.nvme.media_errors > 0
      || k.nvme.available_spare < k.nvme.available_spare_threshold || k.nvme.percentage_used >= 100))
    || (k.scsi && (k.scsi.grown_defects > 0 || scsiUncorrected(k.scsi) > 0)));
}

function DeviceHead({ device: d, user, onSaved }) {
  const staff = isStaff(user);
  const clientLink = staff || String(user.client_id) === String(d.client_id);
  return html`<div class="device-head">
    <div class="page-head">
      <div class="page-head-text">
        <div class="title-row">
          <h1 id="page-title">${d.hostname}</h1>
          <${OnlineBadge} online=${d.online} id="device-status" />
        </div>
        <div class="page-sub device-facts" id="device-facts">
          <span><${Icon} name="clients" size=${14} />${clientLink
            ? html`<a href=${`#/clients/${encodeURIComponent(d.client_id)}`} id="device-client">${d.client}</a>`
            : html`<span id="device-client">${d.client}</span>`}${d.site && html` · <span id="device-site">${d.site}</span>`}</span>
          <span><${Icon} name="terminal" size=${14} />${d.os || 'Unknown OS'}</span>
          <span title="Agent version"><${Icon} name="box" size=${14} />Agent ${d.agent_version || '—'}</span>
          <span><${Icon} name="clock" size=${14} />Last seen
            <span id="last-seen" data-last-seq=${d.last_seq} data-last-seen=${d.last_seen || ''}>
              ${' '}<${Time} value=${d.last_seen} empty="never" />
            </span>
          </span>
        </div>
      </div>
    </div>
    <${TagEditor} device=${d} editable=${staff} onSaved=${onSaved} />
    <${DeviceTrust} device=${d} staff=${staff} onSaved=${onSaved} />
  </div>`;
}

/** Tags as chips; staff add (Enter or comma) and remove (×) them, each change saved at once. */
function TagEditor({ device, editable, onSaved }) {
  const [text, setText] = useState('');
  const input = useRef(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const tags = device.tags || [];

  const save = async (next) => {
    setBusy(true);
    setError('');
    try {
      const saved = await api.put(path`/api/v1/devices/${device.id}/tags`, { tags: next });
      onSaved(saved);
      return true;
    } catch (e) {
      setError(e.message);
      return false;
    } finally {
      setBusy(false);
    }
  };
  const add = async () => {
    // The field itself, not the last render's copy: Enter may come right after the last keystroke.
    const words = (input.current ? input.current.value : text).split(/[\s,]+/).map((w) => w.trim().toLowerCase()).filter(Boolean);
    if (!words.length) return;
    // The server checks each tag (1 to 40 letters, digits, - _ . :) and says what is wrong.
    if (await save([...new Set([...tags, ...words])])) setText('');
  };
  const remove = (t) => save(tags.filter((x) => x !== t));

  if (!editable && !tags.length) return null;
  return html`<div class="tag-editor" id="device-tags">
    <${Icon} name="tag" size=${15} class="muted" />
    ${tags.map((t) => html`<span key=${t} class="chip" data-tag=${t}>${t}${editable && html`<button type="button"
        class="chip-x" aria-label=${`Remove tag ${t}`} title="Remove" disabled=${busy} onClick=${() => remove(t)}>
        <${Icon} name="x" size=${11} /></button>`}</span>`)}
    ${editable && html`<form class="tag-form" onSubmit=${(e) => { e.preventDefault(); add(); }}>
      <input ref=${input} id="tag-input" class="input input-sm" placeholder=${tags.length ? 'Add tag' : 'Add a tag, e.g. server'}
        aria-label="Add a tag" maxlength="200" value=${text} aria-invalid=${error ? 'true' : 'false'}
        onInput=${(e) => { setText(e.target.value); setError(''); }} onChange=${(e) => setText(e.target.value)}
        onKeyDown=${(e) => { if (e.key === ',') { e.preventDefault(); add(); } }} />
      ${busy && html`<${Spinner} />`}
    </form>`}
    ${error && html`<p class="field-error" id="tag-error" role="alert">${error}</p>`}
  </div>`;
}
