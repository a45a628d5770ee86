// Owns: the Dashboard (#/dashboard, staff): the fleet's counts, online/offline by client, the
// fullest disks, pending security updates and the latest check-ins, all from one
// GET /api/v1/dashboard, refreshed live (at most once a second) as devices report; and the open
// alerts by severity with the latest few, re-read live as alerts change.
import { html, useState, useEffect, useCallback, useRef } from '../html.js';
import { api } from '../api.js';
import { useTitle } from '../hooks.js';
import { useLiveRefresh } from '../live.js';
import { Icon } from '../components/icons.js';
import { Time, Empty, Loading, LoadError, PageHead } from '../components/ui.js';
import { StatusDot, UsageBar, Tile } from '../components/fleet.js';
import { plural } from '../format.js';
import { AddDeviceDialog } from './devices.js';
import { useAlertCounts, alertsHash, alertHref, alertWhat, SeverityBadge } from './alerts.js';

const deviceHref = (d) => `#/devices/${encodeURIComponent(d.id)}`;
const devicesHref = (params) => `#/devices?${new URLSearchParams(params)}`;

export function DashboardPage({ user }) {
  useTitle('Dashboard');
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [adding, setAdding] = useState(false);
  const inflight = useRef(false);
  const again = useRef(false);

  // A live refresh while one is on its way runs once more after it, so no change is missed.
  const load = useCallback((quiet = false) => {
    if (inflight.current) { again.current = true; return; }
    inflight.current = true;
    if (!quiet) setState((s) => ({ ...s, loading: true, error: null }));
    api.get('/api/v1/dashboard')
      .then((data) => setState({ data, error: null, loading: false }))
      .catch((error) => setState((s) => (quiet && s.data ? s : { data: s.data, error, loading: false })))
      .finally(() => {
        inflight.current = false;
        if (again.current) { again.current = false; load(true); }
      });
  }, []);
  useEffect(() => { load(); }, [load]);
  useLiveRefresh(() => true, () => load(true));

  const { data } = state;
  if (!data) {
    return html`<section class="page">
      <${PageHead} title="Dashboard" />
      ${state.error ? html`<${LoadError} message=${state.error.message} onRetry=${() => load()} />` : html`<${Loading} />`}
    </section>`;
  }
  const c = data.counts;
  const sub = c.devices
    ? `${plural(c.devices, 'device')} at ${plural(c.clients, 'client')}`
    : 'Your fleet at a glance, once devices report.';
  return html`<section class="page" id="dashboard">
    <${PageHead} title="Dashboard" sub=${sub}>
      <a class="btn" href="#/devices"><${Icon} name="device" />All devices</a>
    <//>
    ${state.error && html`<${LoadError} message=${state.error.message} onRetry=${() => load()} />`}
    <div class="tiles" id="dashboard-counts">
      <${Tile} id="count-devices" label="Devices" value=${c.devices} href="#/devices" />
      <${Tile} id="count-online" label="Online" value=${c.online} tone=${c.online ? 'ok' : undefined}
        href=${devicesHref({ online: 'true' })} />
      <${Tile} id="count-offline" label="Offline" value=${c.offline} tone=${c.offline ? 'bad' : undefined}
        href=${devicesHref({ online: 'false' })} />
      <${Tile} id="count-clients" label="Clients" value=${c.clients} href="#/clients" />
      <${Tile} id="count-security" label="Security updates pending" value=${c.security_updates_pending}
        tone=${c.security_updates_pending ? 'warn' : undefined} />
    </div>
    ${c.devices === 0
      ? html`<div class="card">
          <${Empty} icon="device" title="No devices yet.">
            Make an install command with “Add device” and run it on a Linux machine; it shows up here within a minute.
          <//>
          <div class="empty-actions">
            <button type="button" class="btn btn-primary" id="dashboard-add-device" onClick=${() => setAdding(true)}>
              <${Icon} name="plus" />Add device
            </button>
          </div>
        </div>`
      : html`<div class="dash-grid">
          <div class="dash-col">
            <${OpenAlerts} />
            <${ByClient} rows=${data.by_client} />
            <${FullestDisks} rows=${data.fullest_disks} />
          </div>
          <div class="dash-col">
            <${PendingSecurity} rows=${data.pending_security} />
            <${RecentCheckIns} rows=${data.recent_check_ins} />
          </div>
        </div>`}
    ${adding && html`<${AddDeviceDialog} user=${user} onClose=${() => setAdding(false)} />`}
  </section>`;
}

function Panel({ id, title, sub, children }) {
  return html`<section class="card panel" id=${id} aria-labelledby=${`${id}-title`}>
    <div class="card-head">
      <h2 id=${`${id}-title`}>${title}</h2>
      ${sub && html`<span class="panel-sub">${sub}</span>`}
    </div>
    ${children}
  </section>`;
}

