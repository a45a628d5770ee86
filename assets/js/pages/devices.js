// Owns: the Devices list (#/devices): filters by client, site, status, tag and a search, all kept
// in the URL (#/devices?client_id=3&online=false) so a view can be bookmarked or linked from the
// dashboard; the dense sortable table with "Load more"; live refresh as devices report; and, for
// staff, the "Add device" dialog that makes an enrollment token with its install command and lists
// (and revokes) the tokens not used up yet.
import { html, useState, useEffect, useRef } from '../html.js';
import { api, path, withQuery } from '../api.js';
import { useList, useTitle, useClientOptions, useUrlFilters, useFilterSearch } from '../hooks.js';
import { useLiveRefresh } from '../live.js';
import { usePageShortcut } from '../shortcuts.js';
import { Icon } from '../components/icons.js';
import { Dialog } from '../components/dialog.js';
import { DataTable, LoadMore } from '../components/table.js';
import { Field, Time, Empty, LoadError, PageHead, SubmitButton, Spinner, CopyBlock, SearchBox } from '../components/ui.js';
import { ClientFilter } from '../components/client-filter.js';
import { useForm, FormError } from '../components/form.js';
import { StatusDot, PctCell, UpdatesCell, TagList } from '../components/fleet.js';
import { notify } from '../components/toast.js';
import { plural, exactTime, relativeTime } from '../format.js';

const FILTER_KEYS = ['client_id', 'site_id', 'online', 'tag', 'q'];
const isStaff = (user) => user.role === 'admin' || user.role === 'technician';

function tidyFilters(f) {
  if (f.online !== 'true' && f.online !== 'false') f.online = '';
  if (!f.client_id) f.site_id = '';
  return f;
}

const openDevice = (id) => { location.hash = `#/devices/${encodeURIComponent(id)}`; };
const rowClick = (id) => (e) => {
  if (!e.target.closest('a, button, input') && !window.getSelection().toString()) openDevice(id);
};

