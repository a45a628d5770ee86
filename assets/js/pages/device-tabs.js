// Owns: the device page's tabs other than Charts: Overview (the latest report), Alerts (open
// first, then recently resolved, live), Inventory, Software (searchable), Patches, Disk health
// (SMART) and Events. Each reads the device detail it
// is given (re-read live by the page) or fetches its own list.
import { html, useState, useEffect, useRef, useCallback } from '../html.js';
import { api, path, withQuery } from '../api.js';
import { useDebounced } from '../hooks.js';
import { usePageShortcut } from '../shortcuts.js';
import { Icon } from '../components/icons.js';
import { DataTable } from '../components/table.js';
import { Time, Empty, LoadError, Spinner } from '../components/ui.js';
import { UsageBar, Tile } from '../components/fleet.js';
import { pct, bytes, rate, celsius, duration, num, hours, plural, attributeCount, scsiUncorrected } from '../format.js';
import { useLiveRefresh } from '../live.js';
import { notify } from '../components/toast.js';
import { SeverityBadge, StateBadge, alertHref, alertWhat, alertsHash } from './alerts.js';

const dash = html`<span class="muted">—</span>`;
const orDash = (v) => (v == null || v === '' ? dash : v);

function Collected({ at, what = 'Reported' }) {
  if (!at) return null;
  return html`<span class="collected">${what} <${Time} value=${at} /></span>`;
}

function Section({ id, title, sub, children, actions }) {
  return html`<section class="card panel" id=${id}>
    <div class="card-head">
      <h2>${title}</h2>
      ${(sub || actions) && html`<span class="panel-sub">${sub}${actions}</span>`}
    </div>
    ${children}
  </section>`;
}

const NOT_YET = 'The agent sends its first full report within a minute of starting.';

// ---------- Overview ----------

export function OverviewTab({ device: d }) {
  const m = d.latest;
  if (!m) return html`<${Empty} icon="activity" title="No report yet.">${NOT_YET}<//>`;
  const memPct = m.mem_total_bytes ? (m.mem_used_bytes / m.mem_total_bytes) * 100 : null;
  const swapPct = m.swap_total_bytes ? (m.swap_used_bytes / m.swap_total_bytes) * 100 : null;
  const perCore = m.cpu_count ? m.load1 / m.cpu_count : null;
  return html`<div class="overview" id="overview">
    <div class="tiles tiles-device">
      <${Tile} id="tile-cpu" label="CPU" value=${pct(m.cpu_pct)} sub=${plural(m.cpu_count, 'core')}>
        <${UsageBar} value=${m.cpu_pct} levels=${false} bare />
      <//>
      <${Tile} id="tile-mem" label="Memory" value=${pct(memPct)} sub=${`${bytes(m.mem_used_bytes)} of ${bytes(m.mem_total_bytes)}`}>
        <${UsageBar} value=${memPct} levels=${false} bare />
      <//>
      <${Tile} id="tile-swap" label="Swap" value=${swapPct == null ? 'None' : pct(swapPct)}
          sub=${swapPct == null ? 'No swap space' : `${bytes(m.swap_used_bytes)} of ${bytes(m.swap_total_bytes)}`}>
        ${swapPct != null && html`<${UsageBar} value=${swapPct} levels=${false} bare />`}
      <//>
      <${Tile} id="tile-load" label="Load" value=${num(m.load1, 2)}
        sub=${html`5 min ${num(m.load5, 2)} · 15 min ${num(m.load15, 2)}${perCore != null && html`<br />${num(perCore, 2)} per core`}`} />
      <${Tile} id="tile-uptime" label="Uptime" value=${duration(m.uptime_secs)} sub=${html`<${Collected} at=${d.latest_collected_at} />`} />
    </div>
    <div class="grid-2">
      <${Section} id="overview-disks" title="Disks">
        ${(m.disks || []).length === 0 ? html`<p class="muted">No file systems reported.</p>`
          : html`<table class="mini-table">
            <thead><tr><th>Mount</th><th class="num">Size</th><th class="num">Free</th><th>Used</th></tr></thead>
            <tbody>${m.disks.map((k) => html`<tr key=${k.mount} data-mount=${k.mount}>
              <td><span class="strong mono-ish">${k.mount}</span><span class="cell-sub">${k.device} · ${k.fs_type}</span></td>
              <td class="num nowrap">${bytes(k.total_bytes)}</td>
              <td class="num nowrap">${bytes(k.available_bytes)}</td>
              <td class="bar-cell"><${UsageBar} value=${k.used_pct} wide /></td>
            </tr>`)}</tbody>
          </table>`}
      <//>
      <${Section} id="overview-network" title="Network">
        ${(m.network || []).length === 0 ? html`<p class="muted">No network interfaces reported.</p>`
          : html`<table class="mini-table">
            <thead><tr><th>Interface</th><th class="num">Receiving</th><th class="num">Sending</th><th class="num">Received</th><th class="num">Sent</th></tr></thead>
            <tbody>${m.network.map((n) => html`<tr key=${n.name} data-iface=${n.name}>
              <td class="strong">${n.name}</td>
              <td class="num nowrap">${rate(n.rx_bytes_per_sec)}</td>
              <td class="num nowrap">${rate(n.tx_bytes_per_sec)}</td>
              <td class="num nowrap muted">${bytes(n.rx_bytes_total)}</td>
              <td class="num nowrap muted">${bytes(n.tx_bytes_total)}</td>
            </tr>`)}</tbody>
          </table>`}
      <//>
      <${ProcessTable} id="top-cpu" title="Top processes by CPU" rows=${m.top_cpu || []} />
      <${ProcessTable} id="top-mem" title="Top processes by memory" rows=${m.top_mem || []} />
      <${Section} id="overview-temperatures" title="Temperatures">
        ${(m.temperatures || []).length === 0
          ? html`<p class="muted">No temperature sensors reported. Virtual machines usually have none.</p>`
          : html`<table class="mini-table">
            <thead><tr><th>Sensor</th><th class="num">Now</th><th class="num">Critical at</th></tr></thead>
            <tbody>${m.temperatures.map((t) => {
              const hot = t.critical_celsius != null && t.celsius >= t.critical_celsius - 5;
              return html`<tr key=${t.label}>
                <td>${t.label}</td>
                <td class="num nowrap"><span data-level=${hot ? 'crit' : undefined}>${celsius(t.celsius)}</span></td>
                <td class="num nowrap muted">${t.critical_celsius != null ? celsius(t.critical_celsius) : '—'}</td>
              </tr>`;
            })}</tbody>
          </table>`}
      <//>
    </div>
  </div>`;
}

