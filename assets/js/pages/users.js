// Owns: the Users page (#/users, admins only): the user table, "Add user" (with a password
// generator), editing name / role / client, disabling or enabling a login, ending a user's
// sessions and resetting their second factor (a lost phone).
import { html, useState } from '../html.js';
import { api, path } from '../api.js';
import { useList, useTitle, useClientOptions } from '../hooks.js';
import { usePageShortcut } from '../shortcuts.js';
import { Icon } from '../components/icons.js';
import { Dialog, ConfirmDialog } from '../components/dialog.js';
import { DataTable, LoadMore } from '../components/table.js';
import { Field, Time, Empty, LoadError, PageHead, SubmitButton, RoleBadge, StatusBadge, Spinner } from '../components/ui.js';
import { notify } from '../components/toast.js';
import { useForm, FormError } from '../components/form.js';
import { plural, userClientName, generatePassword, initials, MIN_PASSWORD, PASSWORD_HINT, ROLE_LABELS } from '../format.js';

export function UsersPage({ user: me }) {
  useTitle('Users');
  const list = useList('/api/v1/users');
  // {kind: 'add'} | {kind: 'edit' | 'disable' | 'end-sessions' | 'reset-mfa', user}
  const [dialog, setDialog] = useState(null);
  usePageShortcut('n', () => setDialog({ kind: 'add' }));

  const setDisabled = async (u, disabled) => {
    const updated = await api.patch(path`/api/v1/users/${u.id}`, { disabled });
    list.replace(updated);
    notify.ok(disabled ? `${updated.login} is disabled and can no longer log in.` : `${updated.login} can log in again.`);
  };
  const endSessions = async (u) => {
    await api.del(path`/api/v1/users/${u.id}/sessions`);
    notify.ok(`${u.login} is logged out everywhere.`);
  };
  const resetMfa = async (u) => {
    await api.del(path`/api/v1/users/${u.id}/mfa`);
    list.replace({ ...u, mfa_enabled: false });
    notify.ok(`${u.login}’s two-factor authentication is reset; they log in with their password and may set up a new app.`);
  };
  const [enabling, setEnabling] = useState(null);
  const enable = (u) => {
    setEnabling(u.id);
    setDisabled(u, false).catch((e) => notify.error(e.message)).finally(() => setEnabling(null));
  };

  const columns = [
    {
      key: 'user', label: 'User', sort: (u) => (u.name || u.login),
      render: (u) => html`<div class="user-cell">
        <span class="avatar avatar-sm" aria-hidden="true">${initials(u)}</span>
        <span class="user-cell-text">
          <span class="strong">${u.name || u.login}</span>${u.id === me.id && html` <span class="tag">you</span>`}${u.mfa_enabled
            && html` <span class="badge badge-mfa" data-mfa="on" title="Two-factor authentication is on">2FA</span>`}
          ${u.name && html`<span class="cell-sub">${u.login}</span>`}
        </span>
      </div>`,
    },
    { key: 'role', label: 'Role', width: '120', sort: (u) => u.role, render: (u) => html`<${RoleBadge} role=${u.role} />` },
    {
      key: 'client', label: 'Client', sort: (u) => userClientName(u),
      render: (u) => (u.client_id != null
        ? html`<a href=${`#/clients/${encodeURIComponent(u.client_id)}`}>${userClientName(u) || `Client ${u.client_id}`}</a>`
        : html`<span class="muted">—</span>`),
    },
    { key: 'last', label: 'Last login', width: '130', minor: true, sort: (u) => u.last_login_at, render: (u) => html`<${Time} value=${u.last_login_at} empty="Never" />` },
    { key: 'status', label: 'Status', width: '100', sort: (u) => (u.disabled ? 1 : 0), render: (u) => html`<${StatusBadge} disabled=${u.disabled} />` },
    {
      key: 'actions', label: html`<span class="sr-only">Actions</span>`, width: '330', class: 'actions',
      render: (u) => html`<div class="row-actions">
        ${u.mfa_enabled && u.id !== me.id && html`<button type="button" class="btn btn-sm btn-ghost" data-action="reset-mfa"
            aria-label=${`Reset two-factor authentication of ${u.login}`} title="Reset two-factor (a lost phone)"
            onClick=${() => setDialog({ kind: 'reset-mfa', user: u })}><${Icon} name="shield" /><span class="btn-label">Reset two-factor</span></button>`}
        ${u.id === me.id
          // Your own sessions end under Account ("Log out everywhere else"); the invisible twin keeps the columns aligned.
          ? html`<span class="btn btn-sm btn-ghost slot-hidden" aria-hidden="true"><${Icon} name="logout" /><span class="btn-label">End sessions</span></span>`
          : html`<button type="button" class="btn btn-sm btn-ghost" data-action="end-sessions" aria-label=${`End the sessions of ${u.login}`}
              title="Log them out everywhere" onClick=${() => setDialog({ kind: 'end-sessions', user: u })}>
              <${Icon} name="logout" /><span class="btn-label">End sessions</span></button>`}
        <button type="button" class="btn btn-sm btn-ghost" data-action="edit-user" aria-label=${`Edit ${u.login}`}
          onClick=${() => setDialog({ kind: 'edit', user: u })}><${Icon} name="edit" /><span class="btn-label">Edit</span></button>
        ${u.id === me.id
          ? html`<span class="row-action-slot" aria-hidden="true"></span>`
          : u.disabled
            ? html`<button type="button" class="btn btn-sm row-action-slot" data-action="enable-user" disabled=${enabling === u.id}
                aria-label=${`Enable ${u.login}`} onClick=${() => enable(u)}>${enabling === u.id && html`<${Spinner} />`}Enable</button>`
            : html`<button type="button" class="btn btn-sm btn-danger-ghost row-action-slot" data-action="disable-user"
                aria-label=${`Disable ${u.login}`} onClick=${() => setDialog({ kind: 'disable', user: u })}>Disable</button>`}
      </div>`,
    },
  ];

  const close = () => setDialog(null);
  const count = list.items.length;
  return html`<section class="page">
    <${PageHead} title="Users" sub=${list.loading && !count ? 'Loading…' : `${plural(count, 'user')}${list.next ? ' shown (more below)' : ''}`}>
      <button type="button" class="btn btn-primary" id="add-user" title="Add user (n)" onClick=${() => setDialog({ kind: 'add' })}>
        <${Icon} name="plus" />Add user
      </button>
    <//>
    ${list.error && html`<${LoadError} message=${list.error} onRetry=${list.reload} />`}
    <${DataTable} id="users-table" label="Users" columns=${columns} rows=${list.items} loading=${list.loading}
      empty=${html`<${Empty} icon="users" title="No users yet.">Add technicians and client contacts with “Add user” or press n.<//>`}
      rowAttrs=${(u) => ({ 'data-user-id': u.id, 'data-login': u.login, class: u.disabled ? 'row-muted' : '' })} />
    <${LoadMore} list=${list} />
    ${dialog && dialog.kind === 'add' && html`<${AddUserDialog} onClose=${close} onAdded=${(u) => {
      close();
      notify.ok(`${u.login} added as ${(ROLE_LABELS[u.role] || u.role).toLowerCase()}.`);
      list.reload();
    }} />`}
    ${dialog && dialog.kind === 'edit' && html`<${EditUserDialog} user=${dialog.user} isSelf=${dialog.user.id === me.id}
      onClose=${close} onSaved=${(u) => { close(); list.replace(u); notify.ok(`${u.login} saved.`); }} />`}
    ${dialog && dialog.kind === 'disable' && html`<${ConfirmDialog} title=${`Disable ${dialog.user.login}?`}
      message="They are logged out at once and cannot log in or use their API keys until you enable them again."
      confirmLabel="Disable user" onClose=${close} onConfirm=${() => setDisabled(dialog.user, true)} />`}
    ${dialog && dialog.kind === 'end-sessions' && html`<${ConfirmDialog} title=${`End ${dialog.user.login}’s sessions?`}
      message="They are logged out of every browser at once and must log in again. Their API keys keep working."
      confirmLabel="End sessions" onClose=${close} onConfirm=${() => endSessions(dialog.user)} />`}
    ${dialog && dialog.kind === 'reset-mfa' && html`<${ConfirmDialog} title=${`Reset ${dialog.user.login}’s two-factor authentication?`}
      message="They are logged out, and their authenticator app and recovery codes stop working: they log in with the password alone and set up a new app (at once, where your organisation requires one). Do this only when you are sure who is asking."
      confirmLabel="Reset two-factor" onClose=${close} onConfirm=${() => resetMfa(dialog.user)} />`}
  </section>`;
}

function ClientSelect({ id, value, onChange, error }) {
  const clients = useClientOptions();
  return html`<${Field} label="Client" id=${id} error=${error || clients.error}
      hint="A client contact sees only this client’s devices and tickets.">
    ${clients.loading
      ? html`<div class="input input-loading"><${Spinner} /> Loading clients…</div>`
      : html`<select id=${id} class="input" value=${value ?? ''} aria-invalid=${error ? 'true' : 'false'}
          onChange=${(e) => onChange(e.target.value)}>
        <option value="">Choose a client…</option>
        ${clients.items.map((c) => html`<option key=${c.id} value=${String(c.id)}>${c.name}</option>`)}
      </select>`}
  <//>`;
}