function columns(showClient) {
  const cols = [
    {
      key: 'status', label: html`<span class="sr-only">Status</span>`, width: '34', class: 'col-status',
      sort: (d) => (d.online ? 0 : 1), render: (d) => html`<${StatusDot} online=${d.online} />`,
    },
    {
      key: 'hostname', label: 'Hostname', sort: (d) => d.hostname,
      render: (d) => html`<a class="cell-link nowrap" href=${`#/devices/${encodeURIComponent(d.id)}`}>${d.hostname}</a>
        ${d.clone_of != null && html` <span class="badge badge-security" data-clone-of=${d.clone_of}
          title=${`Enrolled with device ${d.clone_of}'s machine id without proving to be its agent`}>possible clone</span>`}
        ${d.revoked && html` <span class="badge badge-off" title=${d.revoked_reason}>revoked</span>`}
        ${d.site && html`<span class="cell-sub">${d.site}</span>`}`,
    },
  ];
  if (showClient) {
    cols.push({
      key: 'client', label: 'Client', sort: (d) => d.client, class: 'cell-clip-md',
      render: (d) => html`<span title=${d.client}>${d.client}</span>`,
    });
  }
  cols.push(
    { key: 'os', label: 'OS', minor: true, sort: (d) => d.os, class: 'cell-clip-md muted', render: (d) => html`<span title=${d.os}>${d.os || '—'}</span>` },
    { key: 'cpu', label: 'CPU', align: 'num', width: '70', sort: (d) => d.cpu_pct, render: (d) => html`<${PctCell} value=${d.cpu_pct} />` },
    { key: 'mem', label: 'Memory', align: 'num', width: '84', sort: (d) => d.mem_used_pct, render: (d) => html`<${PctCell} value=${d.mem_used_pct} />` },
    {
      key: 'disk', label: 'Disk', align: 'num', width: '70', sort: (d) => d.disk_max_pct,
      render: (d) => html`<span title="The fullest disk"><${PctCell} value=${d.disk_max_pct} levels /></span>`,
    },
    {
      key: 'updates', label: 'Updates', align: 'num', width: '140',
      sort: (d) => (d.pending_updates == null ? null : (d.security_updates || 0) * 1e6 + d.pending_updates),
      render: (d) => html`<${UpdatesCell} pending=${d.pending_updates} security=${d.security_updates} />`,
    },
    { key: 'tags', label: 'Tags', minor: true, render: (d) => html`<${TagList} tags=${d.tags} />` },
    { key: 'seen', label: 'Last seen', width: '110', sort: (d) => d.last_seen, render: (d) => html`<${Time} value=${d.last_seen} empty="Never" />` },
  );
  return cols;
}

export function DevicesPage({ user, query }) {
  useTitle('Devices');
  const staff = isStaff(user);
  const { filters, setFilters: setFilter, clearFilters } = useUrlFilters('#/devices', query, { keys: FILTER_KEYS, tidy: tidyFilters });
  // Typing changes the URL (after a pause); a URL change from elsewhere (a link, Back) changes the box.
  const [q, setQ] = useFilterSearch(filters.q, (v) => setFilter({ q: v }, { replace: true }));
  const search = useRef(null);
  const [adding, setAdding] = useState(false);

  const list = useList('/api/v1/devices', {
    client_id: filters.client_id, site_id: filters.site_id, online: filters.online, tag: filters.tag, q: filters.q,
  });
  const shownIds = useRef(new Set());
  shownIds.current = new Set(list.items.map((d) => d.id));
  // A check-in changes only the device's own row; anything else may change which rows belong.
  useLiveRefresh((e) => e.type !== 'check_in' || shownIds.current.has(e.device_id), () => list.refresh());

  usePageShortcut('/', () => search.current && search.current.focus());
  usePageShortcut('n', () => staff && setAdding(true));

  const active = FILTER_KEYS.some((k) => filters[k]);
  const count = list.items.length;
  const sub = list.loading && !count ? 'Loading…'
    : `${plural(count, 'device')}${list.next ? ' shown (more below)' : ''}${active ? ' matching the filters' : ''}`;
  const empty = active
    ? html`<${Empty} title="No devices match these filters.">
        <button type="button" class="btn-link" onClick=${() => { setQ(''); clearFilters(); }}>Clear the filters</button> to see every device.
      <//>`
    : html`<${Empty} icon="device" title="No devices yet.">
        ${staff ? 'Add one with the button above.' : 'Your service provider adds your computers; they will show up here.'}
      <//>`;

  return html`<section class="page">
    <${PageHead} title="Devices" sub=${sub}>
      ${staff && html`<button type="button" class="btn btn-primary" id="add-device" onClick=${() => setAdding(true)}
          title="Add device (n)">
        <${Icon} name="plus" />Add device
      </button>`}
    <//>
    <div class="toolbar toolbar-wrap" id="device-filters">
      <${SearchBox} id="device-search" inputRef=${search} value=${q} onChange=${setQ} busy=${list.loading && count > 0}
        placeholder="Search hostname, OS, client" label="Search devices by hostname, OS or client" />
      ${staff && html`<${ClientFilter} id="filter-client" value=${filters.client_id}
        onChange=${(v) => setFilter({ client_id: v, site_id: '' })} />`}
      ${filters.client_id && html`<${SiteFilter} clientId=${filters.client_id} value=${filters.site_id}
        onChange=${(v) => setFilter({ site_id: v })} />`}
      <select id="filter-online" class="input input-auto" aria-label="Status" value=${filters.online}
          onChange=${(e) => setFilter({ online: e.target.value })}>
        <option value="">Online and offline</option>
        <option value="true">Online</option>
        <option value="false">Offline</option>
      </select>
      ${staff && html`<${TagFilter} value=${filters.tag} onChange=${(v) => setFilter({ tag: v })} />`}
      ${active && html`<button type="button" class="btn btn-ghost" id="clear-filters" onClick=${() => { setQ(''); clearFilters(); }}>
        <${Icon} name="x" />Clear filters
      </button>`}
    </div>
    ${list.error && html`<${LoadError} message=${list.error} onRetry=${list.reload} />`}
    <${DataTable} id="devices-table" label="Devices" wide columns=${columns(staff)} rows=${list.items} loading=${list.loading}
      empty=${empty} rowAttrs=${(d) => ({
        'data-device-id': d.id, 'data-hostname': d.hostname, 'data-online': d.online ? 'true' : 'false',
        class: d.online ? 'row-link' : 'row-link row-offline', onClick: rowClick(d.id),
      })} />
    <${LoadMore} list=${list} />
    ${adding && html`<${AddDeviceDialog} user=${user} clientId=${filters.client_id} siteId=${filters.site_id}
      onClose=${() => setAdding(false)} />`}
  </section>`;
}

/** The client's sites (from GET /api/v1/clients/{id}); empty while loading or when it has none. */
function useSites(clientId) {
  const [sites, setSites] = useState({ loading: !!clientId, items: [] });
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

function SiteFilter({ clientId, value, onChange }) {
  const sites = useSites(clientId);
  if (!sites.items.length && !value) return null;
  return html`<select id="filter-site" class="input input-auto" aria-label="Site" value=${value}
      onChange=${(e) => onChange(e.target.value)}>
    <option value="">All sites</option>
    ${value && !sites.items.some((s) => String(s.id) === value) && html`<option value=${value}>Site ${value}</option>`}
    ${sites.items.map((s) => html`<option key=${s.id} value=${String(s.id)}>${s.name}</option>`)}
  </select>`;
}

function TagFilter({ value, onChange }) {
  const [tags, setTags] = useState([]);
  useEffect(() => {
    api.get('/api/v1/tags').then((d) => setTags(d.items)).catch(() => setTags([]));
  }, []);
  if (!tags.length && !value) return null;
  return html`<select id="filter-tag" class="input input-auto" aria-label="Tag" value=${value}
      onChange=${(e) => onChange(e.target.value)}>
    <option value="">All tags</option>
    ${value && !tags.some((t) => t.tag === value) && html`<option value=${value}>${value}</option>`}
    ${tags.map((t) => html`<option key=${t.tag} value=${t.tag}>${t.tag} (${t.devices})</option>`)}
  </select>`;
}

const TTLS = [['1h', '1 hour'], ['24h', '24 hours'], ['7d', '7 days'], ['30d', '30 days']];
const TOKEN_FIELDS = ['client_id', 'site_id', 'ttl', 'uses'];

/**
 * "Add device": choose the client (and site), how long the token lives and how many machines may
 * use it; the answer is the one-line install command. Below: the tokens not used up yet.
 */
export function AddDeviceDialog({ clientId = '', siteId = '', onClose }) {
  const clients = useClientOptions();
  const [form, setForm] = useState({ client_id: clientId || '', site_id: clientId ? siteId || '' : '', ttl: '24h', uses: '1' });
  const sites = useSites(form.client_id);
  const save = useForm({ fields: TOKEN_FIELDS });
  const { errors } = save;
  const [made, setMade] = useState(null);
  const [tokensVersion, setTokensVersion] = useState(0);
  const set = (k) => (e) => setForm((f) => ({ ...f, [k]: e.target.value, ...(k === 'client_id' ? { site_id: '' } : {}) }));

  // With one client there is nothing to choose.
  useEffect(() => {
    if (!form.client_id && clients.items.length === 1) setForm((f) => ({ ...f, client_id: String(clients.items[0].id) }));
  }, [clients.items]);

  const uses = Number(form.uses);
  const submit = save.onSubmit({
    check: () => {
      const errs = {};
      if (!form.client_id) errs.client_id = 'Choose the client the device belongs to.';
      if (!Number.isInteger(uses) || uses < 1) errs.uses = 'Enter how many machines may use this command: 1 or more.';
      return errs;
    },
    send: async () => {
      const body = { client_id: Number(form.client_id), ttl: form.ttl, uses };
      if (form.site_id) body.site_id = Number(form.site_id);
      setMade(await api.post('/api/v1/enroll-tokens', body));
      setTokensVersion((n) => n + 1);
    },
  });

  return html`<${Dialog} id="add-device-dialog" title="Add device" onClose=${onClose} wide>
    ${made
      ? html`<div class="dialog-body" id="enroll-result">
          <p class="lead-text">Run this as root on the Linux machine. The device appears here within a minute.</p>
          <${CopyBlock} id="install-command" value=${made.install_command} title="Install command" label="Copy command" />
          <dl class="props props-compact" id="enroll-facts">
            <dt>Client</dt><dd>${made.client}${made.site && html` · ${made.site}`}</dd>
            <dt>Expires</dt><dd title=${exactTime(made.expires_at)}>${relativeTime(made.expires_at)} (${exactTime(made.expires_at)})</dd>
            <dt>Uses</dt><dd>${made.max_uses === 1 ? 'One machine' : `Up to ${made.max_uses} machines`}</dd>
          </dl>
          <p class="field-hint">The command carries a secret token: share it only with whoever installs the agent.
            It downloads Steward from this server over a connection pinned to this server’s certificate.</p>
        </div>
        <${TokenList} version=${tokensVersion} highlight=${made.id} />
        <div class="dialog-foot">
          <button type="button" class="btn" id="enroll-another" onClick=${() => setMade(null)}>Make another</button>
          <button type="button" class="btn btn-primary" id="enroll-done" onClick=${onClose} autofocus>Done</button>
        </div>`
      : html`<form class="dialog-form" onSubmit=${submit} novalidate>
          <div class="dialog-body">
            <p class="lead-text">Make a one-line install command. Running it on a Linux machine installs the agent,
              which then reports to this server.</p>
            ${!clients.loading && !clients.error && clients.items.length === 0 && html`<p class="notice" id="enroll-no-clients">
              <${Icon} name="alert" /><span>A device belongs to a client, and there is none yet.
              ${' '}<a href="#/clients" onClick=${onClose}>Add a client</a> first.</span></p>`}
            <div class="form-grid">
              <${Field} label="Client" id="enroll-client" error=${errors.client_id || clients.error}>
                ${clients.loading
                  ? html`<div class="input input-loading"><${Spinner} /> Loading clients…</div>`
                  : html`<select id="enroll-client" class="input" value=${form.client_id} autofocus
                      aria-invalid=${errors.client_id ? 'true' : 'false'} onChange=${set('client_id')}>
                    <option value="">Choose a client…</option>
                    ${clients.items.map((c) => html`<option key=${c.id} value=${String(c.id)}>${c.name}</option>`)}
                  </select>`}
              <//>
              <${Field} label="Site" id="enroll-site" error=${errors.site_id} optional>
                <select id="enroll-site" class="input" value=${form.site_id} onChange=${set('site_id')}
                    disabled=${!form.client_id || sites.loading || !sites.items.length}
                    aria-invalid=${errors.site_id ? 'true' : 'false'}>
                  <option value="">${!form.client_id ? 'Choose a client first' : sites.loading ? 'Loading sites…'
                    : sites.items.length ? 'No particular site' : 'This client has no sites'}</option>
                  ${sites.items.map((s) => html`<option key=${s.id} value=${String(s.id)}>${s.name}</option>`)}
                </select>
              <//>
              <${Field} label="Valid for" id="enroll-ttl" error=${errors.ttl}>
                <select id="enroll-ttl" class="input" value=${form.ttl} onChange=${set('ttl')}>
                  ${TTLS.map(([v, label]) => html`<option key=${v} value=${v}>${label}</option>`)}
                </select>
              <//>
              <${Field} label="Machines" id="enroll-uses" error=${errors.uses} hint="How many machines may use it.">
                <input id="enroll-uses" class="input" type="number" min="1" max="10000" step="1" value=${form.uses}
                  aria-invalid=${errors.uses ? 'true' : 'false'} onInput=${set('uses')} />
              <//>
            </div>
            <${FormError} id="enroll-error" message=${errors.form} />
          </div>
          <${TokenList} version=${tokensVersion} />
          <div class="dialog-foot">
            <button type="button" class="btn" onClick=${onClose}>Cancel</button>
            <${SubmitButton} id="enroll-submit" busy=${save.busy} label="Make install command" busyLabel="Making…" />
          </div>
        </form>`}
  <//>`;
}

/** The enrollment tokens that can still be used, each with Revoke. */
function TokenList({ version, highlight }) {
  const [state, setState] = useState({ loading: true, items: [], error: '' });
  const [revoking, setRevoking] = useState(null);
  const load = () => api.get(withQuery('/api/v1/enroll-tokens'))
    .then((d) => setState({ loading: false, items: d.items, error: '' }))
    .catch((e) => setState({ loading: false, items: [], error: e.message }));
  useEffect(() => { load(); }, [version]);

  const revoke = async (t) => {
    setRevoking(t.id);
    try {
      await api.del(path`/api/v1/enroll-tokens/${t.id}`);
      notify.ok(`Token ${t.prefix}… revoked: its install command no longer works.`);
      setState((s) => ({ ...s, items: s.items.filter((x) => x.id !== t.id) }));
    } catch (e) {
      notify.error(e.message);
    } finally {
      setRevoking(null);
    }
  };

  return html`<div class="dialog-section" id="enroll-tokens">
    <h3>Tokens not used up yet</h3>
    ${state.loading ? html`<${Spinner} />`
      : state.error ? html`<p class="field-error">${state.error}</p>`
      : state.items.length === 0 ? html`<p class="muted" id="enroll-tokens-empty">None: every install command made so far is used up, expired or revoked.</p>`
      : html`<table class="mini-table token-table">
          <thead><tr><th>Token</th><th>For</th><th>Expires</th><th class="num">Used</th><th><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>${state.items.map((t) => html`<tr key=${t.id} data-token-id=${t.id} class=${t.id === highlight ? 'row-new' : undefined}>
            <td><code class="key-prefix">${t.prefix}…</code></td>
            <td class="cell-clip-sm">${t.client}${t.site && html`<span class="muted"> · ${t.site}</span>`}</td>
            <td class="nowrap"><${Time} value=${t.expires_at} /></td>
            <td class="num tabular">${t.uses} of ${t.max_uses}</td>
            <td class="actions">
              <button type="button" class="btn btn-sm btn-danger-ghost" data-action="revoke-token" disabled=${revoking === t.id}
                aria-label=${`Revoke token ${t.prefix}`} onClick=${() => revoke(t)}>
                ${revoking === t.id && html`<${Spinner} />`}Revoke
              </button>
            </td>
          </tr>`)}</tbody>
        </table>`}
  </div>`;
}