function ProcessTable({ id, title, rows }) {
  return html`<${Section} id=${id} title=${title}>
    ${rows.length === 0 ? html`<p class="muted">None reported.</p>`
      : html`<table class="mini-table">
        <thead><tr><th>Process</th><th class="num">PID</th><th class="num">CPU</th><th class="num">Memory</th></tr></thead>
        <tbody>${rows.map((p) => html`<tr key=${p.pid}>
          <td class="strong cell-clip-sm" title=${p.name}>${p.name}</td>
          <td class="num muted tabular">${p.pid}</td>
          <td class="num nowrap">${pct(p.cpu_pct)}</td>
          <td class="num nowrap">${bytes(p.mem_bytes)}</td>
        </tr>`)}</tbody>
      </table>`}
  <//>`;
}

// ---------- Inventory ----------

export function InventoryTab({ device: d }) {
  const inv = d.inventory;
  if (!inv) return html`<${Empty} icon="box" title="No inventory yet.">${NOT_YET}<//>`;
  const cpu = [inv.cpu_model, inv.cpu_cores && `${inv.cpu_cores} cores`, inv.cpu_threads && inv.cpu_threads !== inv.cpu_cores && `${inv.cpu_threads} threads`]
    .filter(Boolean).join(' · ');
  return html`<div id="inventory">
    <p class="tab-note"><${Collected} at=${d.inventory_collected_at} what="Inventory collected" /></p>
    <div class="grid-2">
      <${Section} id="inventory-hardware" title="Hardware">
        <dl class="props">
          <dt>Vendor</dt><dd>${orDash(inv.vendor)}</dd>
          <dt>Model</dt><dd>${orDash(inv.model)}</dd>
          <dt>Serial number</dt><dd class="mono-ish">${orDash(inv.serial)}</dd>
          <dt>BIOS</dt><dd>${orDash(inv.bios_version)}</dd>
          <dt>Processor</dt><dd>${orDash(cpu)}</dd>
          <dt>Memory</dt><dd>${inv.mem_total_bytes ? bytes(inv.mem_total_bytes) : dash}</dd>
          <dt>Architecture</dt><dd>${orDash(inv.arch)}</dd>
        </dl>
      <//>
      <${Section} id="inventory-os" title="Operating system">
        <dl class="props">
          <dt>Hostname</dt><dd>${orDash(inv.hostname)}</dd>
          <dt>System</dt><dd>${orDash([inv.os_name, inv.os_version].filter(Boolean).join(' '))}</dd>
          <dt>Kernel</dt><dd>${orDash(inv.kernel)}</dd>
          <dt>Packages</dt><dd>${inv.package_manager || 'unknown manager'} · ${plural(d.software_count || 0, 'package')}
            ${d.software_count > 0 && html` · <a href=${`#/devices/${encodeURIComponent(d.id)}/software`}>list them</a>`}</dd>
          <dt>Enrolled</dt><dd><${Time} value=${d.enrolled_at} /></dd>
        </dl>
      <//>
      <${Section} id="inventory-disks" title="Physical disks">
        ${(inv.disks || []).length === 0 ? html`<p class="muted">No disks reported.</p>`
          : html`<table class="mini-table">
            <thead><tr><th>Disk</th><th>Model</th><th>Serial</th><th class="num">Size</th><th>Type</th></tr></thead>
            <tbody>${inv.disks.map((k) => html`<tr key=${k.name}>
              <td class="strong">${k.name}</td><td>${orDash(k.model)}</td><td class="mono-ish">${orDash(k.serial)}</td>
              <td class="num nowrap">${bytes(k.size_bytes)}</td><td>${k.rotational ? 'Spinning (HDD)' : 'Solid state'}</td>
            </tr>`)}</tbody>
          </table>`}
      <//>
      <${Section} id="inventory-interfaces" title="Network interfaces">
        ${(inv.interfaces || []).length === 0 ? html`<p class="muted">No interfaces reported.</p>`
          : html`<table class="mini-table">
            <thead><tr><th>Interface</th><th>MAC</th><th>Addresses</th></tr></thead>
            <tbody>${inv.interfaces.map((n) => html`<tr key=${n.name}>
              <td class="strong">${n.name}</td><td class="mono-ish nowrap">${orDash(n.mac)}</td>
              <td>${(n.ips || []).length ? html`<span class="ip-list">${n.ips.map((ip) => html`<span key=${ip} class="mono-ish">${ip}</span>`)}</span>` : dash}</td>
            </tr>`)}</tbody>
          </table>`}
      <//>
    </div>
  </div>`;
}

