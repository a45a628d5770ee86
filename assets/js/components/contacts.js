// Owns: the service-desk parts of a client's page (staff only): the client's contacts (the people
// who report tickets and get public replies by e-mail) with the add / edit / delete dialog, and
// the client's SLA policy (its own, or the default), which admins choose.
import { html, useState, useEffect, useCallback } from '../html.js';
import { api, path, withQuery } from '../api.js';
import { Icon } from './icons.js';
import { Dialog, ConfirmDialog } from './dialog.js';
import { DataTable } from './table.js';
import { Field, Empty, LoadError, SubmitButton, Spinner } from './ui.js';
import { notify } from './toast.js';
import { useForm, FormError } from './form.js';

export function ClientContacts({ clientId }) {
  const [state, setState] = useState({ loading: true, items: [], error: null });
  const [dialog, setDialog] = useState(null); // null, {} for a new contact, or the contact to edit
  const [deleting, setDeleting] = useState(null);

  const load = useCallback(() => {
    setState((s) => ({ ...s, loading: true, error: null }));
    api.get(withQuery('/api/v1/contacts', { client_id: clientId, limit: 500 }))
      .then((page) => setState({ loading: false, items: page.items, error: null }))
      .catch((error) => setState({ loading: false, items: [], error }));
  }, [clientId]);
  useEffect(load, [load]);

  const remove = async () => {
    const c = deleting;
    await api.del(path`/api/v1/contacts/${c.id}`);
    notify.ok(`Contact “${c.name}” deleted.`);
    load();
  };

  const columns = [
    { key: 'name', label: 'Name', width: '200', sort: (c) => c.name, render: (c) => html`<span class="strong">${c.name}</span>` },
    { key: 'email', label: 'E-mail', sort: (c) => c.email,
      render: (c) => (c.email ? html`<a href=${`mailto:${c.email}`}>${c.email}</a>` : html`<span class="muted">— (no replies by e-mail)</span>`) },
    { key: 'phone', label: 'Phone', width: '160', render: (c) => c.phone || html`<span class="muted">—</span>` },
    { key: 'open', label: 'Open tickets', width: '110', class: 'num', sort: (c) => c.open_tickets, render: (c) => c.open_tickets },
    {
      key: 'actions', label: html`<span class="sr-only">Actions</span>`, width: '150', class: 'actions',
      render: (c) => html`<button type="button" class="btn btn-sm btn-ghost" data-action="edit-contact"
          onClick=${() => setDialog(c)} aria-label=${`Edit contact ${c.name}`}><${Icon} name="edit" /><span class="btn-label">Edit</span></button>
        <button type="button" class="btn btn-sm btn-ghost" data-action="delete-contact"
          onClick=${() => setDeleting(c)} aria-label=${`Delete contact ${c.name}`}><${Icon} name="trash" /></button>`,
    },
  ];
  const empty = html`<${Empty} icon="users" title="No contacts yet.">
    Add the people who report problems; public replies on their tickets are e-mailed to them.
  <//>`;
  return html`<div class="section-head">
      <h2>Contacts</h2>
      <button type="button" class="btn" id="add-contact" onClick=${() => setDialog({})}><${Icon} name="plus" />Add contact</button>
    </div>
    ${state.error
      ? html`<${LoadError} message=${state.error.message} onRetry=${load} />`
      : state.loading && !state.items.length
        ? html`<div class="card"><${Spinner} /></div>`
        : html`<${DataTable} id="contacts-table" label="Contacts" columns=${columns} rows=${state.items} empty=${empty}
            rowAttrs=${(c) => ({ 'data-contact-id': c.id })} />`}
    ${dialog && html`<${ContactDialog} clientId=${clientId} contact=${dialog.id ? dialog : null}
      onClose=${() => setDialog(null)} onSaved=${(c, isNew) => { setDialog(null); notify.ok(isNew ? `Contact “${c.name}” added.` : `Contact “${c.name}” saved.`); load(); }} />`}
    ${deleting && html`<${ConfirmDialog} title="Delete contact" confirmLabel="Delete contact"
      message=${`Delete “${deleting.name}”? Their tickets stay, without a contact.`}
      onConfirm=${remove} onClose=${() => setDeleting(null)} />`}`;
}

