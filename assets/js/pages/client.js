// Owns: one client's page (#/clients/{id}): its name, notes and time zone (editable by admins),
// a link to its maintenance windows and tickets, its sites table with the "Add site" / "Edit site"
// dialog, and for staff its contacts and SLA policy (components/contacts.js).
// Also the list of time zones the zone selects offer (shared with the maintenance page).
import { html, useState, useEffect, useCallback, useMemo } from '../html.js';
import { api, path } from '../api.js';
import { useTitle, useSetCrumb, useNow } from '../hooks.js';
import { Icon } from '../components/icons.js';
import { Dialog } from '../components/dialog.js';
import { DataTable } from '../components/table.js';
import { Field, Time, Empty, Loading, LoadError, PageHead, SubmitButton } from '../components/ui.js';
import { notify } from '../components/toast.js';
import { useForm, FormError } from '../components/form.js';
import { plural, timeIn, zoneOffset, zoneLabel } from '../format.js';
import { ClientContacts, ClientSlaPolicy } from '../components/contacts.js';

export function ClientPage({ id, user }) {
  const [state, setState] = useState({ loading: true, client: null, error: null });
  const [editing, setEditing] = useState(false);
  const [siteDialog, setSiteDialog] = useState(null); // null, {} for a new site, or the site to edit
  const isAdmin = user.role === 'admin';

  const load = useCallback(() => {
    setState((s) => ({ ...s, loading: true, error: null }));
    api.get(path`/api/v1/clients/${id}`)
      .then((client) => setState({ loading: false, client, error: null }))
      .catch((error) => setState({ loading: false, client: null, error }));
  }, [id]);
  useEffect(() => { setEditing(false); load(); }, [load]);

  const client = state.client;
  useTitle(client && client.name, 'Clients');
  useSetCrumb(client ? client.name : state.error ? (state.error.status === 404 ? 'Not found' : 'Client') : '');

  if (state.loading && !client) return html`<section class="page"><${Loading} /></section>`;
  if (state.error) {
    return html`<section class="page">${state.error.status === 404
      ? html`<${Empty} icon="clients" title="This client does not exist.">
          It may have been removed. ${user.role !== 'client' && html`<a href="#/clients">Back to all clients</a>`}
        <//>`
      : html`<${LoadError} message=${state.error.message} onRetry=${load} />`}</section>`;
  }

  const sites = client.sites || [];
  const saved = (updated) => setState((s) => ({ ...s, client: { ...s.client, ...updated, sites: s.client.sites } }));
  const siteSaved = (site, isNew) => {
    setSiteDialog(null);
    notify.ok(isNew ? `Site “${site.name}” added.` : `Site “${site.name}” saved.`);
    setState((s) => {
      const list = (isNew ? [...s.client.sites, site] : s.client.sites.map((x) => (x.id === site.id ? site : x)))
        .sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }));
      return { ...s, client: { ...s.client, sites: list, site_count: list.length } };
    });
  };

  return html`<section class="page" data-client-id=${client.id}>
    <${PageHead} title=${client.name}
      sub=${html`${plural(client.site_count ?? sites.length, 'site')}${client.user_count != null && ` · ${plural(client.user_count, 'contact')}`}${
        client.device_count != null && html` · <a href=${`#/devices?client_id=${encodeURIComponent(client.id)}`} id="client-devices-link">${
          plural(client.device_count, 'device')}</a>`}${client.timezone && html` · <span id="client-timezone" title="The client’s time zone">${
          zoneLabel(client.timezone)}</span>`} · <a href=${`#/maintenance?client_id=${encodeURIComponent(client.id)}`} id="client-maintenance-link">maintenance windows</a> · <a href=${`#/tickets?view=all&client_id=${encodeURIComponent(client.id)}`} id="client-tickets-link">tickets</a> · added <${Time} value=${client.created_at} />`}>
      ${isAdmin && !editing && html`<button type="button" class="btn" id="edit-client" onClick=${() => setEditing(true)}>
        <${Icon} name="edit" />Edit client
      </button>`}
    <//>
    ${editing
      ? html`<${ClientEditForm} client=${client} onCancel=${() => setEditing(false)}
          onSaved=${(c) => { saved(c); setEditing(false); notify.ok('Client saved.'); }} />`
      : html`<div class="card">
          <div class="card-head"><h2>Notes</h2></div>
          ${client.notes
            ? html`<p class="notes" id="client-notes-view">${client.notes}</p>`
            : html`<p class="notes muted" id="client-notes-view">No notes.${isAdmin && ' Use “Edit client” to add contacts or contract details.'}</p>`}
        </div>`}
    <div class="section-head">
      <h2>Sites</h2>
      ${isAdmin && html`<button type="button" class="btn btn-primary" id="add-site" onClick=${() => setSiteDialog({})}>
        <${Icon} name="plus" />Add site
      </button>`}
    </div>
    <${SitesTable} sites=${sites} isAdmin=${isAdmin} onEdit=${setSiteDialog} />
    ${user.role !== 'client' && html`<${ClientContacts} clientId=${client.id} />
      <${ClientSlaPolicy} client=${client} user=${user} />`}
    ${siteDialog && html`<${SiteDialog} clientId=${client.id} site=${siteDialog.id ? siteDialog : null}
      defaultZone=${latestZone(sites)}
      onClose=${() => setSiteDialog(null)} onSaved=${siteSaved} />`}
  </section>`;
}

function SitesTable({ sites, isAdmin, onEdit }) {
  const now = useNow();
  const columns = [
    { key: 'name', label: 'Name', width: '220', sort: (s) => s.name, render: (s) => html`<span class="strong">${s.name}</span>` },
    {
      key: 'address', label: 'Address', minor: true, class: 'cell-clip', sort: (s) => s.address,
      render: (s) => (s.address ? html`<span title=${s.address}>${s.address.split(/\s*\n\s*/).join(', ')}</span>` : html`<span class="muted">—</span>`),
    },
    { key: 'tz', label: 'Time zone', width: '190', sort: (s) => s.timezone, render: (s) => zoneLabel(s.timezone) },
    {
      key: 'local', label: 'Local time', width: '150', class: 'nowrap',
      render: (s) => html`<span class="tabular">${timeIn(s.timezone, now)}</span> <span class="muted tabular">${zoneOffset(s.timezone, now)}</span>`,
    },
    { key: 'created', label: 'Added', width: '120', minor: true, sort: (s) => s.created_at, render: (s) => html`<${Time} value=${s.created_at} />` },
  ];
  if (isAdmin) {
    columns.push({
      key: 'actions', label: html`<span class="sr-only">Actions</span>`, width: '80', class: 'actions',
      render: (s) => html`<button type="button" class="btn btn-sm btn-ghost" data-action="edit-site"
        onClick=${() => onEdit(s)} aria-label=${`Edit site ${s.name}`}><${Icon} name="edit" /><span class="btn-label">Edit</span></button>`,
    });
  }
  const empty = html`<${Empty} icon="pin" title="No sites yet.">
    ${isAdmin ? 'Add the client’s first office or location with “Add site”.' : 'An admin adds the client’s offices and locations here.'}
  <//>`;
  return html`<${DataTable} id="sites-table" label="Sites" columns=${columns} rows=${sites} empty=${empty}
    rowAttrs=${(s) => ({ 'data-site-id': s.id })} />`;
}

function ClientEditForm({ client, onCancel, onSaved }) {
  const zones = useMemo(timeZones, []);
  const [name, setName] = useState(client.name);
  const [notes, setNotes] = useState(client.notes || '');
  const [timezone, setTimezone] = useState(client.timezone || 'UTC');
  const save = useForm({ fields: ['name', 'timezone'], conflict: 'name' });
  const { errors } = save;
  const submit = save.onSubmit({
    check: () => (name.trim() ? {} : { name: 'Enter the client’s name.' }),
    send: async () => {
      const body = { name: name.trim(), notes };
      // The zone goes along only when it changed: saving a new name does not rewrite it.
      if (timezone !== (client.timezone || 'UTC')) body.timezone = timezone;
      onSaved(await api.patch(path`/api/v1/clients/${client.id}`, body));
    },
  });
  return html`<form class="card card-form" id="client-edit-form" onSubmit=${submit} novalidate
      onKeyDown=${(e) => { if (e.key === 'Escape') onCancel(); }}>
    <div class="card-head"><h2>Edit client</h2></div>
    <${Field} label="Name" id="client-edit-name" error=${errors.name}>
      <input id="client-edit-name" class="input" autofocus maxlength="200" value=${name}
        aria-invalid=${save.invalid('name')} onInput=${(e) => setName(e.target.value)} />
    <//>
    <${Field} label="Notes" id="client-edit-notes" optional>
      <textarea id="client-edit-notes" class="input" rows="6" value=${notes} onInput=${(e) => setNotes(e.target.value)}></textarea>
    <//>
    <${Field} label="Time zone" id="client-edit-timezone" error=${errors.timezone}
        hint="New maintenance windows of this client start in it when their site has none.">
      <select id="client-edit-timezone" class="input" value=${timezone} onChange=${(e) => setTimezone(e.target.value)}>
        ${!zones.includes(timezone) && html`<option value=${timezone}>${zoneLabel(timezone)}</option>`}
        ${zones.map((z) => html`<option key=${z} value=${z}>${zoneLabel(z)}</option>`)}
      </select>
    <//>
    <${FormError} id="client-edit-error" message=${errors.form} />
    <div class="form-actions">
      <${SubmitButton} id="client-edit-save" busy=${save.busy} label="Save" busyLabel="Saving…" />
      <button type="button" class="btn" onClick=${onCancel}>Cancel</button>
    </div>
  </form>`;
}

/** IANA zone names the browser knows, UTC first, then by name. */
export function timeZones() {
  let zones = [];
  try { zones = Intl.supportedValuesOf('timeZone'); } catch { zones = []; }
  const local = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return [...new Set(['UTC', ...zones, ...(local ? [local] : [])])].sort((a, b) =>
    (a === 'UTC' ? -1 : b === 'UTC' ? 1 : a.localeCompare(b)));
}

const latestZone = (sites) => sites.reduce((a, s) => (!a || s.id > a.id ? s : a), null)?.timezone || '';

// A new site starts in the zone of the client's latest site (clients are usually in one region),
// else in the browser's own zone.
function SiteDialog({ clientId, site, defaultZone, onClose, onSaved }) {
  const zones = useMemo(timeZones, []);
  const [name, setName] = useState(site ? site.name : '');
  const [address, setAddress] = useState(site ? site.address || '' : '');
  const [timezone, setTimezone] = useState(site ? site.timezone : defaultZone || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  const save = useForm({ fields: ['name', 'address', 'timezone'], conflict: 'name' });
  const { errors } = save;
  const submit = save.onSubmit({
    check: () => (name.trim() ? {} : { name: 'Enter the site’s name, e.g. “Head office”.' }),
    send: async () => {
      const body = { name: name.trim(), address: address.trim(), timezone };
      const saved = site
        ? await api.patch(path`/api/v1/sites/${site.id}`, body)
        : await api.post(path`/api/v1/clients/${clientId}/sites`, body);
      onSaved(saved, !site);
    },
  });

  return html`<${Dialog} id="site-dialog" title=${site ? 'Edit site' : 'Add site'} onClose=${onClose}>
    <form class="dialog-form" onSubmit=${submit} novalidate>
      <div class="dialog-body">
        <${Field} label="Name" id="site-name" error=${errors.name}>
          <input id="site-name" class="input" autofocus maxlength="200" value=${name}
            aria-invalid=${errors.name ? 'true' : 'false'} onInput=${(e) => setName(e.target.value)} />
        <//>
        <${Field} label="Address" id="site-address" error=${errors.address} optional>
          <textarea id="site-address" class="input" rows="2" value=${address} onInput=${(e) => setAddress(e.target.value)}></textarea>
        <//>
        <${Field} label="Time zone" id="site-timezone" error=${errors.timezone}
            hint="Used for the site’s business hours and maintenance windows.">
          <select id="site-timezone" class="input" value=${timezone} onChange=${(e) => setTimezone(e.target.value)}>
            ${zones.map((z) => html`<option key=${z} value=${z}>${zoneLabel(z)}</option>`)}
          </select>
        <//>
        <${FormError} id="site-error" message=${errors.form} />
      </div>
      <div class="dialog-foot">
        <button type="button" class="btn" onClick=${onClose}>Cancel</button>
        <${SubmitButton} id="site-submit" busy=${save.busy} label=${site ? 'Save site' : 'Add site'} busyLabel="Saving…" />
      </div>
    </form>
  <//>`;
}