// ---------- Software ----------

export function SoftwareTab({ device: d }) {
  const [q, setQ] = useState('');
  const query = useDebounced(q.trim(), 250);
  const [state, setState] = useState({ loading: true, items: [], error: '' });
  const search = useRef(null);
  usePageShortcut('/', () => search.current && search.current.focus());
  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true, error: '' }));
    api.get(withQuery(path`/api/v1/devices/${d.id}/software`, { q: query }), { signal: ctl.signal })
      .then((r) => setState({ loading: false, items: r.items, error: '' }))
      .catch((e) => e.name !== 'AbortError' && setState({ loading: false, items: [], error: e.message }));
    return () => ctl.abort();
  }, [d.id, query, d.inventory_collected_at]);

  const columns = [
    { key: 'name', label: 'Package', sort: (p) => p.name, render: (p) => html`<span class="strong">${p.name}</span>` },
    { key: 'version', label: 'Version', sort: (p) => p.version, render: (p) => html`<span class="mono-ish">${p.version}</span>` },
  ];
  const empty = query
    ? html`<${Empty} title=${`No package matches “${query}”.`}>Check the spelling, or clear the search.<//>`
    : html`<${Empty} icon="box" title="No software reported yet.">${NOT_YET}<//>`;
  return html`<div id="software">
    <div class="toolbar">
      <div class="search">
        <${Icon} name="search" />
        <input ref=${search} id="software-search" type="search" class="input" placeholder="Search packages"
          aria-label="Search installed packages" autocomplete="off" value=${q}
          onInput=${(e) => setQ(e.target.value)} onChange=${(e) => setQ(e.target.value)} />
        ${state.loading ? html`<${Spinner} />` : html`<kbd class="search-kbd">/</kbd>`}
      </div>
      <span class="muted" id="software-count">${state.loading && !state.items.length ? ''
        : query ? `${plural(state.items.length, 'package')} of ${d.software_count}` : plural(state.items.length, 'package')}</span>
    </div>
    ${state.error && html`<${LoadError} message=${state.error} />`}
    <${DataTable} id="software-table" label="Installed software" columns=${columns} rows=${state.items}
      rowKey=${(p) => `${p.name}\u0000${p.version}`} loading=${state.loading} empty=${empty} />
  </div>`;
}