function ContactDialog({ clientId, contact, onClose, onSaved }) {
  const [name, setName] = useState(contact ? contact.name : '');
  const [email, setEmail] = useState(contact ? contact.email : '');
  const [phone, setPhone] = useState(contact ? contact.phone : '');
  const save = useForm({ fields: ['name', 'email', 'phone'] });
  const { errors } = save;
  const submit = save.onSubmit({
    check: () => (name.trim() ? {} : { name: 'Enter the contact’s name.' }),
    send: async () => {
      const body = { name: name.trim(), email: email.trim(), phone: phone.trim() };
      const saved = contact
        ? await api.put(path`/api/v1/contacts/${contact.id}`, body)
        : await api.post('/api/v1/contacts', { ...body, client_id: Number(clientId) });
      onSaved(saved, !contact);
    },
  });

  return html`<${Dialog} id="contact-dialog" title=${contact ? 'Edit contact' : 'Add contact'} onClose=${onClose}>
    <form class="dialog-form" onSubmit=${submit} novalidate>
      <div class="dialog-body">
        <${Field} label="Name" id="contact-name" error=${errors.name}>
          <input id="contact-name" class="input" autofocus maxlength="200" value=${name}
            aria-invalid=${errors.name ? 'true' : 'false'} onInput=${(e) => setName(e.target.value)} />
        <//>
        <${Field} label="E-mail" id="contact-email" error=${errors.email} optional hint="Public replies on their tickets go here.">
          <input id="contact-email" class="input" type="email" maxlength="254" value=${email}
            aria-invalid=${errors.email ? 'true' : 'false'} onInput=${(e) => setEmail(e.target.value)} />
        <//>
        <${Field} label="Phone" id="contact-phone" error=${errors.phone} optional>
          <input id="contact-phone" class="input" maxlength="50" value=${phone} onInput=${(e) => setPhone(e.target.value)} />
        <//>
        <${FormError} id="contact-error" message=${errors.form} />
      </div>
      <div class="dialog-foot">
        <button type="button" class="btn" onClick=${onClose}>Cancel</button>
        <${SubmitButton} id="contact-submit" busy=${save.busy} label=${contact ? 'Save contact' : 'Add contact'} busyLabel="Saving…" />
      </div>
    </form>
  <//>`;
}

/** The client's SLA policy: its own or the default; admins change it, technicians see it. */
export function ClientSlaPolicy({ client, user }) {
  const [policies, setPolicies] = useState(null);
  const [current, setCurrent] = useState(client.sla_policy_id ?? null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api.get('/api/v1/sla/policies').then((p) => {
      setPolicies(p.items);
      const own = p.items.find((x) => x.clients.some((c) => c.id === client.id));
      setCurrent(own ? own.id : null);
    }).catch(() => setPolicies([]));
  }, [client.id]);
  if (!policies) return null;
  const fallback = policies.find((p) => p.is_default);
  const change = async (value) => {
    const policyId = value === '' ? null : Number(value);
    setBusy(true);
    try {
      await api.put(path`/api/v1/clients/${client.id}/sla-policy`, { policy_id: policyId });
      setCurrent(policyId);
      notify.ok('SLA policy saved; it applies to tickets opened from now on.');
    } catch (e) {
      notify.error(e.message);
    }
    setBusy(false);
  };
  const label = (p) => `${p.name} (${p.calendar})`;
  return html`<div class="card sla-policy-card" id="client-sla-policy">
    <div class="card-head"><h2>SLA policy</h2>${busy && html`<${Spinner} />`}</div>
    ${user.role === 'admin'
      ? html`<select class="input" id="client-sla-select" value=${current == null ? '' : String(current)}
          onChange=${(e) => change(e.target.value)} disabled=${busy} aria-label="SLA policy">
          <option value="">Default${fallback ? `: ${label(fallback)}` : ''}</option>
          ${policies.filter((p) => !p.is_default).map((p) => html`<option key=${p.id} value=${String(p.id)}>${label(p)}</option>`)}
        </select>`
      : html`<p>${current == null ? `Default${fallback ? `: ${label(fallback)}` : ''}` : label(policies.find((p) => p.id === current) || { name: '?', calendar: '?' })}</p>`}
    <p class="muted small">Targets are counted in business time; see <a href="#/service-desk/sla">Service desk → SLA</a>.</p>
  </div>`;
}
