// Owns: the Clients list page (#/clients): search (server-side, debounced), sortable table,
// paging, and the admin's "Add client" dialog.
import { html, useState, useRef } from '../html.js';
import { api } from '../api.js';
import { useList, useDebounced, useTitle } from '../hooks.js';
import { usePageShortcut } from '../shortcuts.js';
import { Icon } from '../components/icons.js';
import { Dialog } from '../components/dialog.js';
import { DataTable, LoadMore } from '../components/table.js';
import { Field, Time, Empty, LoadError, PageHead, SubmitButton, SearchBox } from '../components/ui.js';
import { notify } from '../components/toast.js';
import { useForm, FormError } from '../components/form.js';
import { plural } from '../format.js';

const openClient = (id) => { location.hash = `#/clients/${encodeURIComponent(id)}`; };

// A click anywhere on a row opens the client, except on its own links and buttons.
const rowClick = (id) => (e) => {
  if (!e.target.closest('a, button, input') && !window.getSelection().toString()) openClient(id);
};

const COLUMNS = [
  {
    key: 'name', label: 'Name', sort: (c) => c.name,
    render: (c) => html`<a class="cell-link" href=${`#/clients/${encodeURIComponent(c.id)}`}>${c.name}</a>`,
  },
  { key: 'notes', label: 'Notes', class: 'cell-clip muted', minor: true, render: (c) => (c.notes || '').split('\n')[0] },
  { key: 'sites', label: 'Sites', align: 'num', width: '90', sort: (c) => c.site_count, render: (c) => c.site_count ?? 0 },
  { key: 'contacts', label: 'Contacts', align: 'num', width: '100', minor: true, sort: (c) => c.user_count, render: (c) => c.user_count ?? 0 },
  {
    key: 'devices', label: 'Devices', align: 'num', width: '90', sort: (c) => c.device_count,
    render: (c) => (c.device_count
      ? html`<a href=${`#/devices?client_id=${encodeURIComponent(c.id)}`} title=${`Show ${c.name}’s devices`}>${c.device_count}</a>`
      : 0),
  },
  { key: 'created', label: 'Added', width: '130', minor: true, sort: (c) => c.created_at, render: (c) => html`<${Time} value=${c.created_at} />` },
];

// The server counts devices only once devices exist; until then a "0" would be a claim, not a count.
const columnsFor = (items) => (items.some((c) => c.device_count != null) ? COLUMNS : COLUMNS.filter((c) => c.key !== 'devices'));

export function ClientsPage({ user }) {
  useTitle('Clients');
  const isAdmin = user.role === 'admin';
  const [q, setQ] = useState('');
  const query = useDebounced(q.trim(), 250);
  const list = useList('/api/v1/clients', { q: query });
  const [adding, setAdding] = useState(false);
  const search = useRef(null);

  usePageShortcut('/', () => search.current && search.current.focus());
  usePageShortcut('n', () => isAdmin && setAdding(true));

  const empty = query
    ? html`<${Empty} title=${`No clients match “${query}”.`}>Check the spelling, or clear the search to see every client.<//>`
    : html`<${Empty} icon="clients" title="No clients yet.">
        ${isAdmin ? 'Add your first client with the button above or press n.' : 'An admin adds clients; they will show up here.'}
      <//>`;

  const count = list.items.length;
  const sub = list.loading && !count ? 'Loading…'
    : `${plural(count, 'client')}${list.next ? ' shown (more below)' : ''}${query ? ' matching the search' : ''}`;

  return html`<section class="page">
    <${PageHead} title="Clients" sub=${sub}>
      ${isAdmin && html`<button type="button" class="btn btn-primary" id="add-client" onClick=${() => setAdding(true)}
          title="Add client (n)">
        <${Icon} name="plus" />Add client
      </button>`}
    <//>
    <div class="toolbar">
      <${SearchBox} id="client-search" inputRef=${search} value=${q} onChange=${setQ} busy=${list.loading && count > 0}
        placeholder="Search clients" label="Search clients by name" />
    </div>
    ${list.error && html`<${LoadError} message=${list.error} onRetry=${list.reload} />`}
    <${DataTable} id="clients-table" label="Clients" columns=${columnsFor(list.items)} rows=${list.items} loading=${list.loading}
      empty=${empty} rowAttrs=${(c) => ({ 'data-client-id': c.id, class: 'row-link', onClick: rowClick(c.id) })} />
    <${LoadMore} list=${list} />
    ${adding && html`<${AddClientDialog} onClose=${() => setAdding(false)} onAdded=${(c) => {
      setAdding(false);
      notify.ok(`Client “${c.name}” added.`);
      list.reload();
    }} />`}
  </section>`;
}

function AddClientDialog({ onClose, onAdded }) {
  const [name, setName] = useState('');
  const [notes, setNotes] = useState('');
  // A name already taken (409) shows at the name.
  const save = useForm({ fields: ['name'], conflict: 'name' });
  const { errors } = save;
  const submit = save.onSubmit({
    check: () => (name.trim() ? {} : { name: 'Enter the client’s name.' }),
    send: async () => onAdded(await api.post('/api/v1/clients', { name: name.trim(), notes })),
  });

  return html`<${Dialog} id="client-dialog" title="Add client" onClose=${onClose}>
    <form class="dialog-form" onSubmit=${submit} novalidate>
      <div class="dialog-body">
        <${Field} label="Name" id="client-name" error=${errors.name} hint="The company name, as your technicians call it.">
          <input id="client-name" class="input" autofocus maxlength="200" value=${name}
            aria-invalid=${save.invalid('name')} onInput=${(e) => setName(e.target.value)} />
        <//>
        <${Field} label="Notes" id="client-notes" optional>
          <textarea id="client-notes" class="input" rows="4" value=${notes} onInput=${(e) => setNotes(e.target.value)}
            placeholder="Contacts, contract details, where the server closet key is…"></textarea>
        <//>
        <${FormError} id="client-error" message=${errors.form} />
      </div>
      <div class="dialog-foot">
        <button type="button" class="btn" onClick=${onClose}>Cancel</button>
        <${SubmitButton} id="client-submit" busy=${save.busy} label="Add client" busyLabel="Adding…" />
      </div>
    </form>
  <//>`;
}