// ---------- Patches ----------

export function PatchesTab({ device: d }) {
  const p = d.patches;
  const [onlySecurity, setOnlySecurity] = useState(false);
  if (!p) return html`<${Empty} icon="shield" title="No patch state yet.">The agent checks for updates a few times a day; the first check follows its first report.<//>`;
  if (!p.known) {
    return html`<div id="patches" data-known="false">
      <div class="card state-card">
        <span class="state-icon state-unknown"><${Icon} name="alert" size=${20} /></span>
        <div>
          <h2>Updates unknown</h2>
          <p class="muted" id="patches-error">${p.error || 'The agent could not tell which updates are pending.'}</p>
          <p class="tab-note"><${Collected} at=${d.patches_collected_at} what="Checked" /></p>
        </div>
      </div>
    </div>`;
  }
  const updates = [...(p.updates || [])].sort((a, b) => (b.security - a.security) || a.name.localeCompare(b.name));
  const shown = onlySecurity ? updates.filter((u) => u.security) : updates;
  const columns = [
    { key: 'name', label: 'Package', sort: (u) => u.name, render: (u) => html`<span class="strong">${u.name}</span>` },
    { key: 'version', label: 'New version', sort: (u) => u.version, render: (u) => html`<span class="mono-ish">${u.version}</span>` },
    {
      key: 'security', label: 'Kind', width: '120', sort: (u) => (u.security ? 0 : 1),
      render: (u) => (u.security ? html`<span class="badge badge-security">Security</span>` : html`<span class="muted">Regular</span>`),
    },
  ];
  return html`<div id="patches" data-known="true">
    <div class="tiles tiles-patches">
      <${Tile} id="patches-pending" label="Pending updates" value=${p.pending} />
      <${Tile} id="patches-security" label="Security updates" value=${p.security} tone=${p.security ? 'warn' : 'ok'} />
      <${Tile} id="patches-since" label="Security updates pending since"
        value=${p.security && d.security_pending_since ? html`<${Time} value=${d.security_pending_since} />` : '—'}
        sub=${p.security ? null : 'None pending'} />
      <${Tile} label="Checked" value=${html`<${Time} value=${d.patches_collected_at} />`} sub=${p.manager ? `with ${p.manager}` : null} />
    </div>
    ${p.error && html`<p class="notice"><${Icon} name="alert" />${p.error}</p>`}
    ${updates.length > 0 && html`<div class="toolbar">
      <label class="check"><input type="checkbox" id="only-security" checked=${onlySecurity}
        onChange=${(e) => setOnlySecurity(e.target.checked)} /> Only security updates</label>
    </div>`}
    <${DataTable} id="updates-table" label="Pending updates" columns=${columns} rows=${shown}
      rowKey=${(u) => u.name} rowAttrs=${(u) => ({ 'data-security': u.security ? 'true' : 'false', class: u.security ? 'row-security' : '' })}
      empty=${html`<${Empty} icon="check" title="Up to date.">No updates are pending.<//>`} />
  </div>`;
}

// ---------- Disk health ----------

const ATTRIBUTE_NOTES = {
  5: 'Reallocated sectors: the disk replaced bad sectors with spares.',
  187: 'Errors the disk could not correct.',
  188: 'Commands that timed out.',
  197: 'Sectors waiting to be remapped (unstable).',
  198: 'Sectors that could not be read offline.',
  199: 'CRC errors point at the cable or connector, not the disk: reseat or replace the SATA cable.',
};
const WATCHED = [5, 187, 188, 197, 198, 199];

function diskVerdict(k) {
  const a = k.attributes || [];
  const bad = a.some((x) => x.failing_now || ([5, 187, 188, 197, 198].includes(x.id) && attributeCount(x.id, x.raw) > 0));
  const nv = k.nvme;
  const nvBad = nv && (nv.critical_warning > 0 || nv.media_errors > 0
    || nv.available_spare < nv.available_spare_threshold || nv.percentage_used >= 100);
  const scsiBad = k.scsi && (k.scsi.grown_defects > 0 || scsiUncorrected(k.scsi) > 0);
  if (k.passed === false) return ['crit', 'Failing', 'smartctl’s overall verdict is FAILED: replace this disk.'];
  if (bad || nvBad || scsiBad) return ['warn', 'Warning', 'The verdict passes, but the counters below predict trouble.'];
  const crc = a.find((x) => x.id === 199 && attributeCount(x.id, x.raw) > 0);
  if (crc) return ['warn', 'Check cable', ATTRIBUTE_NOTES[199]];
  if (k.passed === true) return ['ok', 'Healthy', 'smartctl’s overall verdict is PASSED.'];
  return ['none', 'No verdict', 'smartctl gave no overall verdict for this disk.'];
}

export function SmartTab({ device: d }) {
  const s = d.smart;
  if (!s) return html`<${Empty} icon="disk" title="No disk health report yet.">The agent reads SMART data a few times a day.<//>`;
  if (!s.available) {
    return html`<div id="smart" data-available="false">
      <div class="card state-card">
        <span class="state-icon state-unknown"><${Icon} name="disk" size=${20} /></span>
        <div>
          <h2>smartctl not installed</h2>
          <p class="muted">Install the <code>smartmontools</code> package on the device (e.g. <code>apt install smartmontools</code>)
            to see disk health here.</p>
          ${s.error && !/not installed/i.test(s.error) && html`<p class="muted" id="smart-error">${s.error}</p>`}
        </div>
      </div>
    </div>`;
  }
  return html`<div id="smart" data-available="true">
    <p class="tab-note"><${Collected} at=${d.smart_collected_at} what="Read" /></p>
    ${s.error && html`<p class="notice" id="smart-error"><${Icon} name="alert" />${s.error}</p>`}
    ${(s.disks || []).length === 0
      ? html`<${Empty} icon="disk" title="No disk reports SMART data.">Virtual disks usually have none; physical ones appear here.<//>`
      : html`<div class="smart-list">${s.disks.map((k) => html`<${SmartDisk} key=${k.device} disk=${k} />`)}</div>`}
  </div>`;
}

function SmartDisk({ disk: k }) {
  const [level, verdict, why] = diskVerdict(k);
  const watched = (k.attributes || []).filter((a) => WATCHED.includes(a.id));
  const nv = k.nvme;
  return html`<section class="card smart-disk" data-device=${k.device} data-verdict=${level}>
    <div class="smart-head">
      <div>
        <h2><span class="mono-ish">${k.device}</span> <span class="muted smart-model">${k.model}</span></h2>
        <div class="page-sub">${[k.protocol && k.protocol.toUpperCase(), k.capacity_bytes ? bytes(k.capacity_bytes) : null, k.serial && `serial ${k.serial}`].filter(Boolean).join(' · ')}</div>
      </div>
      <span class="verdict verdict-${level}" title=${why}>${verdict}</span>
    </div>
    <p class="smart-why">${why}</p>
    <div class="smart-facts">
      <span><span class="muted">Temperature</span> <strong>${celsius(k.temperature_celsius)}</strong></span>
      <span><span class="muted">Powered on</span> <strong>${hours(k.power_on_hours)}</strong></span>
    </div>
    ${watched.length > 0 && html`<table class="mini-table smart-attrs">
      <thead><tr><th class="num">ID</th><th>Attribute</th><th class="num">Raw</th><th class="num">Value / worst / threshold</th><th>Meaning</th></tr></thead>
      <tbody>${watched.map((a) => {
        const count = attributeCount(a.id, a.raw);
        const lvl = a.failing_now ? 'crit' : count > 0 ? 'warn' : undefined;
        const packed = count !== a.raw ? `The drive's raw value ${num(a.raw, 0)} packs vendor data; the count is ${num(count, 0)}.` : undefined;
        return html`<tr key=${a.id} data-attr=${a.id} data-level=${lvl}>
          <td class="num tabular">${a.id}</td>
          <td>${a.name}</td>
          <td class="num tabular strong" title=${packed}>${num(count, 0)}</td>
          <td class="num tabular muted">${a.value} / ${a.worst} / ${a.thresh}</td>
          <td class="muted">${a.failing_now ? 'Failing now. ' : ''}${count > 0 || a.id === 199 ? ATTRIBUTE_NOTES[a.id] : 'None so far.'}</td>
        </tr>`;
      })}</tbody>
    </table>`}
    ${nv && html`<dl class="props props-compact nvme-facts">
      <dt>Critical warning</dt><dd data-level=${nv.critical_warning ? 'crit' : undefined}>${nv.critical_warning ? `Yes (0x${nv.critical_warning.toString(16)})` : 'None'}</dd>
      <dt>Media errors</dt><dd data-level=${nv.media_errors ? 'crit' : undefined}>${num(nv.media_errors, 0)}</dd>
      <dt>Spare capacity</dt><dd data-level=${nv.available_spare < nv.available_spare_threshold ? 'crit' : undefined}>${nv.available_spare} % (threshold ${nv.available_spare_threshold} %)</dd>
      <dt>Wear</dt><dd data-level=${nv.percentage_used >= 100 ? 'crit' : nv.percentage_used >= 90 ? 'warn' : undefined}>${nv.percentage_used} % of rated life used</dd>
      <dt>Unsafe shutdowns</dt><dd>${num(nv.unsafe_shutdowns, 0)}</dd>
      <dt>Error log entries</dt><dd>${num(nv.num_err_log_entries, 0)}</dd>
    </dl>`}
    ${k.scsi && html`<dl class="props props-compact scsi-facts">
      <dt>Grown defect list</dt><dd data-level=${k.scsi.grown_defects ? 'warn' : undefined}>${k.scsi.grown_defects
        ? `${num(k.scsi.grown_defects, 0)} sectors remapped since the factory` : 'Empty'}</dd>
      <dt>Uncorrected errors</dt><dd data-level=${scsiUncorrected(k.scsi) ? 'crit' : undefined}>${num(k.scsi.uncorrected_read_errors, 0)} read,
        ${num(k.scsi.uncorrected_write_errors, 0)} write, ${num(k.scsi.uncorrected_verify_errors, 0)} verify</dd>
    </dl>`}
    ${(k.attributes || []).length > watched.length && html`<details class="smart-all">
      <summary>All ${k.attributes.length} attributes</summary>
      <table class="mini-table">
        <thead><tr><th class="num">ID</th><th>Attribute</th><th class="num">Value</th><th class="num">Worst</th><th class="num">Threshold</th><th class="num">Raw</th></tr></thead>
        <tbody>${k.attributes.map((a) => html`<tr key=${a.id} data-level=${a.failing_now ? 'crit' : undefined}>
          <td class="num tabular">${a.id}</td><td>${a.name}</td><td class="num tabular">${a.value}</td>
          <td class="num tabular">${a.worst}</td><td class="num tabular">${a.thresh}</td><td class="num tabular">${num(a.raw, 0)}</td>
        </tr>`)}</tbody>
      </table>
    </details>`}
  </section>`;
}