function RoleSelect({ id, value, onChange, disabled }) {
  return html`<select id=${id} class="input" value=${value} disabled=${disabled} onChange=${(e) => onChange(e.target.value)}>
    <option value="technician">Technician: works tickets and devices</option>
    <option value="admin">Admin: also manages users and clients</option>
    <option value="client">Client contact: sees one client only</option>
  </select>`;
}

// Client ids come from a <select> as strings; send numbers when the API's ids are numbers.
const clientIdFrom = (v) => (v === '' ? null : /^\d+$/.test(v) ? Number(v) : v);

function AddUserDialog({ onClose, onAdded }) {
  const [form, setForm] = useState({ email: '', name: '', role: 'technician', client_id: '', password: '' });
  const [showPassword, setShowPassword] = useState(false);
  // An address already taken (409) shows at the e-mail.
  const save = useForm({ fields: ['email', 'name', 'role', 'client_id', 'password'], conflict: 'email' });
  const { errors } = save;
  const set = (k) => (v) => setForm((f) => ({ ...f, [k]: v }));

  const submit = save.onSubmit({
    check: () => {
      const errs = {};
      if (!/^[^\s@]+@[^\s@]+$/.test(form.email.trim())) errs.email = 'Enter an e-mail address, e.g. jane@example.com.';
      if (form.role === 'client' && !form.client_id) errs.client_id = 'Choose the client this contact belongs to.';
      if (!form.password) errs.password = 'Enter a password, or press “Generate”.';
      else if ([...form.password].length < MIN_PASSWORD) errs.password = `The password must be at least ${MIN_PASSWORD} characters long.`;
      return errs;
    },
    send: async () => {
      const body = { email: form.email.trim(), name: form.name.trim(), role: form.role, password: form.password };
      if (form.role === 'client') body.client_id = clientIdFrom(form.client_id);
      onAdded(await api.post('/api/v1/users', body));
    },
  });

  const generate = () => { set('password')(generatePassword()); setShowPassword(true); };

  return html`<${Dialog} id="user-dialog" title="Add user" onClose=${onClose}>
    <form class="dialog-form" onSubmit=${submit} novalidate>
      <div class="dialog-body">
        <${Field} label="E-mail" id="user-email" error=${errors.email} hint="They can log in with this address.">
          <input id="user-email" type="email" class="input" autofocus autocomplete="off" value=${form.email}
            aria-invalid=${errors.email ? 'true' : 'false'} onInput=${(e) => set('email')(e.target.value)} />
        <//>
        <${Field} label="Name" id="user-name" error=${errors.name} optional>
          <input id="user-name" class="input" autocomplete="off" value=${form.name} onInput=${(e) => set('name')(e.target.value)} />
        <//>
        <${Field} label="Role" id="user-role" error=${errors.role}>
          <${RoleSelect} id="user-role" value=${form.role} onChange=${set('role')} />
        <//>
        ${form.role === 'client' && html`<${ClientSelect} id="user-client" value=${form.client_id}
          onChange=${set('client_id')} error=${errors.client_id} />`}
        <${Field} label="Password" id="user-password" error=${errors.password}
            hint=${`${PASSWORD_HINT} Give it to the user over a safe channel; they can change it under Account.`}>
          <div class="input-group">
            <input id="user-password" type=${showPassword ? 'text' : 'password'} class="input mono" autocomplete="new-password"
              value=${form.password} aria-invalid=${errors.password ? 'true' : 'false'}
              onInput=${(e) => set('password')(e.target.value)} />
            <button type="button" class="btn" id="toggle-password" aria-pressed=${showPassword ? 'true' : 'false'}
              title=${showPassword ? 'Hide password' : 'Show password'} onClick=${() => setShowPassword(!showPassword)}>
              <${Icon} name=${showPassword ? 'eyeOff' : 'eye'} /><span class="sr-only">${showPassword ? 'Hide' : 'Show'} password</span>
            </button>
            <button type="button" class="btn" id="generate-password" onClick=${generate}><${Icon} name="dice" />Generate</button>
          </div>
        <//>
        <${FormError} id="user-error" message=${errors.form} />
      </div>
      <div class="dialog-foot">
        <button type="button" class="btn" onClick=${onClose}>Cancel</button>
        <${SubmitButton} id="user-submit" busy=${save.busy} label="Add user" busyLabel="Adding…" />
      </div>
    </form>
  <//>`;
}