function ByClient({ rows }) {
  const most = Math.max(1, ...rows.map((r) => r.online + r.offline));
  return html`<${Panel} id="by-client" title="Online and offline by client" sub="Offline first">
    ${rows.length === 0
      ? html`<p class="muted">No client has devices yet.</p>`
      : html`<ul class="bar-list">
        ${rows.map((r) => {
          const total = r.online + r.offline;
          return html`<li key=${r.client_id} data-client-id=${r.client_id}>
            <a class="bar-row" href=${devicesHref({ client_id: r.client_id })}
                title=${`${r.client}: ${r.online} online, ${r.offline} offline. Show its devices.`}>
              <span class="bar-name">${r.client}</span>
              <span class="stack" aria-hidden="true">
                <span class="stack-track" style=${{ width: `${(total / most) * 100}%` }}>
                  ${r.online > 0 && html`<span class="stack-on" style=${{ flexGrow: r.online }}></span>`}
                  ${r.offline > 0 && html`<span class="stack-off" style=${{ flexGrow: r.offline }}></span>`}
                </span>
              </span>
              <span class="bar-count tabular">
                <span class="count-on" data-online=${r.online}>${r.online}</span>
                ${r.offline > 0 && html` · <span class="count-off" data-offline=${r.offline}>${r.offline} off</span>`}
              </span>
            </a>
          </li>`;
        })}
      </ul>`}
  <//>`;
}

function DeviceName({ d }) {
  return html`<span class="dev-name">
    <${StatusDot} online=${d.online} />
    <a class="cell-link" href=${deviceHref(d)}>${d.hostname}</a>
  </span>`;
}

function RecentCheckIns({ rows }) {
  return html`<${Panel} id="recent-check-ins" title="Recent check-ins">
    ${rows.length === 0
      ? html`<p class="muted">No device has reported yet.</p>`
      : html`<table class="mini-table">
        <tbody>${rows.map((d) => html`<tr key=${d.id} data-device-id=${d.id}>
          <td><${DeviceName} d=${d} /></td>
          <td class="muted cell-clip-sm">${d.client}</td>
          <td class="num nowrap"><${Time} value=${d.last_seen} /></td>
        </tr>`)}</tbody>
      </table>`}
  <//>`;
}

function FullestDisks({ rows }) {
  return html`<${Panel} id="fullest-disks" title="Fullest disks" sub="Amber from 90 %, red from 95 %">
    ${rows.length === 0
      ? html`<p class="muted">No disk usage reported yet.</p>`
      : html`<table class="mini-table">
        <tbody>${rows.map((d) => html`<tr key=${d.id} data-device-id=${d.id}>
          <td><${DeviceName} d=${d} /></td>
          <td class="muted cell-clip-sm">${d.client}</td>
          <td class="bar-cell"><${UsageBar} value=${d.disk_max_pct} wide /></td>
        </tr>`)}</tbody>
      </table>`}
  <//>`;
}

function PendingSecurity({ rows }) {
  return html`<${Panel} id="pending-security" title="Pending security updates">
    ${rows.length === 0
      ? html`<p class="muted ok-note"><${Icon} name="check" /> No device reports pending security updates.</p>`
      : html`<table class="mini-table">
        <tbody>${rows.map((d) => html`<tr key=${d.id} data-device-id=${d.id}>
          <td><${DeviceName} d=${d} /></td>
          <td class="muted cell-clip-sm">${d.client}</td>
          <td class="num nowrap">
            <a href=${`${deviceHref(d)}/patches`} class="badge badge-security">${plural(d.security_updates, 'security update')}</a>
            <span class="muted"> of ${d.pending_updates}</span>
          </td>
        </tr>`)}</tbody>
      </table>`}
  <//>`;
}

/** Open alerts by severity, each a link to the alerts page filtered so, and the latest few. */
function OpenAlerts() {
  const counts = useAlertCounts();
  const [latest, setLatest] = useState(null);
  const seq = useRef(0);
  const load = useCallback(() => {
    const mine = ++seq.current;
    api.get('/api/v1/alerts?state=open&limit=5')
      .then((d) => { if (mine === seq.current) setLatest(d.items); })
      .catch(() => { if (mine === seq.current) setLatest((l) => l || []); });
  }, []);
  useEffect(() => { load(); }, [load]);
  useLiveRefresh((e) => e.type === 'alert_changed', load);
  const n = (k) => (counts ? counts[k] : '—');
  return html`<${Panel} id="dashboard-alerts" title="Open alerts" sub=${html`<a href="#/alerts">All alerts</a>`}>
    <div class="alert-tiles">
      <${Tile} id="alert-count-critical" label="Critical" value=${n('critical')} tone=${counts && counts.critical ? 'bad' : undefined}
        href=${alertsHash({ severity: 'critical' })} />
      <${Tile} id="alert-count-warning" label="Warning" value=${n('warning')} tone=${counts && counts.warning ? 'warn' : undefined}
        href=${alertsHash({ severity: 'warning' })} />
      <${Tile} id="alert-count-unacknowledged" label="Unacknowledged" value=${n('unacknowledged')}
        href=${alertsHash({ state: 'unacknowledged' })} />
    </div>
    ${latest === null ? html`<${Loading} />`
      : latest.length === 0
        ? html`<p class="muted ok-note" id="dashboard-alerts-empty"><${Icon} name="check" /> No open alerts. Everything the rules watch is fine.</p>`
        : html`<table class="mini-table">
          <tbody>${latest.map((a) => html`<tr key=${a.id} data-alert-id=${a.id} data-state=${a.state}>
            <td class="nowrap"><${SeverityBadge} severity=${a.severity} /></td>
            <td><a class="cell-link" href=${deviceHref({ id: a.device_id })}>${a.hostname}</a>
              <a class="cell-sub" href=${alertHref(a.id)} title=${alertWhat(a)}>${alertWhat(a)}</a></td>
            <td class="num nowrap"><${Time} value=${a.opened_at} /></td>
          </tr>`)}</tbody>
        </table>`}
  <//>`;
}