// ---------- Events ----------

const EVENT_LABELS = {
  enrolled: 'Enrolled', 're-enrolled': 'Enrolled again', online: 'Came online', offline: 'Went offline',
  'spool-dropped': 'Reports dropped',
};

export function EventsTab({ device: d, eventsVersion }) {
  const [state, setState] = useState({ loading: true, items: [], error: '' });
  useEffect(() => {
    let alive = true;
    api.get(path`/api/v1/devices/${d.id}/events`)
      .then((r) => alive && setState({ loading: false, items: r.items, error: '' }))
      .catch((e) => alive && setState((s) => ({ ...s, loading: false, error: e.message })));
    return () => { alive = false; };
  }, [d.id, eventsVersion]);
  const columns = [
    { key: 'at', label: 'When', width: '150', sort: (e) => e.at, render: (e) => html`<${Time} value=${e.at} />` },
    {
      key: 'kind', label: 'Event', width: '180', sort: (e) => e.kind,
      render: (e) => html`<span class=${`event-kind event-${e.kind}`}>${EVENT_LABELS[e.kind] || e.kind}</span>`,
    },
    { key: 'detail', label: 'Detail', render: (e) => (e.detail ? e.detail : dash) },
  ];
  return html`<div id="events">
    ${state.error && html`<${LoadError} message=${state.error} />`}
    <${DataTable} id="events-table" label="Device events" columns=${columns} rows=${state.items} loading=${state.loading}
      rowKey=${(e) => `${e.at}\u0000${e.kind}\u0000${e.detail}`}
      empty=${html`<${Empty} icon="list" title="No events yet.">Enrollment, going offline and coming back are recorded here.<//>`} />
  </div>`;
}

// ---------- Alerts ----------

const RECENT_RESOLVED = 20;

/** The device's open alerts and its latest resolved ones, re-read live as its alerts change. */
export function useDeviceAlerts(deviceId) {
  const [state, setState] = useState({ loading: true, open: [], resolved: [], error: '' });
  const seq = useRef(0);
  const load = useCallback(() => {
    const mine = ++seq.current;
    Promise.all([
      api.get(withQuery('/api/v1/alerts', { device_id: deviceId, state: 'open', limit: 200 })),
      api.get(withQuery('/api/v1/alerts', { device_id: deviceId, state: 'resolved', limit: RECENT_RESOLVED })),
    ]).then(([open, resolved]) => {
      if (mine === seq.current) setState({ loading: false, open: open.items, resolved: resolved.items, error: '' });
    }).catch((e) => {
      if (mine === seq.current) setState((s) => ({ ...s, loading: false, error: e.message }));
    });
  }, [deviceId]);
  useEffect(() => { load(); }, [load]);
  useLiveRefresh((e) => e.type === 'alert_changed' && String(e.device_id) === String(deviceId), load);
  return { ...state, reload: load };
}

export function AlertsTab({ device: d, user, alerts }) {
  const staff = user.role === 'admin' || user.role === 'technician';
  const [busy, setBusy] = useState(null);
  const acknowledge = async (a) => {
    setBusy(a.id);
    try {
      await api.post(path`/api/v1/alerts/${a.id}/acknowledge`);
      notify.ok('Alert acknowledged.');
    } catch (e) {
      notify.error(e.message);
    } finally {
      setBusy(null);
      alerts.reload();
    }
  };
  const rows = [...alerts.open, ...alerts.resolved];
  const columns = [
    { key: 'severity', label: 'Severity', width: '88', render: (a) => html`<${SeverityBadge} severity=${a.severity} />` },
    { key: 'state', label: 'State', width: '120', render: (a) => html`<${StateBadge} alert=${a} />` },
    { key: 'rule', label: 'Rule', class: 'cell-clip-md', render: (a) => html`<span title=${a.rule_name}>${a.rule_name}</span>` },
    { key: 'summary', label: 'Summary', class: 'cell-clip', render: (a) => html`<a class="alert-summary" href=${alertHref(a.id)} title=${alertWhat(a)}>${alertWhat(a)}</a>` },
    { key: 'opened', label: 'Opened', width: '100', render: (a) => html`<${Time} value=${a.opened_at} />` },
    {
      key: 'since', label: 'Resolved / acknowledged', width: '190', minor: true,
      render: (a) => (a.resolved_at ? html`Resolved <${Time} value=${a.resolved_at} />`
        : a.acknowledged_at ? html`By ${a.acknowledged_by || 'someone'} <${Time} value=${a.acknowledged_at} />`
          : html`<span class="muted">—</span>`),
    },
  ];
  if (staff) {
    columns.push({
      key: 'actions', label: html`<span class="sr-only">Actions</span>`, width: '130', class: 'actions',
      render: (a) => a.state === 'open' && html`<button type="button" class="btn btn-sm" data-action="acknowledge" disabled=${busy === a.id}
        onClick=${() => acknowledge(a)}>${busy === a.id ? html`<${Spinner} />` : html`<${Icon} name="check" />`}<span class="btn-label">Acknowledge</span></button>`,
    });
  }
  const open = alerts.open.length;
  return html`<div id="device-alerts">
    <div class="toolbar">
      <span class="muted" id="device-alerts-count">${alerts.loading && !rows.length ? ''
        : `${open ? plural(open, 'open alert') : 'No open alerts'}${alerts.resolved.length ? ` · ${alerts.resolved.length} recently resolved` : ''}`}</span>
      <a class="toolbar-end" href=${alertsHash({ state: 'all', device_id: String(d.id) })}>All of this device’s alerts</a>
    </div>
    ${alerts.error && html`<${LoadError} message=${alerts.error} onRetry=${alerts.reload} />`}
    <${DataTable} id="device-alerts-table" label="This device's alerts" columns=${columns} rows=${rows} loading=${alerts.loading}
      rowAttrs=${(a) => ({ 'data-alert-id': a.id, 'data-state': a.state, class: a.state === 'resolved' ? 'row-muted' : '' })}
      empty=${html`<${Empty} icon="check" title="No alerts on this device.">Everything the rules watch is fine here.<//>`} />
  </div>`;
}