function EditUserDialog({ user, isSelf, onClose, onSaved }) {
  const [name, setName] = useState(user.name || '');
  const [role, setRole] = useState(user.role);
  const [clientId, setClientId] = useState(user.client_id == null ? '' : String(user.client_id));
  const save = useForm({ fields: ['name', 'role', 'client_id'] });
  const { errors } = save;

  const submit = save.onSubmit({
    check: () => (role === 'client' && !clientId ? { client_id: 'Choose the client this contact belongs to.' } : {}),
    send: async () => {
      const body = { name: name.trim() };
      if (!isSelf) {
        body.role = role;
        body.client_id = role === 'client' ? clientIdFrom(clientId) : null;
      }
      onSaved(await api.patch(path`/api/v1/users/${user.id}`, body));
    },
  });

  return html`<${Dialog} id="user-edit-dialog" title=${`Edit ${user.login}`} onClose=${onClose}>
    <form class="dialog-form" onSubmit=${submit} novalidate>
      <div class="dialog-body">
        <${Field} label="Name" id="edit-user-name" error=${errors.name} optional>
          <input id="edit-user-name" class="input" autofocus value=${name} onInput=${(e) => setName(e.target.value)} />
        <//>
        <${Field} label="Role" id="edit-user-role" error=${errors.role}
            hint=${isSelf ? 'You cannot change your own role; ask another admin.' : ''}>
          <${RoleSelect} id="edit-user-role" value=${role} onChange=${setRole} disabled=${isSelf} />
        <//>
        ${role === 'client' && html`<${ClientSelect} id="edit-user-client" value=${clientId}
          onChange=${setClientId} error=${errors.client_id} />`}
        <${FormError} id="user-edit-error" message=${errors.form} />
      </div>
      <div class="dialog-foot">
        <button type="button" class="btn" onClick=${onClose}>Cancel</button>
        <${SubmitButton} id="edit-user-submit" busy=${save.busy} label="Save" busyLabel="Saving…" />
      </div>
    </form>
  <//>`;
}
